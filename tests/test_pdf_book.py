"""The sample yearbook's PDF read back as a printer and a reader would: front matter, chapters on
rectos, blank versos that are truly blank, running heads and folios where they belong, margins,
bookmarks, 目录 and index locators that are the real pages (keywords too), metadata, fonts, and
Chinese line breaking and justification on the rendered pages."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from pdf_lines import forbidden_breaks, has_pdftotext, pdf_lines, ragged_lines
from readback import first_page_with, pdf_bookmarks, pdf_page_texts, squash

pytestmark = pytest.mark.slow  # the sample's PDF read back

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "content"
CONFIG = yaml.safe_load((CONTENT / "yearbook.yml").read_text(encoding="utf-8"))
BOOK_TITLE = f"{CONFIG['title']}（{CONFIG['volumes'][0]['name']}）"
MM = 72 / 25.4


@pytest.fixture(scope="session")
def editions(tmp_path_factory) -> Path:
    """output/pdf of the sample built in all three editions at once."""
    out = tmp_path_factory.mktemp("editions") / "output"
    environment = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}  # dates from the content
    result = subprocess.run([sys.executable, "build.py", "build", "--only", "pdf", "--edition", "screen,print,archive",
                             "--output", str(out), "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=900,
                            env=environment)
    assert result.returncode == 0, result.stderr
    return out / "pdf"


@pytest.fixture(scope="session")
def screen_pdf(editions) -> Path:
    return editions / "nianjian-2020-2024.pdf"


@pytest.fixture(scope="session")
def reader(screen_pdf) -> PdfReader:
    return PdfReader(screen_pdf)


@pytest.fixture(scope="session")
def texts(reader) -> list[str]:
    return pdf_page_texts(reader)


@pytest.fixture(scope="session")
def lines(screen_pdf):
    if not has_pdftotext():
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return pdf_lines(screen_pdf)


def chapter_pages(reader) -> dict[str, int]:
    names = {"江苏省", "安徽省", "河北省"}
    return {m.title: m.page for m in pdf_bookmarks(reader) if m.level == 1 and m.title in names}


# --- the book's order -------------------------------------------------------------------------------

def test_front_matter_is_cover_title_page_imprint_editors_note_then_contents(reader, texts):
    assert squash(CONFIG["title"]) in squash(texts[0]) and squash(CONFIG["publisher"]) in squash(texts[0])
    assert squash(texts[1]) == "", "the back of the cover is blank"
    assert squash(CONFIG["title"]) in squash(texts[2]), "the title page is the first recto after the cover"
    assert "书名" in texts[3] and squash(BOOK_TITLE) in squash(texts[3]), "the imprint is on the back of the title page"
    note = first_page_with(texts, "编辑说明")
    toc = next(i + 1 for i, text in enumerate(texts) if squash(text).startswith("目录"))
    assert note % 2 == 1 and toc % 2 == 1 and 3 < note < toc
    assert "汉语拼音" in texts[note - 1], "the 编辑说明 comes from content/pages/"


def test_every_chapter_opens_on_a_recto_and_the_verso_before_it_is_blank_or_text(reader, texts):
    pages = chapter_pages(reader)
    assert list(pages) == ["江苏省", "安徽省", "河北省"]
    for name, page in pages.items():
        assert page % 2 == 1, f"{name} opens on page {page}, a verso"
        assert name in squash(texts[page - 1])


def test_blank_pages_are_truly_blank(reader, texts):
    blanks = [number for number, text in enumerate(texts, start=1) if not squash(text)]
    assert blanks, "the sample has blank versos before rectos"
    for number in blanks:
        page = reader.pages[number - 1]
        contents = page.get_contents()
        data = contents.get_data() if contents is not None else b""
        assert b"Tj" not in data and b"TJ" not in data, f"page {number} draws text"
        assert b" re" not in data and b" l\n" not in data, f"page {number} draws a rule (running head)"


# --- running heads, folios, margins -----------------------------------------------------------------

def folio(text: str) -> str | None:
    last = text.strip().splitlines()[-1].strip() if text.strip() else ""
    return last if last.isdigit() or (last and set(last) <= set("ivxlcdm")) else None


ROMAN = ["", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv"]


def test_folios_are_roman_in_the_front_matter_then_from_1_on_the_first_chapter(reader, texts):
    """页码 as a Chinese book prints them: the front matter in lower-case roman numerals counted from
    the cover, the 正文 from 1 on the first chapter's opener; none on the cover, the title page, the
    imprint, the openers and blank pages; the PDF's page labels say the same."""
    openers = set(chapter_pages(reader).values())
    first = min(openers)
    labels = reader.page_labels
    for number, text in enumerate(texts, start=1):
        expected = ROMAN[number] if number < first else str(number - first + 1)
        assert labels[number - 1] == expected, f"page {number} is labelled {labels[number - 1]}"
        if number <= 4 or number in openers or not squash(text):
            assert folio(text) is None, f"page {number} has a folio"
        else:
            assert folio(text) == expected, f"page {number} shows folio {folio(text)}"


def test_running_heads_are_the_title_on_versos_and_the_chapter_on_rectos(reader, texts, lines):
    openers = chapter_pages(reader)
    index_start = first_page_with(texts, "地区索引", len(texts) // 2)
    heads = {}
    for line in lines:
        heads.setdefault(line.page, line)  # the topmost line of each page
    current = None
    checked = 0
    for number in range(min(openers.values()), index_start):
        current = next((name for name, page in openers.items() if page == number), current)
        if number in openers.values() or not squash(texts[number - 1]):
            assert number not in heads or heads[number].baseline > 25 * MM, f"page {number} has a running head"
            continue
        head = heads[number]
        assert head.baseline < 22 * MM, f"page {number}: no running head above the text block"
        expected = BOOK_TITLE if number % 2 == 0 else current
        assert squash(head.text) == squash(expected), f"page {number}: {head.text}"
        checked += 1
    assert checked >= 10


def test_inner_margins_are_wider_than_outer_ones_and_mirror(lines):
    body = [line for line in lines if line.page > 8 and 14 < line.height < 16]
    recto_left = min(line.left for line in body if line.page % 2)
    verso_left = min(line.left for line in body if not line.page % 2)
    page_width = 210 * MM
    recto_right = page_width - max(line.right for line in body if line.page % 2)
    verso_right = page_width - max(line.right for line in body if not line.page % 2)
    assert recto_left > recto_right + 10, "recto: the inner (left) margin is the wider"
    assert verso_right > verso_left + 10, "verso: the inner (right) margin is the wider"
    assert abs(recto_left - verso_right) < 0.5 and abs(recto_right - verso_left) < 0.5, "margins mirror"


# --- bookmarks and locators -------------------------------------------------------------------------

def test_bookmarks_are_front_pages_contents_chapters_articles_keywords_then_indexes(reader):
    marks = pdf_bookmarks(reader)
    top = [m.title for m in marks if m.level == 1]
    assert top == ["编辑说明", "目录", "江苏省", "安徽省", "河北省", "地区索引", "主题索引", "人名索引"]
    huaian = next(i for i, m in enumerate(marks) if m.level == 2 and m.title.startswith("淮安市科协"))
    keywords = []
    for mark in marks[huaian + 1:]:
        if mark.level != 3:
            break
        keywords.append(mark)
    assert [k.title[:4] for k in keywords] == ["关键词一", "关键词二", "关键词三", "关键词四", "关键词五"]
    assert all(k.page >= marks[huaian].page for k in keywords)


def test_keyword_bookmarks_point_to_the_page_where_the_keyword_starts(reader, texts):
    for mark in pdf_bookmarks(reader):
        if mark.level == 3:
            title = squash(mark.title.split("：", 1)[1])
            assert title[:12] in squash(texts[mark.page - 1]), mark


def test_theme_index_keyword_locators_are_the_pages_of_the_keyword_sections(reader, texts):
    """The 淮安 article's 关键词 sections are listed in the 主题索引 with the pages they start on, each
    under the topics its title names (全面推进科普… under 科学普及; 推进科技交流与合作 under
    科技交流合作) or, naming none, under the article's first topic (党建引领) — not all five under
    every one of the article's five topics."""
    keyword_pages = [reader.page_labels[m.page - 1] for m in pdf_bookmarks(reader) if m.level == 3]
    index = squash("".join(texts[first_page_with(texts, "主题索引", len(texts) // 2) - 1:]))
    listed = re.findall(r"淮安市科协（2021）\d+((?:(?:关键词)?[一二三四五]\d+，?)*)", index)
    assert len(listed) == 5, listed  # the article is under each of its five topics
    numbers = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
    seen: dict[int, set] = {}
    for under, entry in enumerate(listed):
        for label, page in re.findall(r"(?:关键词)?([一二三四五])(\d+)", entry):
            assert page == keyword_pages[numbers[label] - 1], entry
            seen.setdefault(numbers[label], set()).add(under)
    assert sorted(seen) == [1, 2, 3, 4, 5], seen  # every section listed
    assert all(len(topics) < 5 for topics in seen.values()), seen  # none under every topic
    assert sum(1 for entry in listed if entry) < 5  # and some topics list none of them


def test_theme_index_has_see_references_for_aliases(texts):
    index = squash("".join(texts[first_page_with(texts, "主题索引", len(texts) // 2) - 1:]))
    assert "科普见科学普及" in index
    assert "党建带科建见党建引领" in index


def test_chapter_opener_lists_its_reports_with_their_pages(reader, texts):
    starts = {m.title: m.page for m in pdf_bookmarks(reader) if m.level == 2}
    opener = chapter_pages(reader)["江苏省"]
    text = squash(texts[opener - 1])
    for title, page in starts.items():
        if squash(title)[:10] in text:
            printed = reader.page_labels[page - 1]  # the number printed on the article's first page
            assert re.search(re.escape(squash(title)[-6:]) + r"[.·…]*" + printed + r"(?!\d)", text), title


# --- document ---------------------------------------------------------------------------------------

def test_metadata_has_title_author_subject_keywords_and_language(reader):
    info = reader.metadata
    assert info.title == BOOK_TITLE
    assert info.author == CONFIG["publisher"]
    assert CONFIG["subtitle"] in (info.subject or "")
    assert "科学普及" in (info.get("/Keywords") or "")
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"


def test_every_font_is_embedded_and_no_character_falls_back_to_notdef(reader, screen_pdf):
    fonts = {}
    for page in reader.pages:
        for font in (page["/Resources"].get_object().get("/Font") or {}).values():
            font = font.get_object()
            fonts[font["/BaseFont"]] = font
    assert fonts
    for name, font in fonts.items():
        descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        descriptor = descendant["/FontDescriptor"].get_object()
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), f"{name} is not embedded"
        cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
        mapped = [pair for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S)
                  for pair in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block)]
        assert mapped, f"{name} has no ToUnicode map (its text could not be searched)"
        assert not [text for glyph, text in mapped if int(glyph, 16) == 0], f"{name}: a character is drawn with .notdef"
    assert any("CJK" in str(name) for name in fonts)


# --- Chinese line breaking and justification --------------------------------------------------------

def test_no_line_starts_with_a_closing_mark_or_ends_with_an_opening_one(lines):
    assert forbidden_breaks(lines) == []


def test_justified_lines_end_flush_with_the_text_block(lines):
    """Every line of body text that is not a paragraph's last ends at the right edge of the text
    block, on rectos and versos (pure Chinese lines by the 版心 being whole characters; the others
    by justification at their punctuation and Latin gaps)."""
    checked, ragged = ragged_lines([line for line in lines if line.page > 8], 14.9, 15.3)
    assert checked > 150
    assert ragged == []


def test_text_block_is_a_whole_number_of_characters_wide(lines):
    body = [line for line in lines if line.page > 8 and 14.9 < line.height < 15.3]
    recto = [line for line in body if line.page % 2]
    width = max(line.right for line in recto) - min(line.left for line in recto)
    characters = width / 10.5
    assert abs(characters - round(characters)) < 0.01, characters



def test_a_full_page_holds_the_lines_the_imprint_states(texts, lines):
    """The 版权页 says 每面N行: the fullest body pages hold N lines of body text, one line pitch
    apart (the text block is not a hair short of N lines, which would leave every page one short)."""
    found = re.search(r"每面\s*(\d+)\s*行", texts[3])
    assert found, texts[3]
    stated = int(found.group(1))
    body = [line for line in lines if line.page > 8 and 14.9 < line.height < 15.3]
    by_page: dict[int, list] = {}
    for line in body:
        by_page.setdefault(line.page, []).append(line.baseline)
    fullest = max(len(set(round(b) for b in baselines)) for baselines in by_page.values())
    assert fullest == stated, (fullest, stated)
    pitch = 10.5 * 1.7
    page = next(p for p, baselines in by_page.items() if len(set(round(b) for b in baselines)) == stated)
    ys = sorted(set(round(b, 1) for b in by_page[page]))
    assert abs((ys[-1] - ys[0]) - (stated - 1) * pitch) < 0.5, (page, ys[0], ys[-1])


# --- the print and archive editions of the sample ---------------------------------------------------

def test_print_edition_bleed_box_is_the_trim_plus_3mm_inside_a_slug_and_trim_box_the_page(editions):
    reader = PdfReader(editions / "nianjian-2020-2024-print.pdf")
    bleed = 3 * MM
    for page in list(reader.pages):
        trim = [float(v) for v in page.trimbox]
        box = [float(v) for v in page.bleedbox]
        media = [float(v) for v in page.mediabox]
        assert trim[2] - trim[0] == pytest.approx(210 * MM, abs=0.05)
        assert trim[3] - trim[1] == pytest.approx(285 * MM, abs=0.05)
        assert box == pytest.approx([trim[0] - bleed, trim[1] - bleed, trim[2] + bleed, trim[3] + bleed], abs=0.05)
        assert media[0] < box[0] and media[2] > box[2]  # the slug, for the marks


def test_editions_carry_their_dates_and_identity_from_the_content(editions, reader):
    """Creation and modification dates from the content (its latest report) — never the clock — and
    in the XMP a DocumentID per volume and edition and an InstanceID of the content; the trailer /ID
    is worked out from the file, so every edition has its own."""
    import pikepdf

    ids, documents = set(), set()
    for name in ("nianjian-2020-2024.pdf", "nianjian-2020-2024-print.pdf", "nianjian-2020-2024-archive.pdf"):
        with pikepdf.open(editions / name) as pdf:
            assert str(pdf.docinfo["/CreationDate"]) == str(pdf.docinfo["/ModDate"]) == "D:20241231000000+08'00"
            meta = pdf.open_metadata()
            assert meta["xmpMM:DocumentID"].startswith("uuid:") and meta["xmpMM:InstanceID"].startswith("uuid:")
            documents.add(meta["xmpMM:DocumentID"])
            ids.add(bytes(pdf.trailer.ID[0]))
    assert len(ids) == 3 and len(documents) == 3 and b"2020-2024" not in ids


def test_print_edition_sets_text_in_process_black(editions):
    reader = PdfReader(editions / "nianjian-2020-2024-print.pdf")
    data = reader.pages[12].get_contents().get_data()
    assert b"/DeviceCMYK cs" in data and b"0 0 0 1 scn" in data
    screen = PdfReader(editions / "nianjian-2020-2024.pdf").pages[12].get_contents().get_data()
    assert b"DeviceCMYK" not in screen


def test_screen_edition_has_no_bleed(reader):
    page = reader.pages[0]
    assert [float(v) for v in page.mediabox] == pytest.approx([float(v) for v in page.trimbox])


def test_archive_edition_is_pdf_a_with_an_output_intent_and_the_same_pages(editions, reader):
    archive = PdfReader(editions / "nianjian-2020-2024-archive.pdf")
    root = archive.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"pdfaid:part[^0-9]*3", xmp) and re.search(r"pdfaid:conformance[^A-Z]*B", xmp)
    intents = root["/OutputIntents"]
    assert intents[0].get_object()["/S"] == "/GTS_PDFA1"
    assert len(archive.pages) == len(reader.pages)
    assert [m.page for m in pdf_bookmarks(archive)] == [m.page for m in pdf_bookmarks(reader)]
