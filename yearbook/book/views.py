"""Model → what the print template (book.html) sees for one volume: links are in-document anchors,
text is typeset for print (book/typeset.py), and the volume's indexes (regions, topics, people)."""
from __future__ import annotations

import datetime
import os
import re
from typing import Callable

from markupsafe import Markup

from ..content.indexes import (group_by_letter, keywords_under, person_sort_reading, region_entries, topic_groups,
                               topic_index_groups)
from ..content.config import latin_spacing_em
from ..content.labels import keyword_label, region_label
from ..content.markup import ARTICLE_MARK, MEDIA_MARK, shift_headings, url_path
from ..content.model import Article, Person, Volume, Yearbook
from .typeset import Typesetter

TITLE_SIZE_PT = 16  # the headline's size in print.css (.article-title)
ARTICLE_LINK = re.compile(re.escape(ARTICLE_MARK) + r'[^"]*')  # a link to an article, to the end of its href


class BookViews:
    """Context for the print document of one volume: links are in-document anchors, text is
    typeset for print (yearbook.typeset), and the indexes are built here (see docs/templates.md)."""

    def __init__(self, yearbook: Yearbook, volume: Volume, *, edition=None, geometry=None, spacing=None,
                 pages=(), media_urls: dict[str, str] | None = None, typesetter: Typesetter | None = None):
        self.yearbook = yearbook
        self.volume = volume
        self.config = yearbook.config
        self.edition = edition
        self.geometry = geometry
        self.spacing = spacing or {"space": 0.25, "nbsp": 0.25}
        self.pages = list(pages)
        self.typesetter = typesetter or Typesetter()
        self.media_urls = media_urls or {}  # content-relative path → URL (print edition's CMYK copies)
        self._content_uri: str | None = None
        self._anchors: dict[str, str] | None = None  # ARTICLE_MARK + content-relative path → "#" + anchor

    def _resolve(self, html: str) -> str:
        for rel, url in self.media_urls.items():
            html = html.replace(MEDIA_MARK + url_path(rel), url)
        if self._content_uri is None:
            self._content_uri = self.config.content_dir.resolve().as_uri() + "/"
        html = html.replace(MEDIA_MARK, self._content_uri)
        if ARTICLE_MARK in html:
            if self._anchors is None:
                content_dir = self.config.content_dir
                self._anchors = {ARTICLE_MARK + article.source_path.relative_to(content_dir).as_posix(): "#" + article.anchor
                                 for article in self.volume.articles}
            # a link to an article of this volume → its anchor; to another volume's → "#"
            html = ARTICLE_LINK.sub(lambda m: self._anchors.get(m.group(0)) or "#" + m.group(0)[len(ARTICLE_MARK):], html)
        return html

    def _title_chars(self) -> int:
        """How many characters a headline line holds: the text block less the headline's side
        margins (print.css .article-title: 16pt, 1.5 em each side)."""
        if self.geometry is None:
            return 25
        size = TITLE_SIZE_PT * 25.4 / 72
        return int((self.geometry.text_width - 3 * size) // size)

    def context(self) -> dict:
        def content(html: str, shift: int = 1, justify: bool = True) -> Markup:
            html = self._resolve(html)
            return self.typesetter.html(shift_headings(html, shift) if shift else html, justify)

        people = [p for p in self.yearbook.people if any(a.volume is self.volume for a, _ in p.credits)]
        entries = region_entries(self.volume.region_tree)
        return {
            "region_entries": entries,
            "region_groups": group_by_letter(entries, lambda n: n.region.name, lambda n: n.region.pinyin),
            "topic_groups": topic_groups(self.volume.topic_entries),
            "topic_index": topic_index_groups(self.volume.topic_entries),
            "people_groups": group_by_letter(people, lambda p: p.name, person_sort_reading),
            "config": self.config,
            "volume": self.volume,
            "book_title": f"{self.config.title}（{self.volume.name}）",
            "book_date": book_date(self.volume),
            "edition": self.edition,
            "geometry": self.geometry,
            "spacing": self.spacing,
            "latin_spacing": latin_spacing_em(self.config.pdf),
            "title_pieces": lambda part: self.typesetter.title_pieces(part, self._title_chars()),
            "pages": self.pages,
            "cover_image_url": self._resolve(MEDIA_MARK + url_path(self.config.pdf.cover_image)) if self.config.pdf.cover_image else "",
            "people": people,
            "content": content,
            "typeset": self.typesetter.filter,
            "keyword_label": keyword_label,
            "region_label": region_label,
            "group_by_letter": group_by_letter,
            "person_articles": person_articles_in(self.volume),
            "keywords_under": keywords_under,
            "person_roles": person_roles_in(self.volume),
        }


def person_roles_in(volume: Volume) -> Callable[[Person], list[str]]:
    """A person's byline roles in this volume (融媒体记者, 通讯员 …), each once."""
    def roles(person: Person) -> list[str]:
        found: list[str] = []
        for article, role in person.credits:
            if article.volume is volume and role and role not in found:
                found.append(role)
        return found
    return roles


def person_articles_in(volume: Volume) -> Callable[[Person], list[Article]]:
    def articles(person: Person) -> list[Article]:
        seen: list[Article] = []
        for article, _ in person.credits:
            if article.volume is volume and article not in seen:
                seen.append(article)
        return seen
    return articles


def book_date(volume: Volume) -> str:
    """When the book was made, for its metadata (creation and modification dates): the time
    SOURCE_DATE_EPOCH gives (reproducible builds), else the date of its latest report (so that the
    same content gives the same file), as W3C date-time."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    year, month, day = max((a.date.sort_key() for a in volume.articles), default=(2000, 1, 1))
    return f"{year:04d}-{month or 12:02d}-{day or (31 if not month else 28):02d}T00:00:00+08:00"
