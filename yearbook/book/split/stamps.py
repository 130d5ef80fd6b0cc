"""Page numbers stamped into parts laid out with stand-in numbers of the same width.

The 目录, the chapter openers' lists, the indexes and the folios show page numbers, and an edit that
moves pages would otherwise lay all of them out again (a minute for the 主题索引 of a 1,000-article
book). The theme sets page numbers in half-width digits (the ``hwid`` OpenType feature: every digit
as wide as every other), so a part laid out with the numbers 0000 and 000 has the same lines, boxes
and pages as with 1203 and 118: only the digits' glyphs differ. So such a part is always laid out
from its *shape* (:func:`shape`: its HTML with every number written as zeros of its width), and the
book's numbers are written into its page content (:class:`Stamper`). The same shape gives the same
layout, whatever the numbers, and the stamped content depends only on the layout and the numbers:
a cached build and a clean one write the same bytes.

Nothing is guessed: a number is found where WeasyPrint drew it (the text box of the number, recorded
when the part was laid out, is where its text matrix is set), its glyphs must spell the stand-in,
and each new digit's glyph must be exactly as wide as the old one's (the PDF's own width arrays say
so). When any of this fails — a font without equal-width digits, a digit no part of the book drew
— :class:`StampError` is raised and the book is laid out without stamping."""
from __future__ import annotations

import bisect
import re
from typing import Callable

DATA_PAGE = re.compile(r'data-page="([^"]*)"')
TOLERANCE = 0.01  # CSS px: WeasyPrint writes positions with 6 decimals
NUMBER = rb"-?(?:\d+\.?\d*|\.\d+)"
NAME = rb"/([^\s/\[\]<>()]+)"
# a text box as WeasyPrint draws it: text matrix, maybe the font, the glyphs (of which the array)
TM_TJ = re.compile(rb"(%s)\s+(%s)\s+Tm\s+(?:%s\s+%s\s+Tf\s+)?\[(?P<array>[^\]]*)\]\s*TJ" % (NUMBER, NUMBER, NAME, NUMBER))
TF = re.compile(rb"%s\s+%s\s+Tf" % (NAME, NUMBER))
TJ_ITEM = re.compile(rb"<([0-9a-fA-F]*)>|(%s)|(\()" % NUMBER)


class StampError(Exception):
    """A number could not be stamped: lay the part out with its numbers instead."""


def shape(html: str) -> str:
    """The HTML with every page number written as zeros of its width: what its layout depends on
    when digits are all equally wide, and what a stamped part is laid out from."""
    return DATA_PAGE.sub(lambda m: 'data-page="' + ("0" * len(m.group(1)) if m.group(1).isdigit() else m.group(1)) + '"', html)


def numbers_in(html: str) -> list[str]:
    """The page numbers of an HTML document, in document order (a roman one of the front matter
    too: it is laid out as it is, but counts in the order)."""
    return DATA_PAGE.findall(html)


class Digits:
    """What stamping needs to know of a font face: each glyph's width and which digit it draws."""

    def __init__(self, widths: dict[int, float], digits: dict[int, str]):
        self.widths = widths
        self.digits = digits
        self._by_width: dict[tuple[str, float], list[int]] = {}

    def glyph(self, digit: str, width: float | None) -> int:
        """The one glyph of ``digit`` as wide as ``width``."""
        key = (digit, width)
        if key not in self._by_width:
            self._by_width[key] = [g for g, d in self.digits.items() if d == digit and self.widths.get(g) == width]
        found = self._by_width[key]
        if len(found) != 1:
            raise StampError(f"no single glyph of the digit {digit} as wide as the one it replaces")
        return found[0]


class Stamper:
    """Rewrites page numbers in page contents. ``face_of(resource name of a page) → Digits``."""

    def __init__(self) -> None:
        self._templates: dict[tuple, tuple] = {}

    def stamp(self, content: bytes, face_of: Callable[[str], Digits | None],
              stamps: list[tuple[float, float, str, str]], template: object = None) -> bytes:
        """``content`` (decoded) with each number (x, y, old, new) rewritten; raises StampError.
        ``template``: a key under which the cut-up content is kept, for a page stamped again with
        other numbers at the same places (a furniture page, once per folio)."""
        key = (template, tuple((round(x, 2), round(y, 2), old) for x, y, old, _ in stamps)) if template is not None else None
        found = self._templates.get(key) if key is not None else None
        if found is None:
            found = self._template(content, stamps)
            if key is not None:
                self._templates[key] = found
        segments, places = found
        new_of = {(round(x, 2), round(y, 2)): new for x, y, _, new in stamps}
        out = [segments[0]]
        for (place, font, items, old), segment in zip(places, segments[1:]):
            out.append(self._rewrite(face_of(font) if font else None, items, old, new_of[place]))
            out.append(segment)
        return b"".join(out)

    def _template(self, data: bytes, stamps):
        """The content cut around its numbers' glyph arrays: (the bytes between them; for each
        number its place, font resource name, glyph array and old text). WeasyPrint sets each text
        box's text matrix (Tm), then maybe the font (Tf), then shows its glyphs (TJ): a number is
        the TJ after the Tm of its box's place."""
        pending = {(round(x, 2), round(y, 2)): old for x, y, old, _ in stamps}
        font_at = [(m.start(), m.group(1).decode("latin-1")) for m in TF.finditer(data)]
        font_positions = [at for at, _ in font_at]
        segments, places, last = [], [], 0
        # most text boxes are not numbers: the numbers' places in hundredths, by line, reject them fast
        near: dict[int, list[int]] = {}
        for x, y in pending:
            near.setdefault(round(y * 100), []).append(round(x * 100))
        for match in TM_TJ.finditer(data):
            x, y = float(match.group(1)), float(match.group(2))
            xi, yi = round(x * 100), round(y * 100)
            if not any(abs(xi - px) <= 3 for dy in (-3, -2, -1, 0, 1, 2, 3) for px in near.get(yi + dy, ())):
                continue
            place = _match(pending, (x, y))
            if place is None:
                continue
            index = bisect.bisect_left(font_positions, match.start("array")) - 1
            font = font_at[index][1] if index >= 0 else None
            items: list = []
            for item in TJ_ITEM.finditer(match.group("array")):
                if item.group(1) is not None:
                    items.append(bytes.fromhex(item.group(1).decode()))
                elif item.group(2) is not None:
                    items.append(float(item.group(2)))
                else:
                    raise StampError("a page number drawn from a literal string")
            places.append((place, font, items, pending.pop(place)))
            segments.append(data[last:match.start("array")])
            last = match.end("array")
        segments.append(data[last:])
        if pending:
            raise StampError(f"{len(pending)} page number(s) not found where they were drawn")
        return segments, places

    @staticmethod
    def _rewrite(face: Digits | None, items, old: str, new: str) -> bytes:
        """The glyph array (``[<…>0<…>]``) of ``new``, set where ``old`` was."""
        if face is None or len(old) != len(new):
            raise StampError("a page number without its font, or of another width")
        glyphs = []
        for item in items:
            if isinstance(item, bytes):
                glyphs.extend(int.from_bytes(item[i:i + 2], "big") for i in range(0, len(item), 2))
            elif item != 0:
                raise StampError("a page number with kerning between its digits")
        if "".join(face.digits.get(g, "?") for g in glyphs) != old:
            raise StampError(f"the glyphs drawn are not the page number {old}")
        replacement = [g if face.digits.get(g) == digit else face.glyph(digit, face.widths.get(g))
                       for g, digit in zip(glyphs, new)]
        strings = iter(replacement)
        out = []
        for item in items:
            if isinstance(item, bytes):
                out.append(b"<" + b"".join(b"%04x" % next(strings) for _ in range(len(item) // 2)) + b">")
            else:
                out.append(b"%g" % item)
        return b"".join(out)


def _match(pending, position):
    x, y = position
    for dx in (0, -TOLERANCE, TOLERANCE):
        for dy in (0, -TOLERANCE, TOLERANCE):
            key = (round(x + dx, 2), round(y + dy, 2))
            if key in pending:
                return key
    return None
