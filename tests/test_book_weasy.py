"""WeasyPrint imported in a worker with the library look-ups of an earlier build, and the adapter
that holds WeasyPrint's private API (book/weasy.py) checking itself."""
from __future__ import annotations

import pytest

IMPORT_SCRIPT = """
import json, sys
from pathlib import Path
from yearbook.book.weasy import import_weasyprint
import_weasyprint(Path(sys.argv[1]))
from weasyprint.text import ffi
print(json.dumps({name: getattr(ffi, name) is not None for name in ("gobject", "pango", "harfbuzz", "harfbuzz_subset", "fontconfig", "pangoft2")}))
"""


def test_weasyprint_imported_with_kept_library_look_ups_finds_the_same_libraries(tmp_path):
    """A worker imports WeasyPrint with the library look-ups of an earlier build (libraries.json): it
    finds the same libraries, HarfBuzz's subsetter among them; look-ups kept for another system
    (another key) are not used."""
    import json
    import subprocess
    import sys

    from conftest import REPO

    def run() -> dict:
        result = subprocess.run([sys.executable, "-c", IMPORT_SCRIPT, str(tmp_path)], cwd=REPO, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    looked_up = run()
    from yearbook.output import read_sealed, write_sealed

    kept = json.loads(read_sealed(tmp_path / "libraries.json"))
    assert looked_up["harfbuzz_subset"] and all(looked_up.values())
    assert run() == looked_up  # from the kept answers
    write_sealed(tmp_path / "libraries.json", json.dumps({"key": "another system", "names": {n: None for n in kept["names"]}}).encode())
    assert run() == looked_up  # not from answers kept for another system
    assert json.loads(read_sealed(tmp_path / "libraries.json"))["key"] == kept["key"]


def test_the_adapter_checks_itself_against_weasyprint():
    """The hooks the split render uses exist and behave on the installed WeasyPrint: named strings,
    page names and blank pages, where articles begin, where page numbers are drawn, the fonts'
    files, and a font program made again from its file that is WeasyPrint's own, byte for byte."""
    from yearbook.book import weasy

    assert weasy.self_check() is None


def test_a_broken_hook_makes_the_book_in_one_pass_with_a_warning(make_site, monkeypatch, tmp_path):
    """If WeasyPrint changed under the adapter, the book is still right: laid out in one pass, and
    the build says why."""
    from yearbook.book import render as book_render
    from yearbook.book.split.render import SplitSettings
    from yearbook.pipeline import BuildReport, load_yearbook
    from yearbook.themes import find_theme

    monkeypatch.setattr(book_render, "self_check", lambda: "page names and blank pages not read from the layout")
    content = make_site()
    yearbook = load_yearbook(content, BuildReport())
    theme = find_theme(yearbook.config.theme, content)
    pdf, warnings = book_render.render_volume_pdf(yearbook, yearbook.volumes[0], theme,
                                                  split=SplitSettings(min_articles=1), cache_dir=tmp_path / "cache")
    assert pdf.startswith(b"%PDF")
    assert any("laid out in one pass" in w.message and "page names" in w.message for w in warnings), warnings
    assert not list((tmp_path / "cache").rglob("stats.json"))  # the split render did not run


KNOWN_SHORT_LINE = ('<p>（八）实施科学家精神弘扬行动。在《今日新沂》、《新沂融媒体<span class="lt"> APP</span>》上开设科普版块，'
                    '搭建 “科普+微信” 的智慧家庭 “微平台<span class="pz">”，</span> “科普+网站” 的智慧社区 “网平台” '
                    '和科技馆微信平台，利用互联网、移动终端、科普云等新媒体，实现科普的有效性。</p>')


def test_a_line_is_set_full_before_a_punctuation_span(tmp_path):
    """The typeset text of a paragraph of the generated books (break points as spaces made zero-width by
    negative word-spacing, a compressed ”， in a span) at the book's measure, with the adapter's hooks:
    every line but the last is full. WeasyPrint 70 alone ends the second line at “微平, 14 characters of
    44, spread over the measure: the text after the span starts with a space, and WeasyPrint measures
    the line Pango broke as a space wider than the room (weasy.install_line_fit)."""
    from pdf_lines import has_pdftotext, pdf_lines
    from weasyprint import HTML

    from yearbook.book import weasy

    if not has_pdftotext():
        pytest.skip("pdftotext (poppler-utils) is not installed")

    weasy.install_cjk_justification()
    weasy.install_line_fit()
    css = ("@page { size: A4; margin: 20mm } body { font-family: 'Noto Serif CJK SC'; font-size: 10.5pt; width: 44em }"
           " p { text-indent: 2em; text-align: justify; word-spacing: -0.25em; margin: 0 }"
           " .pz { font-feature-settings: 'halt' 1 }")
    HTML(string=f"<style>{css}</style>{KNOWN_SHORT_LINE}").write_pdf(tmp_path / "paragraph.pdf")
    lines = [line.text for line in pdf_lines(tmp_path / "paragraph.pdf")]
    assert len(lines) == 3, lines  # four with WeasyPrint alone
    assert lines[1].startswith("“科普+微信”的智慧家庭“微平台”，“科普+网站”"), lines
    assert all(len(line) >= 40 for line in lines[:-1]), lines


@pytest.mark.parametrize("markup", ["一二三四五六七八九十\u3000十一十二十三", "一二<span>三</span>四五六七八九十\u3000十一十二十三"])
def test_a_line_that_breaks_at_an_ideographic_space_ends_before_it_and_is_full(markup):
    """A 一字空 where a line breaks hangs past the line's end (Pango lets it, as CSS does): the line
    holds the ten characters before it, flush with the measure. WeasyPrint alone counts the 一字空 in
    the line's width: the line overflows at the start of a paragraph, and after a span it ends at 二."""
    from weasyprint import HTML
    from weasyprint.formatting_structure import boxes

    from yearbook.book import weasy

    weasy.install_cjk_justification()
    weasy.install_line_fit()
    css = "body { font-family: 'Noto Serif CJK SC'; font-size: 10px } p { width: 100px; text-align: justify; margin: 0 }"
    page = HTML(string=f"<style>{css}</style><p>{markup}</p>").render().pages[0]
    lines = [box for box in page._page_box.descendants() if isinstance(box, boxes.LineBox)]
    first = "".join(box.text for box in lines[0].descendants() if isinstance(box, boxes.TextBox))
    assert first.rstrip("\u3000") == "一二三四五六七八九十"
    assert lines[0].width == pytest.approx(100, abs=0.01)
    second = "".join(box.text for box in lines[1].descendants() if isinstance(box, boxes.TextBox))
    assert second == "十一十二十三"


# --- full pages (weasy.install_page_fill) ---------------------------------------------------------

FILL_CSS = ("@page { size: 400px 240px; margin: 20px } body { margin: 0 } html { font-family: 'Noto Serif CJK SC'; font-size: 15px;"
            " line-height: 20px } p { margin: 0; text-indent: 2em; text-align: justify; orphans: 1; widows: 2 }"
            " h3 { margin: 0; font-size: 15px; line-height: 20px; break-after: avoid }"
            " li { break-inside: avoid } ol { margin: 0; padding: 0; list-style: none } li { margin-bottom: 3px }")
HAN = "科学技术协会组织开展学术交流活动推动创新发展服务经济社会建设"


def _han(count: int, offset: int = 0) -> str:
    return "".join(HAN[(offset + i) % len(HAN)] for i in range(count))


def _laid_out_lines(html: str, tmp_path):
    from pdf_lines import has_pdftotext, pdf_lines
    from weasyprint import HTML

    from yearbook.book import weasy

    if not has_pdftotext():
        pytest.skip("pdftotext (poppler-utils) is not installed")
    weasy.install_cjk_justification()
    weasy.install_margin_break_fix()
    weasy.install_page_fill()
    pdf = tmp_path / "fill.pdf"
    pdf.write_bytes(HTML(string=f"<html><head><style>{FILL_CSS}</style></head><body>{html}</body></html>").write_pdf())
    return pdf_lines(pdf)


def test_a_page_a_heading_and_its_lines_leave_two_lines_short_is_filled_by_loosening_a_paragraph(tmp_path):
    """Ten lines a page (24 characters each). Page 1: a paragraph of four lines whose last is nearly
    full, one of four, then a heading and a two-line paragraph that cannot be split (widows: 2):
    three lines, where two are left. The first paragraph is loosened (伸行) to take a fifth line, so
    the page ends one line short, not two; the heading still opens page 2 and no text is lost."""
    first, second, last = _han(22 + 24 * 2 + 23), _han(22 + 24 * 2 + 5, 3), _han(22 + 10, 7)
    html = f"<p>{first}</p><p>{second}</p><h3>一、小节标题</h3><p>{last}</p><p>{_han(60, 11)}</p>"
    lines = _laid_out_lines(html, tmp_path)
    page_one = [line for line in lines if line.page == 1]
    page_two = [line for line in lines if line.page == 2]
    assert len(page_one) == 9, [line.text for line in page_one]  # 5 + 4: one line short of ten, not two
    assert page_two[0].text == "一、小节标题"
    assert "".join(line.text for line in page_one[:5]).replace(" ", "") == first
    assert "".join(line.text for line in lines).replace(" ", "") == first + second + "一、小节标题" + last + _han(60, 11)


def test_a_page_of_a_spread_list_ends_at_the_foot_of_the_text_block(tmp_path):
    """A ``data-spread`` list (the 目录) of entries kept whole, two lines each, over two pages: the
    room a two-line entry could not take at the foot of page 1 is shared between the entries, so
    the page's last line ends at the foot (200 px below the top of the text block, 150 pt); the
    last page of the list is left as it is."""
    entries = "".join(f"<li>{_han(40, i)}</li>" for i in range(7))
    lines = _laid_out_lines(f'<ol data-spread>{entries}</ol>', tmp_path)
    page_one = [line for line in lines if line.page == 1]
    assert len(page_one) == 8  # four entries of two lines (43 px each): 172 px of 200
    # pdftotext's line "baseline" is the foot of the font's box, which overhangs the 15 pt line box
    # by about half a point: the first line's is near 15 + 15 pt, the last one's near the foot
    foot = 15 + 150  # the text block's top (20 px = 15 pt) plus its height, in pt
    assert abs(page_one[0].baseline - 30) < 1, page_one[0].baseline  # the first entry stays at the top
    assert abs(page_one[-1].baseline - foot) < 1, page_one[-1].baseline
    page_two = [line for line in lines if line.page == 2]
    assert abs((page_two[2].baseline - page_two[0].baseline) - (40 + 3) * 0.75) < 0.3  # not spread


def test_a_page_is_filled_by_tightening_a_paragraph_when_none_can_be_loosened(tmp_path):
    """As above, but no paragraph on page 1 ends on a nearly full line: the first, six lines whose
    last holds two characters, is tightened (缩行) to take five, and the heading with its two lines
    then fits at the foot of page 1, which ends full."""
    first, second, last = _han(22 + 24 * 4 + 2), _han(22 + 3, 5), _han(22 + 10, 7)
    html = f"<p>{first}</p><p>{second}</p><h3>二、小节标题</h3><p>{last}</p><p>{_han(60, 11)}</p>"
    lines = _laid_out_lines(html, tmp_path)
    page_one = [line for line in lines if line.page == 1]
    assert len(page_one) == 10, [line.text for line in page_one]
    assert "二、小节标题" in [line.text for line in page_one]
    assert "".join(line.text for line in page_one[:5]).replace(" ", "") == first
    assert "".join(line.text for line in lines).replace(" ", "") == first + second + "二、小节标题" + last + _han(60, 11)
