"""Build the sample yearbook (content/) the way an editor does, then read the site and the PDF
back as a reader and a printer would."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from readback import broken_links, first_page_with, pdf_bookmarks, pdf_page_texts, read_page, squash

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "content"


def front_matter(slug: str) -> dict:
    text = (CONTENT / "articles" / f"{slug}.md").read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n")[1])


@pytest.fixture(scope="session")
def sample(tmp_path_factory) -> Path:
    """output/ of a full build (site + PDF) of the sample content, made by the CLI."""
    out = tmp_path_factory.mktemp("sample") / "output"
    result = subprocess.run([sys.executable, "build.py", "build", "--output", str(out)], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return out


@pytest.fixture(scope="session")
def pdf(sample) -> PdfReader:
    pdfs = sorted((sample / "pdf").glob("*.pdf"))
    assert len(pdfs) == 1, "the sample groups its report years into one volume"
    return PdfReader(pdfs[0])


@pytest.fixture(scope="session")
def pages(pdf) -> list[str]:
    return pdf_page_texts(pdf)


ARTICLES = sorted(p.stem for p in (CONTENT / "articles").glob("*.md"))


# --- the site --------------------------------------------------------------------------------------

def test_every_internal_link_and_asset_of_the_site_resolves(sample):
    assert broken_links(sample / "site") == []


@pytest.mark.parametrize("slug", ARTICLES)
def test_each_article_has_a_page_titled_with_its_title(sample, slug):
    page = read_page(sample / "site" / "articles" / slug / "index.html")
    meta = front_matter(slug)
    assert re.search(r"<h1[^>]*>\s*" + re.escape(meta["title"].replace("“", "&#34;")[:0]), page.html)
    assert page.html.count("<h1") == 1
    assert meta["title"] in page.text
    assert 'lang="zh-CN"' in page.html


def test_keyword_article_shows_scene_and_observation_of_every_keyword_then_bylines(sample):
    meta = front_matter("huaian-kexie-2021")
    page = read_page(sample / "site" / "articles" / "huaian-kexie-2021" / "index.html")
    text = page.text
    assert len(meta["keywords"]) == 5
    last = 0
    for number, keyword in zip("一二三四五", meta["keywords"]):
        heading = text.index(f"关键词{number}", last)
        scene = text.index("现场回放", heading)
        scene_text = text.index(keyword["scene"].strip()[:30], scene)
        observation = text.index("记者观察", scene_text)
        last = text.index(keyword["observation"].strip()[:30], observation)
    for byline in meta["bylines"]:
        assert text.index(byline["name"], last) > last, f"{byline['name']} must come after the keywords"


def test_home_links_each_volume_pdf_that_was_built(sample):
    home = read_page(sample / "site" / "index.html")
    pdf_names = [p.name for p in (sample / "pdf").glob("*.pdf")]
    for name in pdf_names:
        assert any(url.endswith(name) for _, url in home.links)
        assert (sample / "site" / "downloads" / name).read_bytes() == (sample / "pdf" / name).read_bytes()


def test_region_index_nests_counties_under_their_city_and_province(sample):
    regions = sample / "site" / "regions"
    # 通州区 of 南通市 (Jiangsu), never Beijing's; 新沂市 under 徐州市.
    tongzhou = read_page(regions / "jiangsu" / "nantong" / "tongzhou" / "index.html")
    assert "努力开创党建带科建工作新局面" in tongzhou.text
    xinyi = read_page(regions / "jiangsu" / "xuzhou" / "xinyi" / "index.html")
    assert "新沂市科协" in xinyi.text
    assert not (regions / "beijing").exists()
    tree = read_page(regions / "index.html").text
    assert tree.index("江苏省") < tree.index("徐州市") < tree.index("新沂市")
    assert tree.index("江苏省") < tree.index("南通市") < tree.index("通州区")


def test_article_with_withheld_city_is_indexed_under_its_province(sample):
    hebei = read_page(sample / "site" / "regions" / "hebei" / "index.html")
    assert "在2023年全市科协系统工作会议上的讲话（节选）" in hebei.text
    article = read_page(sample / "site" / "articles" / "xx-shi-kexie-2023-jianghua" / "index.html")
    assert "原文隐去市名" in article.text
    assert re.search(r"第\s*2\s*部分.{0,4}共\s*3\s*部分", article.text)


def test_theme_index_lists_themes_in_pinyin_order(sample):
    text = read_page(sample / "site" / "themes" / "index.html").text
    # dang < fu < jue < ke-ji-gong < ke-ji-jiao < ke-xue < qing < xiang < xue
    expected = ["党建引领", "服务经济发展", "决策咨询", "科技工作者服务", "科技交流合作", "科学普及",
                "青少年科技教育", "乡村振兴", "学会与组织建设"]
    positions = [text.index(name) for name in expected]
    assert positions == sorted(positions)


def test_photo_captions_without_photos_stay_captions(sample):
    page = read_page(sample / "site" / "articles" / "nantong-tongzhou-kexie-2021" / "index.html")
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", page.html)
    assert "通州区科协深入开展党史学习教育" in captions
    assert "<img" not in page.html


# --- the PDF ---------------------------------------------------------------------------------------

def test_pdf_bookmarks_are_chapters_then_articles_then_keywords(pdf):
    marks = pdf_bookmarks(pdf)
    chapters = [m.title for m in marks if m.level == 1]
    for province in ("江苏省", "安徽省", "河北省"):
        assert province in chapters
    order = [chapters.index(p) for p in ("江苏省", "安徽省", "河北省")]
    assert order == sorted(order), "chapters follow regions.yml's order"
    titles = [m.title for m in marks if m.level == 2]
    for slug in ARTICLES:
        assert front_matter(slug)["title"] in titles
    keywords = [m for m in marks if m.level == 3]
    assert len([k for k in keywords if "关键词" in k.title or any(
        kw["title"] in k.title for kw in front_matter("huaian-kexie-2021")["keywords"])]) >= 5


def test_each_article_bookmark_points_to_the_page_where_the_article_starts(pdf, pages):
    for mark in pdf_bookmarks(pdf):
        if mark.level == 2:
            assert squash(mark.title)[:20] in squash(pages[mark.page - 1]), mark


def printed(pdf, page: int) -> int:
    """The number printed on physical page ``page`` (the 正文 is numbered from 1: the page labels)."""
    return int(pdf.page_labels[page - 1])


def _article_pages(pdf) -> dict[str, int]:
    """Each article's first page, as the number printed on it."""
    return {m.title: printed(pdf, m.page) for m in pdf_bookmarks(pdf) if m.level == 2}


def _without_notes(text: str) -> str:
    """Index text without parenthesised notes such as （江苏省 南通市） or （2021年）."""
    return re.sub(r"（[^）]*）|\([^)]*\)", "", squash(text))


def _locators_after(text: str, label: str) -> list[int]:
    """Page numbers printed right after ``label`` (dot leaders, commas and notes skipped)."""
    match = re.search(re.escape(_without_notes(label)) + r"[.·…]*((?:\d+[,，、]*)+)", _without_notes(text))
    assert match, f"{label} not found"
    return [int(n) for n in re.findall(r"\d+", match.group(1))]


def _section_locators(text: str, heading: str, headings: list[str]) -> set[int]:
    """Every page number in the index section that starts at ``heading`` and ends at the next heading."""
    body = _without_notes(text)
    start = re.search("(?<!见)" + re.escape(squash(heading)), body).end()  # the entry, not a 见 reference to it
    ends = [body.find(squash(h), start) for h in headings if h != heading]
    end = min([e for e in ends if e > 0] + [len(body)])
    return {int(n) for n in re.findall(r"\d+", body[start:end])}


def _index_text(pages: list[str], title: str, next_titles: tuple[str, ...]) -> str:
    """The text of one back-matter index, from its heading to the next index's heading."""
    text = "".join(pages[len(pages) // 2:])  # the indexes are at the back
    text = squash(text)
    start = text.index(squash(title))
    ends = [text.find(squash(t), start + 1) for t in next_titles]
    end = min([e for e in ends if e > 0] + [len(text)])
    return text[start:end]


def test_contents_page_numbers_are_the_pages_where_articles_start(pdf, pages):
    starts = _article_pages(pdf)
    toc = [i for i, text in enumerate(pages) if squash(text).startswith("目录")]
    assert toc, "a 目录 page"
    toc_text = "".join(pages[i] for i in toc)
    for title, page in starts.items():
        assert _locators_after(toc_text, title)[:1] == [page], title


def test_region_index_locators_are_the_pages_where_articles_start(pdf, pages):
    starts = _article_pages(pdf)
    index_text = _index_text(pages, "地区索引", ("主题索引", "人名索引"))
    for slug in ARTICLES:
        meta = front_matter(slug)
        region = str(meta["region"]).split("/")[-1]
        assert starts[meta["title"]] in _locators_after(index_text, region), (region, meta["title"])


def test_theme_index_locators_are_the_pages_where_articles_start(pdf, pages):
    starts = _article_pages(pdf)
    index_text = _index_text(pages, "主题索引", ("人名索引", "地区索引"))
    topics = {t["slug"]: t["name"] for t in yaml.safe_load((CONTENT / "topics.yml").read_text(encoding="utf-8"))}
    for slug in ARTICLES:
        meta = front_matter(slug)
        for topic in meta["topics"]:
            locators = _section_locators(index_text, topics[topic], list(topics.values()))
            assert starts[meta["title"]] in locators, (topics[topic], meta["title"])
    # and a page that holds no article of a theme is not listed under it
    for topic_slug, name in topics.items():
        article_pages = {starts[front_matter(s)["title"]] for s in ARTICLES if topic_slug in front_matter(s)["topics"]}
        keyword_pages = _keyword_pages(pdf, {front_matter(s)["title"] for s in ARTICLES if topic_slug in front_matter(s)["topics"]})
        assert _section_locators(index_text, name, list(topics.values())) <= article_pages | keyword_pages, name


def _keyword_pages(pdf, titles: set[str]) -> set[int]:
    """Pages where the 关键词 sections of these articles start (their level-3 bookmarks)."""
    found, inside = set(), False
    for mark in pdf_bookmarks(pdf):
        if mark.level <= 2:
            inside = mark.level == 2 and mark.title in titles
        elif inside:
            found.add(printed(pdf, mark.page))
    return found


def test_people_index_locators_are_the_pages_where_their_bylines_are_printed(pdf, pages):
    marks = [m for m in pdf_bookmarks(pdf) if m.level == 2]
    index_text = _index_text(pages, "人名索引", ("地区索引", "主题索引"))
    for slug in ARTICLES:
        meta = front_matter(slug)
        first = next(m.page for m in marks if m.title == meta["title"])
        last = min([m.page for m in marks if m.page > first] + [len(pages) + 1]) - 1
        for byline in meta.get("bylines") or []:
            credit = re.compile("（[^（）]*" + re.escape(squash(byline["name"])) + "[^（）]*）")  # the bylines paragraph
            printed_on = [printed(pdf, n) for n in range(first, last + 1) if credit.search(squash(pages[n - 1]))]
            assert printed_on and printed_on[-1] in _locators_after(index_text, byline["name"]), byline["name"]


def test_pdf_fonts_are_all_embedded_and_cjk(sample):
    pdf_path = next((sample / "pdf").glob("*.pdf"))
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    lines = subprocess.run(["pdffonts", str(pdf_path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert lines
    for line in lines:
        columns = line.split()
        assert columns[-5] == "yes", f"font not embedded: {line}"
    assert any("CJK" in line or "Han" in line for line in lines)


def test_pdf_text_holds_every_character_of_the_article_titles(pages):
    text = squash("".join(pages))
    for slug in ARTICLES:
        assert squash(front_matter(slug)["title"]) in text


def test_pdf_metadata_names_the_yearbook_and_publisher(pdf):
    config = yaml.safe_load((CONTENT / "yearbook.yml").read_text(encoding="utf-8"))
    info = pdf.metadata
    assert config["title"] in (info.title or "")
    assert info.author == config["publisher"]
