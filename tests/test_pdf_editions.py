"""Editions and print settings on a small tree made to stress the typesetting: an article dense with
。” ）》 —— …… and Latin words and digits, a photo too small for print, a cover picture. Built once
in the screen and print editions; the CMYK / PDF/X build needs a CMYK ICC profile on the machine."""
from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from conftest import article_md, write_site
from pdf_lines import forbidden_breaks, has_pdftotext, pdf_lines, ragged_lines

pytestmark = pytest.mark.slow  # a PDF per edition

ROOT = Path(__file__).resolve().parents[1]
MM = 72 / 25.4
CMYK_PROFILES = [Path("/usr/share/color/icc/ghostscript/default_cmyk.icc"), Path("/usr/share/color/icc/ghostscript/ps_cmyk.icc")]

SENTENCES = [
    "他说：“这是我们的目标。”（见《科协年鉴》）“党建引领科建”、“科普惠民”——这是“两翼”。",
    "……我们做到了！“为什么？”“因为坚持。”他们笑了——笑得很开心……《规划》（2021—2025年）提出：",
    "“要把‘科技小院’建到田间地头。”（记者注）在2021年，AI与5G技术推动科普e站建设，覆盖10万人次，",
    "投入资金3.5亿元，建成COVID-19防控科普专栏12个、“科普中国”e站200余个（含村级站点）。",
]
STRESS_BODY = "\n\n".join("".join(SENTENCES[i:] + SENTENCES[:i]) * 3 for i in range(4)) * 3


def jpeg(width: int, height: int) -> bytes:
    image = Image.new("RGB", (width, height))
    for x in range(width):
        for y in range(0, height, 8):
            image.putpixel((x, y), (x % 256, y % 256, 128))
    data = io.BytesIO()
    image.save(data, "JPEG", dpi=(72, 72))
    return data.getvalue()


def stress_files() -> dict:
    body = STRESS_BODY + "\n\n::: figure\n![小图](../images/small.jpg)\n一张分辨率不够印刷的照片\n:::\n\n" + STRESS_BODY
    files = {
        "articles/stress.md": article_md(body, title="标点压力测试：“引号”、（括号）——破折号……省略号", region="南京市",
                                         bylines="[{role: 记者, name: 单雄}, {role: 通讯员, name: 曾凡}]"),
        "images/small.jpg": jpeg(400, 300),
        "images/cover.jpg": jpeg(600, 800),
    }
    return files


def build(tmp: Path, editions: str, **settings: str) -> tuple[subprocess.CompletedProcess, Path]:
    pdf = "{" + ", ".join(f"{k}: {v}" for k, v in {"cover_image": "images/cover.jpg", **settings}.items()) + "}"
    content = write_site(tmp, stress_files(), pdf=pdf)
    out = tmp / "output"
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--content", str(content), "--output", str(out),
                             "--only", "pdf", "--edition", editions, "--quiet"], cwd=tmp, capture_output=True, text=True, timeout=600)
    return result, out / "pdf"


@pytest.fixture(scope="module")
def stress(tmp_path_factory):
    result, pdf_dir = build(tmp_path_factory.mktemp("stress"), "screen,print")
    assert result.returncode == 0, result.stderr
    return result, pdf_dir


def test_editions_are_named_by_suffix(stress):
    _, pdf_dir = stress
    assert sorted(p.name for p in pdf_dir.glob("*.pdf")) == [
        "nianjian-2021-print.pdf", "nianjian-2021.pdf", "nianjian-2022-print.pdf", "nianjian-2022.pdf"]


def pdf_of(pdf_dir: Path, edition: str = "") -> Path:
    return pdf_dir / f"nianjian-2021{'-' + edition if edition else ''}.pdf"


def test_stress_text_has_no_forbidden_line_starts_or_ends_and_no_split_dashes(stress):
    if not has_pdftotext():
        pytest.skip("pdftotext (poppler-utils) is not installed")
    lines = pdf_lines(pdf_of(stress[1]))
    assert len(lines) > 100
    assert forbidden_breaks(lines) == []


def test_stress_text_lines_end_flush(stress):
    if not has_pdftotext():
        pytest.skip("pdftotext (poppler-utils) is not installed")
    checked, ragged = ragged_lines(pdf_lines(pdf_of(stress[1])), 14.9, 15.3)
    assert checked > 100
    assert ragged == []


def test_adjacent_punctuation_is_compressed_to_one_and_a_half_em():
    """In 。” the full stop is set half-width by the font's halt feature: the pair takes 1.5 em.
    Laid out by WeasyPrint with the theme's print.css and the configured body font."""
    from weasyprint import CSS, HTML
    from weasyprint.formatting_structure import boxes

    from yearbook.content.config import PdfConfig
    from yearbook.book.typeset import typeset_text

    css = CSS(filename=str(ROOT / "themes/default/static/print.css"))
    html = f'<html style="font-family: {PdfConfig().body_font.replace(chr(34), chr(39))}; font-size: 10pt"><p>{typeset_text("他说：“目标。”好")}</p></html>'
    page = HTML(string=html).render(stylesheets=[css]).pages[0]
    widths = {}
    for box in page._page_box.descendants():
        if isinstance(box, boxes.TextBox):
            widths.setdefault(box.text, []).append(box.width * 0.75)  # px → pt
    assert widths["。"] == [pytest.approx(5.0, abs=0.05)]  # half of 10 pt
    assert widths["："] == [pytest.approx(5.0, abs=0.05)]  # in ：“ too


def test_a_photo_that_would_print_under_300_dpi_is_reported_with_its_page(stress):
    result, _ = stress
    assert re.search(r"image content/images/small\.jpg prints at \d+ dpi on page \d+", result.stderr), result.stderr


def content_colour_spaces(reader: PdfReader) -> tuple[int, set]:
    """How many RGB colour operators the pages and forms draw with, and the images' colour spaces."""
    import pikepdf

    rgb, images = 0, set()
    with pikepdf.open(reader.stream) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                if obj.get("/Subtype") == "/Image":
                    images.add(str(obj.get("/ColorSpace")))
                elif obj.get("/Subtype") in (None, "/Form") and obj.get("/Type") in (None, "/XObject"):
                    try:
                        rgb += len(re.findall(rb"(?<![\w/])(?:rg|RG)\s", obj.read_bytes()))
                    except pikepdf.PdfError:
                        pass
            elif isinstance(obj, (pikepdf.Dictionary, pikepdf.Array)) and "/DeviceRGB" in repr(obj):
                rgb += 1
    return rgb, images


@pytest.mark.skipif(not any(p.is_file() for p in CMYK_PROFILES), reason="no CMYK ICC profile (Debian: libgs-common)")
def test_print_edition_without_a_configured_profile_uses_the_system_s_cmyk_profile(stress):
    """No pdf.icc_profile: the freely licensed CMYK profile Debian installs (Ghostscript's) is the
    output intent, the images are converted with it, and nothing anywhere is in RGB — text, rules,
    the white 关键词 label, the cover's panel, the marks."""
    result, pdf_dir = stress
    assert "no CMYK ICC profile" not in result.stderr
    reader = PdfReader(pdf_of(pdf_dir, "print"))
    intent = reader.trailer["/Root"]["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFX" and "CMYK" in str(intent["/OutputConditionIdentifier"])
    rgb, images = content_colour_spaces(reader)
    assert rgb == 0 and images == {"/DeviceCMYK"}, (rgb, images)


def test_print_edition_has_a_slug_marks_in_registration_colour_outside_the_bleed_and_pages_by_four(stress):
    """MediaBox ⊃ BleedBox ⊃ TrimBox: a 3 mm bleed, and a 10 mm slug beyond the trim where the crop
    marks and registration targets are drawn, outside the bleed, in the registration colour (a
    separation named All); the page count a multiple of 4, padded with blank pages."""
    reader = PdfReader(pdf_of(stress[1], "print"))
    screen = PdfReader(pdf_of(stress[1]))
    assert len(reader.pages) % 4 == 0 and len(screen.pages) <= len(reader.pages) < len(screen.pages) + 4
    for page in reader.pages:
        trim, bleed, media = ([float(v) for v in box] for box in (page.trimbox, page.bleedbox, page.mediabox))
        assert bleed == pytest.approx([trim[0] - 3 * MM, trim[1] - 3 * MM, trim[2] + 3 * MM, trim[3] + 3 * MM], abs=0.05)
        assert media == pytest.approx([trim[0] - 10 * MM, trim[1] - 10 * MM, trim[2] + 10 * MM, trim[3] + 10 * MM], abs=0.05)
    page = reader.pages[5]
    marks = [x.get_object() for name, x in page["/Resources"]["/XObject"].items() if name.startswith("/YbMarks")]
    assert marks, "the marks are drawn on the page"
    space = marks[0]["/Resources"]["/ColorSpace"]["/YbReg"].get_object()
    assert space[0] == "/Separation" and space[1] == "/All"
    # every point a mark's path goes through (the operands of m, l and c, in pairs) lies in the slug:
    # inside the MediaBox and outside the BleedBox, so that nothing of a mark is printed on the sheet
    points, operands = [], []
    for token in marks[0].get_data().split():
        if re.fullmatch(rb"-?\d+(\.\d+)?", token):
            operands.append(float(token))
            continue
        if token in (b"m", b"l", b"c"):
            points += list(zip(operands[0::2], operands[1::2]))
        operands = []
    trim, bleed, media = ([float(v) for v in box] for box in (page.trimbox, page.bleedbox, page.mediabox))
    assert len(points) > 8 * 2 + 4 * 13, len(points)  # 8 crop marks and 4 targets
    in_media = [p for p in points if media[0] <= p[0] <= media[2] and media[1] <= p[1] <= media[3]]
    in_bleed = [p for p in points if bleed[0] - 0.5 < p[0] < bleed[2] + 0.5 and bleed[1] - 0.5 < p[1] < bleed[3] + 0.5]
    assert len(in_media) == len(points) and not in_bleed, in_bleed
    # the crop marks are on the trim's lines
    on_trim_lines = [p for p in points if any(abs(p[0] - x) < 0.01 for x in (trim[0], trim[2]))
                     or any(abs(p[1] - y) < 0.01 for y in (trim[1], trim[3]))]
    assert len(on_trim_lines) >= 16, on_trim_lines


@pytest.mark.skipif(not any(p.is_file() for p in CMYK_PROFILES), reason="no CMYK ICC profile (Debian: libgs-common)")
def test_print_edition_with_a_cmyk_profile_is_pdf_x_with_cmyk_images(tmp_path):
    profile = next(p for p in CMYK_PROFILES if p.is_file())
    result, pdf_dir = build(tmp_path, "print", icc_profile=str(profile))
    assert result.returncode == 0, result.stderr
    reader = PdfReader(pdf_of(pdf_dir, "print"))
    intent = reader.trailer["/Root"]["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFX"
    assert "pdfxid" in reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8").lower()
    spaces = set()
    for page in reader.pages:
        for xobject in (page["/Resources"].get_object().get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Image":
                spaces.add(str(xobject["/ColorSpace"]))
    assert spaces == {"/DeviceCMYK"}, spaces
    bleedbox, trimbox = reader.pages[5].bleedbox, reader.pages[5].trimbox
    assert float(trimbox.left) - float(bleedbox.left) == pytest.approx(3 * MM, abs=0.05)


def test_unknown_edition_on_the_command_line_is_a_usage_error(make_site, run_cli):
    make_site()
    code, _, err = run_cli("build", "--edition", "poster", "--only", "pdf")
    assert code == 2
    assert "screen, print, archive" in err


def test_edition_and_page_size_come_from_the_config(make_site, run_cli):
    from yearbook.content.config import load_config
    from yearbook.errors import ProblemLog

    content = make_site(pdf="{edition: [screen, archive], page_size: 16开, chars_per_line: 38}")
    log = ProblemLog()
    config = load_config(content, log)
    assert config.pdf.edition == ("screen", "archive")
    assert config.pdf.page_size == "185mm 260mm"
    from yearbook.book.geometry import page_geometry

    geometry = page_geometry(config.pdf)
    assert geometry.chars_per_line == 38
    assert geometry.text_width == pytest.approx(38 * 10.5 * 25.4 / 72)
    assert geometry.margin_inner > geometry.margin_outer
    assert geometry.margin_inner + geometry.margin_outer + geometry.text_width == pytest.approx(185)


def test_bad_print_settings_are_errors_at_their_line(make_site, run_cli, find_line, find_problem):
    content = make_site(pdf="{edition: poster, margin_inner: wide}")
    text = (content / "yearbook.yml").read_text(encoding="utf-8")
    code, _, err = run_cli("check")
    assert code == 1
    _, hint = find_problem(err, f"content/yearbook.yml:{find_line(text, 'pdf:')}: ", "unknown PDF edition 'poster'")
    assert "screen, print, archive" in hint
    find_problem(err, "content/yearbook.yml:", "'pdf.margin_inner' must be a length")
