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
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from importlib import import_module
from pathlib import Path

from ..output import read_sealed, write_sealed


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
        stored = json.loads(read_sealed(path) or b"{}")
        known = dict(stored["names"]) if stored.get("key") == key else {}
    except (ValueError, KeyError, TypeError, AttributeError):
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
            write_sealed(path, json.dumps({"key": key, "names": known}).encode("utf-8"))
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


# --- layout and what it tells -------------------------------------------------------------------

def render(html: str, base_url: str, url_fetcher):
    """Lay ``html`` out: (the HTML source, the Document, the named strings set on each page:
    name → page number from 1 → [values in order])."""
    from weasyprint import HTML
    from weasyprint.document import Document

    contexts = []
    build_context = Document._build_layout_context.__func__

    def capture(cls, *args, **kwargs):  # the layout context holds the named strings of each page
        context = build_context(cls, *args, **kwargs)
        contexts.append(context)
        return context

    Document._build_layout_context = classmethod(capture)
    try:
        source = HTML(string=html, base_url=base_url, url_fetcher=url_fetcher)
        document = source.render()
    finally:
        Document._build_layout_context = classmethod(build_context)
    strings = contexts[-1].string_set if contexts else {}
    return source, document, {name: {number: list(values) for number, values in by_page.items()}
                              for name, by_page in strings.items()}


def page_type(page) -> tuple[str, bool]:
    """A laid-out page's page name (``@page chapter``) and whether WeasyPrint made it blank."""
    page_type = page._page_box.page_type
    return page_type.name or "", bool(page_type.blank)


@dataclass(frozen=True)
class FaceSource:
    """Where a font of a laid-out document comes from: the font file (its SHA-256 and size: the
    file itself is found again by them, see :func:`font_file`) and the face in it, and whether its
    program can be made again from the file by :func:`font_program` (a static outline font with no
    glyph missing from it: not a variable font instantiated for the page, nor colour glyphs)."""

    base_font: str  # the PDF's /BaseFont, e.g. /LWGGBP+Noto-Serif-CJK-SC
    digest: str
    size: int
    index: int
    plain: bool


_file_digests: dict[tuple[int, bytes], str] = {}  # per process: (size, digest of the ends) → whole file's digest


def font_sources(document) -> dict[str, FaceSource]:
    """The fonts ``document`` drew with (after ``write_pdf``), by their resource name in its PDF."""
    from weasyprint.text.fonts import get_hb_object_data

    found = {}
    for font in document.fonts.values():
        data = get_hb_object_data(font.hb_face) or b""
        # the whole file's digest once per file and process: its size and ends tell it from others
        sample = (len(data), hashlib.sha256(data[:1 << 20] + data[-(1 << 20):]).digest())
        if sample not in _file_digests:
            _file_digests[sample] = hashlib.sha256(data).hexdigest()
        plain = not (font.bitmap or font.missing or font.png or font.svg or font.colr or "fvar" in font.tables)
        found[font.hash] = FaceSource(font.name.decode("latin-1") if isinstance(font.name, bytes) else str(font.name),
                                      _file_digests[sample], len(data), font.index, plain)
    return found


_font_files: dict[tuple[str, int], Path | None] = {}


def font_file(digest: str, size: int) -> Path | None:
    """The installed font file with this SHA-256 and size (fontconfig's list), or None."""
    key = (digest, size)
    if key not in _font_files:
        _font_files[key] = None
        listed = subprocess.run(["fc-list", "--format", "%{file}\\n"], capture_output=True, check=False).stdout if shutil.which("fc-list") else b""
        for line in sorted(set(listed.decode("utf-8", "surrogateescape").splitlines())):
            path = Path(line)
            try:
                if path.stat().st_size != size:
                    continue
                if hashlib.sha256(path.read_bytes()).hexdigest() == digest:
                    _font_files[key] = path
                    break
            except OSError:
                continue
    return _font_files[key]


def font_program(path: Path, index: int, glyphs: list[int]) -> bytes | None:
    """The font program WeasyPrint embeds for the face ``index`` of ``path`` when a document uses
    exactly ``glyphs`` (glyph ids): its own HarfBuzz subset (glyph ids kept, charstrings without
    subroutines), made here from the font file. None when HarfBuzz cannot subset it."""
    import types

    from weasyprint.pdf.fonts import Font
    from weasyprint.text.ffi import ffi, harfbuzz

    _declare_file_faces()
    blob = ffi.gc(harfbuzz.hb_blob_create_from_file(str(path).encode()), harfbuzz.hb_blob_destroy)
    face = ffi.gc(harfbuzz.hb_face_create(blob, index), harfbuzz.hb_face_destroy)
    stand_in = types.SimpleNamespace(hb_face=face, missing={}, family=path.name, file_content=None)
    with _quiet():
        Font._harfbuzz_subset(stand_in, {gid: "" for gid in glyphs}, False)
    return stand_in.file_content


_declared = False


def _declare_file_faces() -> None:
    """Two HarfBuzz functions WeasyPrint does not declare: a face read from a font file."""
    global _declared
    if not _declared:
        from weasyprint.text.ffi import ffi

        ffi.cdef("hb_blob_t * hb_blob_create_from_file (const char *file_name);"
                 "hb_face_t * hb_face_create (hb_blob_t *blob, unsigned int index);")
        _declared = True


@contextmanager
def _quiet():
    logger = logging.getLogger("weasyprint")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


# --- the self-check ------------------------------------------------------------------------------

SELF_CHECK_HTML = """<html><head><style>
@page { size: 100mm 60mm; margin: 10mm; @top-right { content: string(chapter, first); } }
@page named { margin: 12mm; }
h1 { string-set: chapter content(); font-size: 10pt; }
.n::after { content: attr(data-page); font-feature-settings: "hwid"; }
p.l::after { content: leader(dotted) "1"; }
section { break-before: right; page: named; }
</style></head><body>
<h1>检验一</h1><p class="l">目录条目</p><p>正文<span class="n" data-page="12"></span></p>
<section><article><h1>检验二</h1><p>第二节。</p></article></section>
</body></html>"""


def self_check() -> str | None:
    """Whether what this module reaches for in WeasyPrint is there and behaves as the split render
    needs: None if so, else what is wrong (the caller then lays the book out in one pass)."""
    try:
        return _self_check()
    except Exception as exc:  # noqa: BLE001 - any failure means: do not trust the private API
        return f"{type(exc).__name__}: {exc}"


@lru_cache(maxsize=1)
def _self_check() -> str | None:
    from io import BytesIO

    import pikepdf
    from weasyprint.urls import URLFetcher

    install_fast_leaders()
    source, document, strings = render(SELF_CHECK_HTML, None, URLFetcher())
    types = [page_type(page) for page in document.pages]
    if types != [("", False), ("", True), ("named", False)]:  # the blank verso before a break-before: right
        return f"page names and blank pages not read from the layout: {types}"
    if strings.get("chapter") != {1: ["检验一"], 3: ["检验二"]}:
        return f"named strings not read from the layout: {strings.get('chapter')}"
    if article_starts(document) != [2]:
        return f"article starts not found: {article_starts(document)}"
    numbers = number_boxes(source, document)
    if [text for _, _, text, ordinal in numbers[0] if ordinal == 0] != ["12"]:
        return f"page numbers not found where they are drawn: {numbers[0]}"
    pdf = document.write_pdf()
    fonts = font_sources(document)
    if not fonts:
        return "the fonts a document drew with are not known"
    opened = pikepdf.open(BytesIO(pdf))
    for name, face in fonts.items():
        if not face.plain:
            continue
        font = opened.pages[0].Resources.Font.get("/" + name) or next(
            (f for p in opened.pages for f in p.Resources.Font.values() if str(f.BaseFont) == face.base_font), None)
        if font is None:
            return f"font {face.base_font} not in the PDF's resources under its name"
        descendant = font.DescendantFonts[0]
        program = descendant.FontDescriptor.get("/FontFile3") or descendant.FontDescriptor.get("/FontFile2")
        glyphs = sorted(_width_gids(descendant.get("/W")))
        path = font_file(face.digest, face.size)
        if path is None:
            return f"the file of font {face.base_font} is not found among the installed fonts"
        if program is None or font_program(path, face.index, glyphs) != program.read_bytes():
            return f"the font program of {face.base_font} made again from its file differs from WeasyPrint's"
    return None


def _width_gids(widths) -> set[int]:
    used: set[int] = set()
    items = list(widths) if widths is not None else []
    i = 0
    while i < len(items):
        first = int(items[i])
        if i + 1 < len(items) and not isinstance(items[i + 1], (int, float)) and hasattr(items[i + 1], "__len__"):
            used.update(range(first, first + len(items[i + 1])))
            i += 2
        else:
            used.update(range(first, int(items[i + 1]) + 1))
            i += 3
    return used


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
