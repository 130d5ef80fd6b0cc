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
- ``layout.inline.justify_line``, replaced for lines of Chinese text by inter-character
  justification (:func:`install_cjk_justification`): WeasyPrint widens only spaces, so a line a
  character short (a mark that may not start a line pushed one down) opened up at its two or three
  spaces by half an em each; here the room is shared by every gap between characters (clreq 3.8);
- ``layout.inline.split_first_line``, wrapped so that a line WeasyPrint measures as wider than the
  room Pango broke it for is cut at the text's last break that fits, not at the text before it
  (a line a third full, spread by the justification: :func:`install_line_fit`);
- ``layout.page.make_page``, wrapped so that a page begun by an unforced break is known as such:
  WeasyPrint takes every page of a named page type (``@page chapter``) for one begun by a forced
  break, so the top margin of a heading that opens such a page was kept (a blank line above it,
  off the line grid) where CSS truncates it (:func:`install_margin_break_fix`); and wrapped again so
  that a page of text that ends two lines short of the foot is filled by loosening a paragraph on it
  (伸行), and a page of the 目录 is set flush to the foot (:func:`install_page_fill`);
- ``ctypes.util.find_library``, answered from a cache while WeasyPrint is imported (half a second
  in every worker process)."""
from __future__ import annotations

import copy
import ctypes.util
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from importlib import import_module
from pathlib import Path

from ..output import read_sealed, write_sealed
from .typeset import HAN


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
p.l { padding-right: 2em; }
p.l span::after { content: leader("..."); }
p.l::after { content: attr(data-page); display: inline-block; width: 2em; margin-right: -2em; text-align: right; }
p.j { width: 100px; font-size: 10px; text-align: justify; }
p.w { width: 106px; font-size: 10px; word-spacing: -0.5em; margin: 0; }
.fill { height: 10mm; } h2.m { margin-top: 5mm; font-size: 10pt; }
section { break-before: right; page: named; }
</style></head><body>
<h1>检验一</h1><p class="l" data-page="7"><span>目录条目</span></p><p>正文<span class="n" data-page="12"></span></p>
<p class="j">一二三四五六七八九十，十一十二十三</p>
<section><article><h1>检验二</h1><p>第二节。</p><div class="fill"></div><h2 class="m">检验三</h2>
<p class="w">一二三<span>四</span> 五六七八九十一二三四五六七八九</p></article></section>
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
    install_cjk_justification()
    install_margin_break_fix()
    install_line_fit()
    install_page_fill()
    source, document, strings = render(SELF_CHECK_HTML, None, URLFetcher())
    types = [page_type(page) for page in document.pages]
    if types != [("", False), ("", True), ("named", False), ("named", False)]:  # a blank verso before a break-before: right
        return f"page names and blank pages not read from the layout: {types}"
    if strings.get("chapter") != {1: ["检验一"], 3: ["检验二"]}:
        return f"named strings not read from the layout: {strings.get('chapter')}"
    if article_starts(document) != [2]:
        return f"article starts not found: {article_starts(document)}"
    numbers = number_boxes(source, document)
    if sorted((ordinal, text) for _, _, text, ordinal in numbers[0] if ordinal >= 0) != [(0, "7"), (1, "12")]:
        return f"page numbers not found where they are drawn: {numbers[0]}"
    problem = _justification_problem(document) or _line_fit_problem(document)
    if problem:
        return problem
    from weasyprint.layout import page as page_layout
    if not getattr(page_layout.make_page, "yearbook_fill", False):
        return "the page fill (伸行) is not installed around WeasyPrint's make_page"
    heading = next((b for b in document.pages[3]._page_box.descendants() if getattr(b, "element_tag", "") == "h2"), None)
    if heading is None or heading.margin_top != 0:
        return "the top margin of a heading that opens a page after an unforced break is kept"
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


def _justification_problem(document) -> str | None:
    """The self-check's justified line: 一二三四五六七八九 (十 goes down with the ， that may not
    start a line), 90 px of text in 100 px, must be flush with the room shared by its 8 gaps."""
    from weasyprint.formatting_structure import boxes

    for box in document.pages[0]._page_box.descendants():
        if isinstance(box, boxes.LineBox) and box.element is not None and "j" in (box.element.get("class") or "").split():
            texts = [b for b in box.descendants() if isinstance(b, boxes.TextBox)]
            if "".join(b.text for b in texts) != "一二三四五六七八九":
                return f"the justified line is not what the check expects: {''.join(b.text for b in texts)!r}"
            spacing = texts[0].style["letter_spacing"]
            if abs(box.width - 100) > 0.01 or spacing == "normal" or abs(spacing - 1.25) > 0.01:
                return f"Chinese text not justified between its characters (line {box.width} px, spacing {spacing})"
            return None
    return "the justified line of the check is not found"


def _line_fit_problem(document) -> str | None:
    """The self-check's line of a text that starts with a space cancelled by word-spacing, after a
    span: 一二三四 and six characters of the text fill its 106 px (WeasyPrint alone ends it at 三)."""
    from weasyprint.formatting_structure import boxes

    for box in (b for page in document.pages for b in page._page_box.descendants()):
        if isinstance(box, boxes.LineBox) and box.element is not None and "w" in (box.element.get("class") or "").split():
            text = "".join(b.text for b in box.descendants() if isinstance(b, boxes.TextBox)).replace(" ", "")
            if text != "一二三四五六七八九十":
                return f"a line whose text starts with a space ends early: {text!r}"
            return None
    return "the line of the line-fit check is not found"


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


# --- inter-character justification ---------------------------------------------------------------
CJK_TEXT = re.compile("[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3200-\u4dbf\u4e00-\u9fff"
                      "\uf900-\ufaff\ufe10-\ufe1f\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff“”‘’—…]")
BLANK = frozenset(" \u00a0\u200b\u2060\ufeff\u00ad")
EXPANDABLE = (" ", "\u00a0")  # what WeasyPrint widens in a box of Latin text
_justify_installed = False


def install_cjk_justification() -> None:
    """Justify lines that hold Chinese text by sharing the room left on the line among every gap
    between two characters (clreq: 字间调整), not among spaces only as WeasyPrint does; lines
    without Chinese are left to WeasyPrint. A box of Chinese text gets the room as letter-spacing
    (its spaces, which typeset.py makes zero-width, stay so: the word-spacing is lowered by as
    much); a box of Latin text (a word or number between Chinese, with the gaps the typesetting set
    on its sides) gets it at its spaces, as WeasyPrint does, so that Latin words are not spaced
    out and the gap on each side of a number opens by what every other gap opens. Patches this
    process once; a no-op if WeasyPrint changed."""
    global _justify_installed
    if _justify_installed:
        return
    try:
        from weasyprint.formatting_structure import boxes
        from weasyprint.layout import inline
        from weasyprint.text.line_break import create_layout
    except ImportError:  # pragma: no cover - another WeasyPrint: leave it as it is
        return
    original = inline.justify_line
    if getattr(inline, "add_word_spacing", None) is None:  # pragma: no cover
        return

    def text_boxes(box, found):
        if isinstance(box, boxes.TextBox):
            found.append(box)
        elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
            for child in box.children:
                if child.is_in_normal_flow():
                    text_boxes(child, found)
        else:
            found.append(box)  # an atomic inline (inline-block, image): no gap inside, moved along
        return found

    def justify_line(context, line, extra_width):
        if extra_width <= 1e-3 or line.style["direction"] != "ltr":
            return original(context, line, extra_width)
        items = text_boxes(line, [])
        texts = [b for b in items if isinstance(b, boxes.TextBox)]
        if not any(CJK_TEXT.search(b.text) for b in texts):
            return original(context, line, extra_width)
        # the gaps each box opens: a box of Chinese after each of its characters but the line's
        # last (and but its last when the next character on the line is a space of a Latin box,
        # which opens that gap); a box of Latin text at each of its spaces
        plan: dict[int, tuple[bool, int]] = {}
        last_box = next((b for b in reversed(texts) if any(c not in BLANK for c in b.text)), None)
        for index, box in enumerate(items):
            if not isinstance(box, boxes.TextBox) or not box.text:
                continue
            if CJK_TEXT.search(box.text):
                count = sum(1 for c in box.text if c not in BLANK)
                if box is last_box:
                    count -= 1
                else:
                    following = next((b for b in items[index + 1:] if not isinstance(b, boxes.TextBox) or b.text), None)
                    trailing = len(box.text) - len(box.text.rstrip(" \u00a0\u200b"))
                    if (trailing == 0 and isinstance(following, boxes.TextBox) and following.text[:1] in EXPANDABLE
                            and not CJK_TEXT.search(following.text)):
                        count -= 1
                plan[id(box)] = (True, max(0, count))
            else:
                count = sum(box.text.count(c) for c in EXPANDABLE)
                if box is last_box:
                    count = sum(box.text.rstrip(" \u00a0").count(c) for c in EXPANDABLE)
                plan[id(box)] = (False, count)
        total = sum(count for _, count in plan.values())
        if total == 0:
            return original(context, line, extra_width)
        spacing = extra_width / total

        def advance(box, x_advance):
            if isinstance(box, boxes.TextBox):
                box.position_x += x_advance
                cjk, count = plan.get(id(box), (False, 0))
                if count:
                    if cjk:
                        style = box.style.copy()
                        letter = style["letter_spacing"]
                        style["letter_spacing"] = (0 if letter == "normal" else letter) + spacing
                        style["word_spacing"] = style["word_spacing"] - spacing
                        box.style = style
                        layout = create_layout(box.text, style, context, max_width=None, justification_spacing=0)
                    else:
                        box.justification_spacing = spacing
                        layout = create_layout(box.text, box.style, context, max_width=None,
                                               justification_spacing=spacing)
                    layout.deactivate()
                    box.pango_layout = layout
                    box.width += spacing * count
                    x_advance += spacing * count
            elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
                box.position_x += x_advance
                before = x_advance
                for child in box.children:
                    if child.is_in_normal_flow():
                        x_advance = advance(child, x_advance)
                box.width += x_advance - before
            else:
                box.translate(x_advance, 0)
            return x_advance

        advance(line, 0)

    justify_line.yearbook = True
    inline.justify_line = justify_line
    _justify_installed = True


# --- margins at unforced page breaks -------------------------------------------------------------
_margin_fix_installed = False


def install_margin_break_fix() -> None:
    """Margins adjoining an unforced page break are truncated (CSS Fragmentation 3, margin-break:
    auto), also on named pages: WeasyPrint sets ``context.forced_break`` to ``next_page['break'] !=
    'any' or next_page['page']``, and the second half is true on every page of a named page type.
    The wrapper sets it from the break alone before each page is made. Patches this process once; a
    no-op if WeasyPrint changed."""
    global _margin_fix_installed
    if _margin_fix_installed:
        return
    try:
        from weasyprint.layout import page as page_layout
    except ImportError:  # pragma: no cover
        return
    original = getattr(page_layout, "make_page", None)
    if original is None or getattr(original, "yearbook", False):  # pragma: no cover
        return

    def make_page(context, root_box, page_type, resume_at, page_number, page_state):
        try:
            next_page = context.page_maker[page_number - 1][1]
            context.forced_break = next_page["break"] != "any"
        except (AttributeError, IndexError, KeyError, TypeError):
            pass
        return original(context, root_box, page_type, resume_at, page_number, page_state)

    make_page.yearbook = True
    page_layout.make_page = make_page
    _margin_fix_installed = True


# --- lines that fit -----------------------------------------------------------------------------
_line_fit_installed = False
HANGING = "\u3000"  # an ideographic space (一字空) at a line's end: Pango lets it hang past the room, as CSS does


def install_line_fit() -> None:
    """A text's first line as WeasyPrint measures it is at most as wide as the room it was given.
    WeasyPrint lets Pango break the text at the room's width and then measures the line again; the
    two disagree where a text starts with a space (WeasyPrint doubles the word-spacing of a text's
    first and last space, as Pango halves letter-spacing at a text's ends: Pango's line breaking
    counts the doubled value, the line's extents do not, so with the negative word-spacing of
    typeset text — book.html — the line comes out a space's width too wide) and where the break
    follows an ideographic space (一字空, which Pango lets hang past the room and WeasyPrint
    counts). WeasyPrint reads a line too wide as a text with no break that fits, and ends the line
    at the last break of the text before it: after “微平 in ``…“微平台”，“科普+网站”…``, a line
    a third full, spread by the justification. Here a line that ends with a 一字空 and fits without
    it is as wide as what shows (the 一字空 hangs, as CSS Text hangs other space separators, and the
    justification makes what shows flush); another line too wide is cut at the text's last break
    (Pango's own break opportunities) whose line fits, measured as WeasyPrint measures it; when
    none of the last eight fits, WeasyPrint goes on as before. Patches this process once; a no-op if WeasyPrint
    changed."""
    global _line_fit_installed
    if _line_fit_installed:
        return
    try:
        from weasyprint.layout import inline
        from weasyprint.text.line_break import get_log_attrs
    except ImportError:  # pragma: no cover - another WeasyPrint: leave it as it is
        return
    original = getattr(inline, "split_first_line", None)
    if original is None or getattr(original, "yearbook", False):  # pragma: no cover
        return

    def split_first_line(text, style, context, max_width, justification_spacing, is_line_start=True, minimum=False):
        result = original(text, style, context, max_width, justification_spacing, is_line_start, minimum)
        if (minimum or max_width is None or not 0 < max_width < 2 ** 21 or result[3] <= max_width
                or style["white_space"] != "normal" or style["hyphens"] == "auto" or "\xad" in text):
            return result
        resume = result[2]
        if resume is None:  # all of it on the line: too wide only if it is without its trailing spaces
            stripped = text.rstrip(" ")
            if stripped != text and (not stripped or original(stripped, style, context, None, justification_spacing,
                                                              is_line_start, minimum)[3] <= max_width):
                return result
            end = len(text)
        else:
            end = len(text.encode()[:resume].decode("utf-8", "ignore"))
            line = text[:end].rstrip(" ")
            if line.endswith(HANGING):  # Pango broke after a 一字空 and let it hang past the room
                shown = line.rstrip(HANGING)
                width = original(shown, style, context, None, justification_spacing, is_line_start, minimum)[3] if shown else None
                if width is not None and width <= max_width:  # the line is as wide as what shows
                    return result[:3] + (width,) + result[4:]
        attrs = get_log_attrs(text, style["lang"])
        tried = 0
        for index in range(min(end, len(text)) - 1, 0, -1):  # a break before text[index]
            if not attrs[index].is_line_break:
                continue
            line = text[:index].rstrip(" ")
            fitted = original(line or text[:index], style, context, None, justification_spacing, is_line_start, minimum)
            layout, length, _, width, height, baseline = fitted
            if not line:
                length, width = 0, 0
            if width <= max_width:
                return layout, length, len(text[:index].encode()), width, height, baseline
            tried += 1
            if tried == 8:  # the room is far behind: leave the line to WeasyPrint
                break
        return result

    split_first_line.yearbook = True
    inline.split_first_line = split_first_line
    _line_fit_installed = True


# --- full pages: 伸行 and flush lists --------------------------------------------------------------
FILL_MAX_SPACING = 0.07  # em: the most a paragraph is loosened by (letter-spacing) to take one more line
FILL_MAX_TIGHTENING = 0.07  # em: the most a paragraph is tightened by to take one line less
FILL_TIGHTENED = 3  # paragraphs tightened together on one page at most
FILL_TRIES = 4  # paragraphs tried on one short page
HAN_CHARACTER = re.compile(f"[{HAN}]")
_fill_installed = False


def install_page_fill() -> None:
    """Pages of running text that end more than a line short of the text block's foot although the
    text goes on (the next block, a heading with the lines it keeps or a paragraph's last two lines
    with the bylines, does not fit) are filled as a typesetter fills them. 伸行: a paragraph wholly
    on the page that takes one more line when each of its lines gives up one to three characters
    (letter-spacing of at most FILL_MAX_SPACING) is loosened and the page laid out again — kept only
    if the next page then begins exactly where it began, so that nothing after the page moves (the
    book's page count, the 目录 and the split render are unchanged). 缩行, when no paragraph can be
    loosened: up to FILL_TIGHTENED paragraphs with a short last line are tightened until what did not
    fit comes up and the page ends within a line of the foot (or the article ends on it).
    Pages of a list marked ``data-spread`` (the 目录, a chapter opener's contents) that go on over
    the page are set flush to the foot: the room left is shared between the list's entries (the
    boxes they keep whole), as a typesetter spaces out a 目录 page. Wraps ``layout.page.make_page``
    (after :func:`install_margin_break_fix`); patches this process once; a no-op if WeasyPrint
    changed."""
    global _fill_installed
    if _fill_installed:
        return
    try:
        from weasyprint.formatting_structure import boxes
        from weasyprint.layout import page as page_layout
    except ImportError:  # pragma: no cover
        return
    original = getattr(page_layout, "make_page", None)
    if original is None or getattr(original, "yearbook_fill", False):  # pragma: no cover
        return

    def in_flow_lines(box, found):
        for child in getattr(box, "children", ()):
            if isinstance(child, boxes.LineBox):
                found.append(child)
            elif isinstance(child, boxes.ParentBox) and child.is_in_normal_flow():
                in_flow_lines(child, found)
        return found

    def content_bottom(page) -> float:
        return page.content_box_y() + page.height

    def lowest(page) -> float | None:
        """The bottom of the page's lowest in-flow line or replaced box (image)."""
        low = None
        for box in page.children[0].descendants():
            if isinstance(box, (boxes.LineBox, boxes.ReplacedBox)) and box.is_in_normal_flow():
                bottom = box.position_y + (box.height if isinstance(box, boxes.LineBox) else box.margin_height())
                low = bottom if low is None else max(low, bottom)
        return low

    def han_count(text: str) -> int:
        return len(HAN_CHARACTER.findall(text))

    def text_of(box) -> str:
        return "".join(b.text for b in box.descendants() if isinstance(b, boxes.TextBox))

    def candidates(page, tighten: bool = False):
        """(letter-spacing to add in px, order, element) for each justified paragraph wholly on the
        page that a letter-spacing of one to three characters per line (about ±c/N em for N characters a
        line, at most FILL_MAX_SPACING or FILL_MAX_TIGHTENING) makes a line longer — each of its L
        lines but the last gives up c characters, more than the last line has room for — or, with
        ``tighten``, a line shorter — each line takes c more, and so the last line's characters. The
        least spacing first."""
        found = []
        for box in page.children[0].descendants():
            if not isinstance(box, boxes.BlockBox) or box.element_tag != "p" or box.element is None:
                continue
            if box.style["text_align_all"] != "justify":
                continue
            lines = [c for c in box.children if isinstance(c, boxes.LineBox)]
            if len(lines) < 2 or len(lines) != len(box.children):
                continue
            if han_count(text_of(box)) != han_count("".join(box.element.itertext())):
                continue  # begun on the page before or going on over the next
            ends = [c.position_x + c.margin_width() for c in lines[-1].children if c.is_in_normal_flow()]
            em = box.style["font_size"]
            if not ends or em <= 0 or box.width <= 0:
                continue
            per_line = box.width / em  # characters in a full line
            last = (max(ends) - box.content_box_x()) / em  # what the last line holds, in characters
            full = len(lines) - 1  # lines that give up (take) characters
            for moved in (1, 2, 3):  # characters each full line gives up (takes)
                if tighten:
                    spacing = -(moved + 0.1) / (per_line + moved + 0.1)
                    margin = moved * full - 1 - last
                    limit = FILL_MAX_TIGHTENING
                else:
                    spacing = (moved - 0.5) / (per_line - moved + 0.5)
                    margin = moved * full - 0.5 - (per_line - last)
                    limit = FILL_MAX_SPACING
                if margin >= 0 and abs(spacing) <= limit:
                    found.append((abs(spacing), -margin, len(found), spacing * em, box.element))
                    break
        return [(spacing, order, element) for _, _, order, spacing, element in sorted(found)]

    def paragraphs(context, root_box) -> dict:
        """The box tree's paragraph boxes by element (walked once per document)."""
        kept = getattr(context, "yearbook_paragraphs", None)
        if kept is None or kept[0] is not root_box:
            found: dict = {}
            for box in root_box.descendants():
                if isinstance(box, boxes.BlockBox) and box.element_tag == "p" and box.element is not None:
                    found.setdefault(box.element, []).append(box)
            kept = (root_box, found)
            context.yearbook_paragraphs = kept
        return kept[1]

    def loosen(context, root_box, element, spacing: float) -> list:
        """Add ``spacing`` to the letter-spacing of every box of ``element`` in the box tree; what to
        give back to undo it."""
        undo = []
        for box in paragraphs(context, root_box).get(element, ()):
            for inner in box.descendants():
                undo.append((inner, inner.style))
                style = inner.style.copy()
                letter = style["letter_spacing"]
                style["letter_spacing"] = (0 if letter == "normal" else letter) + spacing
                inner.style = style
        return undo

    def remake_copy(remake: dict) -> dict:  # the page's remake state: flags and lists of anchors, lookups
        return {key: (list(value) if isinstance(value, list) else value) for key, value in remake.items()}

    def snapshot(context, page_number, page_state):
        return (copy.deepcopy(page_state), dict(context.broken_out_of_flow), list(context.reported_footnotes),
                len(context.footnotes), remake_copy(context.page_maker[page_number - 1][-1]))

    def restore(context, page_number, page_state, saved):
        state, out_of_flow, reported, footnotes, remake = saved
        for target, value in zip(page_state, copy.deepcopy(state)):
            if isinstance(target, dict):
                target.clear()
                target.update(value)
            else:
                target[:] = value
        context.broken_out_of_flow = dict(out_of_flow)
        context.reported_footnotes = list(reported)
        del context.footnotes[footnotes:]
        current = context.page_maker[page_number - 1][-1]
        current.clear()
        current.update(remake_copy(remake))

    def spread(page) -> None:
        """Share the room under the last line of a ``data-spread`` list between its entries."""
        root = page.children[0]
        lines = in_flow_lines(root, [])
        if not lines:
            return
        owners = {}

        def walk(box, owner, marked):
            for child in getattr(box, "children", ()):
                if isinstance(child, boxes.LineBox):
                    if marked:
                        owners[id(child)] = owner if owner is not None else child
                elif isinstance(child, boxes.ParentBox) and child.is_in_normal_flow():
                    here = marked or (child.element is not None and child.element.get("data-spread") is not None
                                      and child.element_tag is not None and not child.element_tag.startswith("::"))
                    keep = child if here and child.style["break_inside"] in ("avoid", "avoid-page") else owner
                    walk(child, keep, here)

        walk(root, None, False)
        if id(lines[-1]) not in owners:
            return  # the page does not end in the list
        head = 0  # lines above the list (its heading on the first page) stay where they are
        while id(lines[head]) not in owners:
            head += 1
        if any(id(line) not in owners for line in lines[head:]):
            return  # not a page of the list alone
        room = content_bottom(page) - (lines[-1].position_y + lines[-1].height)
        groups = [lines[:head]] if head else []
        for line in lines[head:]:  # a new group where the entry (the box kept whole) changes
            if line is lines[head] or owners[id(line)] is not owners[id(groups[-1][-1])]:
                groups.append([])
            groups[-1].append(line)
        if len(groups) < 2 or room <= 0.5 or room > 4 * lines[-1].height:
            return
        step = room / (len(groups) - 1)
        for index, group in enumerate(groups):
            for line in group:
                line.translate(dy=step * index)

    def make_page(context, root_box, page_type, resume_at, page_number, page_state):
        try:
            saved = snapshot(context, page_number, page_state)
        except (AttributeError, IndexError, TypeError):  # pragma: no cover - another WeasyPrint
            return original(context, root_box, page_type, resume_at, page_number, page_state)
        result = original(context, root_box, page_type, resume_at, page_number, page_state)
        page, next_resume, next_page = result
        if next_resume is None or page_type.blank or next_page.get("break") != "any":
            return result
        low = lowest(page)
        if low is None:
            return result
        lines = [line for line in in_flow_lines(page.children[0], []) if line.element is not None]
        body = [line for line in lines if line.element_tag == "p" and line.style["text_align_all"] == "justify"]
        if not body:
            spread(page)
            return result
        heights = [round(line.height, 2) for line in body]
        pitch = max(set(heights), key=heights.count)
        gap = content_bottom(page) - low
        if gap < 1.5 * pitch - 0.5:
            return result
        tried, current = 0, True  # current: the last layout made is the one to return
        for spacing, _, element in candidates(page):
            if tried >= FILL_TRIES or gap < 1.5 * pitch - 0.5:
                break
            tried += 1
            undo = loosen(context, root_box, element, spacing)
            restore(context, page_number, page_state, saved)
            retry = original(context, root_box, page_type, resume_at, page_number, page_state)
            retry_low = lowest(retry[0])
            if retry[1] == next_resume and retry[2] == next_page and retry_low is not None and retry_low > low + 0.5 * pitch:
                result, low, current = retry, retry_low, True
                gap = content_bottom(retry[0]) - retry_low
                continue
            for box, style in undo:  # the page's end moved, or nothing was gained: as it was
                box.style = style
            current = False
        if gap >= 1.5 * pitch - 0.5:
            # 缩行: tighten paragraphs with a short last line, one more at each try, until what did
            # not fit comes up onto the page and it ends within a line of the foot, or the article
            # (the document) ends on it; else as it was
            undone = []
            for spacing, _, element in candidates(page, tighten=True)[:FILL_TIGHTENED]:
                undone.extend(loosen(context, root_box, element, spacing))
                restore(context, page_number, page_state, saved)
                retry = original(context, root_box, page_type, resume_at, page_number, page_state)
                retry_low = lowest(retry[0])
                ends_here = retry[1] is None or retry[2].get("break") != "any"
                if retry_low is not None and (ends_here or content_bottom(retry[0]) - retry_low < 1.5 * pitch - 0.5):
                    result, current, undone = retry, True, []
                    break
                current = False
            for box, style in reversed(undone):
                box.style = style
        if not current:
            restore(context, page_number, page_state, saved)
            result = original(context, root_box, page_type, resume_at, page_number, page_state)
        return result

    make_page.yearbook_fill = True
    page_layout.make_page = make_page
    _fill_installed = True
