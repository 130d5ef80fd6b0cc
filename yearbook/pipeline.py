"""The build, read top to bottom: load config → load and check content → build the model →
render HTML → render PDF → write the output atomically. Each stage is timed."""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .collect import build_yearbook
from .config import load_config
from .cache import ArticleCache
from .errors import ContentErrors, Problem, ProblemLog
from .model import Yearbook
from .output import MARKER, Staging, cache_dir, check_output_dir, clean_stale, commit_output, replace_file
from .parallel import PARALLEL_MIN_ARTICLES, TwoEndedRange, in_forked_process
from .progress import NoProgress, Progress
from .render_html import HtmlRenderer, RenderedFile, make_site_environment
from .search_index import SearchBuilder, doc_path
from .render_pdf import check_cjk_font, render_volume_pdf, volume_pdf_name
from .themes import PROJECT_THEMES, find_theme
from . import urls


@dataclass
class BuildOptions:
    content_dir: Path
    output_dir: Path
    only: str | None = None  # "html", "pdf" or None for both
    write: bool = True  # False for `check`
    progress: Progress | None = None  # a progress line on a terminal (progress.py); None: silent
    editions: tuple[str, ...] | None = None  # PDF editions (screen, print, archive); None: the config's pdf.edition
    strict: bool = False  # warnings fail the build before anything is written
    single_pass: bool = False  # the PDF in one WeasyPrint pass, not split into parts (render_pdf)
    on_committed: Callable[[], None] | None = None  # called once the new output is in place


@dataclass
class BuildReport:
    yearbook: Yearbook | None = None
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    files: int = 0
    pdfs: list[str] = field(default_factory=list)
    kept: str | None = None  # a folder of the previous output kept as it was ("site" for --only pdf)

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start


def load_yearbook(content_dir: Path, report: BuildReport, cache=None) -> Yearbook:
    """Config and content → the checked model; raises ContentErrors listing every problem.
    ``cache`` (serve) reuses the articles of unchanged files."""
    log = ProblemLog()
    with report.stage("load"):
        config = load_config(content_dir, log)
        log.raise_if_errors()
        yearbook = build_yearbook(config, log, cache=cache)
    report.warnings.extend(log.warnings)
    return yearbook


def build(options: BuildOptions) -> BuildReport:
    """Run the whole build. Nothing in output/ changes unless every stage succeeds."""
    progress = options.progress or NoProgress()
    try:
        return _build(options, progress)
    finally:
        progress.done()  # clear the progress line before anything else is printed


def _build(options: BuildOptions, progress: Progress) -> BuildReport:
    report = BuildReport()
    content_dir = options.content_dir.resolve()
    progress.stage("loading content")
    yearbook = load_yearbook(content_dir, report)
    report.yearbook = yearbook
    theme = find_theme(yearbook.config.theme, content_dir)
    if options.write:
        check_output_dir(options.output_dir, [content_dir, theme.path])
    files: list[RenderedFile] = []
    carry = None  # a folder of the previous output kept as it is (output.commit_output)
    if options.only in (None, "pdf"):
        check_cjk_font()
        with report.stage("pdf"):
            editions = options.editions or yearbook.config.pdf.edition
            progress.stage("PDF", len(yearbook.volumes) * len(editions))
            for volume in yearbook.volumes:
                for edition in editions:
                    pdf_name = volume_pdf_name(volume, edition)
                    progress.advance(0, pdf_name)
                    pdf, warnings = render_volume_pdf(yearbook, volume, theme, edition,
                                                      split=False if options.single_pass else None,
                                                      cache_dir=cache_dir(options.output_dir, "pdf") if options.write else None)
                    progress.advance()
                    report.warnings.extend(warnings)
                    files.append(RenderedFile(f"pdf/{pdf_name}", pdf))
                    report.pdfs.append(pdf_name)
    elif options.write:  # --only html: the previous PDFs stay
        files.extend(previous_files(options.output_dir, "pdf"))
    staging = None  # the new output's folder, written into while the site is rendered (output.Staging)
    try:
        if options.only in (None, "html"):
            if options.write and not (options.strict and report.warnings):
                clean_stale(options.output_dir)
                staging = Staging(options.output_dir)
            with report.stage("html"):
                screen_names = {volume.pdf_name for volume in yearbook.volumes}
                pdf_names = {f.rel_path.removeprefix("pdf/") for f in files if f.rel_path.removeprefix("pdf/") in screen_names}
                if progress.enabled:
                    progress.stage("HTML pages")
                site = render_site_files(yearbook, theme, pdf_names, progress, staging.writer("site") if staging else None)
            files.extend(RenderedFile(f"site/{f.rel_path}", f.data, f.source, written=f.written) for f in site)
        elif options.write:  # --only pdf: the previous site stays (moved over whole), with the new PDFs
            carry = "site"
        if options.write:  # the site offers the screen edition for download
            screen_pdfs = {f"pdf/{volume.pdf_name}" for volume in yearbook.volumes}
            for pdf_file in [f for f in files if f.rel_path in screen_pdfs]:
                files.append(RenderedFile("site/" + urls.pdf_url(pdf_file.rel_path.removeprefix("pdf/")), pdf_file.data, pdf_file.source))
        report.files = len(files)
        if not options.write:
            return report
        if options.strict and report.warnings:
            raise ContentErrors(report.warnings)  # --strict: the previous output stays
        with report.stage("write"):
            progress.stage(f"writing {len(files)} files")
            if staging is None:
                clean_stale(options.output_dir)
            report.kept = commit_output(options.output_dir, files, staging, carry=carry, on_committed=options.on_committed)
            staging = None  # it is the output now
    finally:
        if staging is not None:
            staging.discard()
    return report


SEARCH_CHUNK = 32  # articles of the search index handed out at a time (render_site_files)
PAGE_CHUNK = 16  # pages handed out at a time


def render_site_files(yearbook: Yearbook, theme, pdf_names: set[str], progress: Progress,
                      write: Callable[[RenderedFile], RenderedFile] | None = None) -> list[RenderedFile]:
    """Every file of the site; with ``write`` (output.Staging.writer), each page is written as soon as
    it is made, and comes back marked ``written``.

    On a large site the work is shared out between this process and a forked one, each taking chunks
    of two lists from opposite ends (parallel.TwoEndedRange): the forked one starts on the search
    index's articles, this one on the pages; when its own list is done, each helps with the other
    from the other end, so that both cores stay busy to the end. The files are the same either way
    (search_index.SearchBuilder joins the index's parts in order; pages are pages)."""
    on_page = (lambda rel: progress.advance()) if progress.enabled else None
    renderer = HtmlRenderer(yearbook, theme, pdf_names, on_page=on_page)
    if len(yearbook.articles) < PARALLEL_MIN_ARTICLES:
        return renderer.render()
    renderer.with_search = False
    jobs = renderer.page_jobs()
    builder = SearchBuilder(yearbook)
    ids = TwoEndedRange(len(builder.articles), SEARCH_CHUNK)
    pages = TwoEndedRange(len(jobs), PAGE_CHUNK)

    def render_pages(chunk: range) -> list[RenderedFile]:
        made = [renderer.page(template, page_url, **extra) for template, page_url, extra in map(jobs.__getitem__, chunk)]
        return list(map(write, made)) if write is not None else made

    def search_part(chunk: range) -> tuple:
        part = builder.part(chunk)
        if write is not None:  # the doc files now; the part's docs are still needed for the index's digest
            for doc_id, doc in zip(chunk, part[0]):
                write(RenderedFile(doc_path(doc_id), doc))
        return part

    def index_files(parts: list[tuple]) -> list[RenderedFile]:
        """meta.json and the shards of the whole index (written now, with ``write``), and the doc files."""
        files = [RenderedFile(path, data) for path, data in builder.files(parts, with_docs=write is None).items()]
        if write is None:
            return files
        return list(map(write, files)) + [RenderedFile(doc_path(doc_id), written=True) for doc_id in range(count)]

    count = len(builder.articles)
    with tempfile.TemporaryFile() as spool:  # the front's doc files, written there as they are made

        def front() -> tuple:
            """The forked part: the index's articles from the front (doc files spooled, not held nor
            pickled back in one piece); if it had them all, the index's files; then pages from the back."""
            renderer.on_page = None  # the progress line is this process's
            whole: tuple = ([], [], {})
            while (chunk := ids.take(from_front=True)) is not None:
                docs, facets, postings = search_part(chunk)
                spool.writelines(docs)
                builder.extend(whole, ([len(doc) for doc in docs], facets, postings))
            spool.flush()
            index = None
            if count and len(whole[1]) == count:  # every article came this way: the index is made here
                spool.seek(0)
                sizes, facets, postings = whole
                index, whole = index_files([([spool.read(size) for size in sizes], facets, postings)]), None
            return whole, index, [files for _, files in pages.work(render_pages, from_front=False)]

        with in_forked_process(front) as forked:
            made = [files for _, files in pages.work(render_pages, from_front=True)]
            back = builder.joined([part for _, part in ids.work(search_part, from_front=False)])
            whole, index, made_there = forked.result() if forked is not None else front()
        if index is None:  # the articles were shared out: the parts are joined here
            sizes, facets, postings = whole
            spool.seek(0)
            index = index_files([([spool.read(size) for size in sizes], facets, postings), back])
    site = [f for files in made + made_there for f in files]
    return site + index + renderer.copied_files()


def previous_files(output_dir: Path, subdir: str) -> list[RenderedFile]:
    """Files of the previous output under ``subdir``, carried over into the new output."""
    base = output_dir / subdir
    if not base.is_dir():
        return []
    return [RenderedFile(path.relative_to(output_dir).as_posix(), source=path)
            for path in sorted(base.rglob("*")) if path.is_file()]


# --- serve: rebuild the whole model, render and write only what changed ------------------------------

@dataclass
class SiteState:
    """What ``serve`` keeps between rebuilds: parsed articles, and the fingerprint of every page on disk."""

    cache: ArticleCache = field(default_factory=ArticleCache)
    fingerprints: dict[str, str] = field(default_factory=dict)  # site rel_path → fingerprint of the file there
    memo: dict = field(default_factory=dict)  # fingerprint.py's memo (related articles)
    envs: dict = field(default_factory=dict)  # theme path → jinja2 Environment (templates compiled once, reloaded when edited)
    produced: set[str] = field(default_factory=set)  # the site's files as of the last rebuild
    site: str | None = None  # fingerprint.py's digest of what every page shows (config, templates), last rebuild


EDITED_FIRST_MAX = 20  # articles; a save that changes more files is rendered in the usual order


@dataclass
class RebuildReport:
    yearbook: Yearbook
    pages: int = 0  # files of the site this build produced
    rendered: list[str] = field(default_factory=list)  # pages rendered again (fingerprint changed)
    written: list[str] = field(default_factory=list)  # files whose bytes changed on disk
    removed: list[str] = field(default_factory=list)  # files no longer part of the site
    warnings: list[Problem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    renderer: HtmlRenderer | None = None
    produced: set[str] = field(default_factory=set)  # every file of the site but the search index
    first: list[str] = field(default_factory=list)  # the edited articles' pages, written before the rest


def rebuild_site(content_dir: Path, output_dir: Path, state: SiteState, pdf_names: set[str] | None = None,
                 on_first_written: Callable[[list[str]], None] | None = None) -> RebuildReport:
    """The serve build: the whole model again (unchanged articles come from ``state.cache``), then only
    the pages whose fingerprint changed are rendered and only files whose bytes changed are written,
    in place under ``output/site``. Raises like :func:`build` and then writes nothing.
    ``pdf_names`` default to every volume's PDF (serve builds them in the background).

    When a save changed a few article files and nothing that every page shows (config, templates), the
    pages of those articles are rendered and written first (``on_first_written`` is then called with
    the files written, so that serve can reload them), then the rest. Every page comes from the same
    new model either way; ``timings["first"]`` is the time to the first write, from the start."""
    start = time.perf_counter()
    report = BuildReport()
    content_dir = content_dir.resolve()
    yearbook = load_yearbook(content_dir, report, cache=state.cache)
    theme = find_theme(yearbook.config.theme, content_dir)
    if pdf_names is None:
        pdf_names = {volume.pdf_name for volume in yearbook.volumes}
    site_dir = output_dir / "site"
    result = RebuildReport(yearbook=yearbook, warnings=list(report.warnings))
    with report.stage("render"):
        previous = OnDisk(state.fingerprints, str(site_dir) + os.sep)
        if not trusts_fingerprints(theme):
            previous = None  # render every page; files whose bytes are unchanged are still not written
        env = state.envs.get(theme.path)
        if env is None:
            env = state.envs[theme.path] = make_site_environment(theme)
        renderer = HtmlRenderer(yearbook, theme, pdf_names, previous=previous, memo=state.memo, env=env)
        renderer.with_search = False  # the search index comes after the pages: see write_search_index
        result.renderer = renderer
        edited = edited_articles(yearbook, state, renderer)
        if edited:
            first = [renderer.page("article.html", urls.article_url(a.slug), article=a) for a in edited]
            result.first = [f.rel_path for f in first if not f.unchanged]
            ensure_output_dir(output_dir)
            written = write_changed(site_dir, first)
            report.timings["first"] = time.perf_counter() - start
            renderer.done.update((f.rel_path, f) for f in first)  # render() does not render them again
            if on_first_written is not None and written:
                on_first_written(written)
            result.written.extend(written)
        files = renderer.render()
    result.pages = len(files)
    result.rendered = result.first + [f.rel_path for f in files if not f.unchanged and f.source is None]
    result.produced = {f.rel_path for f in files}
    with report.stage("write"):
        ensure_output_dir(output_dir)
        result.written.extend(write_changed(site_dir, files))
        if result.produced != state.produced:  # the same files as last time: none can be stale
            result.removed = remove_stale(site_dir, result.produced, keep_prefixes=(urls.pdf_url(""), SEARCH_DATA))
    state.fingerprints = dict(renderer.page_fingerprints)
    state.produced = result.produced
    state.site = renderer.fingerprints.site if renderer.fingerprints is not None else None
    report.timings["all"] = time.perf_counter() - start
    result.timings = report.timings
    return result


class OnDisk(dict):
    """rel_path → fingerprint of the page written there, for the pages still on disk (pages deleted by
    hand are rendered again); looked at only for the pages whose fingerprint is asked for."""

    def __init__(self, fingerprints: dict[str, str], base: str):
        super().__init__(fingerprints)
        self.base = base

    def get(self, rel_path: str, default=None):
        fingerprint = super().get(rel_path)
        return fingerprint if fingerprint is not None and os.path.isfile(self.base + rel_path) else default


def edited_articles(yearbook: Yearbook, state: SiteState, renderer: HtmlRenderer) -> list:
    """The articles whose files this rebuild read again, when their pages may be written before the
    rest: the cache was kept (no other file changed), only a few files changed, and what every page
    shows (config, templates, volumes) is as it was, so the templates that rendered last time do."""
    cache = state.cache
    if (renderer.fingerprints is None or cache.reset or not cache.missed or len(cache.missed) > EDITED_FIRST_MAX
            or state.site != renderer.fingerprints.site):
        return []
    missed = set(cache.missed)
    return [article for article in yearbook.articles if article.source_path in missed]


SEARCH_DATA = urls.search_data_url("")


def write_search_index(rebuild: RebuildReport, output_dir: Path) -> list[str]:
    """The second half of a serve rebuild: the search index of the same model, written where its
    bytes changed (it is slow on large trees, so serve reloads the browser before it runs, or makes
    it in a child process: background.py)."""
    start = time.perf_counter()
    written = write_search_files(rebuild.renderer.search_files(), output_dir, rebuild.produced)
    rebuild.timings["search"] = time.perf_counter() - start
    return written


def write_search_files(files: list[RenderedFile], output_dir: Path, keep: set[str]) -> list[str]:
    """Write the search index ``files``; remove the index files it no longer has (never the search
    page itself, nor the paths in ``keep``)."""
    site_dir = output_dir / "site"
    written = write_changed(site_dir, files)
    names = {f.rel_path for f in files} | set(keep) | {urls.output_file(urls.search_url())}
    keep_here = {name.removeprefix(SEARCH_DATA) for name in names if name.startswith(SEARCH_DATA)}
    removed = remove_stale(site_dir / SEARCH_DATA, keep_here, ())
    return written + [SEARCH_DATA + rel for rel in removed]


def trusts_fingerprints(theme) -> bool:
    """fingerprint.py knows what the built-in theme's pages show; another theme's pages may show more,
    so serve renders all of them (still writing only the files that changed)."""
    return theme.path.resolve() == (PROJECT_THEMES / "default").resolve()


def ensure_output_dir(output_dir: Path) -> None:
    """Create ``output/`` with yearbook's marker if it is not there (check_output_dir has vetted it)."""
    output_dir.mkdir(parents=True, exist_ok=True)
    marker = output_dir / MARKER
    if not marker.is_file():
        marker.write_text("made by yearbook; this whole folder is replaced by each build\n", encoding="utf-8")


def write_changed(base: Path, files: list[RenderedFile]) -> list[str]:
    """Write the files whose bytes differ from what is on disk, each atomically; return their paths."""
    written = []
    for item in files:
        if item.unchanged:
            continue
        target = base / item.rel_path
        if item.source is not None:
            src = item.source.stat()
            try:
                dst = target.stat()
                if (dst.st_size, dst.st_mtime_ns) == (src.st_size, src.st_mtime_ns):
                    continue
            except FileNotFoundError:
                pass
            replace_file(target, lambda tmp: shutil.copy2(item.source, tmp))
        else:
            data = item.data or b""
            try:
                if target.stat().st_size == len(data) and target.read_bytes() == data:
                    continue
            except FileNotFoundError:
                pass
            replace_file(target, data)
        written.append(item.rel_path)
    return written


def remove_stale(base: Path, keep: set[str], keep_prefixes: tuple[str, ...]) -> list[str]:
    """Remove files under ``base`` that the build no longer produces (not those under ``keep_prefixes``)."""
    removed = []
    if not base.is_dir():
        return removed
    for root, dirs, names in os.walk(base, topdown=False):
        for name in names:
            path = Path(root) / name
            rel = path.relative_to(base).as_posix()
            if rel not in keep and not (keep_prefixes and rel.startswith(keep_prefixes)) and not name.endswith(".tmp"):
                path.unlink()
                removed.append(rel)
        if Path(root) != base and not any(Path(root).iterdir()):
            Path(root).rmdir()
    return sorted(removed)
