"""Measure the site's Chinese full-text search on a large synthetic yearbook.

    python bench/search_bench.py [--articles 1000] [--work DIR] [--no-browser] [--json FILE]

Generates the corpus with bench/generate_corpus.py (deterministic), builds the HTML site, then reports:
- the index on disk: meta.json, shards, per-article text files;
- the bytes a first search downloads (meta + shards of the query's bigrams + the text of the results
  shown + search.js), worked out by the Python reader for many queries;
- in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) against the site served on
  127.0.0.1: the bytes the browser really fetched and the time to the first result, for a cold page
  load with ?q= and for a query typed into an open search page;
- the article page weight (HTML + CSS + JS, no images).
"""
from __future__ import annotations

import argparse
import functools
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from yearbook.site import search as search_index  # noqa: E402

NAMED_QUERIES = ["科普", "大篷车", "虾稻共生", "科技小院", "双臂救援机器人", "中国科协", "乡村振兴 院士",
                 "全国十大优秀科技志愿者", "科技志愿者", "科", "科協"]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def build_corpus(count: int, work: Path) -> Path:
    """Generate ``count`` articles and build the HTML site; return the site directory."""
    content, output = work / "content", work / "output"
    generator = REPO / "bench" / "generate_corpus.py"
    subprocess.run([sys.executable, str(generator), str(count), str(content)], check=True, cwd=REPO)
    subprocess.run([sys.executable, str(REPO / "build.py"), "build", "--only", "html", "--quiet",
                    "--content", str(content), "--output", str(output)], check=True, cwd=REPO)
    return output / "site"


def site_files(site: Path, under: str) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in (site / under).rglob("*") if p.is_file()}


def sample_queries(index: search_index.SearchIndex, count: int, seed: int = 7) -> list[str]:
    """Substrings of 2–8 characters cut from random articles (each must find its article)."""
    rng = random.Random(seed)
    queries = []
    while len(queries) < count:
        record = index.doc(rng.randrange(index.meta["docs"]))
        runs = [r for r in search_index.runs_of(record["x"]) if len(r) >= 2]
        run = rng.choice(runs)
        length = rng.randint(2, min(8, len(run)))
        start = rng.randrange(len(run) - length + 1)
        queries.append(run[start:start + length])
    return queries


def index_report(site: Path) -> dict:
    files = site_files(site, "search")
    sizes = {"meta": 0, "shards": 0, "docs": 0}
    counts = {"shards": 0, "docs": 0}
    for path, data in files.items():
        kind = path.split("/")[1].removesuffix(".json") if path.count("/") == 1 else path.split("/")[1]
        if kind in ("shards", "docs"):
            counts[kind] += 1
        if kind in sizes:
            sizes[kind] += len(data)
    shard_sizes = sorted(len(d) for p, d in files.items() if "/shards/" in p)
    return {"bytes": sizes, "files": counts, "total_bytes": sum(sizes.values()),
            "shard_median": statistics.median(shard_sizes), "shard_max": shard_sizes[-1]}


def first_search_bytes(site: Path, queries: list[str]) -> dict:
    """Bytes a browser downloads for the first search of each query (Python model of search.js)."""
    index = search_index.SearchIndex(site_files(site, "search"))
    script = (site / "static" / "search.js").stat().st_size
    rows = []
    for query in queries:
        result = index.search(query, limit=10)
        data = sum(index.size_of(name) for name in result.fetched)
        rows.append({"query": query, "bytes": data + script, "files": len(result.fetched), "found": len(result.ids),
                     "candidates": result.candidates, "count": result.count, "exact": result.exact,
                     "truth": truth(index, query)})
    values = [row["bytes"] for row in rows]
    return {"search_js": script, "median": statistics.median(values), "max": max(values),
            "worst": max(rows, key=lambda r: r["bytes"]), "named": [r for r in rows if r["query"] in NAMED_QUERIES]}


_TEXTS: dict[int, list[str]] = {}


def truth(index: search_index.SearchIndex, query: str) -> int:
    """How many articles really hold every term of ``query`` (their texts read whole)."""
    texts = _TEXTS.setdefault(id(index), [search_index.normalize("\n".join((d["t"], d["m"], d["x"])))
                                          for d in map(index.doc, range(index.meta["docs"]))])
    terms = search_index.query_terms(query)
    return sum(all(t in text for t in terms) for text in texts)


def article_weights(site: Path) -> dict:
    css = (site / "static" / "site.css").stat().st_size
    pages = sorted((p.stat().st_size, p.parent.name) for p in (site / "articles").glob("*/index.html"))
    sizes = [size + css for size, _ in pages]
    return {"css": css, "median_total": statistics.median(sizes), "max_total": max(sizes), "max_page": pages[-1][1]}


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        pass


def serve(site: Path) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


RESOURCE_BYTES = """() => performance.getEntriesByType('resource')
  .filter(e => e.name.includes('/search/') || e.name.includes('search.js'))
  .reduce((sum, e) => sum + e.encodedBodySize, 0)"""
FIRST_RESULT = """() => { const m = performance.getEntriesByName('yearbook-search-first-result')[0]; return m ? m.startTime : null; }"""


def browser_report(site: Path, queries: list[str]) -> dict:
    from playwright.sync_api import sync_playwright

    server, base = serve(site)
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for query in queries:
                context = browser.new_context(viewport={"width": 375, "height": 800})  # cold cache each time
                page = context.new_page()
                page.goto(base + "search/?q=" + query)
                page.wait_for_selector("#search-app[data-state=done]")
                load_ms, load_bytes = page.evaluate(FIRST_RESULT), page.evaluate(RESOURCE_BYTES)
                context.close()
                context = browser.new_context(viewport={"width": 375, "height": 800})
                page = context.new_page()
                page.goto(base + "search/")
                page.wait_for_selector("#search-app[data-state=idle]")
                page.fill("#q", query)
                start = page.evaluate("() => performance.now()")
                page.press("#q", "Enter")
                page.wait_for_selector("#search-app[data-state=done]")
                typed_ms = page.evaluate(FIRST_RESULT)
                rows.append({"query": query, "page_load_to_first_result_ms": round(load_ms or -1),
                             "typed_to_first_result_ms": round(typed_ms - start) if typed_ms else None,
                             "bytes_fetched": load_bytes})
                context.close()
            browser.close()
    finally:
        server.shutdown()
    loads = [r["page_load_to_first_result_ms"] for r in rows]
    typed = [r["typed_to_first_result_ms"] for r in rows if r["typed_to_first_result_ms"] is not None]
    fetched = [r["bytes_fetched"] for r in rows]
    return {"rows": rows, "page_load_ms_median": statistics.median(loads), "page_load_ms_max": max(loads),
            "typed_ms_median": statistics.median(typed), "typed_ms_max": max(typed),
            "bytes_median": statistics.median(fetched), "bytes_max": max(fetched)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--work", type=Path, help="keep the corpus and site here (default: a temporary folder)")
    parser.add_argument("--queries", type=int, default=40, help="random substring queries besides the named ones")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium measurements")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        site = build_corpus(args.articles, work)
        index = search_index.SearchIndex(site_files(site, "search"))
        queries = NAMED_QUERIES + sample_queries(index, args.queries)
        report = {"articles": args.articles, "index": index_report(site), "first_search": first_search_bytes(site, queries),
                  "article_page": article_weights(site)}
        if not args.no_browser:
            report["browser"] = browser_report(site, NAMED_QUERIES + queries[len(NAMED_QUERIES):len(NAMED_QUERIES) + 8])
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
