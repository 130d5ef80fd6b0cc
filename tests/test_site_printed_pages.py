"""Each article's page on the site says where it is printed ("本文见《…》第N页", the citation, the
volume's 目录 on the site), read from the PDF the build wrote. The oracle is the PDF read as a reader
reads it, independently of yearbook's code: poppler's pdftotext finds the page that holds the article's
title with the first words of its text, and pypdf reads that page's printed label from /PageLabels."""
from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from pdf_lines import has_pdftotext
from readback import squash
from yearbook.book.numbering import Numbering, set_page_labels
from yearbook.book.pagemap import printed_pages
from yearbook.book.split.render import SplitSettings
from yearbook.pipeline import BuildOptions, build
from yearbook.serve.rebuild import SiteState, rebuild_site

pytestmark = pytest.mark.skipif(not has_pdftotext(), reason="pdftotext (poppler-utils) is not installed")

REGIONS = ["淮安市", "阜阳市", "江苏省/南通市/通州区", "淮安市", "阜阳市", "淮安市"]
PARAGRAPH = "市科协围绕科技志愿服务、学术交流和科学普及开展工作，组织专家深入基层，推动科技资源下沉，服务群众。"


def long_article(n: int, region: str, paragraphs: int) -> str:
    body = f"第{n}号报告首句在此。" + PARAGRAPH + "\n\n" + "\n\n".join(PARAGRAPH * 2 for _ in range(paragraphs)) + "\n"
    return (f"---\ntitle: 测试报道第{n}篇标题\norganization: 测试{n}号科协\nregion: {region}\n"
            f"date: 2021-0{1 + n % 9}-15\ntopics: [kexue-puji]\n---\n\n{body}")


@pytest.fixture
def tree(make_site):
    """The base tree (two volumes, 2021 and 2022) and six more 2021 reports, some of them pages long,
    so that the articles start on pages far from their place in the list."""
    files = {f"articles/extra-{n}.md": long_article(n, region, paragraphs=(n * 7) % 25)
             for n, region in enumerate(REGIONS, start=1)}
    return make_site(files)


def stated_page(site: Path, slug: str) -> str | None:
    html = (site / "articles" / slug / "index.html").read_text(encoding="utf-8")
    found = re.search(r'class="printed-page">[^<]*第([^<页]+)页', html)
    return found.group(1) if found else None


def pdf_pages(pdf: Path) -> list[tuple[str, str]]:
    """(printed label, text without white space) of every page: pypdf's labels, pdftotext's text."""
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True).stdout
    texts = [squash(page) for page in text.decode("utf-8").split("\f")]
    labels = PdfReader(str(pdf)).page_labels
    return list(zip(labels, texts))


def where_printed(pdfs: dict[str, list[tuple[str, str]]], title: str, first_words: str) -> tuple[str, str]:
    """(PDF, label) of the one page holding the title with the first words of the text."""
    found = [(name, label) for name, pages in pdfs.items() for label, text in pages if title in text and first_words in text]
    assert len(found) == 1, (title, found)
    return found[0]


def check_every_article(output: Path) -> int:
    """Every article's stated page is the page its title is printed on; returns how many differ
    from their physical page number (the labels, not page indexes, are what is stated)."""
    site = output / "site"
    pdfs = {p.name: pdf_pages(p) for p in sorted((output / "pdf").glob("*.pdf"))}
    assert len(pdfs) == 2  # the volumes 2021 and 2022
    articles = {"huaian-kexie-2021": ("淮安市科协聚焦绿色高地", "党建引领科建项目再升级"),
                "tongzhou-kexie-2021": ("努力开创党建带科建工作新局面", "近年来，通州区科协"),
                "fuyang-kexie-2022": ("阜阳市科协推进乡村振兴", "阜阳市科协组织农技专家下乡")}
    articles.update({f"extra-{n}": (f"测试报道第{n}篇标题", f"第{n}号报告首句在此") for n in range(1, len(REGIONS) + 1)})
    not_physical, seen = 0, set()
    for slug, (title, first_words) in articles.items():
        name, label = where_printed(pdfs, title, first_words)
        assert stated_page(site, slug) == label, slug
        physical = [i for i, (lab, text) in enumerate(pdfs[name], start=1) if title in text and first_words in text][0]
        not_physical += label != str(physical)
        seen.add(label)
        html = (site / "articles" / slug / "index.html").read_text(encoding="utf-8")
        assert f"[M]//测试编辑部. " in html and f": {label}." in html, "the citation gives the printed page"
    assert len(seen) > 4, "the articles are on different pages"
    return not_physical


def test_the_page_map_gives_each_destination_the_label_printed_on_its_page(tmp_path):
    """The inner loop's check of book/pagemap.py: a PDF laid out by WeasyPrint with its ids on pages
    3, 4 (twice) and 6 and the labels of a book whose 正文 starts on page 3."""
    import pikepdf
    import weasyprint

    html = ("<style>@page { size: A6 } section { break-before: page }</style>"
            "<p>封面</p><section><p>目录</p></section>"
            "<section id='article-a'><p>甲篇正文</p></section><section id='article-b'><p>乙篇正文</p>"
            "<p id='article-b-bylines'>乙篇署名</p></section><section><p>续页</p></section>"
            "<section><h2 id='article-c'>丙篇正文</h2></section>")
    pdf = tmp_path / "book.pdf"
    with pikepdf.open(io.BytesIO(weasyprint.HTML(string=html).write_pdf())) as book:
        set_page_labels(book, Numbering(first=3))
        book.save(pdf)
    found = printed_pages(pdf.read_bytes())
    pages = pdf_pages(pdf)
    assert [label for label, _ in pages] == ["i", "ii", "1", "2", "3", "4"]
    expected = {anchor: next(label for label, text in pages if words in text)
                for anchor, words in {"article-a": "甲篇正文", "article-b": "乙篇正文", "article-b-bylines": "乙篇署名",
                                      "article-c": "丙篇正文"}.items()}
    assert expected == {"article-a": "1", "article-b": "2", "article-b-bylines": "2", "article-c": "4"}
    assert {k: v for k, v in found.items() if k.startswith("article-")} == expected
    assert printed_pages(b"%PDF-1.7 not a PDF") == {} and printed_pages(pdf.read_bytes()[:2000]) == {}


@pytest.mark.slow
def test_each_article_states_the_page_it_is_printed_on(tree, tmp_path):
    output = tmp_path / "output"
    build(BuildOptions(content_dir=tree, output_dir=output))
    assert check_every_article(output) == 9, "the front matter's roman pages are not counted: every label differs"
    volume = (output / "site" / "volumes" / "2021" / "index.html").read_text(encoding="utf-8")
    assert f'<span class="toc-page">第{stated_page(output / "site", "extra-1")}页</span>' in volume


@pytest.mark.slow
def test_the_split_render_states_the_pages_its_pdf_has(tree, tmp_path):
    output = tmp_path / "output"
    settings = SplitSettings(min_articles=2, articles_per_part=2, workers=1)
    build(BuildOptions(content_dir=tree, output_dir=output, split=settings))
    stats = [json.loads(p.read_text(encoding="utf-8")) for p in (tmp_path / ".output-cache" / "pdf").rglob("stats.json")]
    assert stats and all(s["units"] > 1 and s["laid_out"] > 1 for s in stats), "the split render ran, in several parts"
    check_every_article(output)


@pytest.mark.slow
def test_html_only_reads_the_previous_pdf_and_without_one_states_no_page(tree, tmp_path, build_html):
    output = tmp_path / "output"
    code, _, err = build_html()
    assert code == 0, err
    assert stated_page(output / "site", "extra-1") is None  # no PDF yet: no page, and none made up
    html = (output / "site" / "articles" / "extra-1" / "index.html").read_text(encoding="utf-8")
    assert "[EB/OL]" in html  # cited as the site's page
    build(BuildOptions(content_dir=tree, output_dir=output, only="pdf"))
    code, _, err = build_html()
    assert code == 0, err
    check_every_article(output)
    # serve reads the PDFs on disk the same way: its pages are those of build --only html
    shutil.rmtree(output / "site" / "articles")
    rebuild_site(tree, output, SiteState())
    check_every_article(output)
