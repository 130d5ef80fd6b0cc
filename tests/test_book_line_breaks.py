"""Where the book's lines break, read back from a built PDF: sentences of the generated yearbooks
(bench/generate_corpus.py) that came out with a line set a third full and spread over the measure
(WeasyPrint measured the line Pango broke as wider than the room, and ended it at an earlier text's
last break: presscheck read the spread line's “ and ” as a line's end and start), an interpunct
(间隔号) that started a line, and numbers and Latin words (typeset in spans) next to marks that may
not start or end a line. Each sentence is set at every offset along the line (a paragraph per
offset), so that each of its break points meets the line's end in some paragraph."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import article_md, write_site
from pdf_lines import forbidden_breaks, has_pdftotext, pdf_lines, ragged_lines

pytestmark = pytest.mark.slow  # builds a book

ROOT = Path(__file__).resolve().parents[1]
FILLER = "近年来全市科协系统组织举办农业技术培训培训农民推广新品种为现代农业高质量发展提供科技支撑建设全市现代科技馆体系"
SENTENCES = [
    # an interpunct between two phrases
    "与森蓝环保等企业党支部联合开展“深化共建·助企业发展”主题党日活动，打造党建共同体。",
    # a text that starts with a break point (a space the word-spacing cancels) after a span (”，)
    "在《新沂融媒体APP》上开设科普版块，搭建“科普+微信”的智慧家庭“微平台”，“科普+网站”的智慧社区“网平台”和科技馆微信平台，"
    "利用互联网、移动终端、科普云等新媒体，实现科普的有效性。",
    # a number's span (its first space a break point), and a 一字空 where Pango breaks
    "推广新品种742余个、新技术89余项，为现代农业高质量发展提供科技支撑。去年，市科协探索创新“党建引领科建 助推社会治理”模式。",
    # spans (numbers, Latin words) next to pause and closing marks, opening marks before spans
    "全年科普经费同比增长12%，覆盖COVID-19、“5G+科普”、《AI》和“e站”（含VR）等领域，培训3000人次。",
    # 。 then an opening quote (a span, then a text that starts with a break point)
    "科协干部实现工作人员脚力、眼力、笔力和创新力等“四力”全面提高，8次获得先进党组织称号。“在全国各地布局投资，"
    "淮安项目启动速度是最快的，我们企业也一定不会让地方失望！”",
]
INTERPUNCTS = "·・‧"
BODY_PT = 10.5  # the default body size (五号)


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("line-breaks")
    paragraphs = [FILLER[:offset] + "".join(SENTENCES) for offset in range(46)]
    content = write_site(tmp, {"articles/breaks.md": article_md("\n\n".join(paragraphs) + "\n", title="断行检验"),
                                "articles/fuyang-kexie-2022.md": None})  # one volume
    out = tmp / "output"
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--content", str(content), "--output", str(out),
                             "--only", "pdf", "--quiet"], cwd=tmp, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    (pdf,) = (out / "pdf").glob("*.pdf")
    return pdf


def article_lines(pdf: Path):
    if not has_pdftotext():
        pytest.skip("pdftotext (poppler-utils) is not installed")
    lines = pdf_lines(pdf)
    first = next(i for i, line in enumerate(lines) if "森蓝环保" in line.text)
    last = max(i for i, line in enumerate(lines) if "失望" in line.text)  # in the last paragraph's nowrap tail
    return lines[first:last + 1]


def test_no_line_of_the_sentences_is_spread_out(book):
    """Every line is set full: none has a blank of more than 1.5 em between two of its words (a 一字空
    is 1 em; a line set a third full and justified has blanks of 2 em and more)."""
    lines = [line for line in article_lines(book) if 14.9 < line.height < 15.3]
    assert len(lines) > 46 * 6
    spread = [f"page {line.page}: {line.widest_gap / BODY_PT:.1f} em blank in {line.text}" for line in lines
              if line.widest_gap > 1.5 * BODY_PT]
    assert spread == []
    checked, ragged = ragged_lines(lines, 14.9, 15.3)
    assert checked > 46 * 5
    assert ragged == []


def test_no_line_starts_with_a_closing_mark_or_ends_with_an_opening_one(book):
    assert forbidden_breaks(article_lines(book)) == []


def test_an_interpunct_neither_starts_nor_ends_a_line(book):
    lines = article_lines(book)
    assert sum(line.text.count("·") for line in lines) == 46
    wrong = [f"page {line.page}: {line.text}" for line in lines if line.text[:1] in INTERPUNCTS or line.text[-1:] in INTERPUNCTS]
    assert wrong == []


def test_the_text_layer_is_the_text(book):
    """The spans that keep an interpunct with its neighbours and the lines cut where they fit add
    nothing to the text and lose nothing: each sentence reads back whole from the body's lines, 46
    times, and the text layer holds no zero-width character."""
    from pypdf import PdfReader

    body = "".join(line.text for line in article_lines(book) if 14.9 < line.height < 15.3)
    for sentence in SENTENCES:
        assert body.count("".join(sentence.split())) == 46, sentence
    text = "".join(page.extract_text() for page in PdfReader(book).pages)
    assert not any(char in text for char in "\u200b\u200c\u200d\u2060\ufeff")
