"""The reader's site as built from the sample content: every page the issue lists exists and says what
it should (organizations, related articles, search page, Atom feed, sitemap, robots.txt, Open Graph),
links and assets all resolve, nothing is fetched from another host, and article pages stay light."""
from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

from readback import broken_links, read_page

ROOT = Path(__file__).resolve().parents[1]
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ARTICLES = sorted(p.stem for p in (ROOT / "content" / "articles").glob("*.md"))


def build_site(content: Path, output: Path) -> Path:
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--only", "html", "--quiet",
                             "--content", str(content), "--output", str(output)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return output / "site"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build_site(ROOT / "content", tmp_path_factory.mktemp("site") / "output")


@pytest.fixture
def based_site(tmp_path, make_site) -> Path:
    """The small test tree built with a base URL."""
    make_site(base_url="https://example.org/nianjian")
    return build_site(tmp_path / "content", tmp_path / "output")


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


# --- links and assets --------------------------------------------------------------------------------

def test_every_internal_link_and_asset_resolves(site):
    assert broken_links(site) == []


def test_feed_sitemap_and_search_index_links_resolve(site):
    def resolves(base: str, url: str) -> bool:
        target = site / urlparse(urljoin("http://x/" + base, url)).path.lstrip("/")
        return (target / "index.html").is_file() if url.endswith("/") or url == "./" else target.is_file()

    feed = ET.parse(site / "feed.xml").getroot()
    for link in feed.iter(ATOM + "link"):
        assert resolves("feed.xml", link.get("href")), link.get("href")
    assert not (site / "sitemap.xml").exists(), "a sitemap lists absolute URLs: none without base_url"
    import json
    for doc in (site / "search" / "docs").glob("*.json"):
        assert resolves("", json.loads(doc.read_text(encoding="utf-8"))["u"])


def test_css_references_resolve_and_nothing_comes_from_another_host(site):
    for path in [*html_pages(site), *site.glob("static/*.css"), *site.glob("static/*.js")]:
        text = path.read_text(encoding="utf-8")
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", text):
            if not url.startswith("data:"):
                assert (path.parent / url).resolve().is_file(), (path, url)
        assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", text), f"{path}: a request to another host"
        assert "@import" not in text and "fonts.googleapis" not in text


# --- pages -------------------------------------------------------------------------------------------

def test_every_page_has_lang_one_h1_and_no_skipped_heading_level(site):
    for path in html_pages(site):
        html = path.read_text(encoding="utf-8")
        assert '<html lang="zh-CN">' in html, path
        levels = [int(n) for n in re.findall(r"<h([1-6])[\s>]", html)]
        assert levels.count(1) == 1 and levels[0] == 1, path
        for before, after in zip(levels, levels[1:]):
            assert after <= before + 1, f"{path}: h{before} then h{after}"


def test_organizations_index_links_a_page_per_organization(site):
    index = read_page(site / "organizations" / "index.html")
    for organization in ("淮安市科协", "新沂市科协", "通州区科协", "阜阳市科协", "XX市科协"):
        assert organization in index.text
    huaian = read_page(site / "organizations" / "huaianshikexie" / "index.html")
    assert "淮安市科协" in huaian.text and "聚焦“绿色高地、枢纽新城”" in huaian.text
    article = read_page(site / "articles" / "huaian-kexie-2021" / "index.html")
    assert ("a", "../../organizations/huaianshikexie/") in article.links


def test_article_lists_related_articles_with_the_reason(site):
    page = read_page(site / "articles" / "huaian-kexie-2021" / "index.html")
    related = page.html.split('id="h-related"')[1].split("</section>")[0]
    assert "同地区：江苏省" in related, "新沂 and 通州 are in 江苏 too"
    assert "同主题：" in related
    assert "../huaian-kexie-2021/" not in related, "not itself"
    assert len(re.findall(r'class="item-title"', related)) == 4


def test_article_page_has_open_graph_tags_and_no_canonical_without_base_url(site):
    html = (site / "articles" / "xinyi-kexie-2021" / "index.html").read_text(encoding="utf-8")
    assert '<meta property="og:type" content="article">' in html
    assert re.search(r'<meta property="og:title" content="新沂市科协', html)
    assert '<meta property="og:locale" content="zh_CN">' in html
    assert '<meta property="article:published_time" content="2021-12-27">' in html
    assert "og:url" not in html and 'rel="canonical"' not in html


def test_with_a_base_url_canonical_og_url_feed_sitemap_and_robots_are_absolute(based_site):
    html = (based_site / "articles" / "huaian-kexie-2021" / "index.html").read_text(encoding="utf-8")
    url = "https://example.org/nianjian/articles/huaian-kexie-2021/"
    assert f'<link rel="canonical" href="{url}">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    feed = ET.parse(based_site / "feed.xml").getroot()
    assert all(link.get("href").startswith("https://example.org/nianjian/") for link in feed.iter(ATOM + "link"))
    assert any(link.get("rel") == "self" for link in feed.iter(ATOM + "link"))
    locs = [loc.text for loc in ET.parse(based_site / "sitemap.xml").getroot().iter(SITEMAP + "loc")]
    assert url in locs and all(loc.startswith("https://example.org/nianjian/") for loc in locs)
    assert "Sitemap: https://example.org/nianjian/sitemap.xml" in (based_site / "robots.txt").read_text(encoding="utf-8")


def test_atom_feed_lists_every_article_newest_first_with_stable_ids(site):
    feed = ET.parse(site / "feed.xml").getroot()
    assert feed.tag == ATOM + "feed" and feed.find(ATOM + "title").text == "科协工作年鉴"
    entries = feed.findall(ATOM + "entry")
    assert len(entries) == len(ARTICLES)
    updated = [e.find(ATOM + "updated").text for e in entries]
    assert updated == sorted(updated, reverse=True)
    ids = [e.find(ATOM + "id").text for e in entries]
    assert all(i.startswith("urn:uuid:") for i in ids) and len(set(ids)) == len(ids)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00\+08:00", updated[0])


def test_sitemap_lists_every_page_but_404_and_robots_allows_all(site, based_site):
    locs = {loc.text for loc in ET.parse(based_site / "sitemap.xml").getroot().iter(SITEMAP + "loc")}
    pages = {"https://example.org/nianjian/" + p.relative_to(based_site).as_posix().removesuffix("index.html")
             for p in html_pages(based_site)}
    assert locs == pages - {"https://example.org/nianjian/404.html"}
    robots = (site / "robots.txt").read_text(encoding="utf-8")
    assert robots.startswith("User-agent: *\nAllow: /") and "Sitemap" not in robots


def test_search_page_loads_the_search_script_articles_the_highlighter_and_other_pages_no_script(site):
    search = (site / "search" / "index.html").read_text(encoding="utf-8")
    assert '<script src="../static/search.js" defer></script>' in search
    for path in html_pages(site):
        html = path.read_text(encoding="utf-8")
        if path.parent.name == "search":
            continue
        if path.parent.parent.name == "articles":
            assert re.findall(r"<script[^>]*>", html) == ['<script src="../../static/highlight.js" defer>'], path
        elif path.name == "404.html":  # finds the site's root wherever the server shows it (no base_url)
            assert len(re.findall(r"<script", html)) == 1 and "<script src" not in html
        else:
            assert "<script" not in html, path


def test_every_page_but_search_has_a_search_box_that_goes_to_the_search_page(site):
    page = read_page(site / "regions" / "jiangsu" / "huaian" / "index.html")
    assert 'action="../../../search/"' in page.html and 'name="q"' in page.html


def test_article_pages_weigh_under_60_kb_of_html_css_and_js(site):
    for slug in ARTICLES:
        path = site / "articles" / slug / "index.html"
        html = path.read_text(encoding="utf-8")
        assets = re.findall(r'<(?:link rel="stylesheet"|script) [^>]*(?:href|src)="([^"]+)"', html)
        weight = path.stat().st_size + sum((path.parent / a).stat().st_size for a in assets)
        assert weight < 60_000, (slug, weight)


def test_region_and_theme_urls_are_readable_pinyin(site):
    assert (site / "regions" / "jiangsu" / "huaian" / "index.html").is_file()
    assert (site / "themes" / "kexue-puji" / "index.html").is_file()
    assert (site / "organizations" / "fuyangshikexie" / "index.html").is_file()
