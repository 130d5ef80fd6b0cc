"""What a reader of a large yearbook site downloads, and how many taps the reports of a place take.

    python bench/site_scale.py SITE_DIR [--browser] [--json FILE]

SITE_DIR is a built site (output/site of `build.py build --only html` on a corpus from
bench/generate_corpus.py). Reports:
- the largest page of each kind (raw HTML bytes) and the count of pages of each kind;
- for the issue's queries, what the first search downloads (the Python model of search.js:
  meta, fold, shards, sample, the texts of the results shown, plus search.js) and its count against
  the truth (every article's text read whole);
- with --browser, in headless Chromium at 375 px against the site served on 127.0.0.1 under /site/:
  the three tap paths of the issue (江苏省 南通市; a theme in one province; a year) from the home page,
  with the pages visited and their bytes, and the bytes a "显示更多结果" click fetches.
"""
from __future__ import annotations

import argparse
import functools
import json
import re
import sys
import threading
from collections import defaultdict
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from yearbook.site import search as si  # noqa: E402

QUERIES = ["全国十大优秀科技志愿者", "科技志愿者", "科普", "科", "科協", "中国科协", "大篷车", "虾稻共生", "乡村振兴 院士"]
CHROMIUM = "/usr/bin/chromium"


def kind_of(rel: str) -> str:
    parts = rel.removesuffix("index.html").strip("/").split("/")
    if parts == [""]:
        return "home"
    if parts[-1].startswith("page-"):
        return f"{parts[0]} (page 2 and on)"
    return parts[0] + ("/*" * (len(parts) - 1))


def page_weights(site: Path) -> dict:
    largest: dict[str, list] = defaultdict(lambda: [0, "", 0])
    for path in site.rglob("*.html"):
        rel = path.relative_to(site).as_posix()
        entry = largest[kind_of(rel)]
        entry[2] += 1
        if path.stat().st_size > entry[0]:
            entry[0], entry[1] = path.stat().st_size, rel
    return {kind: {"largest_bytes": v[0], "largest": v[1], "pages": v[2]} for kind, v in sorted(largest.items())}


def searches(site: Path) -> list[dict]:
    index = si.SearchIndex({p.relative_to(site).as_posix(): p.read_bytes() for p in (site / "search").rglob("*.json")})
    texts = [si.normalize("\n".join((d["t"], d["m"], d["x"]))) for d in map(index.doc, range(index.meta["docs"]))]
    script = (site / "static" / "search.js").stat().st_size
    rows = []
    for query in QUERIES:
        result = index.search(query, limit=si.PAGE)
        terms = si.query_terms(query)
        true = sum(all(t in text for t in terms) for text in texts)
        kinds = defaultdict(int)
        for name in result.fetched:
            kinds[name.split("/")[0].removesuffix(".json")] += index.size_of(name)
        rows.append({"query": query, "shown": len(result.ids), "count": result.count, "exact": result.exact, "truth": true,
                     "error": round((result.count - true) / true, 4) if true else None, "candidates": result.candidates,
                     "bytes": sum(kinds.values()) + script, "bytes_by_kind": dict(kinds), "files": len(result.fetched)})
    return rows


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


def browser_paths(site: Path) -> dict:
    from playwright.sync_api import sync_playwright

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site.parent)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/site/"
    report = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            for name, taps in {"江苏省 南通市": ["江苏省", "南通市"], "科学普及 in 江苏省": ["科学普及", "江苏省"],
                               "2021年": ["2021年"]}.items():
                context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
                page = context.new_page()
                page.goto(base)
                visited = [("./", (site / "index.html").stat().st_size)]
                for label in taps:
                    with page.expect_navigation():
                        page.get_by_role("link", name=re.compile("^" + re.escape(label))).first.tap()
                    visited.append((page.url.removeprefix(base), (site / page.url.removeprefix(base) / "index.html").stat().st_size))
                report[name] = {"taps": len(taps), "pages": visited, "h1": page.locator("h1").inner_text(),
                                "reports_listed": page.locator("#h-articles ~ ol .item").count()}
                context.close()
            context = browser.new_context(viewport={"width": 375, "height": 740})
            page = context.new_page()
            page.goto(base + "search/?q=科技志愿者")
            page.wait_for_selector("#search-app[data-state=done]")
            clicks = []
            for _ in range(3):
                before_bytes = page.evaluate("performance.getEntriesByType('resource').reduce((s, e) => s + e.encodedBodySize, 0)")
                before = page.locator("#search-results li").count()
                page.click("#search-more")
                page.wait_for_function(f"document.querySelectorAll('#search-results li').length > {before}")
                page.wait_for_selector("#search-app[data-state=done]")
                after = page.evaluate("performance.getEntriesByType('resource').reduce((s, e) => s + e.encodedBodySize, 0)")
                clicks.append({"added": page.locator("#search-results li").count() - before, "bytes": after - before_bytes})
            report["more_results_科技志愿者"] = clicks
            report["status_科技志愿者"] = page.inner_text("#search-status")
            context.close()
            browser.close()
    finally:
        server.shutdown()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--browser", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    report = {"articles": json.loads((args.site / "search" / "meta.json").read_text(encoding="utf-8"))["docs"],
              "pages": page_weights(args.site), "search": searches(args.site)}
    if args.browser:
        report["browser"] = browser_paths(args.site)
    text = json.dumps(report, ensure_ascii=False, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
