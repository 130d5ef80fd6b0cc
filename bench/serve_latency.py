"""Time from save to reloaded page in ``yearbook serve``, on the sample yearbook and on a generated tree.

    python bench/serve_latency.py [--sizes sample,1000] [--edits 5] [--work DIR] [--write bench/serve_latency.md]

For each tree: copy it (the sample) or generate it (``generate_corpus.py N``) into ``--work``, start
``build.py serve`` in its own process as an editor does (``--pdf-delay 0``: the PDF is made only on
request, so it plays no part), and listen to ``/__yearbook/events`` as the page's script does. Then,
``--edits`` times: change the title of one article (saved the way an editor's save lands: write to a
temporary file, rename over), wait for the event that says the page changed, and fetch the page as the
reload does, checking that it shows the new title. The figure is save → page fetched with the new text;
the server's own rebuild time (from its log line) is shown beside it. The first save after start-up is
measured like the others.

With ``--cpu``, each tree is also rebuilt in a process of its own as serve's builder rebuilds it
(``rebuild_site`` after a title edit, pages shared with a forked process), measuring wall time and
CPU time (this process and the forked one) to the edited page and to the end: on a machine that
other work shares, the CPU figures say how much work a rebuild is, which the wall times do not.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare(size: str, work: Path) -> Path:
    content = work / f"tree-{size}" / "content"
    if size == "sample":
        if content.exists():
            shutil.rmtree(content)
        shutil.copytree(REPO / "content", content)
    elif not (content / "yearbook.yml").is_file():
        subprocess.run([sys.executable, str(BENCH / "generate_corpus.py"), size, str(content)], check=True,
                       stdout=subprocess.DEVNULL)
    return content


class Events:
    """A reader of the server-sent events stream."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=120)
        self.sock.sendall(b"GET /__yearbook/events HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        self.buffer = b""

    def drain(self, quiet: float = 0.3) -> None:
        """Read and drop what the server sent until it has been quiet for ``quiet`` seconds."""
        self.sock.settimeout(quiet)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
        except socket.timeout:
            pass
        finally:
            self.sock.settimeout(120)
        self.buffer = b""

    def next(self) -> dict:
        while b"\n\n" not in self.buffer or not re.search(rb"(^|\n)data: .*\n\n", self.buffer):
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("the events stream closed")
            self.buffer += chunk
        match = re.search(rb"(?:^|\n)data: (.*?)\n\n", self.buffer, re.S)
        self.buffer = self.buffer[match.end():]
        return json.loads(match.group(1))


def save(path: Path, text: str) -> None:
    """Write like an editor's save: a temporary file renamed over the article."""
    tmp = path.with_name(f".{path.name}.swp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def article_to_edit(content: Path) -> tuple[Path, str]:
    """The middle article of the tree and its page URL."""
    paths = sorted((content / "articles").rglob("*.md"))
    path = paths[len(paths) // 2]
    match = re.search(r"^slug:\s*(\S+)", path.read_text(encoding="utf-8"), re.M)
    return path, f"/articles/{match.group(1) if match else path.stem}/"


def measure(size: str, edits: int, work: Path) -> dict:
    content = prepare(size, work)
    output = content.parent / "output"
    port = free_port()
    articles = len(list((content / "articles").rglob("*.md")))
    start = time.perf_counter()
    log_path = content.parent / "serve.log"
    with open(log_path, "w", encoding="utf-8") as log:
        server = subprocess.Popen([sys.executable, str(REPO / "build.py"), "serve", "--content", str(content), "--output",
                                   str(output), "--port", str(port), "--pdf-delay", "0"], stdout=log, stderr=subprocess.STDOUT,
                                  cwd=content.parent, env=dict(os.environ, PYTHONIOENCODING="utf-8"))
    try:
        while "serving" not in log_path.read_text(encoding="utf-8"):
            if server.poll() is not None:
                raise RuntimeError(log_path.read_text(encoding="utf-8"))
            time.sleep(0.05)
        first_build = time.perf_counter() - start
        events = Events(port)
        state = events.next()
        path, url = article_to_edit(content)
        original = path.read_text(encoding="utf-8")
        times, rebuilds = [], []
        for number in range(edits):
            marker = f"改{number}号{int(time.time() * 1000) % 100000}"
            text = re.sub(r"^title: (.*)$", lambda m: f"title: {marker}{m.group(1)}", original, count=1, flags=re.M)
            time.sleep(0.5)  # let the previous search index and log settle
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/__yearbook/state", timeout=60) as response:
                seen = json.loads(response.read())["build"]  # the page must come from a later build
            t0 = time.perf_counter()
            save(path, text)
            while True:
                state = events.next()
                if state["errors"]:
                    raise RuntimeError("\n".join(state["errors"]))
                page = url.lstrip("/") + "index.html"
                if state["build"] > seen and (state["changed"] is None or page in state["changed"]):
                    break
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{url}", timeout=60) as response:
                html = response.read().decode("utf-8")
            elapsed = time.perf_counter() - t0
            assert marker in html, "the reloaded page does not show the new title"
            times.append(elapsed)
            # the rest of the rebuild (its last event lists the page again, for pages that poll): let
            # it finish, and drop its events, so that they are not taken for the next save's
            while len(re.findall(r"rebuilt \d+ pages", log_path.read_text(encoding="utf-8"))) < number + 1:
                time.sleep(0.02)
            events.drain()
        time.sleep(1.0)
        logged = re.findall(r"rebuilt (\d+) pages, wrote (\d+) file\(s\) in ([\d.]+)s.*?(?:; edited page written after ([\d.]+)s)?$",
                            log_path.read_text(encoding="utf-8"), re.M)
        rebuilds = [float(seconds) for _, _, seconds, _ in logged][-edits:]
        firsts = [float(first) if first else float(seconds) for _, _, seconds, first in logged][-edits:]
        written = [int(files) for _, files, _, _ in logged][-edits:]
        total_pages = int(logged[-1][0]) if logged else 0
        save(path, original)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"tree": "sample" if size == "sample" else f"{size} articles", "articles": articles, "pages": total_pages,
            "first_build_s": round(first_build, 2), "save_to_page_s": [round(t, 3) for t in times],
            "median_s": round(statistics.median(times), 3), "rebuild_s": rebuilds, "edited_page_written_s": firsts,
            "files_written": written}


def table(results: list[dict]) -> str:
    lines = ["| tree | articles | site pages | serve start (first build) | save → reloaded page, median (min–max) | "
             "server: edit → edited page written, median | server: edit → all pages written, median | files written per edit |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        times = r["save_to_page_s"]
        lines.append(f"| {r['tree']} | {r['articles']} | {r['pages']} | {r['first_build_s']:.1f} s | "
                     f"{r['median_s']:.2f} s ({min(times):.2f}–{max(times):.2f}) | "
                     f"{statistics.median(r['edited_page_written_s']):.2f} s | "
                     f"{statistics.median(r['rebuild_s']):.2f} s | {statistics.median(r['files_written']):.0f} |")
    return "\n".join(lines)


NOTES = """
What the figures include: the watcher's debounce (50 ms of quiet), the rebuild in serve's builder process:
the whole model (unchanged articles come from the cache), then the edited article's page, rendered and
written first (the browser is told at once: "save → reloaded page" and "edit → edited page written" end
here), then every other page of the site rendered from the new model (on both cores from 200 articles)
and the files whose bytes changed put in place ("edit → all pages written" ends there; "files written"
counts them: the article, its neighbours and related articles, and the lists that show it), and the
page fetch. The server's figures are from its log line, from the start of the rebuild (after the
debounce). Not included: the search index, which on a tree of more than 200 articles is made in a
child process after a second of quiet so that it never holds up the next save, and the PDF
(`--pdf-delay 0` here: only on request).
"""


def probe(content: Path, output: Path, edits: int) -> dict:
    """In this process, as serve's builder does: build, then ``edits`` title edits each rebuilt;
    wall and CPU seconds to the edited page written and to the end of each rebuild."""
    sys.path.insert(0, str(REPO))
    from yearbook.serve.rebuild import SiteState, rebuild_site

    def cpu() -> float:
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system  # the forked process, once reaped

    state = SiteState()
    report = rebuild_site(content, output, state)
    path, _ = article_to_edit(content)
    original = path.read_text(encoding="utf-8")
    rows = []
    try:
        for number in range(edits):
            save(path, re.sub(r"^title: (.*)$", lambda m: f"title: 改{number}{m.group(1)}", original, count=1, flags=re.M))
            mark: dict = {}
            t0, c0 = time.perf_counter(), cpu()
            report = rebuild_site(content, output, state,
                                  on_first_written=lambda written: mark.update(wall=time.perf_counter() - t0, cpu=cpu() - c0))
            rows.append({"first_wall": mark["wall"], "first_cpu": mark["cpu"], "all_wall": time.perf_counter() - t0,
                         "all_cpu": cpu() - c0, "processes": report.processes})
    finally:
        save(path, original)
    return {"articles": len(report.yearbook.articles), "rows": rows}


def cpu_table(probes: dict[str, dict]) -> str:
    lines = ["| tree | edited page written: wall, CPU ms (median) | all pages written: wall, CPU s (median) | processes |",
             "|---|---|---|---|"]
    for size, result in probes.items():
        rows = result["rows"]
        med = lambda key: statistics.median(r[key] for r in rows)  # noqa: E731
        lines.append(f"| {size} articles | {med('first_wall') * 1000:.0f}, {med('first_cpu') * 1000:.0f} | "
                     f"{med('all_wall'):.2f}, {med('all_cpu'):.2f} | {rows[0]['processes']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    if argv is None and sys.argv[1:2] == ["--probe"]:
        print(json.dumps(probe(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="sample,1000")
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path("/tmp/yearbook-serve-bench"))
    parser.add_argument("--write", type=Path, help="also write the table (and the machine) to this Markdown file")
    parser.add_argument("--cpu", action="store_true", help="also the rebuild's wall and CPU time, as serve's builder runs it")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    results = [measure(size, args.edits, args.work) for size in args.sizes.split(",")]
    text = table(results)
    if args.cpu:
        probes = {}
        for size in (s for s in args.sizes.split(",") if s != "sample"):
            content = prepare(size, args.work)
            run = subprocess.run([sys.executable, __file__, "--probe", str(content), str(content.parent / "probe-output"),
                                  str(args.edits)], capture_output=True, text=True, check=True)
            probes[size] = json.loads(run.stdout.strip().splitlines()[-1])
        text += "\n\nThe rebuild as serve's builder runs it, in a process of its own (`--cpu`):\n\n" + cpu_table(probes)
        results.append({"rebuild_probes": probes})
    print(text)
    print(json.dumps(results, ensure_ascii=False))
    if args.write:
        load = os.getloadavg()
        args.write.write_text(
            "# serve: time from save to reloaded page\n\n"
            f"`python bench/serve_latency.py --sizes {args.sizes} --edits {args.edits}{' --cpu' if args.cpu else ''}` on {os.cpu_count()} cores "
            f"(load average {load[0]:.1f} while measuring; other work may share the machine).\n\n"
            + text + "\n" + NOTES + "\n```json\n" + json.dumps(results, ensure_ascii=False, indent=1) + "\n```\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
