"""One set of fonts for the joined book: for every face, one font dictionary whose widths, Unicode
values (ToUnicode) and embedded program are those of the glyphs the book's pages draw — whichever
documents the pages were laid out in, and whichever of them came from the cache.

WeasyPrint embeds in each document a subset of each font with the glyph ids of the original kept,
and names a font in the page resources by a digest of its description, so the pages of different
documents point to one face under one name. Here every face gets one dictionary: its widths and
Unicode values are the union of what the documents say (a glyph's width is the font's; where two
documents disagree on a glyph's text, the one that comes first in the book wins, as in one pass), its
glyphs are those the pages draw (read from their content), and its program is WeasyPrint's own
subset of the font file for exactly those glyphs (book/weasy.py: ``font_program``), which is what a
single pass over the whole book embeds. The program is kept in the cache by the font file's digest
and the glyphs.

A face whose program cannot be made again from its file (a variable or colour font, a glyph missing
from it, a font file no longer installed) keeps each document's own dictionary (see
:attr:`Face.canonical`); the pages stay right, the file is only larger."""
from __future__ import annotations

import hashlib

import pikepdf

from .. import weasy
from ..textlayer import unicode_map, width_map
from .cache import PartCache, cache_key
from .stamps import Digits


def _number(value: float):
    return int(value) if float(value).is_integer() else round(value, 6)


def widths_array(widths: dict[int, float], glyphs: list[int]) -> pikepdf.Array:
    """``/W`` for ``glyphs``: runs of consecutive glyph ids, each with its widths."""
    items: list = []
    run: list = []
    start = None
    for gid in glyphs:
        if start is not None and gid == start + len(run):
            run.append(_number(widths[gid]))
            continue
        if start is not None:
            items += [start, pikepdf.Array(run)]
        start, run = gid, [_number(widths[gid])]
    if start is not None:
        items += [start, pikepdf.Array(run)]
    return pikepdf.Array(items)


def to_unicode_cmap(texts: dict[int, str], glyphs: list[int]) -> bytes:
    """A ToUnicode CMap for ``glyphs``, in WeasyPrint's form (bfchar entries in batches of 100)."""
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap", b"/CIDSystemInfo",
             b"<< /Registry (Adobe)", b"/Ordering (UCS)", b"/Supplement 0", b">> def",
             b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def", b"1 begincodespacerange",
             b"<0000> <ffff>", b"endcodespacerange"]
    mapped = [gid for gid in glyphs if gid in texts]
    for i in range(0, len(mapped), 100):
        batch = mapped[i:i + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        lines += [f"<{gid:04x}> <{texts[gid].encode('utf-16-be').hex()}>".encode() for gid in batch]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


class Face:
    """One font face of the book (by its /BaseFont), gathered from the documents that use it."""

    def __init__(self, base_font: str):
        self.base_font = base_font
        self.widths: dict[int, float] = {}
        self.texts: dict[int, str] = {}
        self.used: set[int] = set()
        self.template: pikepdf.Dictionary | None = None  # the first document's Type0 dictionary
        self.source: list | None = None  # FaceSource fields: base font, file digest, size, index, plain
        self.canonical = True
        self._digits: Digits | None = None

    def add(self, font: pikepdf.Dictionary, source: list | None) -> None:
        descendant = font.DescendantFonts[0]
        for gid, width in width_map(descendant.get("/W")).items():
            self.widths.setdefault(gid, width)
        for gid, text in unicode_map(font.get("/ToUnicode")).items():
            self.texts.setdefault(gid, text)
        if self.template is None:
            self.template = font
            self.source = source
        if (source is None or not source[4] or self.source is None or source[1:4] != self.source[1:4]
                or "/Encoding" in font and isinstance(font.Encoding, pikepdf.Stream)
                or font.get("/Subtype") != "/Type0"):
            self.canonical = False  # not one plain face, or a face with its own encoding: leave it as it is
        self._digits = None

    def digits(self) -> Digits:
        if self._digits is None:
            self._digits = Digits(self.widths, {g: t for g, t in self.texts.items() if len(t) == 1 and t.isascii() and t.isdigit()})
        return self._digits

    def program(self, cache: PartCache) -> bytes | None:
        """WeasyPrint's subset of the face's file for the glyphs the book uses (from the cache when
        it was made before from the same file and glyphs)."""
        _, digest, size, index, _ = self.source
        glyphs = sorted(self.used)
        name = "font-" + cache_key("program", digest, index, weasy.weasyprint_version(),
                                   hashlib.sha256(",".join(map(str, glyphs)).encode()).hexdigest())
        program = cache.read(name)
        if program is None:
            path = weasy.font_file(digest, size)
            program = weasy.font_program(path, index, glyphs) if path is not None else None
            if program is None:
                return None
            cache.write(name, program)
        return program

    def build(self, out: pikepdf.Pdf, cache: PartCache) -> pikepdf.Object | None:
        """The face's one font dictionary in ``out``; None when it cannot be made (then each
        document keeps its own)."""
        if not self.canonical or self.template is None:
            return None
        glyphs = sorted(self.used)
        if any(gid not in self.widths for gid in glyphs):
            return None
        program = self.program(cache)
        if program is None:
            return None
        font = out.copy_foreign(self.template)
        descendant = font.DescendantFonts[0]
        descendant.W = widths_array(self.widths, glyphs)
        font.ToUnicode = out.make_stream(to_unicode_cmap(self.texts, glyphs))
        descriptor = descendant.FontDescriptor
        for key in ("/FontFile", "/FontFile2", "/FontFile3"):
            old = descriptor.get(key)
            if old is not None:
                stream = out.make_stream(program)
                for name, value in old.stream_dict.items():
                    if name not in ("/Length", "/Filter", "/DecodeParms", "/Length1"):
                        stream[name] = value
                if key == "/FontFile2":
                    stream.Length1 = len(program)
                descriptor[key] = stream
        if "/CIDSet" in descriptor:  # PDF/A-1: the glyphs of the program, one bit each
            bits = bytearray(max(glyphs) // 8 + 1 if glyphs else 1)
            for gid in glyphs:
                bits[gid // 8] |= 0x80 >> (gid % 8)
            descriptor.CIDSet = out.make_stream(bytes(bits))
        return font


class Faces:
    """Every face of the book's pages, by /BaseFont."""

    def __init__(self) -> None:
        self.faces: dict[str, Face] = {}
        self._names: dict[int, dict[str, str]] = {}

    def add_document(self, key: int, pdf: pikepdf.Pdf, sources: dict[str, list]) -> dict[str, str]:
        """Read the fonts of a document (``sources``: what the layout recorded of them, by resource
        name); returns resource name → /BaseFont. Documents are added in book order."""
        if key in self._names:
            return self._names[key]
        names: dict[str, str] = {}
        seen: set = set()
        for page in pdf.pages:
            resources = page.obj.get("/Resources")
            fonts = resources.get("/Font") if resources is not None else None
            if fonts is None or fonts.objgen in seen and fonts.is_indirect:
                continue
            seen.add(fonts.objgen)
            for name, font in fonts.items():
                if name[1:] in names:
                    continue
                base = str(font.get("/BaseFont", name))
                names[name[1:]] = base
                if font.get("/Subtype") == "/Type0" and font.get("/DescendantFonts"):
                    self.faces.setdefault(base, Face(base)).add(font, sources.get(name[1:]))
                else:
                    self.faces.setdefault(base, Face(base)).canonical = False
        self._names[key] = names
        return names

    def digits_of(self, names: dict[str, str]):
        """For a document's resource names: a function resource name → Digits (for stamping)."""
        def face_of(name: str) -> Digits | None:
            face = self.faces.get(names.get(name, ""))
            return face.digits() if face is not None else None
        return face_of

    def use(self, names: dict[str, str], glyphs: dict[str, list[int]]) -> None:
        for name, gids in glyphs.items():
            face = self.faces.get(names.get(name, ""))
            if face is not None:
                face.used.update(gids)
