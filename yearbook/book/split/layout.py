"""One part of the book laid out by WeasyPrint, in whatever process runs it, and what its layout
tells the rest of the book (cache.Layout): each page's page name, blank or not and named strings,
the anchors and bookmarks, the page numbers drawn (for stamping), the glyphs drawn with each font
and where the fonts come from (for the book's one set of fonts: fonts.py), where each article
begins.

A part other than the front matter is laid out *bare* — without running heads, folios or crop
marks — and gets them from the furniture (see :func:`signature_html`). In a part of articles each
article begins on a recto: its pages are then the same whatever else was laid out with it (the
blank versos this makes are left out of the book), so an article laid out alone and one laid out in
a run of twelve give the same pages, to the byte (:func:`article_views`)."""
from __future__ import annotations

import hashlib
import html as html_lib
import logging
import re
import sys
from array import array
from dataclasses import astuple, replace
from pathlib import Path

from .. import textlayer, weasy
from .cache import Layout, PageInfo

# A part laid out on its own has no running heads, folios or crop marks: the furniture brings them.
MARGIN_BOXES = ("top-left-corner", "top-left", "top-center", "top-right", "top-right-corner",
                "bottom-left-corner", "bottom-left", "bottom-center", "bottom-right", "bottom-right-corner",
                "left-top", "left-middle", "left-bottom", "right-top", "right-middle", "right-bottom")
BARE_CSS = "@page { marks: none !important; %s }" % " ".join(
    f"@{box} {{ content: none !important; border: none !important; background: none !important; }}" for box in MARGIN_BOXES)
RECTO_ARTICLES_CSS = "article { break-before: right !important; }"
# a last page, left out of the book, that draws every half-width digit in the body and the heading
# font: page numbers stamped into the part later find their glyphs there (stamps.py)
DIGIT_SAMPLES = ('<div style="break-before: page; page: auto; font-feature-settings: \'hwid\'">0123456789'
                 '<span class="hf">0123456789</span></div>')


def code_digest() -> str:
    """What a laid-out part depends on in this package's code, for the cache keys: the adapter
    (it changes how WeasyPrint lays text out), the text layer's cleaning and this module."""
    digest = hashlib.sha256()
    for module in (weasy, textlayer):
        digest.update(Path(module.__file__).read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


def lay_out(html: str, base_url: str, url_fetcher, pdf_variant: str | None, identifier: bytes, *, bare: bool,
            first_side: str = "right", counter_start: int | None = None, digit_samples: bool = False,
            recto_articles: bool = False) -> Layout:
    """Lay one part out and write it as PDF, its text layer cleaned (textlayer.py). ``bare``:
    without margin boxes and crop marks. ``first_side`` and ``counter_start`` set the side and the
    number of the first page."""
    weasy.install_fast_leaders()
    weasy.install_cjk_justification()
    weasy.install_margin_break_fix()
    weasy.install_line_fit()
    weasy.install_page_fill()
    extra = BARE_CSS if bare else ""
    if recto_articles:
        extra += " " + RECTO_ARTICLES_CSS
    if first_side == "left":
        extra += " html { break-before: left; }"
    if counter_start is not None:
        # the counter is this document's own: it starts where the book's stands, and no page of the
        # theme's resets it (the 正文's reset on the first chapter opener's first page would match a
        # furniture page that only has that page's name, and set every folio after it to the wrong number)
        extra += f" @page {{ counter-reset: none !important; }} @page :first {{ counter-reset: page {counter_start} !important; }}"
    if extra:
        html = html.replace("</head>", f"<style>{extra}</style></head>", 1)
    if digit_samples:
        html = html.replace("</body>", DIGIT_SAMPLES + "</body>", 1)

    collector = weasy.LogCollector(ignore=("No anchor #",))  # links into other parts: the book resolves them
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    try:
        source, document, strings = weasy.render(html, base_url, url_fetcher)
        pages, anchors, bookmarks = [], {}, []
        images = weasy.raster_images(document)  # page numbers from 1 within the part
        present = set()
        for number, page in enumerate(document.pages):
            name, blank = weasy.page_type(page)
            pages.append(PageInfo(name, blank, {key: values[number + 1] for key, values in strings.items()
                                                if number + 1 in values}))
            height = page.height
            for anchor, (x, y, _, _) in page.anchors.items():
                present.add(anchor)
                anchors.setdefault(anchor, (number, x * 0.75, (height - y) * 0.75))
            for level, label, (x, y), state in page.bookmarks:
                bookmarks.append((number, level, label, x * 0.75, (height - y) * 0.75, state))
        # Links into other parts: a stand-in anchor makes WeasyPrint keep them (as links to named
        # destinations, which the book defines for all its anchors)
        for page in document.pages:
            for link_type, target, _, _ in page.links:
                if link_type == "internal" and target not in present:
                    document.pages[0].anchors[target] = (0, 0, 0, 0)
                    present.add(target)
        numbers = weasy.number_boxes(source, document)
        articles = weasy.article_starts(document)
        pdf = document.write_pdf(pdf_identifier=identifier, pdf_variant=pdf_variant)
        fonts = {name: list(astuple(face)) for name, face in weasy.font_sources(document).items()}
    finally:
        logger.removeHandler(collector)
    # the glyphs WeasyPrint drew, before the text layer is cleaned: the book's fonts hold them all,
    # as the fonts of a single pass do (its text layer is cleaned after WeasyPrint embedded them)
    contents: list[bytes] = []
    pdf = textlayer.clean(pdf, contents)
    glyphs = [content_glyphs(content) for content in contents]
    if digit_samples:
        pages, numbers, glyphs = pages[:-1], numbers[:-1], glyphs[:-1]
    return Layout(pdf, pages, anchors, bookmarks, images, collector.messages, numbers, glyphs, fonts, articles)


FONT_OR_GLYPHS = re.compile(rb"/([^\s/\[\]<>()]+)\s+-?[\d.]+\s+Tf|<([0-9a-fA-F\s]*)>")
WHITE = re.compile(rb"\s")


def content_glyphs(content: bytes) -> dict[str, list[int]]:
    """The glyphs a page's content draws with each font (resource name → sorted glyph ids), read
    from its text operators: WeasyPrint sets the font (Tf) and shows glyph ids in hex strings (four
    digits a glyph, big-endian: read as an array of 16-bit numbers)."""
    used: dict[str, set[int]] = {}
    font = None
    for match in FONT_OR_GLYPHS.finditer(content):
        name = match.group(1)
        if name is not None:
            font = name.decode("latin-1")
        elif font is not None:
            digits = match.group(2)
            if not digits.isalnum():
                digits = WHITE.sub(b"", digits)
            glyphs = used.setdefault(font, set())
            length = len(digits) & ~3
            if length:
                codes = array("H", bytes.fromhex(digits[:length].decode("ascii")))
                if sys.byteorder == "little":
                    codes.byteswap()
                glyphs.update(codes)
    return {name: sorted(gids) for name, gids in used.items()}


def article_views(layout: Layout, count: int) -> list[Layout] | None:
    """The pages of each of the ``count`` articles of a part laid out with each article on a recto
    (the blank versos between them left out), or None when its pages do not show that many."""
    starts = layout.articles
    if len(starts) != count or (starts and starts[0] != 0) or starts != sorted(set(starts)):
        return None
    bounds = starts + [len(layout.pages)]
    views = []
    for i in range(count):
        sheets = [p for p in range(bounds[i], bounds[i + 1]) if not layout.pages[p].blank]
        if any(p % 2 != (sheets[0] + k) % 2 for k, p in enumerate(sheets)) or sheets[0] % 2:
            return None  # a blank page inside an article, or an article not on a recto
        position = {p: k for k, p in enumerate(sheets)}
        views.append(replace(
            layout, pages=[layout.pages[p] for p in sheets],
            anchors={k: (position[p], x, y) for k, (p, x, y) in layout.anchors.items() if p in position},
            bookmarks=[(position[p], *rest) for p, *rest in layout.bookmarks if p in position],
            images=[(u, position[p - 1] + 1, d, w) for u, p, d, w in layout.images if p - 1 in position],
            messages=[], numbers=[layout.numbers[p] for p in sheets] if layout.numbers else [],
            glyphs=[layout.glyphs[p] for p in sheets], articles=[0], sheets=sheets))
    return views


def signature_html(signatures: list[tuple]) -> str:
    """The body of a furniture document: for each page signature (render._signatures: digits,
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
    """The body of a furniture document without stamping: a first page that only sets the named
    strings carried in from the pages before (it is not used), then one empty page per book page
    with that page's page name and named strings. A page that WeasyPrint made blank in the book is
    made blank here the same way: by the next page asking for a recto."""

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

