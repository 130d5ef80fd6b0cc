"""The split render (parts laid out in separate processes, then joined) against one WeasyPrint pass
over the same book: every word on every page where it is (folios, running heads, 目录, chapter
openers, indexes, text), the bookmarks, the named destinations and the links must be the same.

The book is small (generated, 3 provinces) but cut into many small parts and furniture chunks, so
that parts land on the other side from the one they were laid out on, blank versos are made before
chapters and the indexes, and the named strings of the running heads are carried across chunks.
Then the part cache: a second build reuses every part, and after an edit the result is the same
file a clean build makes."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from yearbook.book.split import render as split_render
from yearbook.book.split import parts as pdf_parts
from yearbook.pipeline import BuildReport, load_yearbook
from yearbook.book.render import render_volume_pdf
from yearbook.themes import find_theme

pytestmark = pytest.mark.slow  # split and single-pass books of generated trees, page by page

REPO = Path(__file__).resolve().parents[1]
EDITORIAL = "---\ntitle: 编辑说明\norder: 1\n---\n\n本卷收录各地科协的工作报告。\n"


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """A generated content tree of 14 articles, the single-pass PDF and the split PDF of it."""
    root = tmp_path_factory.mktemp("split")
    content = root / "content"
    subprocess.run([sys.executable, str(REPO / "bench" / "generate_corpus.py"), "14", str(content), "--seed", "7"],
                   check=True, capture_output=True)
    (content / "pages").mkdir(exist_ok=True)
    (content / "pages" / "bianji-shuoming.md").write_text(EDITORIAL, encoding="utf-8")
    yearbook = load_yearbook(content, BuildReport())
    theme = find_theme(yearbook.config.theme, content)
    volume = yearbook.volumes[0]
    single, _ = render_volume_pdf(yearbook, volume, theme, split=False)
    small = pytest.MonkeyPatch()
    small.setattr(pdf_parts, "ARTICLES_PER_PART", 2)
    small.setattr(split_render, "FALLBACK_CHUNK", 5)
    try:
        split, warnings = render_volume_pdf(yearbook, volume, theme, split=True, cache_dir=root / "cache")
    finally:
        small.undo()
    (root / "single.pdf").write_bytes(single)
    (root / "split.pdf").write_bytes(split)
    return {"root": root, "content": content, "single": root / "single.pdf", "split": root / "split.pdf",
            "warnings": warnings, "volume": volume}


def words(pdf: Path) -> list[list[tuple[float, float, str]]]:
    """Each page's words with their position (pdftotext -bbox, points from the top left)."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in out.split("<page ")[1:]:
        found = re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]*)<', page)
        pages.append([(float(x), float(y), w) for x, y, w in found])
    return pages


def lines(page: list[tuple[float, float, str]]) -> list[tuple[float, float, str]]:
    """A page's lines: the words at one height joined left to right, with where the line starts.
    (pdftotext cuts words at gaps, and a hundredth of a point can move a cut, so words are not
    compared one by one.)"""
    rows: dict[float, list] = {}
    for x, y, w in page:
        rows.setdefault(round(y, 1), []).append((x, w))
    return [(min(x for x, _ in row), y, "".join(w for _, w in sorted(row))) for y, row in sorted(rows.items())]


def same_lines(a, b, tolerance: float = 0.3) -> bool:
    return len(a) == len(b) and all(ta == tb and abs(xa - xb) <= tolerance and abs(ya - yb) <= tolerance
                                    for (xa, ya, ta), (xb, yb, tb) in zip(a, b))


def structure(pdf: Path):
    reader = PdfReader(str(pdf))
    outline = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                outline.append((depth, item.title, reader.get_destination_page_number(item),
                                round(float(item.left or 0), 1), round(float(item.top or 0), 1)))

    walk(reader.outline, 0)
    dests = {name: (reader.get_destination_page_number(d), round(float(d.left or 0), 1), round(float(d.top or 0), 1))
             for name, d in reader.named_destinations.items()}
    links = sorted((number, str(a.get("/Dest")), tuple(round(float(v), 1) for v in a["/Rect"]))
                   for number, page in enumerate(reader.pages)
                   for a in (x.get_object() for x in page.get("/Annots", []) or []))
    return outline, dests, links


def test_same_pages_lines_and_positions(book):
    single, split = words(book["single"]), words(book["split"])
    assert len(split) == len(single)
    for number, (a, b) in enumerate(zip(single, split), start=1):
        assert same_lines(lines(b), lines(a)), f"page {number}: {lines(b)[:3]} != {lines(a)[:3]}"


def test_folios_running_heads_and_blank_versos(book):
    """What the furniture draws: the folio at the foot of every page that has one, the heads, and
    nothing on the blank pages — page by page as in the single pass. The split book really has
    pages laid out on the other side (shifted) and blank versos, so these are exercised."""
    single, split = words(book["single"]), words(book["split"])
    height = float(PdfReader(str(book["single"])).pages[0].mediabox.height)
    for number, (a, b) in enumerate(zip(single, split), start=1):
        assert same_lines(lines([w for w in b if w[1] > height - 60]), lines([w for w in a if w[1] > height - 60])), f"folio of page {number}"
        assert same_lines(lines([w for w in b if w[1] < 45]), lines([w for w in a if w[1] < 45])), f"running head of page {number}"
    folios = [[w for x, y, w in page if y > height - 60] for page in split]
    assert any(f == [str(n)] for n, f in enumerate(folios, start=1) if n % 2 == 0)  # versos have folios
    assert [] in folios[5:], "the book has blank or unnumbered pages after the front matter"
    texts = [" ".join(w for _, _, w in page) for page in split]
    blank = [n for n, t in enumerate(texts, start=1) if not t.strip()]
    assert blank and all(n % 2 == 0 for n in blank), "blank pages are versos"


def test_pages_land_on_both_sides(book):
    """Some parts of the split book were laid out as rectos and printed as versos (and moved): the
    text block of a verso starts at the outer margin, in both files alike."""
    split = words(book["split"])
    starts = {n % 2: set() for n in range(2)}
    for number, page in enumerate(split, start=1):
        body = [x for x, y, w in page if 60 < y < 700]
        if body:
            starts[number % 2].add(round(min(body)))
    assert starts[0] and starts[1] and min(starts[0]) < min(starts[1])


def test_toc_index_bookmarks_destinations_links(book):
    outline_a, dests_a, links_a = structure(book["single"])
    outline_b, dests_b, links_b = structure(book["split"])
    assert outline_b == outline_a
    assert dests_b == dests_a
    assert links_b == links_a
    assert len(outline_a) > 20 and len(links_a) > 50


def test_pages_look_the_same(book, tmp_path):
    """Every page rasterised (pdftoppm, 40 dpi, grey) is the same picture in both files: the glyphs
    drawn from the merged font programs (pdf_fonts) are the glyphs of the single pass."""
    from PIL import Image, ImageChops

    for name in ("single", "split"):
        subprocess.run(["pdftoppm", "-r", "40", "-gray", "-png", str(book[name]), str(tmp_path / name)], check=True)
    singles, splits = sorted(tmp_path.glob("single-*.png")), sorted(tmp_path.glob("split-*.png"))
    assert len(singles) == len(splits) > 20
    for a, b in zip(singles, splits):
        difference = ImageChops.difference(Image.open(a).convert("L"), Image.open(b).convert("L"))
        assert difference.point(lambda v: 255 if v > 64 else 0).getbbox() is None, f"{b.name} differs from {a.name}"


def test_one_font_program_per_face(book):
    """The parts' font subsets are merged: one embedded program per typeface, as in a single pass,
    and the file is not much larger than the single pass."""
    import pikepdf

    def programs(path):
        with pikepdf.open(path) as pdf:
            found = {}
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor" and "/FontFile3" in obj:
                    found.setdefault(str(obj.FontName), set()).add(obj.FontFile3.objgen)
            return found

    split = programs(book["split"])
    assert split and all(len(ids) == 1 for ids in split.values())
    assert set(split) == set(programs(book["single"]))
    assert book["split"].stat().st_size < 1.5 * book["single"].stat().st_size


def test_print_edition_boxes_marks_and_pages(book, tmp_path):
    """The print edition (3 mm bleed, crop marks drawn by the furniture, on blank pages too): the
    same page boxes and the same pictures, bleed and marks included, as the single pass."""
    import pikepdf
    from PIL import Image, ImageChops

    yearbook = load_yearbook(book["content"], BuildReport())
    theme = find_theme(yearbook.config.theme, book["content"])
    volume = yearbook.volumes[0]
    single, _ = render_volume_pdf(yearbook, volume, theme, "print", split=False)
    small = pytest.MonkeyPatch()
    small.setattr(pdf_parts, "ARTICLES_PER_PART", 3)
    small.setattr(split_render, "FALLBACK_CHUNK", 7)
    try:
        split, _ = render_volume_pdf(yearbook, volume, theme, "print", split=True, cache_dir=tmp_path / "cache")
    finally:
        small.undo()
    files = {}
    for name, data in (("single", single), ("split", split)):
        files[name] = tmp_path / f"{name}.pdf"
        files[name].write_bytes(data)
    with pikepdf.open(files["single"]) as a, pikepdf.open(files["split"]) as b:
        assert len(a.pages) == len(b.pages)
        for pa, pb in zip(a.pages, b.pages):
            for box in ("/MediaBox", "/TrimBox", "/BleedBox"):
                assert [round(float(v), 2) for v in pa.obj[box]] == [round(float(v), 2) for v in pb.obj[box]]
        assert float(a.pages[0].obj.MediaBox[2]) > float(a.pages[0].obj.TrimBox[2])  # there is a bleed
    for name in files:
        subprocess.run(["pdftoppm", "-r", "30", "-gray", "-png", str(files[name]), str(tmp_path / name)], check=True)
    for a, b in zip(sorted(tmp_path.glob("single-*.png")), sorted(tmp_path.glob("split-*.png"))):
        difference = ImageChops.difference(Image.open(a).convert("L"), Image.open(b).convert("L"))
        assert difference.point(lambda v: 255 if v > 64 else 0).getbbox() is None, f"{b.name} differs from {a.name}"


def test_parts_were_really_split(book):
    """Guard against a split render that quietly fell back to one pass: the parts are in the cache."""
    cached = list((book["root"] / "cache").rglob("*.pdf"))
    assert len(cached) > 10


def same_pictures(a: Path, b: Path, tmp_path: Path) -> None:
    from PIL import Image, ImageChops

    for name, pdf in (("a", a), ("b", b)):
        subprocess.run(["pdftoppm", "-r", "40", "-gray", "-png", str(pdf), str(tmp_path / name)], check=True)
    pictures_a, pictures_b = sorted(tmp_path.glob("a-*.png")), sorted(tmp_path.glob("b-*.png"))
    assert len(pictures_a) == len(pictures_b) > 20
    for x, y in zip(pictures_a, pictures_b):
        difference = ImageChops.difference(Image.open(x).convert("L"), Image.open(y).convert("L"))
        assert difference.point(lambda v: 255 if v > 64 else 0).getbbox() is None, f"{y.name} differs from {x.name}"


def test_cache_reuse_and_an_edit(book, tmp_path):
    """A second build with the cache lays out nothing new and gives the same bytes. After one
    article grows by a page, a build with the cache lays out only that article's part and the
    furniture: the 目录, the openers and the indexes are the cached ones with their page numbers
    rewritten (page_stamps), and every page reads and looks as in a clean build."""
    content = tmp_path / "content"
    shutil.copytree(book["content"], content)
    cache = tmp_path / "cache"
    shutil.copytree(book["root"] / "cache", cache)

    def build(cache_dir, name):
        yearbook = load_yearbook(content, BuildReport())
        theme = find_theme(yearbook.config.theme, content)
        small = pytest.MonkeyPatch()
        small.setattr(pdf_parts, "ARTICLES_PER_PART", 2)
        small.setattr(split_render, "FALLBACK_CHUNK", 5)
        try:
            pdf = render_volume_pdf(yearbook, yearbook.volumes[0], theme, split=True, cache_dir=cache_dir)[0]
        finally:
            small.undo()
        (tmp_path / name).write_bytes(pdf)
        return pdf

    before = {p.name for p in cache.rglob("*.pdf")}
    assert build(cache, "again.pdf") == book["split"].read_bytes()
    assert {p.name for p in cache.rglob("*.pdf")} == before

    article = sorted((content / "articles").rglob("*.md"))[3]
    text = article.read_text(encoding="utf-8")
    article.write_text(text + "\n" + "编辑补充的一段文字，用来检验重新排版。" * 40 + "\n", encoding="utf-8")
    edited = build(cache, "edited.pdf")
    stats = json.loads(next(cache.rglob("stats.json")).read_text(encoding="utf-8"))
    assert stats["stamping"] is True and stats["stamped"] >= 3, stats  # the 目录, openers and indexes were not laid out again
    assert stats["laid_out"] <= 6, stats  # the edited part and furniture documents
    clean = build(None, "clean.pdf")
    assert len(words(tmp_path / "edited.pdf")) == len(words(book["split"])) + 2  # the pages moved
    for number, (a, b) in enumerate(zip(words(tmp_path / "clean.pdf"), words(tmp_path / "edited.pdf")), start=1):
        assert same_lines(lines(b), lines(a)), f"page {number}: {lines(b)[:3]} != {lines(a)[:3]}"
    assert structure(tmp_path / "edited.pdf") == structure(tmp_path / "clean.pdf")
    same_pictures(tmp_path / "clean.pdf", tmp_path / "edited.pdf", tmp_path)
    assert edited != clean  # (the stamped file is not the same bytes: its font subsets differ)


def test_without_stamping_the_same_book(book, tmp_path):
    """Where page numbers cannot be stamped (a font whose digits differ in width), the split render
    lays out every part with its numbers and each page's own furniture: the same book again."""
    yearbook = load_yearbook(book["content"], BuildReport())
    theme = find_theme(yearbook.config.theme, book["content"])
    small = pytest.MonkeyPatch()
    small.setattr(pdf_parts, "ARTICLES_PER_PART", 2)
    small.setattr(split_render, "FALLBACK_CHUNK", 5)
    small.setattr(split_render, "STAMPING", False)
    try:
        pdf = render_volume_pdf(yearbook, yearbook.volumes[0], theme, split=True, cache_dir=tmp_path / "cache")[0]
    finally:
        small.undo()
    (tmp_path / "plain.pdf").write_bytes(pdf)
    single, plain = words(book["single"]), words(tmp_path / "plain.pdf")
    assert len(plain) == len(single)
    for number, (a, b) in enumerate(zip(single, plain), start=1):
        assert same_lines(lines(b), lines(a)), f"page {number}"
    assert structure(tmp_path / "plain.pdf") == structure(book["single"])


def test_typeset_memo_gives_what_typesetting_gives(tmp_path, monkeypatch):
    """The split render keeps typeset fragments between builds (typeset.Memo): a kept result is the
    result, a fragment not seen before is typeset, and a memo made by other code is not used."""
    from yearbook.book import typeset

    fragments = ["<p>2024年，科协举办了“科技之春”活动，共有3000人参加。</p>", "<p>Python 与 AI 科普讲座。</p>"]
    plain = [str(typeset.typeset_html(f)) for f in fragments]
    memo = typeset.Memo()
    monkeypatch.setattr(typeset, "MEMO", memo)
    assert [str(typeset.typeset_html(f)) for f in fragments] == plain
    memo.save(tmp_path / "memo.pickle")
    again = typeset.Memo()
    again.load(tmp_path / "memo.pickle")
    assert len(again.results) == 2
    again.results[next(iter(again.results))] = "stale"
    monkeypatch.setattr(typeset, "MEMO", again)
    assert "stale" in [str(typeset.typeset_html(f)) for f in fragments]  # it is used...
    monkeypatch.setattr(typeset, "_memo_version", lambda: "other code")
    other = typeset.Memo()
    other.load(tmp_path / "memo.pickle")
    assert other.results == {}  # ...but only by the code that made it
