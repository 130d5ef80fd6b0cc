"""The indexes of a yearbook as readers use them, on the site and in the book: entries in 汉语拼音
order grouped by initial letter (A, B, C …), the 主题索引 with its 见 cross-references, every region
of a tree in reading order, and how a person was sorted."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .collation import initial_letter, sort_key
from .model import Person, RegionNode


@dataclass
class LetterGroup:
    letter: str
    entries: list


def group_by_letter(entries: list, text_of: Callable, reading_of: Callable = lambda e: None) -> list[LetterGroup]:
    """Split pinyin-sorted entries into A, B, C … groups (Latin/digit headings first, under '#')."""
    groups: list[LetterGroup] = []
    for entry in entries:
        letter = initial_letter(text_of(entry), reading_of(entry))
        if not groups or groups[-1].letter != letter:
            groups.append(LetterGroup(letter, []))
        groups[-1].entries.append(entry)
    return groups


@dataclass
class CrossReference:
    """A 见 entry of the 主题索引: an alias that points to the topic name used in the book."""

    term: str
    target: str
    target_slug: str
    sort_key: tuple
    is_cross_reference: bool = True


def topic_index_groups(entries: list) -> list[LetterGroup]:
    """The 主题索引: topics and, for each alias that is not itself a topic, a 见 cross-reference
    (科普 → 见 科学普及), all in 汉语拼音 order and grouped by initial letter."""
    names = {entry.topic.name for entry in entries}
    items: list = list(entries)
    seen: set[str] = set()
    for entry in entries:
        for alias in entry.topic.aliases:
            if alias not in names and alias not in seen:
                seen.add(alias)
                items.append(CrossReference(alias, entry.topic.name, entry.topic.slug, sort_key(alias)))
    items.sort(key=lambda item: item.sort_key)
    return group_by_letter(items, lambda item: item.term if isinstance(item, CrossReference) else item.topic.name,
                           lambda item: None if isinstance(item, CrossReference) else item.topic.sort_as)


def topic_groups(entries: list) -> list[LetterGroup]:
    return group_by_letter(entries, lambda e: e.topic.name, lambda e: e.topic.sort_as)


def region_entries(tree: list[RegionNode]) -> list[RegionNode]:
    """Every region of the tree (省, 市, 区县) in 汉语拼音 order, for the region index."""
    flat: list[RegionNode] = []

    def walk(nodes: list[RegionNode]) -> None:
        for node in nodes:
            flat.append(node)
            walk(node.children)

    walk(tree)
    return sorted(flat, key=lambda node: sort_key(node.region.name, node.region.pinyin))


def person_sort_reading(person: Person) -> str:
    """The reading a person was sorted by (surname rule or the byline's sort_as), for the letter group."""
    return " ".join(str(syllable[0]) for syllable in person.sort_key[1]) if len(person.sort_key) > 1 else ""


def keywords_under(topic, article) -> list:
    """The 关键词 sections of ``article`` that the 主题索引 lists under ``topic``: those whose title
    names the topic (its name or one of its other names, written out or with characters between, as
    科技交流与合作 names 科技交流合作); a section that names none of the article's topics is listed
    under the first of them. So every section is listed once at least, and none is repeated under
    every topic of its article."""
    chosen = []
    for keyword in article.keywords:
        named = [t for t in article.topics if any(_names(name, keyword.title) for name in (t.name, *t.aliases))]
        if topic in named or (not named and article.topics and article.topics[0] == topic):
            chosen.append(keyword)
    return chosen


def _names(name: str, title: str) -> bool:
    """Whether ``title`` holds the characters of ``name`` in order (a name of two characters: together)."""
    if not name:
        return False
    if len(name) <= 2 or name in title:
        return name in title
    position = 0
    for char in name:
        position = title.find(char, position)
        if position < 0:
            return False
        position += 1
    return True
