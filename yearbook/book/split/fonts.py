"""One font program per typeface in a joined book (pdf_join): every part of a split render embeds
its own subset of each font, and a CJK subset carries the metrics and offsets of all 60,000-odd
glyph slots, so forty parts would carry forty copies. WeasyPrint subsets with the glyph ids of the
original font kept (HarfBuzz "retain gids"), so the subsets of one face are pieces of one font: the
glyphs that any part uses are copied into one of them, and every part's font descriptor points to
that one program. Pages, text and glyph positions do not change (the PDF's own width arrays, one
per part, still say how wide each glyph is).

Only CFF-based OpenType programs (FontFile3 /OpenType, as the Noto CJK fonts are embedded) are
merged; a face is left as it is when any of its subsets has a CIDSet (PDF/A-1 lists the glyphs of
each program there) or stands in for missing glyphs with its own CMap.

A rebuild reads as few font programs as it can (each is a megabyte or so, and a book has hundreds):
what each part PDF holds (its programs' digests, sizes and glyphs) is summarised once and kept by the
PDF's bytes; merged programs are kept by the programs and glyphs they are made of; and the glyphs'
charstrings, which are the same bytes in every subset of a face, are kept per face, so that a part
laid out again only has its own program read."""
from __future__ import annotations

import hashlib
import io
import pickle
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from ...output import replace_file

EMPTY_CHARSTRING = 3  # bytes: an unused glyph slot of a retain-gids subset is at most "width endchar"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _cids(widths) -> set[int]:
    """The glyphs a CID font uses: the CIDs its /W array gives widths for."""
    used: set[int] = set()
    items = list(widths) if widths is not None else []
    i = 0
    while i < len(items):
        first = int(items[i])
        if i + 1 < len(items) and isinstance(items[i + 1], pikepdf.Array):
            used.update(range(first, first + len(items[i + 1])))
            i += 2
        else:
            used.update(range(first, int(items[i + 1]) + 1))
            i += 3
    return used


SUMMARIES = "summaries.pickle"  # in the cache folder: what fonts each part PDF holds, by the PDF's bytes
GLYPHS = "glyphs.pickle"  # in the cache folder: per face, glyph id → charstring
STORE_FORMAT = 1


def _summary(pdf: pikepdf.Pdf) -> dict[str, list | None]:
    """What fonts a (part) PDF embeds: per font name, [(program digest, glyphs used, glyph slots,
    font DICTs)] for fonts with a CFF OpenType program; None for a name that cannot be merged (another
    kind of program, a CIDSet, its own CMap, a program whose charstrings cannot be read)."""
    faces: dict[str, list | None] = {}
    for name, cid_font, font in _type0_fonts(pdf):
        if faces.get(name, []) is None:
            continue
        program = cid_font.FontDescriptor.get("/FontFile3")
        data = program.read_bytes() if program is not None else b""
        index = _charstrings(data) if data else None
        if index is None or not _mergeable(cid_font, font):
            faces[name] = None
        else:
            faces.setdefault(name, []).append((_digest(data), frozenset(_cids(cid_font.get("/W"))), index[3], index[4]))
    return faces


def _type0_fonts(pdf: pikepdf.Pdf):
    """(font name, CID font, Type0 font) of every Type0 font with a descriptor among ``pdf``'s objects."""
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/Font" or obj.get("/Subtype") != "/Type0":
            continue
        descendants = obj.get("/DescendantFonts")
        if not descendants:
            continue
        cid_font = descendants[0]
        descriptor = cid_font.get("/FontDescriptor")
        if descriptor is not None:
            yield str(descriptor.get("/FontName", "")), cid_font, obj


def _mergeable(cid_font, font) -> bool:
    descriptor = cid_font.FontDescriptor
    program = descriptor.get("/FontFile3")
    return (program is not None and program.get("/Subtype") == "/OpenType" and "/CIDSet" not in descriptor
            and not isinstance(font.get("/Encoding"), pikepdf.Stream)
            and cid_font.get("/CIDToGIDMap", pikepdf.Name.Identity) == pikepdf.Name.Identity)


def _program_in(pdf: pikepdf.Pdf, name: str, digest: str) -> bytes | None:
    """The bytes of the program ``digest`` of face ``name`` in ``pdf``."""
    for font_name, cid_font, _ in _type0_fonts(pdf):
        program = cid_font.FontDescriptor.get("/FontFile3")
        if font_name == name and program is not None:
            data = program.read_bytes()
            if _digest(data) == digest:
                return data
    return None


def _descriptors(pdf: pikepdf.Pdf) -> dict[str, list]:
    """Every font descriptor of a Type0 font that the pages of ``pdf`` draw with (in their resources
    and those of the forms they draw), per font name; each once."""
    found: dict[str, list] = {}
    seen: set = set()

    def fresh(obj) -> bool:
        if not obj.is_indirect:
            return True
        if obj.objgen in seen:
            return False
        seen.add(obj.objgen)
        return True

    def walk(resources) -> None:
        if resources is None:
            return
        fonts = resources.get("/Font")
        if fonts is not None and fresh(fonts):
            for font in fonts.values():
                if not fresh(font) or font.get("/Subtype") != "/Type0" or not font.get("/DescendantFonts"):
                    continue
                descriptor = font.DescendantFonts[0].get("/FontDescriptor")
                if descriptor is not None:
                    found.setdefault(str(descriptor.get("/FontName", "")), []).append(descriptor)
        xobjects = resources.get("/XObject")
        if xobjects is not None and fresh(xobjects):
            for xobject in xobjects.values():
                if fresh(xobject) and xobject.get("/Subtype") == "/Form":
                    walk(xobject.get("/Resources"))

    for page in pdf.pages:
        resources = page.obj.get("/Resources")
        if resources is not None and fresh(resources):
            walk(resources)
    return found


class _Store:
    """What is kept between builds in the font cache folder: part summaries (by the part PDF's
    bytes) and charstrings (per face, by glyph id). Only what this build used is written back."""

    def __init__(self, cache_dir: Path | None):
        self.cache_dir = cache_dir
        self.summaries: dict[bytes, dict] = self._load(SUMMARIES)
        self.glyphs: dict[str, dict[int, bytes]] = self._load(GLYPHS)
        self.used: dict[bytes, dict] = {}
        self._loaded_glyphs = {name: len(table) for name, table in self.glyphs.items()}

    def _load(self, name: str) -> dict:
        if self.cache_dir is None or not (self.cache_dir / name).is_file():
            return {}
        try:
            stored = pickle.loads((self.cache_dir / name).read_bytes())
            return stored["data"] if stored.get("format") == STORE_FORMAT else {}
        except Exception:  # noqa: BLE001 - a damaged cache only costs time
            return {}

    def summary(self, data: bytes, opened) -> dict:
        key = hashlib.blake2b(data, digest_size=20).digest()
        summary = self.summaries.get(key)
        if summary is None:
            summary = _summary(opened())
        self.used[key] = summary
        return summary

    def save(self, faces: set[str]) -> None:
        """Keep the summaries this build used and the charstrings of its faces, if they changed."""
        if self.cache_dir is None:
            return
        glyphs = {name: table for name, table in self.glyphs.items() if name in faces}
        if set(self.used) == set(self.summaries) and {n: len(t) for n, t in glyphs.items()} == self._loaded_glyphs:
            return
        for name, data in ((SUMMARIES, self.used), (GLYPHS, glyphs)):
            replace_file(self.cache_dir / name,
                         pickle.dumps({"format": STORE_FORMAT, "data": data}, protocol=pickle.HIGHEST_PROTOCOL))


@dataclass
class _Program:
    """One subset of a face: the glyphs the book's PDFs use of it, its glyph slots and font DICT
    count, and where its bytes can be read (an open part PDF)."""

    glyphs: set[int]
    slots: int
    font_dicts: int
    source: object  # a function giving the open PDF that holds it


def merge_font_programs(pdf: pikepdf.Pdf, cache_dir: Path | None = None, sources=()) -> None:
    """Point every descriptor of a face to one program holding every glyph the book uses.

    ``sources``: (bytes, a function that opens them) of every PDF the book's pages and forms were
    copied from. Merged programs are kept in ``cache_dir`` by the programs and glyphs they are made of;
    its files this book does not use are removed."""
    store = _Store(cache_dir)
    faces: dict[str, dict[str, _Program] | None] = {}
    for data, opened in sources:
        for name, members in store.summary(data, opened).items():
            if members is None:
                faces[name] = None
            elif faces.get(name, {}) is not None:
                programs = faces.setdefault(name, {})
                for digest, glyphs, slots, font_dicts in members:
                    if digest in programs:
                        programs[digest].glyphs.update(glyphs)
                    else:
                        programs[digest] = _Program(set(glyphs), slots, font_dicts, opened)
    descriptors = _descriptors(pdf)
    used: set[str] = {SUMMARIES, GLYPHS}
    for name, programs in sorted(faces.items()):
        members = descriptors.get(name)
        if not programs or not members:
            continue
        key = hashlib.sha256(name.encode())
        for digest, program in sorted(programs.items()):
            key.update(digest.encode() + b":" + ",".join(map(str, sorted(program.glyphs))).encode() + b";")
        cached = cache_dir / f"{key.hexdigest()}.otf" if cache_dir is not None else None
        if cached is not None and cached.is_file():
            merged = cached.read_bytes()
        else:
            merged = _merged(name, programs, store.glyphs.setdefault(name, {}))
            if merged is None:
                continue
            if cached is not None:
                replace_file(cached, merged)
        if cached is not None:
            used.add(cached.name)
        stream = pdf.make_stream(merged)
        stream["/Subtype"] = pikepdf.Name.OpenType
        for descriptor in members:
            descriptor["/FontFile3"] = stream
    store.save({name for name, programs in faces.items() if programs})
    if cache_dir is not None and cache_dir.is_dir():
        for path in cache_dir.iterdir():
            if path.name not in used:
                path.unlink(missing_ok=True)


def _charstrings(data: bytes):
    """A CFF OpenType program's CharStrings INDEX, read directly (fontTools reads its offsets one by
    one): (CFF table, start of the glyph data, offset size, glyph count, font DICT count)."""
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(data), lazy=True)
    if "CFF " not in font.reader:
        return None
    table = font.reader["CFF "]
    top = font["CFF "].cff.topDictIndex[0]
    at = top.rawDict.get("CharStrings")
    if at is None:
        return None
    count = int.from_bytes(table[at:at + 2], "big")
    size = table[at + 2]
    fd_count = len(top.FDArray) if "FDArray" in top.rawDict else 0
    return table, at + 3, size, count, fd_count


def _glyph(index, gid: int) -> bytes:
    table, offsets_at, size, count, _ = index
    if gid >= count:
        return b""
    start = int.from_bytes(table[offsets_at + gid * size:offsets_at + (gid + 1) * size], "big")
    end = int.from_bytes(table[offsets_at + (gid + 1) * size:offsets_at + (gid + 2) * size], "big")
    data_at = offsets_at + (count + 1) * size - 1  # CFF offsets count from 1
    return bytes(table[data_at + start:data_at + end])


def _merged(name: str, programs: dict[str, _Program], charstrings: dict[int, bytes]) -> bytes | None:
    """The largest subset with the glyphs that only the others use copied in (``charstrings``: what
    is known of the face's glyphs, filled in from the programs that have the missing ones). Each
    subset's glyphs are the CIDs its font dictionaries give widths for (CIDToGIDMap /Identity: CID
    = glyph id). None if they cannot be merged."""
    from fontTools.misc.psCharStrings import T2CharString
    from fontTools.ttLib import TTFont

    def program_bytes(digest: str) -> bytes | None:
        return _program_in(programs[digest].source(), name, digest)

    # HarfBuzz drops unused glyph slots and font DICTs at the end only, so the subset with the most
    # of both has a slot and a font DICT (the same one: FDSelect is kept) for every glyph of the others
    base_digest = max(programs, key=lambda d: (programs[d].slots, programs[d].font_dicts, d))
    base = programs[base_digest]
    if any(program.font_dicts > base.font_dicts for program in programs.values()):
        return None
    base_data = program_bytes(base_digest)
    if base_data is None:
        return None
    if len(programs) == 1:
        return base_data
    wanted = sorted(set().union(*(p.glyphs for p in programs.values())) - base.glyphs)
    missing = set(wanted) - set(charstrings)
    for digest, program in sorted(programs.items()):  # the charstrings not known yet, from the programs that have them
        if missing & program.glyphs:
            data = program_bytes(digest)
            index = _charstrings(data) if data is not None else None
            if index is None:
                return None
            for gid in missing & program.glyphs:
                charstrings[gid] = _glyph(index, gid)
            missing -= program.glyphs
    additions = {gid: charstrings[gid] for gid in wanted if len(charstrings[gid]) > EMPTY_CHARSTRING}
    if any(gid >= base.slots for gid in additions):
        return None
    spliced = _with_charstrings(base_data, additions)
    if spliced is not None:
        return spliced
    # bounding boxes stay those of the original font (what the subsets say), the timestamp too
    font = TTFont(io.BytesIO(base_data), recalcBBoxes=False, recalcTimestamp=False)
    top = font["CFF "].cff.topDictIndex[0]
    strings = top.CharStrings
    order = font.getGlyphOrder()
    for gid, bytecode in sorted(additions.items()):
        strings[order[gid]] = T2CharString(bytecode=bytecode, globalSubrs=top.GlobalSubrs)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


# --- the CFF table edited as bytes --------------------------------------------------------------
# fontTools compiles a 65,000-glyph CFF table in a second or more; a merged program only needs some
# glyph slots of the CharStrings INDEX filled. The INDEX is written anew in its place, and the
# offsets that point past it (the Private DICTs, which HarfBuzz writes last) move by as much as it
# grew: HarfBuzz writes every offset as a 5-byte integer, so they are patched in place. Anything
# else (an offset in a shorter form) goes the fontTools way.

OFFSET_OPERATORS = {15, 16, 17, 18, (12, 36), (12, 37)}  # charset, Encoding, CharStrings, Private, FDArray, FDSelect


def _index_at(table: bytes, at: int) -> tuple[int, list[int], int]:
    """A CFF INDEX at ``at``: (start of its data less one, its offsets, its end)."""
    count = int.from_bytes(table[at:at + 2], "big")
    if count == 0:
        return at + 2, [1], at + 2
    size = table[at + 2]
    offsets = [int.from_bytes(table[at + 3 + i * size:at + 3 + (i + 1) * size], "big") for i in range(count + 1)]
    data_at = at + 3 + (count + 1) * size - 1
    return data_at, offsets, data_at + offsets[-1]


def _dict_offsets(table: bytes, start: int, end: int) -> list[tuple[int, int]] | None:
    """The offset operands of the DICT at ``start``..``end``: (where its 5-byte integer is, value);
    None if an offset is written in another form."""
    found, operands, at = [], [], start
    while at < end:
        b0 = table[at]
        if b0 <= 21:  # an operator
            op = (12, table[at + 1]) if b0 == 12 else b0
            at += 2 if b0 == 12 else 1
            if op in OFFSET_OPERATORS and operands:
                place, size = operands[-1]
                if size != 5:
                    return None
                found.append((place + 1, int.from_bytes(table[place + 1:place + 5], "big", signed=True)))
            operands = []
            continue
        if b0 == 28:
            size = 3
        elif b0 == 29:
            size = 5
        elif b0 == 30:  # a real: nibbles up to an 0xf
            size = 1
            while True:
                byte = table[at + size]
                size += 1
                if byte >> 4 == 0xF or byte & 0xF == 0xF:
                    break
        elif 32 <= b0 <= 246:
            size = 1
        elif 247 <= b0 <= 254:
            size = 2
        else:
            return None
        operands.append((at, size))
        at += size
    return found


def _checksum(data: bytes) -> int:
    data = data + b"\0" * (-len(data) % 4)
    return sum(int.from_bytes(data[i:i + 4], "big") for i in range(0, len(data), 4)) & 0xFFFFFFFF


def _with_charstrings(font_data: bytes, additions: dict[int, bytes]) -> bytes | None:
    """``font_data`` (an OpenType font with a CFF table) with the glyph slots of ``additions`` filled
    (glyph id → charstring); None where the table is not laid out as HarfBuzz writes it."""
    tables = {}
    count = int.from_bytes(font_data[4:6], "big")
    for i in range(count):
        entry = font_data[12 + 16 * i:28 + 16 * i]
        tables[entry[:4]] = (int.from_bytes(entry[8:12], "big"), int.from_bytes(entry[12:16], "big"))
    if b"CFF " not in tables or b"head" not in tables:
        return None
    at, length = tables[b"CFF "]
    table = font_data[at:at + length]
    if table[0] != 1:
        return None
    header_size = table[2]
    _, _, names_end = _index_at(table, header_size)
    top_data, top_offsets, _ = _index_at(table, names_end)
    if len(top_offsets) != 2:
        return None
    top_start, top_end = top_data + top_offsets[0], top_data + top_offsets[1]
    top = _dict_offsets(table, top_start, top_end)
    if top is None:
        return None
    charstrings_at = next((value for place, value in top
                           if table[place + 4] == 17), None)  # the operand followed by operator 17
    if charstrings_at is None:
        return None
    data_at, offsets, charstrings_end = _index_at(table, charstrings_at)
    glyphs = [table[data_at + offsets[i]:data_at + offsets[i + 1]] for i in range(len(offsets) - 1)]
    for gid, bytecode in additions.items():
        if gid >= len(glyphs):
            return None
        glyphs[gid] = bytecode
    total = sum(map(len, glyphs)) + 1
    size = 1 if total < 1 << 8 else 2 if total < 1 << 16 else 3 if total < 1 << 24 else 4
    new_offsets, running = [], 1
    for glyph in glyphs:
        new_offsets.append(running)
        running += len(glyph)
    new_offsets.append(running)
    index = (len(glyphs).to_bytes(2, "big") + bytes([size]) + b"".join(o.to_bytes(size, "big") for o in new_offsets)
             + b"".join(glyphs))
    delta = len(index) - (charstrings_end - charstrings_at)
    # every offset operand that points past the INDEX moves: the top DICT's and the font DICTs'
    patches = [(place, value) for place, value in top]
    fd_array = next((value for place, value in top if table[place + 4:place + 6] == b"\x0c\x24"), None)
    if fd_array is not None:
        if fd_array >= charstrings_at:
            return None  # the FDArray after the CharStrings: not HarfBuzz's order
        fd_data, fd_offsets, _ = _index_at(table, fd_array)
        for a, b in zip(fd_offsets, fd_offsets[1:]):
            found = _dict_offsets(table, fd_data + a, fd_data + b)
            if found is None:
                return None
            patches += found
    if any(place >= charstrings_at for place, _ in patches):
        return None
    edited = bytearray(table[:charstrings_at] + index + table[charstrings_end:])
    for place, value in patches:
        if value >= charstrings_end:
            edited[place:place + 4] = (value + delta).to_bytes(4, "big", signed=True)
        elif charstrings_at < value < charstrings_end:
            return None
    edited = bytes(edited)
    # the font file again: its tables in their order, the CFF table's length and checksum, and the
    # head table's whole-file checksum adjustment
    order = sorted(tables, key=lambda tag: tables[tag][0])
    datas = {tag: (edited if tag == b"CFF " else font_data[tables[tag][0]:tables[tag][0] + tables[tag][1]]) for tag in order}
    head = bytearray(datas[b"head"])
    head[8:12] = b"\0\0\0\0"
    datas[b"head"] = bytes(head)
    directory = bytearray(font_data[:12 + 16 * count])
    offset = 12 + 16 * count
    offset += -offset % 4
    positions = {}
    for tag in order:
        positions[tag] = offset
        offset += len(datas[tag]) + (-len(datas[tag]) % 4)
    for i in range(count):
        tag = bytes(directory[12 + 16 * i:16 + 16 * i])
        directory[16 + 16 * i:20 + 16 * i] = _checksum(datas[tag]).to_bytes(4, "big")
        directory[20 + 16 * i:24 + 16 * i] = positions[tag].to_bytes(4, "big")
        directory[24 + 16 * i:28 + 16 * i] = len(datas[tag]).to_bytes(4, "big")
    out = bytearray(directory) + b"\0" * (-len(directory) % 4)
    for tag in order:
        out += datas[tag] + b"\0" * (-len(datas[tag]) % 4)
    adjustment = (0xB1B0AFBA - _checksum(bytes(out))) & 0xFFFFFFFF
    head_at = positions[b"head"]
    out[head_at + 8:head_at + 12] = adjustment.to_bytes(4, "big")
    return bytes(out)
