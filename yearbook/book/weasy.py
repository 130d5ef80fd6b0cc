"""The one module that reaches into WeasyPrint beyond its public API (HTML, Document, Page and
URLFetcher), so that a new WeasyPrint release breaks one place, and :func:`self_check` says so before
a book is made with it.

What it reaches for, and why:
- the layout context's named strings (``string-set``) of each page, caught by wrapping
  ``Document._build_layout_context``: the split render gives every page the running heads a single
  pass would (book/split);
- the page boxes (``Page._page_box``): each page's page type (name, blank), where each ``<article>``
  begins, where page numbers were drawn (book/split/stamps.py), the raster images as laid out (their
  resolution in print), and the advance of a space in the body font (typeset spaces are cancelled);
- ``layout.inline.handle_leader``, wrapped so that a dot leader is one text box, not sixty;
- ``ctypes.util.find_library``, answered from a cache while WeasyPrint is imported (half a second
  in every worker process)."""
from __future__ import annotations

import ctypes.util
import json
import logging
import os
import sys
from functools import lru_cache
from importlib import import_module
from pathlib import Path

from ..output import replace_file


@lru_cache(maxsize=1)
def weasyprint_version() -> str:
    """The installed WeasyPrint's version, from its package metadata: importing WeasyPrint to ask
    takes more than a second, and a rebuild that takes every part from the cache needs it for
    nothing else (cache keys carry the version)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("weasyprint")
    except PackageNotFoundError:  # run from a source tree without metadata
        import weasyprint

        return weasyprint.__version__


def import_weasyprint(cache_dir: Path | None) -> None:
    """Import WeasyPrint, with the library look-ups it makes on import answered from
    ``cache_dir/libraries.json`` when the system's libraries are as they were: WeasyPrint tries
    several names for each library it loads, and for each name ``ctypes.util.find_library`` runs
    ldconfig and the C compiler (half a second in all, in every process that lays out a part). The
    answers are kept with the time and size of ``/etc/ld.so.cache`` (which installing a library
    rewrites) and ``LD_LIBRARY_PATH``; any change and the libraries are looked up again."""
    try:
        system = os.stat("/etc/ld.so.cache") if "weasyprint" not in sys.modules and cache_dir is not None else None
    except OSError:
        system = None
    if system is None:
        import_module("weasyprint")
        return
    key = f"{system.st_mtime_ns}:{system.st_size}:{os.environ.get('LD_LIBRARY_PATH', '')}:{weasyprint_version()}"
    path = cache_dir / "libraries.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        known = dict(stored["names"]) if stored.get("key") == key else {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        known = {}
    before = dict(known)
    real = ctypes.util.find_library

    def find_library(name):
        if name not in known:
            known[name] = real(name)
        return known[name]

    ctypes.util.find_library = find_library
    try:
        import_module("weasyprint")
    finally:
        ctypes.util.find_library = real
    if known != before:
        try:
            replace_file(path, json.dumps({"key": key, "names": known}).encode("utf-8"))
        except OSError:
            pass


class LogCollector(logging.Handler):
    """WeasyPrint's warnings, kept as messages (``ignore``: prefixes of messages to drop)."""

    def __init__(self, ignore: tuple[str, ...] = ()) -> None:
        super().__init__(logging.WARNING)
        self.ignore = ignore
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not message.startswith(self.ignore):
            self.messages.append(message)



@lru_cache(maxsize=8)
def measure_spacing(font_family: str) -> dict[str, float]:
    """Advance widths (in em) of a space and a no-break space in the body font, as WeasyPrint sets
    them: book.html cancels them with ``word-spacing`` so that the typeset spaces are zero-width
    justification points and the Latin gaps exactly 1/8 em, whatever font the system provides."""
    from weasyprint import HTML
    from weasyprint.formatting_structure import boxes

    family = font_family.replace("<", "").replace(">", "").replace(";", "")
    rows = "".join(f'<p><span id="{key}">字{char}字</span></p>' for key, char in (("none", ""), ("space", " "), ("nbsp", "\u00a0")))
    style = f"body {{ margin: 0; font-family: {family}; font-size: 100px }} p {{ margin: 0; white-space: pre }}"
    document = HTML(string=f"<html><style>{style}</style><body>{rows}</body></html>").render()
    widths = {box.element.get("id"): box.width for box in document.pages[0]._page_box.descendants()
              if isinstance(box, boxes.InlineBox) and box.element is not None and box.element.get("id")}
    return {key: round((widths[key] - widths["none"]) / 100, 5) for key in ("space", "nbsp")}



def raster_images(document) -> list[tuple[str, int, float, float]]:
    """Every raster image as laid out: (src, page number from 1, dpi at its printed size, width mm)."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.images import RasterImage

    found = []
    for number, page in enumerate(document.pages, start=1):
        for box in page._page_box.descendants():
            if isinstance(box, boxes.ReplacedBox) and box.width and box.height and isinstance(box.replacement, RasterImage):
                url = box.element.get("src", "") if box.element is not None else ""
                found.append((url, number, box.replacement.width / (box.width / 96), box.width / 96 * 25.4))
    return found


def article_starts(document) -> list[int]:
    """The page where each <article> element begins, in document order."""
    seen, starts = set(), []
    for number, page in enumerate(document.pages):
        stack = [page._page_box]
        while stack:
            box = stack.pop()
            element = getattr(box, "element", None)
            if getattr(box, "element_tag", "") == "article" and element is not None and id(element) not in seen:
                seen.add(id(element))
                starts.append(number)
                continue
            stack.extend(reversed(getattr(box, "children", None) or []))
    return starts


def number_boxes(html_document, document) -> list[list[tuple[float, float, str, int]]]:
    """Per page, where WeasyPrint drew each page number: (x, baseline y, text, ordinal), in CSS px
    from the page's top-left. ``ordinal`` is the number's place among the document's ``data-page``
    elements, or -1 for a number in a margin box (a folio)."""
    from weasyprint.formatting_structure import boxes

    ordinal = {}
    for element in html_document.etree_element.iter():
        if element.get("data-page") is not None:
            ordinal[element] = len(ordinal)
    found = []
    for page in document.pages:
        on_page = []
        stack = [(page._page_box, False)]
        while stack:
            box, in_margin = stack.pop()
            in_margin = in_margin or isinstance(box, boxes.MarginBox)
            if isinstance(box, boxes.TextBox):
                text = box.text
                if text.isdigit() and text.isascii():
                    if in_margin:
                        on_page.append((box.position_x, box.position_y + box.baseline, text, -1))
                    elif box.element is not None and box.element.get("data-page") == text and box.element_tag.endswith("::after"):
                        on_page.append((box.position_x, box.position_y + box.baseline, text, ordinal.get(box.element, -2)))
            elif isinstance(box, boxes.ParentBox):
                stack.extend((child, in_margin) for child in reversed(box.children))
        found.append(on_page)
    return found


# --- faster dot leaders ---------------------------------------------------------------------------
_installed = False


def install_fast_leaders() -> None:
    """Patch WeasyPrint's leader handling in this process (once; a no-op if WeasyPrint changed)."""
    global _installed
    if _installed:
        return
    try:
        from weasyprint.layout import inline, leader
        from weasyprint.text.line_break import split_first_line
    except ImportError:  # pragma: no cover - another WeasyPrint: leave it as it is
        return
    original = leader.handle_leader
    if getattr(inline, "handle_leader", None) is not original:  # pragma: no cover
        return

    def handle_leader(context, line, containing_block):
        original(context, line, containing_block)
        index, box = leader.leader_index(line)
        if index is None or len(box.children) < 2:
            return
        copies = sorted(box.children, key=lambda child: child.position_x)
        first = copies[0]
        step = first.width
        if any(abs(b.position_x - a.position_x - step) > 1e-6 for a, b in zip(copies, copies[1:])):
            return
        text = first.text * len(copies)
        layout, length, _, width, _, _ = split_first_line(text, first.style, context, None, first.justification_spacing)
        if length != len(text.encode()) or abs(width - step * len(copies)) > 1e-3:
            return
        merged = first.copy_with_text(text)
        merged.pango_layout = layout
        merged.width = width
        box.children = (merged,)

    inline.handle_leader = handle_leader
    _installed = True
