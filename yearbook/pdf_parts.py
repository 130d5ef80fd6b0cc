"""The book cut into parts that WeasyPrint can lay out one at a time, in any process, in any order
(render_pdf's split render), and what each part's layout tells the rest of the book.

Parts, in book order: the front matter (cover to 目录), then for each chapter its opener and runs of
its articles, then each index. Every article starts a new page and every chapter and the indexes
start on a recto, so a part's layout does not depend on the parts before it: only its first page's
side does (the inner margin is the wider one), and the join (pdf_join) moves a part's pages
sideways when they land on the other side. A part other than the front is laid out *bare* — no
running heads, folios or crop marks — and gets them from a *furniture* document: pages that are
empty but for what the theme's @page rules draw on them, made with the book's page numbers, page
names and named strings (string-set) of the single-pass book. The 目录, the chapter openers' lists
and the indexes are given their page numbers as text (``data-page``, see print.css).

:func:`layout_part` is what a worker process runs; it returns plain data (a :class:`PartLayout`)."""
from __future__ import annotations

import hashlib
import html as html_lib
import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

ARTICLES_PER_PART = 12  # ~45 pages: enough parts to keep two cores busy, and a cheap re-layout after an edit
INDEX_ANCHORS = {"regions": "index-regions", "topics": "index-topics", "people": "index-people"}

# A part laid out on its own has no running heads, folios or crop marks: the furniture brings them.
MARGIN_BOXES = ("top-left-corner", "top-left", "top-center", "top-right", "top-right-corner",
                "bottom-left-corner", "bottom-left", "bottom-center", "bottom-right", "bottom-right-corner",
                "left-top", "left-middle", "left-bottom", "right-top", "right-middle", "right-bottom")
BARE_CSS = "@page { marks: none !important; %s }" % " ".join(
    f"@{box} {{ content: none !important; border: none !important; background: none !important; }}" for box in MARGIN_BOXES)


@dataclass(frozen=True)
class Part:
    """One part of a volume's book. ``kind``: front, opener, body, index or furniture."""

    kind: str
    chapter: int = -1  # opener, body: index into volume.chapters
    start: int = 0  # body: the chapter's articles[start:stop]
    stop: int = 0
    index: str = ""  # index: regions, topics or people
    html: str = ""  # furniture: the pages (see furniture_html)

    @property
    def starts_on_recto(self) -> bool:
        """Chapters (their openers) and the indexes (the first of them) open on a right-hand page."""
        return self.kind == "opener" or (self.kind == "index" and self.index == "regions")


def plan_parts(volume, people: bool, per_part: int = ARTICLES_PER_PART) -> list[Part]:
    """The parts of ``volume`` in book order (the front first)."""
    parts = [Part("front")]
    for number, chapter in enumerate(volume.chapters):
        parts.append(Part("opener", number))
        count = len(chapter.articles)
        runs = max(1, round(count / per_part))
        bounds = [round(i * count / runs) for i in range(runs + 1)]
        parts.extend(Part("body", number, a, b) for a, b in zip(bounds, bounds[1:]) if b > a)
    parts.append(Part("index", index="regions"))
    parts.append(Part("index", index="topics"))
    if people:
        parts.append(Part("index", index="people"))
    return parts


@dataclass
class PageInfo:
    """What the furniture of a page depends on: its page name (``@page chapter``), whether
    WeasyPrint made it as a blank page, and the named strings set on it, in order."""

    name: str
    blank: bool
    strings: dict[str, list[str]]


@dataclass
class PartLayout:
    """A laid-out part. Positions are PDF points from the page's bottom-left (as WeasyPrint writes
    destinations), pages are 0-based within the part."""

    pdf: bytes
    pages: list[PageInfo]
    anchors: dict[str, tuple[int, float, float]]
    bookmarks: list[tuple[int, int, str, float, float, str]]  # page, level, label, x, y, state
    images: list[tuple[str, int, float, float]]  # url, page (from 1), dpi, width in mm
    messages: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        data = asdict(self)
        del data["pdf"]
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, pdf: bytes, text: str) -> "PartLayout":
        data = json.loads(text)
        return cls(pdf=pdf, pages=[PageInfo(**p) for p in data["pages"]],
                   anchors={k: tuple(v) for k, v in data["anchors"].items()},
                   bookmarks=[tuple(b) for b in data["bookmarks"]], images=[tuple(i) for i in data["images"]],
                   messages=data["messages"])


def layout_part(html: str, base_url: str, url_fetcher, pdf_variant: str | None, identifier: bytes,
                bare: bool, first_side: str = "right", counter_start: int | None = None) -> PartLayout:
    """Lay out one part with WeasyPrint and write it as PDF. ``bare``: without the margin boxes and
    crop marks (the furniture brings them). ``first_side`` and ``counter_start`` (furniture only)
    set the side and the number of the first page."""
    from weasyprint import HTML
    from weasyprint.document import Document

    from .leaders import install as install_fast_leaders
    from .render_pdf import LogCollector, raster_images

    install_fast_leaders()

    extra = BARE_CSS if bare else ""
    if first_side == "left":
        extra += " html { break-before: left; }"
    if counter_start is not None:
        extra += f" @page :first {{ counter-reset: page {counter_start}; }}"
    if extra:
        html = html.replace("</head>", f"<style>{extra}</style></head>", 1)

    contexts = []
    build_context = Document._build_layout_context.__func__

    def capture(cls, *args, **kwargs):  # the layout context holds the named strings of each page
        context = build_context(cls, *args, **kwargs)
        contexts.append(context)
        return context

    collector = LogCollector(ignore=("No anchor #",))  # links into other parts: the join resolves them
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    Document._build_layout_context = classmethod(capture)
    try:
        document = HTML(string=html, base_url=base_url, url_fetcher=url_fetcher).render()
    finally:
        Document._build_layout_context = classmethod(build_context)
    try:
        strings = contexts[-1].string_set if contexts else {}
        pages, anchors, bookmarks = [], {}, []
        images = raster_images(document)  # page numbers from 1 within the part
        present = set()
        for number, page in enumerate(document.pages):
            page_type = page._page_box.page_type
            pages.append(PageInfo(page_type.name or "", bool(page_type.blank),
                                  {name: list(by_page[number + 1]) for name, by_page in strings.items()
                                   if number + 1 in by_page}))
            height = page.height
            for name, (x, y, _, _) in page.anchors.items():
                present.add(name)
                anchors.setdefault(name, (number, x * 0.75, (height - y) * 0.75))
            for level, label, (x, y), state in page.bookmarks:
                bookmarks.append((number, level, label, x * 0.75, (height - y) * 0.75, state))
        # Links into other parts: give them a stand-in anchor so that WeasyPrint keeps them (as links
        # to named destinations, which the join defines for the whole book).
        if document.pages:
            for page in document.pages:
                for link_type, target, _, _ in page.links:
                    if link_type == "internal" and target not in present:
                        document.pages[0].anchors[target] = (0, 0, 0, 0)
                        present.add(target)
        pdf = document.write_pdf(pdf_identifier=identifier, pdf_variant=pdf_variant)
    finally:
        logger.removeHandler(collector)
    return PartLayout(pdf, pages, anchors, bookmarks, images, collector.messages)


def furniture_html(pages: list[PageInfo], carried: dict[str, str]) -> str:
    """The body of a furniture document: a first page that only sets the named strings carried in
    from the pages before (it is not used), then one empty page per book page with that page's page
    name and named strings. A page that WeasyPrint made blank in the book is made blank here the
    same way: by the next page asking for a recto."""

    def setters(values: dict[str, list[str]]) -> str:
        out = []
        for name, texts in values.items():
            for text in texts:
                value = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
                style = html_lib.escape(f'string-set: {name} "{value}"; height: 0; margin: 0', quote=True)
                out.append(f'<div style="{style}"></div>')
        return "".join(out)

    items = [f'<div class="yb-furniture" style="height: 0">{setters({k: [v] for k, v in carried.items()})}</div>']
    pending_blank = False
    for info in pages:
        if info.blank:
            pending_blank = True
            continue
        style = f"break-before: {'right' if pending_blank else 'page'}; page: {info.name or 'auto'}; height: 0"
        pending_blank = False
        items.append(f'<div class="yb-furniture" style="{style}">{setters(info.strings)}</div>')
    return "".join(items)


def cache_key(*pieces) -> str:
    digest = hashlib.sha256()
    for piece in pieces:
        digest.update(piece if isinstance(piece, bytes) else str(piece).encode())
        digest.update(b"\x00")
    return digest.hexdigest()


class PartCache:
    """Laid-out parts on disk, keyed by everything their layout depends on (the part's HTML, the
    stylesheet, the images it shows, the WeasyPrint version, the edition): a part is laid out again
    only when one of these changed, and a cached part is byte for byte what a new layout would be."""

    def __init__(self, directory: Path | None):
        self.directory = directory
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
        self.used: set[str] = set()

    def get(self, key: str) -> PartLayout | None:
        self.used.add(key)
        if self.directory is None:
            return None
        meta, pdf = self.directory / f"{key}.json", self.directory / f"{key}.pdf"
        try:
            return PartLayout.from_json(pdf.read_bytes(), meta.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, layout: PartLayout) -> None:
        self.used.add(key)
        if self.directory is None:
            return
        for suffix, data in ((".pdf", layout.pdf), (".json", layout.to_json().encode())):
            temp = self.directory / f".{key}{suffix}.tmp"
            temp.write_bytes(data)
            temp.replace(self.directory / f"{key}{suffix}")

    def write_stats(self, stats: dict) -> None:
        """What the last split render did and how long each stage took (``stats.json``, for bench/)."""
        if self.directory is not None:
            (self.directory / "stats.json").write_text(json.dumps(stats, ensure_ascii=False, indent=1), encoding="utf-8")

    def prune(self) -> None:
        """Remove the entries this build did not use (a cache never outgrows one build)."""
        if self.directory is None:
            return
        for path in self.directory.iterdir():
            if path.is_dir() or path.name == "stats.json":
                continue
            key = path.name.split(".")[0] if not path.name.startswith(".") else path.name[1:].split(".")[0]
            if key not in self.used:
                path.unlink(missing_ok=True)
