"""Two PDFs compared as a reader sees them, page by page: the text layer (poppler's pdftotext, the
running heads and folios included: every line's text and place), each
page rasterised (poppler's pdftoppm), the outline
(bookmarks with the page and place each points to), the links of every page (their rectangles and
where they lead) and the named destinations. Independent of the code that made the PDFs: only
poppler and pypdf read them.

    python tests/pdf_compare.py A.pdf B.pdf [--dpi 50]     prints the differences, exit 1 if any
"""
from __future__ import annotations

import html
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import IndirectObject

PLACE = 0.5  # points: positions are compared rounded to this (rasterising sees less)


WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def lines(pdf: Path) -> list[list[tuple]]:
    """Each page's text, line by line (pdftotext -bbox: the words of one line, left to right,
    joined): (top, left, right, text), positions rounded to 0.05 pt. Lines, not words or
    pdftotext's reading order: where pdftotext ends a word or a block depends on the gaps between
    glyphs, and a gap of exactly one em (between the parts of a headline) or none (compressed
    punctuation) falls either way by a rounding error in the last digit."""
    out = subprocess.run(["pdftotext", "-bbox", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True).stdout
    pages = []
    for page in out.decode("utf-8").split("<page ")[1:]:
        by_line: dict[float, list] = {}
        for x0, y0, x1, _, word in WORD.findall(page):
            by_line.setdefault(round(float(y0), 1), []).append((float(x0), float(x1), html.unescape(word)))
        found = []
        for top, words in sorted(by_line.items()):
            words.sort()
            found.append((top, round(words[0][0] / 0.05) * 0.05, round(max(w[1] for w in words) / 0.05) * 0.05,
                          "".join(w[2] for w in words)))
        pages.append(found)
    return pages


def rasters(pdf: Path, dpi: int, folder: Path) -> list[bytes]:
    """Each page as a grey-scale bitmap at ``dpi``."""
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", str(pdf), str(folder / "p")], check=True)
    return [path.read_bytes() for path in sorted(folder.glob("p-*.pgm"), key=lambda p: int(p.stem.split("-")[-1]))]


def _round(value: float) -> float:
    return round(float(value) / PLACE) * PLACE


def _page_of(reader: PdfReader, ref) -> int:
    target = ref.idnum if isinstance(ref, IndirectObject) else None
    for number, page in enumerate(reader.pages):
        if page.indirect_reference is not None and page.indirect_reference.idnum == target:
            return number
    return -1


def _where(reader: PdfReader, array) -> tuple:
    array = list(array)
    return (_page_of(reader, array[0]), *(_round(v) for v in array[2:4] if v is not None))


def destinations(reader: PdfReader) -> dict[str, tuple]:
    found = {}
    for name, dest in reader.named_destinations.items():
        found[name] = (reader.get_destination_page_number(dest), _round(dest.left or 0), _round(dest.top or 0))
    return found


def outline(reader: PdfReader) -> list[tuple]:
    """(depth, title, page, x, y) of every bookmark, in order."""
    items = []

    def walk(entries, depth):
        for entry in entries:
            if isinstance(entry, list):
                walk(entry, depth + 1)
            else:
                items.append((depth, entry.title, reader.get_destination_page_number(entry),
                              _round(entry.left or 0), _round(entry.top or 0)))

    walk(reader.outline, 0)
    return items


def links(reader: PdfReader) -> list[list[tuple]]:
    """Per page, each link: its rectangle and where it leads (a named destination, a place, a URI)."""
    pages = []
    for page in reader.pages:
        found = []
        for annotation in page.get("/Annots", []) or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") != "/Link":
                continue
            rect = tuple(_round(v) for v in annotation["/Rect"])
            action = annotation.get("/A")
            dest = annotation.get("/Dest")
            if action is not None:
                action = action.get_object()
                target = ("uri", str(action.get("/URI"))) if action.get("/S") == "/URI" else ("goto", _target(reader, action.get("/D")))
            else:
                target = ("dest", _target(reader, dest))
            found.append((rect, target))
        pages.append(sorted(found, key=repr))
    return pages


def _target(reader: PdfReader, dest):
    if dest is None:
        return None
    dest = dest.get_object() if hasattr(dest, "get_object") else dest
    if isinstance(dest, str):  # a named destination: where it is
        return ("name", dest)
    return ("place", _where(reader, dest))


@dataclass
class Comparison:
    pages: tuple[int, int]
    lines: list[int] = field(default_factory=list)  # pages (from 1) whose text lines differ
    raster: list[int] = field(default_factory=list)
    links: list[int] = field(default_factory=list)
    outline: list[str] = field(default_factory=list)
    destinations: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    @property
    def same(self) -> bool:
        return (self.pages[0] == self.pages[1] and not self.lines and not self.raster and not self.links
                and not self.outline and not self.destinations)

    def report(self) -> str:
        if self.same:
            return f"the same {self.pages[0]} pages"
        lines = [f"pages: {self.pages[0]} vs {self.pages[1]}"]
        for what in ("lines", "raster", "links"):
            values = getattr(self, what)
            if values:
                lines.append(f"{what} differs on {len(values)} page(s): {values[:30]}")
        if self.outline:
            lines.append(f"outline differs: {self.outline[:5]}")
        if self.destinations:
            lines.append(f"destinations differ: {self.destinations[:10]}")
        return "\n".join(lines + self.examples[:10])


def compare(a: Path, b: Path, dpi: int = 50) -> Comparison:
    ra, rb = PdfReader(str(a)), PdfReader(str(b))
    result = Comparison((len(ra.pages), len(rb.pages)))
    for number, (x, y) in enumerate(zip(lines(a), lines(b)), start=1):
        if x != y:
            result.lines.append(number)
            if len(result.examples) < 8:
                result.examples.append(f"p{number} lines: {[l for l in x if l not in y][:2]} vs {[l for l in y if l not in x][:2]}")
    with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as two:
        for number, (x, y) in enumerate(zip(rasters(a, dpi, Path(one)), rasters(b, dpi, Path(two))), start=1):
            if x != y:
                result.raster.append(number)
    for number, (x, y) in enumerate(zip(links(ra), links(rb)), start=1):
        if x != y:
            result.links.append(number)
            if len(result.examples) < 10:
                result.examples.append(f"p{number} links: {[l for l in x if l not in y][:3]} vs {[l for l in y if l not in x][:3]}")
    oa, ob = outline(ra), outline(rb)
    if oa != ob:
        result.outline = [f"{x} vs {y}" for x, y in zip(oa, ob) if x != y] or [f"{len(oa)} vs {len(ob)} bookmarks"]
    da, db = destinations(ra), destinations(rb)
    result.destinations = sorted(name for name in set(da) | set(db) if da.get(name) != db.get(name))
    return result


if __name__ == "__main__":
    dpi = int(sys.argv[sys.argv.index("--dpi") + 1]) if "--dpi" in sys.argv else 50
    found = compare(Path(sys.argv[1]), Path(sys.argv[2]), dpi)
    print(found.report())
    sys.exit(0 if found.same else 1)
