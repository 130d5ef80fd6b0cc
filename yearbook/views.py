"""Model → what templates may see. Site and print share these helpers: URLs (relative to the page
for the site, anchors for the book), HTML fragments with their media and article links resolved,
and labels (关键词一, dates, region paths)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from markupsafe import Markup

from . import urls
from .articles import chinese_number
from .collation import initial_letter, sort_key
from .markup import ARTICLE_MARK, MEDIA_MARK, shift_headings
from .model import Article, Person, RegionNode, Volume, Yearbook


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


def keyword_label(number: int) -> str:
    return f"关键词{chinese_number(number)}"


def region_label(article: Article) -> str:
    return " · ".join(region.name for region in article.region_path)


class SiteViews:
    """Context for site pages: every URL is made relative to the page being rendered."""

    def __init__(self, yearbook: Yearbook, pdf_names: set[str] = frozenset()):
        self.yearbook = yearbook
        self.config = yearbook.config
        self.pdf_names = pdf_names
        self.articles_by_source = {
            a.source_path.relative_to(self.config.content_dir).as_posix(): a for a in yearbook.articles
        }
        self.region_nodes: dict[str, RegionNode] = {}
        self._index_regions(yearbook.region_tree)

    def _index_regions(self, nodes: list[RegionNode]) -> None:
        for node in nodes:
            self.region_nodes[node.region.code] = node
            self._index_regions(node.children)

    def region_url(self, region) -> str:
        node = self.region_nodes.get(region.code)
        return urls.region_url(node.slug_path) if node else urls.regions_url()

    def context(self, page_url: str, **extra) -> dict:
        root = urls.root_prefix(page_url)

        def url(target: str) -> str:
            return urls.relative_url(page_url, target)

        def content(html: str) -> Markup:
            html = html.replace(MEDIA_MARK, root + "media/")
            if ARTICLE_MARK in html:
                for rel, article in self.articles_by_source.items():
                    html = html.replace(ARTICLE_MARK + rel, url(urls.article_url(article.slug)))
            return Markup(html)

        absolute = self.config.base_url + urls.output_file(page_url).removesuffix("index.html") if self.config.base_url else ""
        context = {
            "config": self.config,
            "yearbook": self.yearbook,
            "page_url": page_url,
            "canonical_url": absolute,
            "root": root,
            "url": url,
            "content": content,
            "urls": urls,
            "region_url": self.region_url,
            "has_pdf": lambda volume: volume.pdf_name in self.pdf_names,
            "keyword_label": keyword_label,
            "region_label": region_label,
            "group_by_letter": group_by_letter,
            "topic_groups": topic_groups(self.yearbook.topic_entries),
            "people_groups": group_by_letter(self.yearbook.people, lambda p: p.name),
        }
        context.update(extra)
        return context


class BookViews:
    """Context for the print document of one volume: links are in-document anchors."""

    def __init__(self, yearbook: Yearbook, volume: Volume):
        self.yearbook = yearbook
        self.volume = volume
        self.config = yearbook.config

    def context(self) -> dict:
        content_dir = self.config.content_dir

        def content(html: str, shift: int = 1) -> Markup:
            html = html.replace(MEDIA_MARK, content_dir.resolve().as_uri() + "/")
            if ARTICLE_MARK in html:
                for article in self.volume.articles:
                    rel = article.source_path.relative_to(content_dir).as_posix()
                    html = html.replace(ARTICLE_MARK + rel, "#" + article.anchor)
                html = html.replace(ARTICLE_MARK, "#")
            return Markup(shift_headings(html, shift) if shift else html)

        people = [p for p in self.yearbook.people if any(a.volume is self.volume for a, _ in p.credits)]
        entries = region_entries(self.volume.region_tree)
        return {
            "region_entries": entries,
            "region_groups": group_by_letter(entries, lambda n: n.region.name, lambda n: n.region.pinyin),
            "topic_groups": topic_groups(self.volume.topic_entries),
            "people_groups": group_by_letter(people, lambda p: p.name),
            "config": self.config,
            "volume": self.volume,
            "people": people,
            "content": content,
            "keyword_label": keyword_label,
            "region_label": region_label,
            "group_by_letter": group_by_letter,
            "person_articles": person_articles_in(self.volume),
        }


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


def person_articles_in(volume: Volume) -> Callable[[Person], list[Article]]:
    def articles(person: Person) -> list[Article]:
        seen: list[Article] = []
        for article, _ in person.credits:
            if article.volume is volume and article not in seen:
                seen.append(article)
        return seen
    return articles
