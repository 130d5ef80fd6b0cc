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


def _faces(pdf: pikepdf.Pdf) -> dict[str, list[pikepdf.Dictionary]]:
    """Font descriptors with a CFF OpenType program, by font name; None for names that must stay."""
    faces: dict[str, list | None] = {}
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/Font" or obj.get("/Subtype") != "/Type0":
            continue
        descendants = obj.get("/DescendantFonts")
        if not descendants:
            continue
        descriptor = descendants[0].get("/FontDescriptor")
        if descriptor is None:
            continue
        name = str(descriptor.get("/FontName", ""))
        program = descriptor.get("/FontFile3")
        mergeable = (program is not None and program.get("/Subtype") == "/OpenType" and "/CIDSet" not in descriptor
                     and not isinstance(obj.get("/Encoding"), pikepdf.Stream))
        if not mergeable:
            faces[name] = None
        elif faces.get(name, []) is not None:
            faces.setdefault(name, []).append(descriptor)
    return {name: ds for name, ds in faces.items() if ds}


def merge_font_programs(pdf: pikepdf.Pdf, cache_dir: Path | None = None) -> None:
    """Point every descriptor of a face to one program holding every glyph the book uses. Merged
    programs not used by this book are removed from ``cache_dir``."""
    used: set[str] = set()
    for name, descriptors in sorted(_faces(pdf).items()):
        programs: dict[str, bytes] = {}
        for descriptor in descriptors:
            data = descriptor.FontFile3.read_bytes()
            programs.setdefault(_digest(data), data)
        if len(programs) == 1:
            merged = next(iter(programs.values()))
        else:
            merged = _merged(programs, cache_dir, used)
            if merged is None:
                continue
        stream = pdf.make_stream(merged)
        stream["/Subtype"] = pikepdf.Name.OpenType
        for descriptor in descriptors:
            descriptor["/FontFile3"] = stream
    if cache_dir is not None and cache_dir.is_dir():
        for path in cache_dir.iterdir():
            if path.stem not in used:
                path.unlink(missing_ok=True)


def _charstrings(data: bytes) -> tuple[bytes, int, list[int], int] | None:
    """The CharStrings INDEX of a CFF OpenType program, read directly: (CFF table, start of the
    glyph data, offsets, number of font DICTs). fontTools reads these one offset at a time."""
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
    raw = table[at + 3:at + 3 + (count + 1) * size]
    offsets = [int.from_bytes(raw[i:i + size], "big") for i in range(0, len(raw), size)]
    fd_count = len(top.rawDict.get("FDArray") and top.FDArray or [])
    return table, at + 2 + (count + 1) * size, offsets, fd_count


def _merged(programs: dict[str, bytes], cache_dir: Path | None, used: set[str]) -> bytes | None:
    from fontTools.misc.psCharStrings import T2CharString
    from fontTools.ttLib import TTFont

    indexes = {}
    for digest, data in sorted(programs.items()):
        index = _charstrings(data)
        if index is None:
            return None
        indexes[digest] = index
    # HarfBuzz drops unused glyph slots and font DICTs at the end only, so the subset with the most
    # of both has a slot and a font DICT (the same one: FDSelect is kept) for every glyph of the others
    base_digest = max(indexes, key=lambda d: (len(indexes[d][2]), indexes[d][3], d))
    if any(fd > indexes[base_digest][3] for _, _, _, fd in indexes.values()):
        return None
    base_offsets = indexes[base_digest][2]

    def inked(offsets, gid):
        return gid + 1 < len(offsets) and offsets[gid + 1] - offsets[gid] > EMPTY_CHARSTRING

    additions: dict[int, bytes] = {}
    for digest, (table, data_start, offsets, _) in indexes.items():
        if digest == base_digest:
            continue
        for gid in range(len(offsets) - 1):
            if gid not in additions and inked(offsets, gid) and not inked(base_offsets, gid):
                additions[gid] = bytes(table[data_start + offsets[gid]:data_start + offsets[gid + 1]])
    key = hashlib.sha256(base_digest.encode())
    for gid in sorted(additions):
        key.update(gid.to_bytes(4, "big") + len(additions[gid]).to_bytes(4, "big") + additions[gid])
    key = key.hexdigest()
    used.add(key)
    cached = cache_dir / f"{key}.otf" if cache_dir is not None else None
    if cached is not None and cached.is_file():
        return cached.read_bytes()
    # bounding boxes stay those of the original font (what the subsets say), the timestamp too
    base = TTFont(io.BytesIO(programs[base_digest]), recalcBBoxes=False, recalcTimestamp=False)
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
