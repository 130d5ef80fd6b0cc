"""The site in a real browser: headless Chromium (Debian's package) driven by Playwright, against the
sample site served by Python's http.server on 127.0.0.1 under a sub-path (/site/), as an intranet
server would. Pages load without console errors or requests to other hosts, navigation and search
work, phones get no horizontal scroll, and axe-core finds no serious accessibility violation.

Skipped only when /usr/bin/chromium (or $CHROMIUM) is missing; tasks.sh installs it."""
from __future__ import annotations

import functools
import os
import re
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
         "regions/jiangsu/", "regions/jiangsu/nantong/tongzhou/", "themes/", "themes/kexue-puji/", "themes/kexue-puji/jiangsu/",
         "years/", "years/2021/", "people/", "people/lirong/", "organizations/", "organizations/huaianshikexie/",
         "pages/bianji-shuoming/", "search/?q=科普", "search/?region=jiangsu&topic=kexue-puji", "404.html"]

if not Path(CHROMIUM).is_file():
    pytest.skip(f"no Chromium at {CHROMIUM} (bash tasks.sh setup installs Debian's chromium)", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402  (after the skip: only needed with a browser)

pytestmark = pytest.mark.slow  # Chromium on the built site


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves the output folder; a missing file gets the site's 404.html with status 404, at the
    address asked for, as a static host configured for it does (nginx error_page, GitHub Pages)."""

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        pass

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "site" / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


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
    page.get_by_role("link", name=re.compile(r"^南通市")).first.click()
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
    assert page.url.split("?")[0].endswith("/site/articles/huaian-kexie-2021/")


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
    page.select_option("#f-year", "2021")
    wait_for_search(page)
    assert len(result_titles(page)) == 3 and "year=2021" in page.url


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


def test_one_character_finds_every_report_that_holds_it(page, base_url):
    page.goto(base_url + "search/?q=鲟")
    wait_for_search(page)
    assert result_titles(page) == [] and "没有找到" in page.inner_text("#search-status")
    page.goto(base_url + "search/?q=虾")
    wait_for_search(page)
    assert [t[:5] for t in result_titles(page)] == ["淮安市科协"]
    assert page.inner_text("#search-status").startswith("找到 1 篇"), "one character: an exact count"


def test_traditional_characters_find_the_simplified_text_and_the_words_are_marked_on_the_article(page, base_url):
    page.goto(base_url + "search/?q=蝦稻共生")
    wait_for_search(page)
    assert result_titles(page)[0].startswith("淮安市科协")
    assert "虾稻共生" in page.locator("#search-results .excerpt mark").all_inner_texts()
    page.locator("#search-results .item-title").first.click()
    page.wait_for_selector("html[data-highlighted]")
    assert page.url.endswith("/site/articles/huaian-kexie-2021/?hl=%E8%99%BE%E7%A8%BB%E5%85%B1%E7%94%9F")
    marks = page.locator("article mark.hl").all_inner_texts()
    assert marks and set(marks) == {"虾稻共生"}
    assert page.evaluate("document.querySelector('mark.hl').getBoundingClientRect().top") < 900, "scrolled to the first"


def test_an_input_method_composing_pinyin_starts_no_search(page, base_url):
    page.goto(base_url + "search/")
    page.wait_for_selector("#search-app[data-state=idle]")
    fetched = []
    page.on("request", lambda request: "/search/" in request.url and "/search/?" not in request.url and fetched.append(request.url))
    for text in ("k", "ke", "kep", "kepu"):  # what the box holds while a pinyin IME composes 科普
        page.evaluate("""text => { const q = document.getElementById('q'); q.value = text;
            q.dispatchEvent(new CompositionEvent('compositionupdate', {data: text}));
            q.dispatchEvent(new InputEvent('input', {data: text, isComposing: true, inputType: 'insertCompositionText'})); }""", text)
    page.wait_for_timeout(600)
    assert fetched == [] and "q=" not in page.url and page.get_attribute("#search-app", "data-state") == "idle"
    page.evaluate("""() => { const q = document.getElementById('q'); q.value = '科普';
        q.dispatchEvent(new InputEvent('input', {data: '科普', isComposing: true, inputType: 'insertCompositionText'}));
        q.dispatchEvent(new CompositionEvent('compositionend', {data: '科普'})); }""")
    wait_for_search(page)
    assert len(result_titles(page)) == 5 and "q=%E7%A7%91%E6%99%AE" in page.url


def test_reports_are_listed_by_region_theme_and_year_without_a_query(page, base_url):
    page.goto(base_url + "search/?region=jiangsu/nantong&topic=dangjian-yinling")
    wait_for_search(page)
    assert result_titles(page) == ["努力开创党建带科建工作新局面"]
    assert page.inner_text("#search-status") == "找到 1 篇报告"
    assert page.input_value("#f-region") == "jiangsu" and page.input_value("#f-city") == "jiangsu/nantong"
    assert page.is_visible("#f-county"), "the county list opens under the chosen city"
    page.select_option("#f-city", "")
    wait_for_search(page)
    assert len(result_titles(page)) == 2 and "region=jiangsu&" in page.url + "&"
    page.goto(base_url + "search/?org=huaianshikexie")
    wait_for_search(page)
    assert [t[:5] for t in result_titles(page)] == ["淮安市科协"] and "淮安市科协" in page.inner_text(".org-filter")
    page.goto(base_url + "search/?year=2021&sort=old")
    wait_for_search(page)
    oldest_first = result_titles(page)
    assert len(oldest_first) == 3 and oldest_first[-1].startswith("新沂市科协"), "the one dated 2021-12-27 is the newest"
    page.select_option("#f-sort", "new")
    wait_for_search(page)
    assert result_titles(page) == oldest_first[::-1] and "sort=new" in page.url


def test_the_404_page_works_at_any_depth_without_a_base_url(page, base_url):
    for missing in ("nope", "articles/nope/", "regions/jiangsu/nope/deeper/", "a/b/c/d/"):
        response = page.goto(base_url + missing)
        assert response.status == 404
        assert page.evaluate("getComputedStyle(document.querySelector('.site-head')).borderBottomStyle") == "solid", missing
        home = page.get_by_role("link", name="返回首页")
        assert page.evaluate("el => el.href", home.element_handle()) == base_url, missing
        regions = page.get_by_role("link", name="按地区浏览")
        assert page.evaluate("el => el.href", regions.element_handle()) == base_url + "regions/", missing
    page.get_by_role("link", name="按地区浏览").click()
    assert page.locator("h1").inner_text() == "地区"


def test_an_article_prints_as_an_article(page, base_url):
    page.goto(base_url + "articles/huaian-kexie-2021/")
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('.prose')).fontSize") == "14px", "10.5 pt"
    for hidden in (".site-head", ".tags", ".related", ".pager"):
        if page.locator(hidden).count():
            assert page.evaluate(f"getComputedStyle(document.querySelector('{hidden}')).display") == "none", hidden
    assert page.locator(".citation").is_visible() and page.locator(".print-only").is_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")


def test_the_browser_reads_the_index_exactly_as_the_python_builder_wrote_it(page, base_url):
    page.goto(base_url + "search/")
    page.wait_for_selector("#search-app[data-state=idle]")
    words = ["科普", "科", "ap", "𠀀字", "双臂救援机器人", "全国十大优秀科技志愿者", "ＡＰＰ与5G，科普", "科協 著名", "大篷车"]
    bigrams = sorted({b for w in words for t in si.query_terms(w) for b in si.term_bigrams(t)} | {"𠀀字"})
    fold = {ch: chr(si.FOLD[ord(ch)]) for w in words for ch in w if ord(ch) in si.FOLD}
    facets = [(3, 0, [0, 7], 1, 12), (0, 1, [], 0, 0), (70, 0, [5], 2, 300)]
    packed = si.pack_facets([(*row[:5], None) for row in facets], 80, 9, 2, 3, 301)
    js = page.evaluate("""([words, bigrams, lists, fold, packed]) => ({
        terms: words.map(w => window.yearbookSearch.queryTerms(w, fold)),
        pairs: words.map(w => window.yearbookSearch.queryTerms(w, fold).map(window.yearbookSearch.termBigrams)),
        samples: words.map(w => window.yearbookSearch.queryTerms(w, fold).map(window.yearbookSearch.sampleKeys)),
        hashes: bigrams.map(window.yearbookSearch.hashBigram),
        normal: words.map(w => window.yearbookSearch.normalize(w, fold)),
        decoded: lists.map(window.yearbookSearch.decodePostings),
        facets: window.yearbookSearch.unpackFacets(packed, 3, {width: packed.widths.org, org: packed.org}),
        apart: window.yearbookSearch.unpackFacets(packed, 3).map(row => row[4])})""",
                       [words, bigrams, [si.encode_postings(ids, 700) for ids in ([0, 5, 40, 699], list(range(0, 700, 2)))],
                        fold, packed])
    assert js["terms"] == [si.query_terms(w) for w in words]
    assert js["pairs"] == [[si.term_bigrams(t) for t in si.query_terms(w)] for w in words]
    assert js["samples"] == [[si.sample_keys(t) for t in si.query_terms(w)] for w in words]
    assert js["hashes"] == [si.bigram_hash(b) for b in bigrams]
    assert js["normal"] == [si.normalize(w) for w in words]
    assert js["decoded"] == [[0, 5, 40, 699], list(range(0, 700, 2))]
    assert [tuple(row) for row in js["facets"]] == [tuple(row) for row in si.unpack_facets(packed, 3)] == facets
    assert js["apart"] == [-1, -1, -1], "without orgs.json, no organisation"


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


def test_an_image_in_a_paragraph_fits_a_320_px_phone_and_loads_a_small_copy(browser, tmp_path, make_site, article):
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (2400, 1600), (30, 90, 160)).save(out, "JPEG", quality=85)
    body = "第一段文字，图片就在句中：![科技节现场](../images/big.jpg)，然后继续说明。\n\n第二段。\n"
    with served(make_site({"articles/x.md": article(body), "images/big.jpg": out.getvalue()}), tmp_path / "output") as url:
        context = browser.new_context(viewport={"width": 320, "height": 640}, is_mobile=True, device_scale_factor=1)
        tab = context.new_page()
        try:
            tab.goto(url + "articles/x/")
            tab.locator(".prose img").scroll_into_view_if_needed()
            tab.wait_for_function("document.querySelector('.prose img').complete")
            assert tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
            box = tab.evaluate("(() => { const r = document.querySelector('.prose img').getBoundingClientRect(); return [r.left, r.right]; })()")
            assert box[0] >= 0 and box[1] <= 320
            assert tab.evaluate("document.querySelector('.prose img').currentSrc").endswith(".480w.jpg"), "not the 2400 px original"
        finally:
            context.close()
