"""The text layer of a laid-out book made the text: what a reader copies or searches, and what an
archive keeps, is what the editors wrote, not what typesetting added.

Chinese typesetting here works partly with spaces (typeset.py): break opportunities beside quotation
marks and the gap between Chinese and Latin or digits are U+0020 (or, where no break may fall, U+00A0)
characters whose width the stylesheet sets. Drawn, they are space glyphs, so a copied line would read
``创立了 “科技创新市长奖”， “科技创新引领人”`` and a search for ``评选表彰20名`` would find nothing.
:func:`clean` rewrites each page's content so that every space glyph next to a Chinese character or
mark becomes what it does on the page — a move of the pen as wide as the glyph — and drops the glyphs
of invisible characters (the zero-width space WeasyPrint adds after a lone space, soft hyphens).
Nothing moves: the pen advances exactly as before (the glyph's width from the font's own /W array,
or /DW, is put into the text array as a displacement, merged with the displacements beside it), so
the pages look the same to the last digit of every position. Spaces between Latin words stay: they
are the text. The font dictionaries are left as they are (a dropped glyph stays in the font's
widths, Unicode map and program, as in the book WeasyPrint wrote).

A space typed between a Chinese character and a Latin word or a number goes too (the gap there is
set by the typesetting; ``check`` says so at the space's line). A space typed between two Chinese
characters is set as an ideographic space (U+3000, 一字空) by the typesetting and stays."""
from __future__ import annotations

import re
from io import BytesIO

import pikepdf

# Chinese characters and marks: a space next to one of these was added by the typesetting
CJK = re.compile("[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3200-\u4dbf\u4e00-\u9fff"
                 "\uf900-\ufaff\ufe10-\ufe1f\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff“”‘’—…·]")
INVISIBLE = frozenset({"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"})
SPACES = frozenset({" ", "\u00a0"})

NUMBER = rb"[+-]?(?:\d+\.?\d*|\.\d+)"
NAME = rb"/([^\s/\[\]<>()]+)"
TF = re.compile(rb"%s\s+%s\s+Tf" % (NAME, NUMBER))
TJ = re.compile(rb"\[(?P<array>[^\]]*)\]\s*TJ")
TJ_ITEM = re.compile(rb"<([0-9a-fA-F\s]*)>|(%s)|(\()" % NUMBER)
BFCHAR = re.compile(rb"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]+)>")


def width_map(widths) -> dict[int, float]:
    """A CID font's /W array as glyph id → width."""
    found: dict[int, float] = {}
    items = list(widths) if widths is not None else []
    i = 0
    while i < len(items):
        first = int(items[i])
        if i + 1 < len(items) and isinstance(items[i + 1], pikepdf.Array):
            for k, w in enumerate(items[i + 1]):
                found[first + k] = float(w)
            i += 2
        else:
            for gid in range(first, int(items[i + 1]) + 1):
                found[gid] = float(items[i + 2])
            i += 3
    return found


def unicode_map(to_unicode) -> dict[int, str]:
    """A ToUnicode CMap's bfchar entries (what WeasyPrint writes) as glyph id → text."""
    if to_unicode is None:
        return {}
    found = {}
    for gid, text in BFCHAR.findall(to_unicode.read_bytes()):
        try:
            found[int(gid, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
        except (ValueError, UnicodeDecodeError):
            continue
    return found


class _Font:
    """What cleaning needs of a font: each glyph's text and width, and which glyphs may go."""

    def __init__(self, font: pikepdf.Dictionary):
        self.texts: dict[int, str] = {}
        self.widths: dict[int, float] = {}
        self.default_width = 1000.0
        if font.get("/Subtype") == "/Type0" and font.get("/DescendantFonts") and str(font.get("/Encoding")) == "/Identity-H":
            descendant = font.DescendantFonts[0]
            self.texts = unicode_map(font.get("/ToUnicode"))
            self.widths = width_map(descendant.get("/W"))
            self.default_width = float(descendant.get("/DW", 1000))
        # glyphs that may be dropped, as their 2-byte codes
        self.spaces = {gid.to_bytes(2, "big") for gid, text in self.texts.items() if text in SPACES}
        self.invisible = {gid.to_bytes(2, "big") for gid, text in self.texts.items() if text in INVISIBLE}
        # the same as hex text, to find the arrays that hold one without decoding them
        self.space_hex = tuple(code.hex().encode() for code in self.spaces)
        self.invisible_hex = tuple(code.hex().encode() for code in self.invisible)

    def width(self, code: bytes) -> float:
        return self.widths.get(int.from_bytes(code, "big"), self.default_width)


def _number(value: float) -> bytes:
    if float(value).is_integer():
        return b"%d" % value
    return repr(float(value)).encode()


HEX = re.compile(rb"<([0-9a-fA-F\s]*)>")


class _Arrays:
    """A page's text arrays (TJ), each with its font, read only as far as cleaning needs: most
    arrays hold no space, and their glyphs are looked at only as the neighbours of one."""

    def __init__(self, content: bytes, fonts: dict[str, _Font]):
        font_at = [(m.start(), m.group(1).decode("latin-1")) for m in TF.finditer(content)]
        self.arrays: list[tuple[re.Match, _Font | None]] = []
        position = 0
        for match in TJ.finditer(content):
            while position < len(font_at) and font_at[position][0] < match.start():
                position += 1
            self.arrays.append((match, fonts.get(font_at[position - 1][1]) if position else None))
        self._codes: dict[int, list[bytes] | None] = {}

    def has_candidates(self, a: int) -> bool:
        match, font = self.arrays[a]
        if font is None or not (font.space_hex or font.invisible_hex):
            return False
        array = match.group("array").lower()
        return any(code in array for code in font.space_hex + font.invisible_hex)

    def codes(self, a: int) -> list[bytes] | None:
        """The glyph codes of array ``a`` (2 bytes each), None if it holds a literal string."""
        if a not in self._codes:
            array = self.arrays[a][0].group("array")
            if b"(" in array:
                self._codes[a] = None
            else:
                raw = bytes.fromhex(b"".join(HEX.findall(array)).decode().replace(" ", "").replace("\n", ""))
                self._codes[a] = [raw[g:g + 2] for g in range(0, len(raw) - 1, 2)]
        return self._codes[a]

    def neighbour(self, a: int, step: int) -> str | None:
        """The text of the nearest real glyph in the arrays before (step -1) or after (+1) ``a``."""
        a += step
        while 0 <= a < len(self.arrays):
            font = self.arrays[a][1]
            codes = self.codes(a) if font is not None else None
            for code in (reversed(codes) if step < 0 else codes) if codes else ():
                text = font.texts.get(int.from_bytes(code, "big"))
                if text and text not in SPACES and text not in INVISIBLE:
                    return text
            a += step
        return None


def _cjk_side(text: str | None, end: int) -> bool:
    return bool(text) and CJK.match(text[end]) is not None


def _rewrite(array: bytes, font: _Font, drop: set[int]) -> bytes:
    """A text array with the glyphs at the indexes ``drop`` turned into displacements (merged with
    the displacements beside them; everything else as it was written)."""
    pieces: list[bytes] = []
    move: list[bytes] = []  # displacements since the last glyph, as written
    moved = 0.0
    index = 0  # glyphs before this string

    def flush() -> None:
        nonlocal move, moved
        if move:
            pieces.extend(_moves(move, moved))
            move, moved = [], 0.0

    for item in TJ_ITEM.finditer(array):
        digits = item.group(1)
        if digits is None:
            move.append(item.group(2))
            moved += float(item.group(2))
            continue
        if b" " in digits or b"\n" in digits or b"\r" in digits or b"\t" in digits:
            digits = re.sub(rb"\s", b"", digits)
        count = len(digits) // 4
        start = 0
        for k in sorted(k - index for k in drop if index <= k < index + count):
            if k > start:
                flush()
                pieces.append(b"<" + digits[4 * start:4 * k] + b">")
            width = font.width(bytes.fromhex(digits[4 * k:4 * k + 4].decode()))
            move.append(_number(-width))
            moved -= width
            start = k + 1
        if start < count:
            flush()
            pieces.append(b"<" + digits[4 * start:] + b">")
        index += count
    flush()
    return b" ".join(pieces)


def clean_content(content: bytes, fonts: dict[str, _Font]) -> bytes:
    """A page's content with the added spaces and invisible characters as displacements."""
    if not any(font.spaces or font.invisible for font in fonts.values()):
        return content
    arrays = _Arrays(content, fonts)
    changes: dict[int, set[int]] = {}
    for a, (match, font) in enumerate(arrays.arrays):
        if not arrays.has_candidates(a):
            continue
        codes = arrays.codes(a)
        if codes is None:
            return content  # a literal string: not WeasyPrint's output, leave the page as it is
        texts = font.texts
        kinds = [2 if code in font.invisible else 1 if code in font.spaces else 0 for code in codes]
        drop = {k for k, kind in enumerate(kinds) if kind == 2}
        for k, kind in enumerate(kinds):
            if kind != 1:
                continue
            before = after = None
            for j in range(k - 1, -1, -1):
                if kinds[j] == 0 and texts.get(int.from_bytes(codes[j], "big")):
                    before = texts[int.from_bytes(codes[j], "big")]
                    break
            else:
                before = arrays.neighbour(a, -1)
            for j in range(k + 1, len(codes)):
                if kinds[j] == 0 and texts.get(int.from_bytes(codes[j], "big")):
                    after = texts[int.from_bytes(codes[j], "big")]
                    break
            else:
                after = arrays.neighbour(a, 1)
            if _cjk_side(before, -1) or _cjk_side(after, 0):
                drop.add(k)
        if drop:
            changes[a] = drop
    if not changes:
        return content
    out, last = [], 0
    for a, drop in changes.items():
        match, font = arrays.arrays[a]
        out.append(content[last:match.start("array")])
        out.append(_rewrite(match.group("array"), font, drop))
        last = match.end("array")
    out.append(content[last:])
    return b"".join(out)


def _moves(written: list[bytes], total: float) -> list[bytes]:
    """Displacements between two glyphs: as written when there is one, else their sum (none if 0)."""
    if len(written) == 1:
        return written
    return [] if total == 0 else [_number(total)]


def page_content(page: pikepdf.Page) -> bytes:
    """A page's content stream(s), decoded and joined (b"" for a page without)."""
    streams = page.obj.get("/Contents")
    if streams is None:
        return b""
    streams = list(streams) if isinstance(streams, pikepdf.Array) else [streams]
    return b"\n".join(stream.read_bytes() for stream in streams)


def clean(pdf: bytes, contents: list[bytes] | None = None) -> bytes:
    """``pdf`` (as WeasyPrint wrote it) with the text layer of every page made the text; the same
    bytes when there is nothing to clean. ``contents``: a list that gets each page's content as
    WeasyPrint wrote it (decoded, its streams joined; b"" for a page without)."""
    with pikepdf.open(BytesIO(pdf)) as opened:
        changed = False
        cache: dict[tuple, _Font] = {}
        for page in opened.pages:
            resources = page.obj.get("/Resources")
            font_dicts = resources.get("/Font", {}) if resources is not None else {}
            fonts = {}
            for name, font in font_dicts.items():
                key = font.objgen if font.is_indirect else (id(font), 0)
                if key not in cache:
                    cache[key] = _Font(font)
                fonts[name[1:]] = cache[key]
            data = page_content(page) if fonts or contents is not None else b""
            if contents is not None:
                contents.append(data)
            if not fonts or not data:
                continue
            cleaned = clean_content(data, fonts)
            if cleaned != data:
                page.obj.Contents = opened.make_stream(cleaned)
                changed = True
        if not changed:
            return pdf
        identifier = opened.trailer.get("/ID")
        out = BytesIO()
        opened.save(out, deterministic_id=identifier is None, compress_streams=True,
                    stream_decode_level=pikepdf.StreamDecodeLevel.none,
                    object_stream_mode=pikepdf.ObjectStreamMode.preserve)
        return out.getvalue()
