"""One font program per typeface in a joined book (pdf_join): every part of a split render embeds
its own subset of each font, and a CJK subset carries the metrics and offsets of all 60,000-odd
glyph slots, so forty parts would carry forty copies. WeasyPrint subsets with the glyph ids of the
original font kept (HarfBuzz "retain gids"), so the subsets of one face are pieces of one font: the
glyphs that any part uses are copied into one of them, and every part's font descriptor points to
that one program. Pages, text and glyph positions do not change (the PDF's own width arrays, one
per part, still say how wide each glyph is).

Only CFF-based OpenType programs (FontFile3 /OpenType, as the Noto CJK fonts are embedded) are
merged; a face is left as it is when any of its subsets has a CIDSet (PDF/A-1 lists the glyphs of
each program there) or stands in for missing glyphs with its own CMap. Merged programs are cached
by what they are made of, so a rebuild that adds no new glyph reuses the last one."""
from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pikepdf

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


def _faces(pdf: pikepdf.Pdf) -> dict[str, list]:
    """Per font name, its (descriptor, glyphs used) pairs: fonts with a CFF OpenType program only;
    a name with any other kind of program is left out."""
    faces: dict[str, list | None] = {}
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/Font" or obj.get("/Subtype") != "/Type0":
            continue
        descendants = obj.get("/DescendantFonts")
        if not descendants:
            continue
        cid_font = descendants[0]
        descriptor = cid_font.get("/FontDescriptor")
        if descriptor is None:
            continue
        name = str(descriptor.get("/FontName", ""))
        program = descriptor.get("/FontFile3")
        mergeable = (program is not None and program.get("/Subtype") == "/OpenType" and "/CIDSet" not in descriptor
                     and not isinstance(obj.get("/Encoding"), pikepdf.Stream)
                     and cid_font.get("/CIDToGIDMap", pikepdf.Name.Identity) == pikepdf.Name.Identity)
        if not mergeable:
            faces[name] = None
        elif faces.get(name, []) is not None:
            faces.setdefault(name, []).append((descriptor, _cids(cid_font.get("/W"))))
    return {name: ds for name, ds in faces.items() if ds}


def merge_font_programs(pdf: pikepdf.Pdf, cache_dir: Path | None = None) -> None:
    """Point every descriptor of a face to one program holding every glyph the book uses. Merged
    programs not used by this book are removed from ``cache_dir``."""
    used: set[str] = set()
    for name, members in sorted(_faces(pdf).items()):
        programs: dict[str, tuple[bytes, set[int]]] = {}
        digests: dict[tuple, str] = {}
        for descriptor, glyphs in members:
            key = descriptor.FontFile3.objgen
            if key not in digests:
                data = descriptor.FontFile3.read_bytes()
                digests[key] = _digest(data)
                programs.setdefault(digests[key], (data, set()))
            programs[digests[key]][1].update(glyphs)
        if len(programs) == 1:
            merged = next(iter(programs.values()))[0]
        else:
            merged = _merged(programs, cache_dir, used)
            if merged is None:
                continue
        stream = pdf.make_stream(merged)
        stream["/Subtype"] = pikepdf.Name.OpenType
        for descriptor, _ in members:
            descriptor["/FontFile3"] = stream
    if cache_dir is not None and cache_dir.is_dir():
        for path in cache_dir.iterdir():
            if path.stem not in used:
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


def _merged(programs: dict[str, tuple[bytes, set[int]]], cache_dir: Path | None, used: set[str]) -> bytes | None:
    """The largest subset with the glyphs that only the others use copied in. Each subset's glyphs
    are the CIDs its font dictionaries give widths for (CIDToGIDMap /Identity: CID = glyph id)."""
    from fontTools.misc.psCharStrings import T2CharString
    from fontTools.ttLib import TTFont

    indexes = {}
    for digest, (data, _) in sorted(programs.items()):
        index = _charstrings(data)
        if index is None:
            return None
        indexes[digest] = index
    # HarfBuzz drops unused glyph slots and font DICTs at the end only, so the subset with the most
    # of both has a slot and a font DICT (the same one: FDSelect is kept) for every glyph of the others
    base_digest = max(indexes, key=lambda d: (indexes[d][3], indexes[d][4], d))
    base_index = indexes[base_digest]
    if any(index[4] > base_index[4] for index in indexes.values()):
        return None
    in_base = programs[base_digest][1]
    additions: dict[int, bytes] = {}
    for digest, (_, glyphs) in programs.items():
        for gid in sorted(glyphs - in_base):
            if gid not in additions:
                bytecode = _glyph(indexes[digest], gid)
                if len(bytecode) > EMPTY_CHARSTRING:
                    if gid >= base_index[3]:
                        return None
                    additions[gid] = bytecode
    key = hashlib.sha256(base_digest.encode())
    for gid in sorted(additions):
        key.update(gid.to_bytes(4, "big") + len(additions[gid]).to_bytes(4, "big") + additions[gid])
    key = key.hexdigest()
    used.add(key)
    cached = cache_dir / f"{key}.otf" if cache_dir is not None else None
    if cached is not None and cached.is_file():
        return cached.read_bytes()
    # bounding boxes stay those of the original font (what the subsets say), the timestamp too
    base = TTFont(io.BytesIO(programs[base_digest][0]), recalcBBoxes=False, recalcTimestamp=False)
    top = base["CFF "].cff.topDictIndex[0]
    charstrings = top.CharStrings
    order = base.getGlyphOrder()
    for gid, bytecode in sorted(additions.items()):
        charstrings[order[gid]] = T2CharString(bytecode=bytecode, globalSubrs=top.GlobalSubrs)
    out = io.BytesIO()
    base.save(out)
    merged = out.getvalue()
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        temp = cached.with_suffix(".tmp")
        temp.write_bytes(merged)
        temp.replace(cached)
    return merged
