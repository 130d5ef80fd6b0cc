"""Read a built yearbook back as a reader would: the site's pages and links, the PDF's text,
bookmarks and fonts."""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

from pypdf import PdfReader


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []  # (tag, url)
        self.ids: set[str] = set()
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for name in ("href", "src"):
            if attrs.get(name) is not None and not (tag == "link" and attrs.get("rel") in ("canonical", "alternate")):
                self.links.append((tag, attrs[name]))
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


@dataclass
class Page:
    path: Path
    html: str
    links: list[tuple[str, str]]
    ids: set[str]
    text: str


def read_page(path: Path) -> Page:
    html = path.read_text(encoding="utf-8")
    parser = _PageParser()
    parser.feed(html)
    return Page(path, html, parser.links, parser.ids, re.sub(r"\s+", " ", "".join(parser.text)))


def broken_links(site_dir: Path) -> list[str]:
    """Every internal href/src in the site that does not resolve to a file (or to an id in it)."""
    problems = []
    pages = {p: read_page(p) for p in site_dir.rglob("*.html")}
    for path, page in pages.items():
        for tag, url in page.links:
            parsed = urlparse(url)
            if parsed.scheme or url.startswith("//"):
                if parsed.scheme not in ("http", "https", "mailto"):
                    problems.append(f"{path.relative_to(site_dir)}: odd URL {url!r}")
                continue
            if url.startswith("/"):
                problems.append(f"{path.relative_to(site_dir)}: absolute link {url!r} breaks under a sub-path")
                continue
            target_path = unquote(parsed.path)
            if target_path == "":
                target = path
            else:
                target = Path(posixpath.normpath(posixpath.join(path.parent.as_posix(), target_path)))
                if url.endswith("/") or target.is_dir():
                    target = target / "index.html"
            if not target.is_file() or not target.resolve().is_relative_to(site_dir.resolve()):
                problems.append(f"{path.relative_to(site_dir)}: {url!r} does not resolve")
                continue
            if parsed.fragment and target.suffix == ".html":
                target_page = pages.get(target) or read_page(target)
                if parsed.fragment not in target_page.ids:
                    problems.append(f"{path.relative_to(site_dir)}: {url!r} has no element #{parsed.fragment}")
    return problems


def squash(text: str) -> str:
    """Text with all white space removed (PDF text extraction breaks lines anywhere)."""
    return re.sub(r"\s+", "", text)


@dataclass
class Bookmark:
    title: str
    level: int
    page: int  # 1-based physical page


def pdf_bookmarks(reader: PdfReader) -> list[Bookmark]:
    found: list[Bookmark] = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                found.append(Bookmark(item.title, level, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 1)
    return found


def pdf_page_texts(reader: PdfReader) -> list[str]:
    return [page.extract_text() or "" for page in reader.pages]


def first_page_with(texts: list[str], needle: str, start: int = 1) -> int | None:
    """1-based number of the first page (from ``start``) whose text contains ``needle`` (white space ignored)."""
    target = squash(needle)
    for number in range(start, len(texts) + 1):
        if target in squash(texts[number - 1]):
            return number
    return None
