"""The split render (the book laid out in parts in separate processes, then joined) against one
WeasyPrint pass over the same book, and its cache against no cache.

1. The same book: every page compared by tests/pdf_compare.py (each text line with its place,
   running heads and folios included; the page rasterised; every link; the outline; the named
   destinations), on generated books whose chapters are cut into several parts, with an index over
   several pages, an index that opens on a verso and blank versos before chapters — the test checks
   that the book has all of these, and that the settings really cut it into that many parts.
2. The cache is never trusted over the content: a build with a warm, a cold, a corrupted cache, after
   an edit, or after a build killed half-way writes the bytes a build without any cache writes."""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from pdf_compare import compare
from yearbook.book.render import render_volume_pdf
from yearbook.output import read_sealed
from yearbook.book.split.render import SplitSettings, runs
from yearbook.pipeline import BuildReport, load_yearbook
from yearbook.themes import find_theme

pytestmark = pytest.mark.slow  # split and single-pass books of generated trees, page by page

REPO = Path(__file__).resolve().parents[1]
EDITORIAL = "---\ntitle: 编辑说明\norder: 1\n---\n\n本卷收录各地科协的工作报告。\n"
SMALL = SplitSettings(articles_per_part=3)  # many parts: chapters cut into several of them


def generated(root: Path, count: int, seed: int = 7) -> Path:
    content = root / "content"
    subprocess.run([sys.executable, str(REPO / "bench" / "generate_corpus.py"), str(count), str(content), "--seed", str(seed)],
                   check=True, capture_output=True)
    (content / "pages").mkdir(exist_ok=True)
    (content / "pages" / "bianji-shuoming.md").write_text(EDITORIAL, encoding="utf-8")
    return content


def build(content: Path, settings, cache_dir: Path | None, edition: str = "screen") -> bytes:
    yearbook = load_yearbook(content, BuildReport())
    theme = find_theme(yearbook.config.theme, content)
    return render_volume_pdf(yearbook, yearbook.volumes[0], theme, edition, split=settings, cache_dir=cache_dir)[0]


def stats(cache_dir: Path) -> dict:
    return json.loads(next(cache_dir.rglob("stats.json")).read_text(encoding="utf-8"))


def chapters_and_indexes(pdf: Path) -> list[tuple[int, str]]:
    reader = PdfReader(str(pdf))
    return [(reader.get_destination_page_number(item) + 1, item.title) for item in reader.outline if not isinstance(item, list)]


def blank_pages(pdf: Path) -> list[int]:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [n for n, page in enumerate(text.split("\f")[:-1], start=1) if not page.strip()]


def the_same_book(tmp_path: Path, count: int, index_opening: str) -> None:
    content = generated(tmp_path, count, seed=2024)  # a seed whose book has all of the above (asserted)
    config = content / "yearbook.yml"
    settings = config.read_text(encoding="utf-8")
    assert "\npdf:\n" in settings
    config.write_text(settings.replace("\npdf:\n", f"\npdf:\n  index_opening: {index_opening}\n", 1), encoding="utf-8")
    (tmp_path / "single.pdf").write_bytes(build(content, False, None))
    (tmp_path / "split.pdf").write_bytes(build(content, SMALL, tmp_path / "cache"))
    ran = stats(tmp_path / "cache")
    yearbook = load_yearbook(content, BuildReport())
    chapters = yearbook.volumes[0].chapters
    # the settings cut chapters into several parts (not a no-op knob)
    assert ran["article_parts"] == sum(len(runs(list(range(len(c.articles))), 3)) for c in chapters) > len(chapters), ran
    assert ran["articles_laid_out"] == count and not ran["in_process"] and ran["local_resources"] == 0, ran
    # the book has what the comparison is about
    marks = chapters_and_indexes(tmp_path / "split.pdf")
    indexes = [(page, title) for page, title in marks if title.endswith("索引")]
    pages = len(PdfReader(str(tmp_path / "split.pdf")).pages)
    assert len(indexes) == 3 and indexes[0][0] % 2 == 1, indexes  # the first index opens on a recto
    if index_opening == "any":
        assert any(page % 2 == 0 for page, _ in indexes[1:]), indexes  # another on a verso
    else:
        assert all(page % 2 == 1 for page, _ in indexes), indexes  # every one on a recto
    ends = [page for page, _ in indexes[1:]] + [pages + 1]
    assert any(b - a >= 2 for (a, _), b in zip(indexes, ends)), indexes  # an index over several pages
    chapter_pages = [page for page, title in marks if title.endswith("省")]
    assert any(page - 1 in blank_pages(tmp_path / "split.pdf") for page in chapter_pages)  # a blank verso before one
    found = compare(tmp_path / "single.pdf", tmp_path / "split.pdf", dpi=60)
    assert found.same, found.report()


def test_the_split_book_is_the_single_pass_book(tmp_path):
    the_same_book(tmp_path, 30, index_opening="any")


@pytest.mark.slow
def test_the_split_book_is_the_single_pass_book_at_80_articles(tmp_path):
    the_same_book(tmp_path, 80, index_opening="right")


def test_the_book_embeds_the_font_programs_a_single_pass_embeds(tmp_path):
    """One program per face, made for the glyphs the whole book draws: byte for byte the program
    one WeasyPrint pass over the book embeds (and so nothing a part's subset had but the book does
    not use, nor a glyph missing)."""
    import pikepdf

    content = generated(tmp_path, 20, seed=3)

    def programs(data: bytes) -> dict[str, bytes]:
        with pikepdf.open(__import__("io").BytesIO(data)) as pdf:
            return {str(o.FontName): o.FontFile3.read_bytes() for o in pdf.objects
                    if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/FontDescriptor"}

    split = programs(build(content, SplitSettings(articles_per_part=4), tmp_path / "cache"))
    single = programs(build(content, False, None))
    assert split.keys() == single.keys() and len(split) >= 3
    assert all(split[name] == single[name] for name in split)


def test_without_stamping_the_same_book(tmp_path):
    """Where page numbers cannot be stamped (a font whose digits differ in width), the split render
    lays out every part with its numbers and each page's own furniture: the same book again."""
    content = generated(tmp_path, 20, seed=5)
    (tmp_path / "single.pdf").write_bytes(build(content, False, None))
    (tmp_path / "plain.pdf").write_bytes(build(content, SplitSettings(articles_per_part=4, stamping=False), tmp_path / "cache"))
    assert stats(tmp_path / "cache")["stamping"] == "no: off in the settings"
    found = compare(tmp_path / "single.pdf", tmp_path / "plain.pdf", dpi=40)
    assert found.same, found.report()


# --- the cache ------------------------------------------------------------------------------------

def edit(content: Path) -> None:
    """What editors do between builds: retitle an article (the 目录 changes), lengthen one by pages
    (every later page number moves), delete one, add one."""
    articles = sorted((content / "articles").rglob("*.md"))
    first = articles[2].read_text(encoding="utf-8")
    articles[2].write_text(first.replace("title: ", "title: 修订：", 1), encoding="utf-8")
    longer = articles[9].read_text(encoding="utf-8")
    articles[9].write_text(longer + "\n\n" + "编辑补充的一段文字，用来检验页码随后移动。" * 150 + "\n", encoding="utf-8")
    articles[14].unlink()
    added = articles[5].read_text(encoding="utf-8").replace("title: ", "title: 新增：", 1)
    (articles[5].parent / "xinzeng-2021.md").write_text(added, encoding="utf-8")


def corrupt(cache_dir: Path, seed: int) -> int:
    """Damage cache files the ways a disk or a person does: a byte flipped, cut short, emptied, or
    replaced by another entry's bytes; and add a stray file."""
    rng = random.Random(seed)
    files = sorted(p for p in cache_dir.rglob("*") if p.is_file() and p.name != "stats.json")
    chosen = rng.sample(files, max(1, len(files) // 4))
    for path in chosen:
        data = bytearray(path.read_bytes())
        how = rng.choice(["flip", "truncate", "empty", "swap"])
        if how == "flip" and data:
            data[rng.randrange(len(data))] ^= 0x5A
        elif how == "truncate":
            data = data[:len(data) // 2]
        elif how == "empty":
            data = bytearray()
        else:
            data = bytearray(rng.choice(files).read_bytes())
        path.write_bytes(bytes(data))
    (cache_dir / "nianjian-2020-2024" / ("0" * 64)).with_suffix(".layout").write_bytes(b"not an entry")
    return len(chosen)


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """A 20-article tree (the smallest book that is split), its book built with no cache at all."""
    root = tmp_path_factory.mktemp("cache")
    content = generated(root, 20, seed=11)
    return {"root": root, "content": content, "clean": build(content, SMALL, None)}


def test_a_warm_and_a_cold_cache_write_the_bytes_of_a_build_without_one(tree, tmp_path):
    cache = tmp_path / "cache"
    assert build(tree["content"], SMALL, cache) == tree["clean"]  # cold
    assert stats(cache)["articles_laid_out"] == 20
    assert build(tree["content"], SMALL, cache) == tree["clean"]  # warm
    assert stats(cache)["laid_out"] == 0 and stats(cache)["articles_laid_out"] == 0, stats(cache)


def laid_out_with(cache: Path, anchor: str) -> int:
    """How many documents in the cache have ``anchor`` (a cache entry, sealed: 8 bytes of length,
    its metadata as JSON, the PDF)."""
    found = 0
    for path in cache.rglob("*.layout"):
        data = read_sealed(path)
        size = int.from_bytes(data[:8], "big")
        found += anchor in json.loads(data[8:8 + size])["layout"]["anchors"]
    return found


def test_a_cold_build_lays_the_front_matter_and_the_openers_out_once(tree, tmp_path):
    """With no numbers from a last build the 目录 is not laid out from guessed numbers first (it
    never had their shape): only its pages before the 目录 are, with the articles. The openers are
    laid out when the articles' pages are known, from numbers that have their real widths but near
    10 and 100: laid out again only where one has not."""
    cache = tmp_path / "cache"
    assert build(tree["content"], SMALL, cache) == tree["clean"]
    assert stats(cache)["front_lead"] is True
    assert laid_out_with(cache, "toc") == 1  # the 目录 (id="toc"), laid out once
    assert laid_out_with(cache, "page-bianji-shuoming") == 2  # the page before it: in the lead and the whole
    chapters = load_yearbook(tree["content"], BuildReport()).volumes[0].chapters
    assert len(chapters) >= 3
    openers = [laid_out_with(cache, chapter.anchor) for chapter in chapters]
    assert all(n in (1, 2) for n in openers) and sum(openers) < 2 * len(chapters), openers


@pytest.mark.slow
def test_after_edits_a_cached_build_writes_the_bytes_of_a_clean_one(tree, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(tree["content"], content)
    cache = tmp_path / "cache"
    assert build(content, SMALL, cache) == tree["clean"]
    pages_before = len(PdfReader(__import__("io").BytesIO(tree["clean"])).pages)
    edit(content)
    edited = build(content, SMALL, cache)
    ran = stats(cache)
    assert ran["articles_laid_out"] == 3, ran  # the retitled, the longer and the new article
    clean = build(content, SMALL, None)
    assert len(PdfReader(__import__("io").BytesIO(clean)).pages) > pages_before  # the pages moved
    assert edited == clean


@pytest.mark.slow
def test_a_corrupted_cache_is_not_trusted(tree, tmp_path):
    cache = tmp_path / "cache"
    assert build(tree["content"], SMALL, cache) == tree["clean"]
    for seed in (1, 2):
        damaged = corrupt(cache, seed)
        # (compared as digests: pytest's diff of two PDFs' bytes runs for ever)
        same = hashlib.sha256(build(tree["content"], SMALL, cache)).digest() == hashlib.sha256(tree["clean"]).digest()
        assert same, f"{damaged} files damaged (seed {seed}): the book differs from a build without cache"
        assert stats(cache)["laid_out"] > 0  # the damaged entries were laid out again, not used


BUILD_SCRIPT = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from test_pdf_split import SMALL, build
Path(sys.argv[2]).write_bytes(build(Path(sys.argv[1]), SMALL, Path(sys.argv[2]).parent / "cache"))
"""


@pytest.mark.slow
@pytest.mark.parametrize("seconds", [2.0, 6.0, 12.0])
def test_a_build_killed_half_way_leaves_a_cache_that_gives_the_clean_bytes(tree, tmp_path, seconds):
    """SIGKILL the build (and its workers) at a moment of its work: the next build with what it left
    in the cache writes the bytes of a clean build."""
    target = tmp_path / "book.pdf"
    command = [sys.executable, "-c", BUILD_SCRIPT, str(tree["content"]), str(target), str(REPO / "tests")]
    process = subprocess.Popen(command, cwd=REPO, start_new_session=True)
    time.sleep(seconds)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not target.exists()
    subprocess.run(command, cwd=REPO, check=True, timeout=600)
    assert target.read_bytes() == tree["clean"]


def test_the_cache_key_changes_with_the_installed_fonts(tmp_path):
    """A font installed, removed or upgraded changes every key (WeasyPrint names a font by its
    description, not its file, so a key without the fonts would splice old glyphs into a new book)."""
    script = "from yearbook.book.split.cache import fonts_state; print(fonts_state())"
    extra = tmp_path / "fonts"
    extra.mkdir()
    config = tmp_path / "fonts.conf"
    config.write_text(f'<?xml version="1.0"?><fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
                      f'<dir>{extra}</dir><cachedir>{tmp_path / "fc-cache"}</cachedir></fontconfig>', encoding="utf-8")

    def state() -> str:
        environment = dict(os.environ, FONTCONFIG_FILE=str(config))
        return subprocess.run([sys.executable, "-c", script], cwd=REPO, env=environment, capture_output=True,
                              text=True, check=True).stdout.strip()

    before = state()
    assert state() == before
    source = next(Path("/usr/share/fonts").rglob("*.ttf"), None) or next(Path("/usr/share/fonts").rglob("*.tt[fc]"))
    shutil.copy(source, extra / "Upgraded.ttf")
    assert state() != before


def test_typeset_memo_gives_what_typesetting_gives(tmp_path):
    """The split render keeps typeset fragments between builds (typeset.Memo): a kept result is the
    result, a fragment not seen before is typeset, a damaged file is not read, and a memo made by
    other code is not used."""
    from yearbook.book import typeset

    fragments = ["<p>2024年，科协举办了“科技之春”活动，共有3000人参加。</p>", "<p>Python 与 AI 科普讲座。</p>"]
    plain = [str(typeset.typeset_html(f)) for f in fragments]
    memo = typeset.Memo()
    assert [str(typeset.Typesetter(memo).html(f)) for f in fragments] == plain
    memo.save(tmp_path / "memo")
    again = typeset.Memo()
    again.load(tmp_path / "memo")
    assert len(again.results) == 2
    again.results[next(iter(again.results))] = "stale"
    assert "stale" in [str(typeset.Typesetter(again).html(f)) for f in fragments]  # it is used...
    data = bytearray((tmp_path / "memo").read_bytes())
    data[-3] ^= 1
    (tmp_path / "memo").write_bytes(bytes(data))
    damaged = typeset.Memo()
    damaged.load(tmp_path / "memo")
    assert damaged.results == {}  # ...but never a damaged file
