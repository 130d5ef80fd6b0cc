"""Pages of the book that are not reports: ``content/pages/*.md`` (the 编辑说明/凡例 …).

Each file has front matter with ``title`` (required) and optionally ``order`` (front-matter pages
are set in this order, default 0, then by file name), then a Markdown body (same rules as articles:
images and links relative, inside ``content/``). Problems are reported as ContentErrors with the
file and line."""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from ..errors import ContentError, ContentErrors, Problem, SourceLocation
from ..i18n import _
from .markup import render_markdown
from .model import Table
from .sources import read_source
from .yamlfile import load_yaml

PAGES_DIR = "pages"
PAGE_KEYS = {"title", "order"}


@dataclass(frozen=True)
class BookPage:
    """A front-matter page: its title, its body as an HTML fragment and its anchor in the book."""

    slug: str
    title: str
    body_html: str
    order: int = 0
    path: Path | None = None  # its file
    tables: tuple[Table, ...] = ()  # every table it has, at its file line

    @property
    def anchor(self) -> str:
        return f"page-{self.slug}"


def load_pages(content_dir: Path) -> list[BookPage]:
    """Every page of ``content/pages/`` in book order; none when the folder does not exist."""
    pages_dir = content_dir / PAGES_DIR
    if not pages_dir.is_dir():
        return []
    pages, problems = [], []
    for path in sorted(pages_dir.glob("*.md")):
        try:
            pages.append(_load_page(path, content_dir))
        except ContentError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ContentErrors(problems)
    return sorted(pages, key=lambda page: page.order)


def _load_page(path: Path, content_dir: Path) -> BookPage:
    """One page, or ContentErrors with every problem it has."""
    source = read_source(path, content_dir)
    if source.body_problems():
        raise ContentErrors(source.body_problems())
    data, lines = load_yaml(source.front_matter, path, source.front_matter_line)
    problems: list[Problem] = []

    def at(key: str) -> SourceLocation:
        return SourceLocation(path, source.front_matter_line + (lines.line(key) or 0))

    if not isinstance(data, dict):
        raise ContentError(_("a page's front matter must be 'key: value' fields"), SourceLocation(path, source.front_matter_line),
                           _("e.g. title: 编辑说明"))
    if not str(data.get("title") or "").strip():
        problems.append(Problem(_("a page needs a 'title'"), SourceLocation(path, source.front_matter_line), _("e.g. title: 编辑说明")))
    for key in sorted(set(data) - PAGE_KEYS, key=str):
        close = difflib.get_close_matches(str(key), sorted(PAGE_KEYS), n=1)
        problems.append(Problem(_("unknown key '{key}' in a page", key=key), at(key),
                                _("did you mean '{suggestion}'? A page has only 'title' and 'order'", suggestion=close[0]) if close else
                                _("a page has only 'title' and 'order'")))
    order = data.get("order", 0)
    if not isinstance(order, int) or isinstance(order, bool):
        problems.append(Problem(_("'order' must be a whole number"), at("order")))
    markup = render_markdown(source.body, source.rel_path.as_posix(), content_dir, anchor_prefix=f"page-{path.stem}-")
    problems += [Problem(p.message, SourceLocation(path, source.body_line + (p.line or 0) if p.line is not None else None), p.hint)
                 for p in markup.problems if p.severity == "error"]  # a page's warnings: the articles' are reported
    if problems:
        raise ContentErrors(sorted(problems, key=lambda p: p.location.line or 0))
    tables = tuple(Table(None if t.line is None else source.body_line + t.line, t.columns, t.containers) for t in markup.tables)
    return BookPage(slug=path.stem, title=str(data["title"]).strip(), body_html=markup.html, order=order, path=path,
                    tables=tables)
