"""The site in a real browser: headless Chromium (Debian's package) driven by Playwright, against the
sample site served by Python's http.server on 127.0.0.1 under a sub-path (/site/), as an intranet
server would. Pages load without console errors or requests to other hosts, navigation and search
work, phones get no horizontal scroll, and axe-core finds no serious accessibility violation.

Skipped only when /usr/bin/chromium (or $CHROMIUM) is missing; tasks.sh installs it."""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import threading
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest

from yearbook.site import search as si

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PAGES = ["", "articles/huaian-kexie-2021/", "articles/xx-shi-kexie-2023-jianghua/", "volumes/2020-2024/", "regions/",
         "regions/jiangsu/nantong/tongzhou/", "themes/", "themes/kexue-puji/", "people/", "people/lirong/",
         "organizations/", "organizations/huaianshikexie/", "search/?q=科普", "404.html"]

if not Path(CHROMIUM).is_file():
    pytest.skip(f"no Chromium at {CHROMIUM} (bash tasks.sh setup installs Debian's chromium)", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402  (after the skip: only needed with a browser)

pytestmark = pytest.mark.slow  # Chromium on the built site


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        pass


@contextmanager
def served(content: Path, output: Path):
    """Build ``content`` (HTML only) into ``output`` and serve ``output`` on a free port of 127.0.0.1;
    yields the site's URL, a sub-path: http://127.0.0.1:<port>/site/."""
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--only", "html", "--quiet",
                             "--content", str(content), "--output", str(output)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(output)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/site/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    """The sample site, served under /site/."""
    with served(ROOT / "content", tmp_path_factory.mktemp("browser") / "output") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def wait_for_search(tab) -> None:
    tab.wait_for_selector("#search-app[data-state=done], #search-app[data-state=error]")
    assert tab.get_attribute("#search-app", "data-state") == "done", tab.inner_text("#search-status")


def result_titles(tab) -> list[str]:
    return tab.locator("#search-results .item-title").all_inner_texts()


# --- loading and navigating --------------------------------------------------------------------------

def test_pages_load_without_console_errors_or_requests_to_other_hosts(page, base_url):
    errors, hosts = [], set()
    page.on("console", lambda message: message.type == "error" and errors.append(f"{page.url}: {message.text}"))
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    page.on("request", lambda request: hosts.add(urlparse(request.url).hostname))
    for path in PAGES:
        response = page.goto(base_url + path)
        assert response.status == 200, path
        if path.startswith("search/"):
            wait_for_search(page)
    assert errors == []
    assert hosts == {"127.0.0.1"}


def test_a_reader_goes_from_home_to_a_region_to_an_article_and_on_to_the_next(page, base_url):
    page.goto(base_url)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="地区").click()
    assert page.locator("h1").inner_text() == "地区"
    page.get_by_role("link", name="南通市", exact=True).first.click()
    assert page.locator("h1").inner_text() == "南通市"
    page.get_by_role("link", name="努力开创党建带科建工作新局面").first.click()
    assert page.url.endswith("/site/articles/nantong-tongzhou-kexie-2021/")
    crumbs = page.get_by_role("navigation", name="所在地区").inner_text()
    assert crumbs.index("江苏省") < crumbs.index("南通市") < crumbs.index("通州区")
    page.locator(".pager-next").click()
    assert page.locator("h1").inner_text() != "努力开创党建带科建工作新局面"


# --- search ------------------------------------------------------------------------------------------

def test_typing_a_query_shows_the_article_with_the_words_highlighted(page, base_url):
    page.goto(base_url + "search/")
    page.wait_for_selector("#search-app[data-state=idle]")
    page.fill("#q", "虾稻共生")
    wait_for_search(page)
    assert result_titles(page)[0].startswith("淮安市科协")
    assert "虾稻共生" in page.locator("#search-results .excerpt mark").all_inner_texts()
    assert "找到 1 篇" in page.inner_text("#search-status")
    assert not page.is_visible("#search-more"), "nothing more to show"
    assert "q=%E8%99%BE" in page.url, "the query is kept in the address for sharing"
    page.locator("#search-results .item-title").first.click()
    assert page.url.endswith("/site/articles/huaian-kexie-2021/")


@pytest.mark.parametrize("query, title", [("大篷车", "淮安市科协"), ("科技小院", "阜阳市科协"),
                                          ("双臂救援机器人", "新沂市科协"), ("ＡＰＰ", "新沂市科协")])
def test_the_header_search_box_finds_substrings_across_word_boundaries(page, base_url, query, title):
    page.goto(base_url + "articles/xx-shi-kexie-2023-jianghua/")
    page.fill("#site-q", query)
    page.press("#site-q", "Enter")
    wait_for_search(page)
    assert any(t.startswith(title) for t in result_titles(page)), result_titles(page)


def test_words_that_only_share_characters_with_an_article_find_nothing(page, base_url):
    page.goto(base_url + "search/?q=" + "院长小组")
    wait_for_search(page)
    assert result_titles(page) == []
    assert "没有找到" in page.inner_text("#search-status") or "暂未找到" in page.inner_text("#search-status")


def test_results_can_be_filtered_by_region_theme_and_volume(page, base_url):
    page.goto(base_url + "search/?q=科普")
    wait_for_search(page)
    assert len(result_titles(page)) == 5
    assert "江苏省（3）" in page.locator("#f-region option[value=jiangsu]").inner_text()
    page.select_option("#f-region", "jiangsu")
    wait_for_search(page)
    assert len(result_titles(page)) == 3
    assert "region=jiangsu" in page.url
    page.select_option("#f-topic", "juece-zixun")
    wait_for_search(page)
    assert [t[:5] for t in result_titles(page)] == ["新沂市科协"]
    page.select_option("#f-topic", "xiangcun-zhenxing")
    wait_for_search(page)
    assert result_titles(page) == [] and "放宽" in page.inner_text("#search-status")
    page.select_option("#f-region", "")
    page.select_option("#f-topic", "")
    page.select_option("#f-volume", "2020-2024")
    wait_for_search(page)
    assert len(result_titles(page)) == 5


def test_more_results_come_ten_at_a_time(page, tmp_path, make_site, article):
    files = {f"articles/a{n:02d}.md": article(f"第{n}篇：科普大篷车开进社区。\n", title=f"报告{n:02d}", date=f"2021-01-{n:02d}")
             for n in range(1, 24)}
    with served(make_site(files), tmp_path / "output") as url:
        page.goto(url + "search/?q=大篷车")
        wait_for_search(page)
        assert len(result_titles(page)) == 10
        assert result_titles(page)[0] == "报告23", "newest first"
        assert "找到 约 23 篇" in page.inner_text("#search-status"), "3 characters: candidates not yet verified"
        page.click("#search-more")
        page.wait_for_function("document.querySelectorAll('#search-results li').length === 20")
        assert page.evaluate("document.activeElement.textContent") == "报告13", "focus moves to the first new result"
        page.click("#search-more")
        page.wait_for_function("document.querySelectorAll('#search-results li').length === 23")
        page.wait_for_selector("#search-more", state="hidden")
        assert page.inner_text("#search-status") == "找到 23 篇含有“大篷车”的报告"


def test_one_character_asks_for_two(page, base_url):
    page.goto(base_url + "search/?q=科")
    page.wait_for_selector("#search-app[data-state=idle]")
    assert "至少输入两个字" in page.inner_text("#search-status")


def test_the_browser_reads_the_index_exactly_as_the_python_builder_wrote_it(page, base_url):
    page.goto(base_url + "search/")
    page.wait_for_selector("#search-app[data-state=idle]")
    words = ["科普", "ap", "𠀀字", "双臂救援机器人", "全国十大优秀科技志愿者", "ＡＰＰ与5G，科普"]
    bigrams = sorted({b for w in words for t in si.query_terms(w)[0] for b in si.term_bigrams(t)} | {"𠀀字"})
    js = page.evaluate("""([words, bigrams, lists]) => ({
        terms: words.map(w => window.yearbookSearch.queryTerms(w)),
        pairs: words.map(w => window.yearbookSearch.queryTerms(w).terms.map(window.yearbookSearch.termBigrams)),
        hashes: bigrams.map(window.yearbookSearch.hashBigram),
        normal: words.map(window.yearbookSearch.normalize),
        decoded: lists.map(window.yearbookSearch.decodePostings)})""",
                       [words, bigrams, [si.encode_postings(ids, 700) for ids in ([0, 5, 40, 699], list(range(0, 700, 2)))]])
    assert js["terms"] == [{"terms": t, "short": s} for t, s in map(si.query_terms, words)]
    assert js["pairs"] == [[si.term_bigrams(t) for t in si.query_terms(w)[0]] for w in words]
    assert js["hashes"] == [si.bigram_hash(b) for b in bigrams]
    assert js["normal"] == [si.normalize(w) for w in words]
    assert js["decoded"] == [[0, 5, 40, 699], list(range(0, 700, 2))]


# --- phones and accessibility ------------------------------------------------------------------------

@pytest.mark.parametrize("width", [360, 375])
def test_phones_get_no_horizontal_scroll(browser, base_url, width):
    context = browser.new_context(viewport={"width": width, "height": 740}, is_mobile=True, has_touch=True)
    tab = context.new_page()
    try:
        for path in PAGES:
            tab.goto(base_url + path)
            if path.startswith("search/"):
                wait_for_search(tab)
            overflow = tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path}: {overflow}px of horizontal scroll at {width}px"
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_accessibility_violation(browser, base_url, scheme):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context(color_scheme=scheme)
    tab = context.new_page()
    problems = []
    try:
        for path in PAGES:
            tab.goto(base_url + path)
            if path.startswith("search/"):
                wait_for_search(tab)
            results = axe.run(tab, options={"resultTypes": ["violations"]}).response
            problems += [f"{path}: {v['id']} ({v['impact']}): {v['nodes'][0]['html'][:100]}"
                         for v in results["violations"] if v["impact"] in ("serious", "critical")]
    finally:
        context.close()
    assert problems == []


def test_keyboard_focus_is_visible(page, base_url):
    page.goto(base_url + "articles/huaian-kexie-2021/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
