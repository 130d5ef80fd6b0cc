"""The site of a large yearbook, read as a reader reads it: 1,000 generated articles (bench/generate_corpus.py)
built and served under a sub-path, in headless Chromium at phone width. Every page is under 100 KB;
a reader reaches the reports of 江苏省 南通市, of a theme in one province and of one year in three taps
from the home page; the search's counts are exact or within 10 % and labelled 约; "more results"
fetches texts in proportion to what it shows; lists by facets need no query; axe-core finds nothing
serious and the Nu HTML Checker no error. All slow (a minute or more to generate and build)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from test_browser import CHROMIUM, CHROMIUM_ARGS, result_titles, served, wait_for_search
from yearbook.site import search as si

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = 1000
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

if not Path(CHROMIUM).is_file():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    content = tmp_path_factory.mktemp("corpus") / "content"
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate_corpus.py"), str(ARTICLES), str(content)],
                   cwd=ROOT, check=True, capture_output=True, timeout=600)
    return content


@pytest.fixture(scope="module")
def large(corpus, tmp_path_factory):
    """(site URL, output folder) of the 1,000-article site, served under /site/."""
    output = tmp_path_factory.mktemp("large") / "output"
    with served(corpus, output) as url:
        yield url, output / "site"


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    context.close()


def kind_of(rel: str) -> str:
    """The kind of page a site path is (articles/x/, regions/a/b/page-2/ → regions/*/page-*)."""
    parts = rel.removesuffix("index.html").strip("/").split("/")
    if parts == [""]:
        return "home"
    if parts[-1].startswith("page-"):
        return f"{parts[0]} (page 2 and on)"
    return parts[0] + ("/*" * (len(parts) - 1))


def test_every_page_of_every_kind_is_under_100_kb(large):
    _, site = large
    largest: dict[str, tuple[int, str]] = defaultdict(lambda: (0, ""))
    for path in site.rglob("*.html"):
        rel = path.relative_to(site).as_posix()
        largest[kind_of(rel)] = max(largest[kind_of(rel)], (path.stat().st_size, rel))
    assert {"home", "articles/*", "regions", "regions/*", "regions/*/*", "themes/*", "themes/*/*", "years/*",
            "people", "volumes/*", "organizations"} <= set(largest)
    too_big = {kind: found for kind, found in largest.items() if found[0] > 100_000}
    assert too_big == {}


def tap(page, name: str) -> None:
    """Tap the first link whose text starts with ``name`` (a link with a count: 江苏省 120 篇)."""
    import re
    page.get_by_role("link", name=re.compile("^" + re.escape(name))).first.tap()
    page.wait_for_load_state()


def test_three_taps_from_home_to_a_city_a_theme_in_a_province_and_a_year(phone, large):
    url, _ = large
    phone.goto(url)
    tap(phone, "江苏省")
    tap(phone, "南通市")
    assert phone.locator("h1").inner_text() == "南通市"
    assert phone.locator("#h-articles ~ ol .item").count() > 0
    metas = phone.locator("#h-articles ~ ol .item-meta").all_inner_texts()
    assert metas and all("南通市" in m or "区" in m or "县" in m or "市" in m for m in metas)

    phone.goto(url)
    tap(phone, "科学普及")
    tap(phone, "江苏省")
    assert phone.locator("h1").inner_text() == "科学普及 · 江苏省"
    assert phone.locator("#h-articles ~ ol .item").count() > 0

    phone.goto(url)
    tap(phone, "2021年")
    assert phone.locator("h1").inner_text() == "2021年"
    assert all("2021年" in m for m in phone.locator("#h-articles ~ ol .item-meta").all_inner_texts())


def truth(site: Path, query: str) -> int:
    index = si.SearchIndex({p.relative_to(site).as_posix(): p.read_bytes() for p in (site / "search").rglob("*.json")})
    terms = si.query_terms(query)
    return sum(all(t in si.normalize("\n".join((d["t"], d["m"], d["x"]))) for t in terms)
               for d in map(index.doc, range(index.meta["docs"])))


@pytest.mark.parametrize("query", ["全国十大优秀科技志愿者", "科技志愿者", "科普", "科", "中国科协", "馆建成"])
def test_the_count_is_exact_or_within_ten_per_cent_and_says_so(phone, large, query):
    url, site = large
    phone.goto(url + "search/?q=" + query)
    wait_for_search(phone)
    status = phone.inner_text("#search-status")
    number = int(status.split("找到 ")[1].removeprefix("约 ").split(" ")[0])
    true = truth(site, query)
    if "约" in status:
        assert abs(number - true) <= 0.1 * true, (status, true)
    else:
        assert number == true, (status, true)
    if len(si.query_terms(query)[0]) <= 2:
        assert "约" not in status, "one or two characters: the index's count is exact"


def test_more_results_fetch_texts_in_proportion_to_what_they_show(phone, large):
    url, _ = large
    phone.goto(url + "search/?q=科技志愿者")
    wait_for_search(phone)
    docs = []
    phone.on("request", lambda request: "/search/docs/" in request.url and docs.append(request.url))
    for _ in range(3):
        before = phone.locator("#search-results li").count()
        docs.clear()
        phone.click("#search-more")
        phone.wait_for_function(f"document.querySelectorAll('#search-results li').length > {before}")
        wait_for_search(phone)
        added = phone.locator("#search-results li").count() - before
        # each text fetched is a result shown, but for the few false candidates it rules out (about 1 in 8
        # for this term in the generated corpus); the issue saw 15 texts fetched for 4–8 results
        assert added == 10 and len(docs) <= 15, (added, len(docs))


def test_the_reports_of_a_city_and_a_theme_are_listed_without_a_query(phone, large):
    url, site = large
    phone.goto(url + "search/?region=jiangsu/nantong&topic=kexue-puji")
    wait_for_search(phone)
    status = phone.inner_text("#search-status")
    assert status.startswith("找到 ") and "约" not in status
    count = int(status.split(" ")[1])
    theme = (site / "themes" / "kexue-puji" / "jiangsu" / "index.html").read_text(encoding="utf-8")
    city = theme.split('aria-label="市"')[1].split("</ul>")[0]
    assert f"南通市 <span class=\"count\">{count} 篇</span>" in city, "the same count as the theme × province page"
    assert len(result_titles(phone)) == min(count, 10)
    assert phone.locator("#f-city option").count() > 2, "the cities of 江苏省, not every region of the country"


LIST_PAGES = ["", "regions/", "regions/jiangsu/", "regions/jiangsu/page-2/", "regions/jiangsu/nantong/", "themes/",
              "themes/kexue-puji/", "themes/kexue-puji/jiangsu/", "years/", "years/2021/", "people/", "people/page-2/",
              "organizations/", "volumes/2020-2024/", "volumes/2020-2024/page-2/", "search/?q=科技志愿者",
              "search/?region=jiangsu&topic=kexue-puji"]


@pytest.mark.parametrize("width", [320, 375])
def test_no_list_page_scrolls_sideways_on_a_phone(browser, large, width):
    url, site = large
    pages = [p for p in LIST_PAGES if p.startswith("search") or (site / p / "index.html").is_file()]
    context = browser.new_context(viewport={"width": width, "height": 740}, is_mobile=True)
    tab = context.new_page()
    try:
        for path in pages:
            tab.goto(url + path)
            if path.startswith("search"):
                wait_for_search(tab)
            overflow = tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path}: {overflow}px"
    finally:
        context.close()


def test_axe_finds_no_serious_violation_on_the_large_site(browser, large):
    from axe_playwright_python.sync_playwright import Axe

    url, site = large
    axe = Axe()
    context = browser.new_context(viewport={"width": 375, "height": 740})
    tab = context.new_page()
    problems = []
    try:
        for path in LIST_PAGES:
            if not path.startswith("search") and not (site / path / "index.html").is_file():
                continue
            tab.goto(url + path)
            if path.startswith("search"):
                wait_for_search(tab)
            results = axe.run(tab, options={"resultTypes": ["violations"]}).response
            problems += [f"{path}: {v['id']} ({v['impact']}): {v['nodes'][0]['html'][:100]}"
                         for v in results["violations"] if v["impact"] in ("serious", "critical")]
    finally:
        context.close()
    assert problems == []


@pytest.mark.skipif(not VNU.is_file() or not shutil.which("java"),
                    reason="the Nu HTML Checker needs node_modules/vnu-jar (npm ci) and Java: bash tasks.sh setup")
def test_the_nu_html_checker_finds_no_error_in_any_page_kind(large, tmp_path):
    _, site = large
    chosen: dict[str, Path] = {}
    for path in sorted(site.rglob("*.html")):
        chosen.setdefault(kind_of(path.relative_to(site).as_posix()), path)
    sample = tmp_path / "sample" / "output"
    subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--only", "html", "--quiet", "--content",
                    str(ROOT / "content"), "--output", str(sample)], cwd=ROOT, check=True, timeout=300)
    pages = [str(p) for p in chosen.values()] + [str(p) for p in sorted((sample / "site").rglob("*.html"))]
    result = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--format", "json", *pages],
                            capture_output=True, text=True, timeout=600)
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    assert [f"{m.get('url')}: {m.get('message')}" for m in messages if m.get("type") == "error"] == []
    assert len(pages) > 60
