"""The yearbook's data: articles, keywords, bylines, topics, people, regions, volumes.
Plain dataclasses; no I/O and no rendering."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .regions import Region


@dataclass(frozen=True)
class PartialDate:
    """A date whose month or day may be unknown (``2021``, ``2021-12``, ``2021-12-27``)."""

    year: int
    month: int | None = None
    day: int | None = None

    def iso(self) -> str:
        parts = [f"{self.year:04d}"]
        if self.month:
            parts.append(f"{self.month:02d}")
            if self.day:
                parts.append(f"{self.day:02d}")
        return "-".join(parts)

    def chinese(self) -> str:
        text = f"{self.year}年"
        if self.month:
            text += f"{self.month}月"
            if self.day:
                text += f"{self.day}日"
        return text

    def sort_key(self) -> tuple[int, int, int]:
        return (self.year, self.month or 0, self.day or 0)


@dataclass(frozen=True)
class Topic:
    """A 主题 of the taxonomy (readers see it as a theme)."""

    slug: str
    name: str
    description: str = ""
    aliases: tuple[str, ...] = ()
    sort_as: str | None = None


@dataclass(frozen=True)
class Byline:
    role: str
    name: str
    sort_as: str = ""  # the name's reading for the 人名索引 when the surname rule gets it wrong


@dataclass(frozen=True)
class Keyword:
    """A 关键词 section: title, 现场回放 (scene) and 记者观察 (observation), as HTML fragments."""

    number: int  # 1-based
    title: str
    scene_html: str
    observation_html: str
    anchor: str  # element id inside the article


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str


@dataclass(frozen=True)
class Excerpt:
    part: int
    of: int


@dataclass(frozen=True)
class Table:
    """A table of an article or page: its line, how many columns, and the blocks it is set in (the
    field: 'summary', 'scene', 'observation'; then 'blockquote', 'list', 'figure'), which the book
    indents from the margins."""

    line: int | None
    columns: int
    containers: tuple[str, ...] = ()


@dataclass
class Article:
    """One report as the yearbook shows it."""

    slug: str
    source_path: Path
    title: str
    organization: str
    region: Region
    date: PartialDate
    year: int  # the year reported on (front matter 'year', else the year of 'date'): it decides the volume
    topics: list[Topic]
    body_html: str
    kicker: str = ""
    region_note: str = ""
    summary_html: str = ""
    summary_text: str = ""
    keywords: list[Keyword] = field(default_factory=list)
    bylines: list[Byline] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    source: str = ""
    excerpt: Excerpt | None = None
    images: list[str] = field(default_factory=list)  # content-relative paths used by the article
    article_links: list[tuple[str, int | None]] = field(default_factory=list)  # (.md path, file line) it links to
    slug_line: int | None = None  # file line of its `slug:` field, if it has one
    year_line: int | None = None  # file line of the field its year comes from (`year:`, else `date:`)
    draft: bool = False  # checked, shown by serve (marked 草稿), never published
    review: list[tuple[int, str]] = field(default_factory=list)  # a draft's undecided items: (file line, text)
    tables: list[Table] = field(default_factory=list)  # every table it has (body, summary, keywords), at its file line
    # Filled in by collect.build_yearbook:
    region_path: list[Region] = field(default_factory=list)  # province first
    volume: "Volume | None" = None
    previous: "Article | None" = None
    next: "Article | None" = None

    @property
    def anchor(self) -> str:
        return f"article-{self.slug}"


@dataclass
class Person:
    """Someone named in a byline."""

    name: str
    slug: str
    sort_key: tuple
    credits: list[tuple[Article, str]] = field(default_factory=list)  # (article, role)


@dataclass
class RegionNode:
    """A region in the tree 省 → 市 → 区县, with the articles placed directly on it."""

    region: Region
    slug_path: tuple[str, ...]
    children: list["RegionNode"] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)

    def all_articles(self) -> list[Article]:
        found = list(self.articles)
        for child in self.children:
            found.extend(child.all_articles())
        return found

    def count(self) -> int:
        return len(self.articles) + sum(child.count() for child in self.children)


@dataclass
class TopicEntry:
    topic: Topic
    articles: list[Article]
    sort_key: tuple


@dataclass
class Chapter:
    """A book chapter: one province (or the unspecified entry) and its articles in order."""

    region: Region
    articles: list[Article]

    @property
    def anchor(self) -> str:
        return f"chapter-{self.region.code}"


@dataclass
class Volume:
    """One PDF: the articles of one report year, or of a configured group of years."""

    slug: str
    name: str
    years: tuple[int, ...]
    chapters: list[Chapter]
    region_tree: list[RegionNode]
    topic_entries: list[TopicEntry]
    pdf_name: str

    @property
    def articles(self) -> list[Article]:
        return [article for chapter in self.chapters for article in chapter.articles]


@dataclass
class Yearbook:
    """Everything the renderers need."""

    config: object
    articles: list[Article]  # all published articles, in book order across volumes
    volumes: list[Volume]
    region_tree: list[RegionNode]
    topic_entries: list[TopicEntry]
    people: list[Person]
    drafts: list[Article] = field(default_factory=list)  # checked, in no volume, list or index (serve shows them)
