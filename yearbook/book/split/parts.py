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

from ...output import replace_file
from ..weasy import LogCollector, article_starts, install_fast_leaders, number_boxes, raster_images
from .join import move_links

ARTICLES_PER_PART = 12  # ~45 pages: enough parts to keep two cores busy, and a cheap re-layout after an edit
INDEX_ANCHORS = {"regions": "index-regions", "topics": "index-topics", "people": "index-people"}

# A part laid out on its own has no running heads, folios or crop marks: the furniture brings them.
MARGIN_BOXES = ("top-left-corner", "top-left", "top-center", "top-right", "top-right-corner",
                "bottom-left-corner", "bottom-left", "bottom-center", "bottom-right", "bottom-right-corner",
                "left-top", "left-middle", "left-bottom", "right-top", "right-middle", "right-bottom")
BARE_CSS = "@page { marks: none !important; %s }" % " ".join(
    f"@{box} {{ content: none !important; border: none !important; background: none !important; }}" for box in MARGIN_BOXES)


DIGIT_SAMPLES = ('<div style="break-before: page; page: auto; font-feature-settings: \'hwid\'">0123456789'
                 '<span class="hf">0123456789</span></div>')


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
    # per page, the page numbers drawn on it (page_stamps.number_boxes): x, baseline y, text, ordinal
    numbers: list[list[tuple[float, float, str, int]]] = field(default_factory=list)
    # not stored: the numbers to rewrite when this layout stands for one with other numbers
    # (page_stamps), per page index: [(x, y, old, new)]
    stamps: dict[int, list[tuple[float, float, str, str]]] = field(default_factory=dict)
    # the page where each <article> of the part begins (body parts), in order
    articles: list[int] = field(default_factory=list)
    article_keys: list[str] = field(default_factory=list)  # the cache keys of its articles (body parts)
    # not stored: a view of one article of another part's layout starts at this page of ``pdf``
    offset: int = 0

    def to_json(self) -> str:
        data = asdict(self)
        del data["pdf"], data["stamps"], data["offset"]
        return json.dumps(data, ensure_ascii=False)

    def restamped(self, numbers: list[str]) -> "PartLayout | None":
        """This layout showing ``numbers`` (the part's page numbers in document order) instead of
        the ones it was laid out with, or None when its numbers were not all found on its pages."""
        from dataclasses import replace

        stamps: dict[int, list] = {}
        seen = set()
        for page, boxes in enumerate(self.numbers):
            for x, y, old, ordinal in boxes:
                if ordinal == -1:
                    continue  # a folio: the furniture's, or the front matter's own (they do not move)
                if ordinal < 0 or ordinal >= len(numbers) or ordinal in seen or len(numbers[ordinal]) != len(old):
                    return None
                seen.add(ordinal)
                if numbers[ordinal] != old:
                    stamps.setdefault(page, []).append((x, y, old, numbers[ordinal]))
        if len(seen) != len(numbers):
            return None
        return replace(self, stamps=stamps)

    @classmethod
    def from_json(cls, pdf: bytes, text: str) -> "PartLayout":
        data = json.loads(text)
        return cls(pdf=pdf, pages=[PageInfo(**p) for p in data["pages"]],
                   anchors={k: tuple(v) for k, v in data["anchors"].items()},
                   bookmarks=[tuple(b) for b in data["bookmarks"]], images=[tuple(i) for i in data["images"]],
                   messages=data["messages"], numbers=[[tuple(n) for n in page] for page in data.get("numbers", [])],
                   articles=data.get("articles", []), article_keys=data.get("article_keys", []))

    def article_views(self, count: int) -> "list[PartLayout] | None":
        """This body part's layout as one view per article (each article begins a page), or None
        when its pages do not show ``count`` articles."""
        starts = self.articles
        if len(starts) != count or (starts and starts[0] != 0) or starts != sorted(set(starts)):
            return None
        bounds = starts + [len(self.pages)]
        views = []
        for i in range(count):
            a, b = bounds[i], bounds[i + 1]
            views.append(PartLayout(
                pdf=self.pdf, pages=self.pages[a:b],
                anchors={k: (p - a, x, y) for k, (p, x, y) in self.anchors.items() if a <= p < b},
                bookmarks=[(p - a, *rest) for p, *rest in self.bookmarks if a <= p < b],
                images=[(u, p - a, d, w) for u, p, d, w in self.images if a < p <= b],
                messages=self.messages if i == 0 else [], offset=self.offset + a))
        return views


def side_shift(rendered_right: bool, placed_right: bool, to_verso: float) -> float:
    """How far a page moves sideways when it lands on the other side from the one it was laid out
    on: the inner and outer margins trade places."""
    return 0.0 if rendered_right == placed_right else (to_verso if rendered_right else -to_verso)


def compose(views: list[PartLayout], to_verso: float) -> PartLayout:
    """One part's layout from the views of its articles, laid out in different documents: their
    pages in one PDF, each moved sideways when it was laid out on the other side from the one it
    has here (so that, as in a part laid out at once, page i was laid out as a recto when i is even)."""
    from io import BytesIO

    import pikepdf

    out = pikepdf.new()
    sources: dict[int, pikepdf.Pdf] = {}
    pages, anchors, bookmarks, images, messages, starts = [], {}, [], [], [], []
    for view in views:
        if id(view.pdf) not in sources:
            sources[id(view.pdf)] = pikepdf.open(BytesIO(view.pdf))
        source = sources[id(view.pdf)]
        first = len(out.pages)
        starts.append(first)
        shifts = []
        for k in range(len(view.pages)):
            out.pages.append(source.pages[view.offset + k])
            shift = side_shift((view.offset + k) % 2 == 0, (first + k) % 2 == 0, to_verso)
            shifts.append(shift)
            if shift:
                page = out.pages[-1]
                page.contents_add(f"q 1 0 0 1 {shift:.6f} 0 cm\n".encode(), prepend=True)
                page.contents_add(b"\nQ\n")
                move_links(page, shift)
        pages.extend(view.pages)
        for name, (page, x, y) in view.anchors.items():
            anchors.setdefault(name, (first + page, x + shifts[page], y))
        bookmarks.extend((first + page, level, label, x + shifts[page], y, state)
                         for page, level, label, x, y, state in view.bookmarks)
        images.extend((url, first + page, dpi, width) for url, page, dpi, width in view.images)
        messages.extend(view.messages)
    data = BytesIO()
    out.save(data, deterministic_id=True, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    for source in sources.values():
        source.close()
    return PartLayout(data.getvalue(), pages, anchors, bookmarks, images, messages, articles=starts)


def layout_part(html: str, base_url: str, url_fetcher, pdf_variant: str | None, identifier: bytes,
                bare: bool, first_side: str = "right", counter_start: int | None = None,
                digit_samples: bool = False) -> PartLayout:
    """Lay out one part with WeasyPrint and write it as PDF. ``bare``: without the margin boxes and
    crop marks (the furniture brings them). ``first_side`` and ``counter_start`` (furniture only)
    set the side and the number of the first page."""
    from weasyprint import HTML
    from weasyprint.document import Document

    install_fast_leaders()

    extra = BARE_CSS if bare else ""
    if first_side == "left":
        extra += " html { break-before: left; }"
    if counter_start is not None:
        extra += f" @page :first {{ counter-reset: page {counter_start}; }}"
    if extra:
        html = html.replace("</head>", f"<style>{extra}</style></head>", 1)
    if digit_samples:
        # a last page, left out of the book, that draws every half-width digit in the body and the
        # heading font: page numbers stamped into this part later find their glyphs (page_stamps)
        html = html.replace("</body>", DIGIT_SAMPLES + "</body>", 1)

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
        source = HTML(string=html, base_url=base_url, url_fetcher=url_fetcher)
        document = source.render()
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
        numbers = number_boxes(source, document)
        articles = article_starts(document)
        pdf = document.write_pdf(pdf_identifier=identifier, pdf_variant=pdf_variant)
    finally:
        logger.removeHandler(collector)
    if digit_samples:
        pages, numbers = pages[:-1], numbers[:-1]
    return PartLayout(pdf, pages, anchors, bookmarks, images, collector.messages, numbers, articles=articles)


def signature_html(signatures: list[tuple]) -> str:
    """The body of a furniture document: for each page signature (split_render._signatures: digits,
    side, strings in force, page name, blank, strings set on the page, next page's name) an empty
    page that has it, anchored ``yb-sig-K`` (for a blank page: the page after it). Before each, an
    unused page sets the strings in force; a blank page is made as WeasyPrint makes one in the book:
    by the next page asking for the other side."""

    def setters(values) -> str:
        out = []
        for name, texts in values:
            for text in texts:
                value = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
                style = html_lib.escape(f'string-set: {name} "{value}"; height: 0; margin: 0', quote=True)
                out.append(f'<div style="{style}"></div>')
        return "".join(out)

    names = sorted({name for s in signatures for name, _ in s[2]} | {name for s in signatures for name, _ in s[5]})
    items = ['<div class="yb-furniture" style="height: 0"></div>']
    for k, (_, side, carried, name, blank, strings, following) in enumerate(signatures):
        in_force = dict(carried)
        reset = setters((n, [in_force.get(n, "")]) for n in names)
        other = "left" if side == "right" else "right"
        if blank:
            items.append(f'<div class="yb-furniture" style="break-before: {other}; page: auto; height: 0">{reset}</div>')
            items.append(f'<div class="yb-furniture" id="yb-sig-{k}" style="break-before: {other}; '
                         f'page: {following or "auto"}; height: 0"></div>')
        else:
            items.append(f'<div class="yb-furniture" style="break-before: page; page: auto; height: 0">{reset}</div>')
            items.append(f'<div class="yb-furniture" id="yb-sig-{k}" style="break-before: {side}; '
                         f'page: {name or "auto"}; height: 0">{setters(strings)}</div>')
    # ten more pages with folios, so that the document's fonts hold every digit a folio may need
    items.extend('<div class="yb-furniture" style="break-before: page; page: auto; height: 0"></div>' for _ in range(10))
    return "".join(items)


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
        self._pdfs: dict[str, bytes] = {}

    def get(self, key: str) -> PartLayout | None:
        self.used.add(key)
        if self.directory is None:
            return None
        meta, pdf = self.directory / f"{key}.json", self.directory / f"{key}.pdf"
        try:
            return PartLayout.from_json(pdf.read_bytes(), meta.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def get_shape(self, shape_key: str) -> tuple[str, PartLayout] | None:
        """A layout of a part with the same shape (page_stamps.shape) and its key."""
        if self.directory is None:
            return None
        try:
            key = (self.directory / f"{shape_key}.shape").read_text(encoding="ascii").strip()
        except OSError:
            return None
        layout = self.get(key)
        if layout is not None:
            self.used.add(shape_key)
            return key, layout
        return None

    def put_shape(self, shape_key: str, key: str) -> None:
        self.used.add(shape_key)
        if self.directory is None:
            return
        replace_file(self.directory / f"{shape_key}.shape", key.encode("ascii"))

    def get_article(self, key: str) -> tuple[PartLayout, str] | None:
        """One article's pages in a cached part (a view, see PartLayout.article_views), and the
        key of that part's PDF."""
        if self.directory is None:
            return None
        try:
            data = json.loads((self.directory / f"{key}.art").read_text(encoding="utf-8"))
            pdf_key = data["pdf"]
            if pdf_key not in self._pdfs:
                self._pdfs[pdf_key] = (self.directory / f"{pdf_key}.pdf").read_bytes()
            view = PartLayout.from_json(self._pdfs[pdf_key], json.dumps(data["layout"]))
            view.offset = int(data["offset"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        self.used.update((key, pdf_key))
        return view, pdf_key

    def put_article(self, key: str, pdf_key: str, view: PartLayout) -> None:
        self.used.update((key, pdf_key))
        if self.directory is None:
            return
        data = {"pdf": pdf_key, "offset": view.offset, "layout": json.loads(view.to_json())}
        replace_file(self.directory / f"{key}.art", json.dumps(data, ensure_ascii=False).encode("utf-8"))

    def put(self, key: str, layout: PartLayout) -> None:
        self.used.add(key)
        if self.directory is None:
            return
        for suffix, data in ((".pdf", layout.pdf), (".json", layout.to_json().encode())):
            replace_file(self.directory / f"{key}{suffix}", data)

    def write_stats(self, stats: dict) -> None:
        """What the last split render did and how long each stage took (``stats.json``, for bench/)."""
        if self.directory is not None:
            (self.directory / "stats.json").write_text(json.dumps(stats, ensure_ascii=False, indent=1), encoding="utf-8")

    def prune(self) -> None:
        """Remove the entries this build did not use (a cache never outgrows one build)."""
        if self.directory is None:
            return
        for path in self.directory.iterdir():
            if path.is_dir() or path.name in ("stats.json", "typeset.pickle", "sources.json"):
                continue
            key = path.name.split(".")[0] if not path.name.startswith(".") else path.name[1:].split(".")[0]
            if key not in self.used:
                path.unlink(missing_ok=True)
