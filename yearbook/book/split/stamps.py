"""Page numbers stamped into parts that were laid out with other page numbers of the same width.

The 目录, the chapter openers' lists, the indexes and the folios show page numbers, so an edit that
moves pages would make the split render (split_render) lay all of them out again: a minute for the
主题索引 of a 1,000-article book. The theme sets page numbers in half-width digits (the ``hwid``
OpenType feature: every digit as wide as every other), so a part laid out with the numbers 118 and
1203 has the same lines, boxes and pages as with 120 and 1205: only the digits' glyphs differ. Such a
part is taken from the part cache by its *shape* (its HTML with each number's digits counted, not
read) and the join rewrites the digits in its page content (:class:`Stamper`).

Nothing is guessed: a number is found where WeasyPrint drew it (the text box of the number, recorded
by :func:`number_boxes` when the part was laid out, is where its text matrix is set), its glyphs
must spell the old number, and each new digit's glyph must be exactly as wide as the old one's (the
PDF's own width arrays say so). When any of this fails — a font without equal-width digits, a digit
no part of the book has drawn — :class:`StampError` is raised and the book is laid out without
stamping."""
from __future__ import annotations

import bisect
import re

import pikepdf


DATA_PAGE = re.compile(r'data-page="(\d+)"')
TOLERANCE = 0.01  # CSS px: WeasyPrint writes positions with 6 decimals
BFCHAR = re.compile(rb"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]{4})>")
NUMBER = rb"-?(?:\d+\.?\d*|\.\d+)"
NAME = rb"/([^\s/\[\]<>()]+)"
# a text box as WeasyPrint draws it: text matrix, maybe the font, the glyphs (of which the array)
TM_TJ = re.compile(rb"(%s)\s+(%s)\s+Tm\s+(?:%s\s+%s\s+Tf\s+)?\[(?P<array>[^\]]*)\]\s*TJ" % (NUMBER, NUMBER, NAME, NUMBER))
TF = re.compile(rb"%s\s+%s\s+Tf" % (NAME, NUMBER))
TJ_ITEM = re.compile(rb"<([0-9a-fA-F]*)>|(%s)|(\()" % NUMBER)


def contents_bytes(page: pikepdf.Dictionary) -> bytes:
    contents = page.get("/Contents")
    if contents is None:
        return b""
    if isinstance(contents, pikepdf.Array):
        return b"\n".join(bytes(c.read_bytes()) for c in contents)
    return contents.read_bytes()



class StampError(Exception):
    """A number could not be stamped: lay the part out instead."""


def shape(html: str) -> str:
    """The HTML with every page number's digits replaced by '#': what its layout depends on when
    digits are all equally wide."""
    return DATA_PAGE.sub(lambda m: 'data-page="' + "#" * len(m.group(1)) + '"', html)


def numbers_in(html: str) -> list[str]:
    """The page numbers of an HTML document, in document order."""
    return DATA_PAGE.findall(html)


class _Font:
    """A font dictionary of one part: its glyphs' widths (/W) and Unicode values (/ToUnicode)."""

    def __init__(self, font: pikepdf.Dictionary):
        self.font = font
        descendant = font.DescendantFonts[0]
        self.name = str(descendant.get("/BaseFont", font.get("/BaseFont", "")))
        self.widths: dict[int, float] = {}
        items = list(descendant.get("/W", []))
        i = 0
        while i < len(items):
            first = int(items[i])
            if isinstance(items[i + 1], pikepdf.Array):
                for k, w in enumerate(items[i + 1]):
                    self.widths[first + k] = float(w)
                i += 2
            else:
                for gid in range(first, int(items[i + 1]) + 1):
                    self.widths[gid] = float(items[i + 2])
                i += 3
        self.digits: dict[int, str] = {}  # glyph id -> digit
        to_unicode = font.get("/ToUnicode")
        if to_unicode is not None:
            for gid, code in BFCHAR.findall(to_unicode.read_bytes()):
                char = chr(int(code, 16))
                if char.isdigit() and char.isascii():
                    self.digits[int(gid, 16)] = char
        self.added: dict[int, str] = {}

    def add(self, gid: int, digit: str, width: float) -> None:
        """Make ``gid`` known to this font dictionary (width and Unicode value) if it is not."""
        if gid in self.widths:
            return
        self.widths[gid] = width
        self.digits[gid] = digit
        self.added[gid] = digit

    def finish(self) -> None:
        if not self.added:
            return
        descendant = self.font.DescendantFonts[0]
        w = pikepdf.Array(list(descendant.get("/W", [])))
        for gid, _ in sorted(self.added.items()):
            w.append(gid)
            w.append(pikepdf.Array([self.widths[gid]]))
        descendant.W = w
        to_unicode = self.font.get("/ToUnicode")
        if to_unicode is not None:
            entries = b"".join(b"<%04x> <%04x>\n" % (gid, ord(d)) for gid, d in sorted(self.added.items()))
            data = to_unicode.read_bytes().replace(
                b"endcmap", b"%d beginbfchar\n%sendbfchar\nendcmap" % (len(self.added), entries), 1)
            to_unicode.write(data)
        self.added = {}


class Stamper:
    """Rewrites page numbers in the pages of a joined book (pdf_join). ``sources``: every PDF whose
    fonts may hold a digit (the book's parts), to find the glyph of a digit a part has not drawn."""

    def __init__(self, open_source, sources: list[bytes]):
        self.open_source = open_source
        self.sources = sources
        self._fonts: dict[tuple, _Font] = {}
        self._templates: dict[tuple, tuple] = {}
        self._candidate_cache: dict[tuple, list[int]] = {}
        self._rewritten: dict[tuple, bytes] = {}
        self._glyphs: dict[str, dict[str, dict[int, float]]] | None = None  # font name -> digit -> {gid: width}

    def _font(self, pdf: pikepdf.Pdf, font: pikepdf.Dictionary) -> _Font:
        key = (id(pdf), font.objgen)
        if key not in self._fonts:
            self._fonts[key] = _Font(font)
        return self._fonts[key]

    def _digit_glyphs(self, name: str) -> dict[str, dict[int, float]]:
        if self._glyphs is None:
            self._glyphs = {}
            for data in self.sources:
                pdf = self.open_source(data)
                for obj in pdf.objects:
                    if isinstance(obj, pikepdf.Dictionary) and obj.get("/Subtype") == "/Type0" and "/DescendantFonts" in obj:
                        font = self._font(pdf, obj)
                        for gid, digit in font.digits.items():
                            if gid in font.widths:
                                self._glyphs.setdefault(font.name, {}).setdefault(digit, {})[gid] = font.widths[gid]
        return self._glyphs.get(name, {})

    def _candidates(self, name: str, digit: str, width: float) -> list[int]:
        key = (name, digit, width)
        if key not in self._candidate_cache:
            self._candidate_cache[key] = [gid for gid, w in self._digit_glyphs(name).get(digit, {}).items() if w == width]
        return self._candidate_cache[key]

    def stamp(self, pdf: pikepdf.Pdf, page: pikepdf.Dictionary, resources: pikepdf.Dictionary,
              stamps: list[tuple[float, float, str, str]], source: object = None) -> bytes:
        """The page's content with each number (x, y, old, new) rewritten; raises StampError.
        ``resources``: the page's resources in ``pdf`` (whose fonts learn the glyphs added).
        A page stamped again with other numbers at the same places (a furniture page, once per
        folio) is read once. ``source``: what tells the page's own document from others (a page of
        another document than ``pdf`` has an object number of that document)."""
        # the page's own document, not only its object number: furniture pages of different documents
        # share object numbers (the cause of running heads taken from another chapter's furniture)
        key = (id(pdf), source, page.objgen, tuple((round(x, 2), round(y, 2), old) for x, y, old, _ in stamps))
        if page.objgen == (0, 0) or key not in self._templates:
            self._templates[key] = self._template(page, resources, stamps)
        segments, found = self._templates[key]
        new_of = {(round(x, 2), round(y, 2)): new for x, y, _, new in stamps}
        out = [segments[0]]
        for (place, font, items, old), segment in zip(found, segments[1:]):
            out.append(self._rewrite(pdf, font, items, old, new_of[place]))
            out.append(segment)
        return b"".join(out)

    def _template(self, page, resources, stamps):
        """The page's content cut around its numbers' glyph arrays: (the bytes between them; for
        each number its place, font, glyph array and old text). WeasyPrint sets each text box's
        text matrix (Tm), then maybe the font (Tf), then shows its glyphs (TJ): a number is the
        TJ after the Tm of its box's place."""
        pending = {(round(x, 2), round(y, 2)): old for x, y, old, _ in stamps}
        fonts = resources.get("/Font", {})
        data = contents_bytes(page)
        font_at = [(m.start(), "/" + m.group(1).decode("latin-1")) for m in TF.finditer(data)]
        font_positions = [at for at, _ in font_at]
        segments, found, last = [], [], 0
        # every text box of the page has a text matrix; most are not numbers: the numbers' places in
        # hundredths, by line, reject them with a few integer look-ups
        near: dict[int, list[int]] = {}
        for x, y in pending:
            near.setdefault(round(y * 100), []).append(round(x * 100))
        for match in TM_TJ.finditer(data):
            x, y = float(match.group(1)), float(match.group(2))
            xi, yi = round(x * 100), round(y * 100)
            if not any(abs(xi - px) <= 3 for dy in (-3, -2, -1, 0, 1, 2, 3) for px in near.get(yi + dy, ())):
                continue
            place = self._match(pending, (x, y))
            if place is None:
                continue
            index = bisect.bisect_left(font_positions, match.start("array")) - 1
            font = fonts.get(font_at[index][1]) if index >= 0 else None
            items = []
            for item in TJ_ITEM.finditer(match.group("array")):
                if item.group(1) is not None:
                    items.append(bytes.fromhex(item.group(1).decode()))
                elif item.group(2) is not None:
                    items.append(float(item.group(2)))
                else:
                    raise StampError("a page number drawn from a literal string")
            found.append((place, font, items, pending.pop(place)))
            segments.append(data[last:match.start("array")])
            last = match.end("array")
        segments.append(data[last:])
        if pending:
            raise StampError(f"{len(pending)} page number(s) not found where they were drawn")
        return segments, found

    @staticmethod
    def _match(pending, position):
        x, y = position
        for dx in (0, -TOLERANCE, TOLERANCE):
            for dy in (0, -TOLERANCE, TOLERANCE):
                key = (round(x + dx, 2), round(y + dy, 2))
                if key in pending:
                    return key
        return None

    def _rewrite(self, pdf, font_dict, items, old: str, new: str) -> bytes:
        """The glyph array (``[<…>0<…>]``) of ``new``, set where ``old`` was."""
        if font_dict is None or len(old) != len(new):
            raise StampError("a page number without its font, or of another width")
        font = self._font(pdf, font_dict)
        key = (id(font), tuple(items), old, new)  # the same number at the same place of the same font
        if key not in self._rewritten:
            self._rewritten[key] = self._glyph_array(font, items, old, new)
        return self._rewritten[key]

    def _glyph_array(self, font: _Font, items, old: str, new: str) -> bytes:
        glyphs = []
        for item in items:
            if isinstance(item, bytes):
                glyphs.extend(int.from_bytes(item[i:i + 2], "big") for i in range(0, len(item), 2))
            elif item != 0:
                raise StampError("a page number with kerning between its digits")
        if "".join(font.digits.get(g, "?") for g in glyphs) != old:
            raise StampError(f"the glyphs drawn are not the page number {old}")
        replacement = []
        for g, digit in zip(glyphs, new):
            width = font.widths.get(g)
            if font.digits.get(g) == digit:
                replacement.append(g)
                continue
            candidates = self._candidates(font.name, digit, width)
            if len(candidates) != 1:
                raise StampError(f"no single glyph of the digit {digit} as wide as the one it replaces")
            font.add(candidates[0], digit, width)
            replacement.append(candidates[0])
        strings = iter(replacement)
        out = []
        for item in items:
            if isinstance(item, bytes):
                out.append(b"<" + b"".join(b"%04x" % next(strings) for _ in range(len(item) // 2)) + b">")
            else:
                out.append(b"%g" % item)
        return b"".join(out)

    def finish(self) -> None:
        """Write the widths and Unicode values of the glyphs that stamping added to fonts."""
        for font in self._fonts.values():
            font.finish()
