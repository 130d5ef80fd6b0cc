"""The text layer of a laid-out book made the text: what a reader copies or searches, and what an
archive keeps, is what the editors wrote, not what typesetting added.

Chinese typesetting here works with spaces (typeset.py): a justification point after each pause mark
and the ⅛-em gap between Chinese and Latin or digits are U+0020 characters that WeasyPrint widens or
narrows. Drawn, they are space glyphs, so a copied line reads ``创立了 “科技创新市长奖”， “科技创新
引领人”`` and a search for ``评选表彰20名`` finds nothing. :func:`clean` rewrites each page's content
so that every space glyph next to a Chinese character or mark becomes what it does on the page — a
move of the pen as wide as the glyph — and drops the glyphs of invisible characters (zero-width
spaces, which WeasyPrint adds for word spacing). Nothing moves: the pen advances exactly as before
(the glyph's width from the font's own /W array is put into the text array as a displacement), so
the pages look the same to the last digit of every position. Spaces between Latin words stay: they
are the text.

A space typed between a Chinese character and a Latin word or a number goes too (the gap there is
set by the typesetting; ``check`` says so at the space's line)."""
from __future__ import annotations

import re
from io import BytesIO

import pikepdf

# Chinese characters and marks: a space next to one of these was added by the typesetting
CJK = re.compile("[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3200-\u4dbf\u4e00-\u9fff"
                 "\uf900-\ufaff\ufe10-\ufe1f\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff“”‘’—…·]")
INVISIBLE = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"}
SPACES = {" "}

NUMBER = rb"-?(?:\d+\.?\d*|\.\d+)"
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
    def __init__(self, font: pikepdf.Dictionary):
        self.texts: dict[int, str] = {}
        self.widths: dict[int, float] = {}
        if font.get("/Subtype") == "/Type0" and font.get("/DescendantFonts"):
            self.texts = unicode_map(font.get("/ToUnicode"))
            self.widths = width_map(font.DescendantFonts[0].get("/W"))


def _number(value: float) -> bytes:
    return b"%d" % value if float(value).is_integer() else b"%g" % value


def clean_content(content: bytes, fonts: dict[str, _Font]) -> bytes:
    """A page's content with the added spaces and invisible characters as displacements."""
    font_at = [(m.start(), m.group(1).decode("latin-1")) for m in TF.finditer(content)]
    arrays = []  # (match, font name, items); items: bytes (glyph ids, 2 bytes each) or float
    position = 0
    for match in TJ.finditer(content):
        while position < len(font_at) and font_at[position][0] < match.start():
            position += 1
        font = font_at[position - 1][1] if position else None
        items = []
        for item in TJ_ITEM.finditer(match.group("array")):
            if item.group(1) is not None:
                items.append(bytes.fromhex(re.sub(rb"\s", b"", item.group(1)).decode()))
            elif item.group(2) is not None:
                items.append(float(item.group(2)))
            else:
                return content  # a literal string: not WeasyPrint's output, leave the page as it is
        arrays.append((match, font, items))
    # every glyph in content order: (array, item, glyph index, its text)
    glyphs = []
    for a, (_, font, items) in enumerate(arrays):
        texts = fonts[font].texts if font in fonts else {}
        for i, item in enumerate(items):
            if isinstance(item, bytes):
                for g in range(0, len(item) - 1, 2):
                    glyphs.append((a, i, g, texts.get(int.from_bytes(item[g:g + 2], "big"))))
    # the nearest real character before and after each glyph (spaces and invisible ones skipped)
    before: list[str | None] = []
    last_text = None
    for _, _, _, text in glyphs:
        before.append(last_text)
        if text and text not in SPACES and text not in INVISIBLE:
            last_text = text
    after: list[str | None] = [None] * len(glyphs)
    next_text = None
    for k in range(len(glyphs) - 1, -1, -1):
        after[k] = next_text
        text = glyphs[k][3]
        if text and text not in SPACES and text not in INVISIBLE:
            next_text = text
    drop = set()
    for k, (a, i, g, text) in enumerate(glyphs):
        if text in INVISIBLE:
            drop.add((a, i, g))
        elif text in SPACES and ((before[k] and CJK.match(before[k][-1])) or (after[k] and CJK.match(after[k][0]))):
            drop.add((a, i, g))
    if not drop:
        return content
    out, last = [], 0
    for a, (match, font, items) in enumerate(arrays):
        if not any(key[0] == a for key in drop):
            continue
        widths = fonts[font].widths if font in fonts else {}
        pieces = []
        for i, item in enumerate(items):
            if not isinstance(item, bytes):
                pieces.append(_number(item))
                continue
            run = b""
            for g in range(0, len(item) - 1, 2):
                gid = int.from_bytes(item[g:g + 2], "big")
                if (a, i, g) in drop and gid in widths:
                    if run:
                        pieces.append(b"<" + run.hex().encode() + b">")
                        run = b""
                    pieces.append(_number(-widths[gid]))
                else:
                    run += item[g:g + 2]
            if run:
                pieces.append(b"<" + run.hex().encode() + b">")
        out.append(content[last:match.start("array")])
        out.append(b" ".join(pieces))
        last = match.end("array")
    out.append(content[last:])
    return b"".join(out)


def clean(pdf: bytes) -> bytes:
    """``pdf`` (as WeasyPrint wrote it) with the text layer of every page made the text."""
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
            contents = page.obj.get("/Contents")
            if contents is None:
                continue
            streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
            data = b"\n".join(stream.read_bytes() for stream in streams)
            cleaned = clean_content(data, fonts)
            if cleaned != data:
                page.obj.Contents = opened.make_stream(cleaned)
                changed = True
        if not changed:
            return pdf
        out = BytesIO()
        opened.save(out, deterministic_id=True, compress_streams=True,
                    stream_decode_level=pikepdf.StreamDecodeLevel.none, object_stream_mode=pikepdf.ObjectStreamMode.preserve)
        return out.getvalue()
