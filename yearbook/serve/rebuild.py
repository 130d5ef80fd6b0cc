"""serve's rebuild: the whole model again (unchanged articles come from a cache), then every page of
the site rendered from it, and only the files whose bytes changed written, in place under
``output/site``; the search index after the pages (see write_search_index).

Nothing here decides which pages an edit may change: every page is rendered from the new model on
every rebuild, with the theme's templates as they are, so each file on disk is the file a clean
build of the same tree writes, whatever the templates show (Zola and MkDocs came to this after their
hand-kept dependency rules kept going stale). What keeps it quick:

- the pages of the edited articles are rendered and written first, and ``on_first_written`` is
  called with them (serve tells their open pages at once); the other pages follow;
- on a large tree the other pages are shared with a forked process (both cores: parallel.py), each
  writing the files it changed beside their targets under temporary names; they are put in place
  together once every page rendered, so a template that fails half-way leaves the site as it was;
- the templates are compiled once and kept while the bytes of the theme's templates are unchanged."""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import jinja2

from ..content.model import Yearbook
from ..errors import Problem
from ..output import (RenderedFile, commit_staged, discard_staged, ensure_output_dir, remove_stale, stage_changed,
                      write_changed)
from ..parallel import PARALLEL_MIN_ARTICLES, TwoEndedRange, in_forked_process
from ..pipeline import BuildReport, load_yearbook
from ..site import urls
from ..site.render import HtmlRenderer, make_site_environment
from ..themes import Theme, find_theme
from .cache import ArticleCache

Job = tuple[str, str, dict]  # (template, page URL, extra context): HtmlRenderer.page_jobs


@dataclass(frozen=True)
class RebuildSettings:
    """How a rebuild shares its work (passed, so that a test can change it and see that it did)."""

    parallel_min_articles: int = PARALLEL_MIN_ARTICLES  # from this many articles, two processes render the pages
    edited_first_max: int = 20  # a save that changed more article files than this is rendered in the usual order
    page_chunk: int = 16  # pages a process takes at a time


@dataclass
class SiteState:
    """What ``serve`` keeps between rebuilds: parsed articles, the compiled templates, the site's files."""

    cache: ArticleCache = field(default_factory=ArticleCache)
    templates: tuple[str, jinja2.Environment] | None = None  # (digest of the theme's templates, their environment)
    produced: set[str] = field(default_factory=set)  # the site's files as of the last rebuild


@dataclass
class RebuildReport:
    yearbook: Yearbook
    pages: int = 0  # files of the site this build produced (the search index aside)
    first: list[str] = field(default_factory=list)  # the edited articles' pages, written before the rest
    written: list[str] = field(default_factory=list)  # files whose bytes changed on disk
    removed: list[str] = field(default_factory=list)  # files no longer part of the site
    warnings: list[Problem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    renderer: HtmlRenderer | None = None
    produced: set[str] = field(default_factory=set)  # every file of the site but the search index
    processes: int = 1  # processes that rendered the pages after the first ones


def rebuild_site(content_dir: Path, output_dir: Path, state: SiteState, pdf_names: set[str] | None = None,
                 on_first_written: Callable[[list[str]], None] | None = None,
                 on_stage: Callable[[str], None] | None = None,
                 settings: RebuildSettings = RebuildSettings()) -> RebuildReport:
    """The serve build: the whole model again (unchanged articles come from ``state.cache``), every page
    rendered from it, the files whose bytes changed written in place under ``output/site``. Raises like
    :func:`build`; a content error then writes nothing, and so does a template error (but for the
    edited articles' pages, when it comes after them). ``pdf_names`` default to every volume's PDF
    (serve builds them in the background); ``on_stage`` is told "load" and "render" as they begin.

    When a save changed a few article files, those articles' pages are rendered and written first
    (``on_first_written`` is then called with the files written), then the rest; every page comes
    from the same new model either way. ``timings["first"]`` is the time to that first write."""
    start = time.perf_counter()
    if on_stage is not None:
        on_stage("load")
    report = BuildReport()
    content_dir = content_dir.resolve()
    yearbook = load_yearbook(content_dir, report, cache=state.cache)
    theme = find_theme(yearbook.config.theme, content_dir)
    if pdf_names is None:
        pdf_names = {volume.pdf_name for volume in yearbook.volumes}
    site_dir = output_dir / "site"
    result = RebuildReport(yearbook=yearbook, warnings=list(report.warnings))
    if on_stage is not None:
        on_stage("render")
    with report.stage("render"):
        renderer = HtmlRenderer(yearbook, theme, pdf_names, env=site_environment(state, theme))
        renderer.with_search = False  # the search index comes after the pages: see write_search_index
        result.renderer = renderer
        jobs = renderer.page_jobs()
        first_jobs = edited_pages(jobs, edited_articles(yearbook, state.cache, settings))
        ensure_output_dir(output_dir)
        if first_jobs:
            result.first = write_changed(site_dir, [renderer.page(t, url, **extra) for t, url, extra in first_jobs])
            report.timings["first"] = time.perf_counter() - start
            if on_first_written is not None and result.first:
                on_first_written(result.first)
            result.written.extend(result.first)
        firsts = {id(job) for job in first_jobs}
        rest = [job for job in jobs if id(job) not in firsts]
        parallel = len(yearbook.articles) >= settings.parallel_min_articles
        staged, result.processes = render_pages(renderer, rest, site_dir, parallel, settings.page_chunk)
    with report.stage("write"):
        result.written.extend(commit_staged(site_dir, staged))
        copied = renderer.copied_files()
        result.written.extend(write_changed(site_dir, copied))
        result.produced = {urls.output_file(url) for _, url, _ in jobs} | {f.rel_path for f in copied}
        result.pages = len(result.produced)
        if result.produced != state.produced:  # the same files as last time: none can be stale
            result.removed = remove_stale(site_dir, result.produced, keep_prefixes=(urls.pdf_url(""), SEARCH_DATA))
    state.produced = result.produced
    report.timings["all"] = time.perf_counter() - start
    result.timings = report.timings
    return result


def edited_articles(yearbook: Yearbook, cache: ArticleCache, settings: RebuildSettings) -> set[int]:
    """ids of the articles whose files this rebuild read again, when they are a few edited files (the
    cache was kept: no other file of the content changed); else none."""
    if cache.reset or not cache.missed or len(cache.missed) > settings.edited_first_max:
        return set()
    missed = set(cache.missed)
    return {id(article) for article in yearbook.articles if article.source_path in missed}


def edited_pages(jobs: list[Job], edited: set[int]) -> list[Job]:
    """The jobs of ``jobs`` that render a page of one of the ``edited`` articles."""
    if not edited:
        return []
    return [job for job in jobs if id(job[2].get("article")) in edited]


def render_pages(renderer: HtmlRenderer, jobs: list[Job], site_dir: Path, parallel: bool,
                 chunk: int) -> tuple[list[tuple[str, str]], int]:
    """Render ``jobs`` and stage the files whose bytes changed (output.stage_changed); returns what
    was staged, and how many processes rendered. With ``parallel``, this process takes chunks of
    pages from the front and a forked one from the back (parallel.TwoEndedRange, as
    site.render.render_site_files shares a cold build), each writing its own files: nothing but
    their names comes back. If either fails, what both staged is removed."""
    pages = TwoEndedRange(len(jobs), chunk)

    def take_all(from_front: bool) -> list[tuple[str, str]]:
        staged: list[tuple[str, str]] = []
        try:
            while (part := pages.take(from_front)) is not None:
                staged.extend(stage_changed(site_dir, [renderer.page(t, url, **extra) for t, url, extra in map(jobs.__getitem__, part)]))
        except BaseException:
            while pages.take(from_front) is not None:  # the other process stops after the chunk it has
                pass
            discard_staged(staged)
            raise
        return staged

    if not parallel or len(jobs) <= chunk:
        return take_all(True), 1
    compile_templates(renderer.env, jobs)  # once, before the fork, rather than in both processes
    with in_forked_process(lambda: take_all(False)) as forked:
        try:
            mine = take_all(True)
        except BaseException:
            if forked is not None:
                try:
                    discard_staged(forked.result())
                except BaseException:  # it failed too, and removed its own
                    pass
            raise
        try:
            theirs = forked.result() if forked is not None else []
        except BaseException:
            discard_staged(mine)
            raise
    return mine + theirs, 1 if forked is None else 2


def compile_templates(env: jinja2.Environment, jobs: list[Job]) -> None:
    """Load the templates the jobs name (and so compile them); one that fails is left for its page to
    report, with the template's file and line (themes.render_template)."""
    for name in sorted({job[0] for job in jobs}):
        try:
            env.get_template(name)
        except jinja2.TemplateError:
            pass


def templates_digest(theme: Theme) -> str:
    """Hash of the theme's path and of every file of its templates/ folder (names and bytes)."""
    h = hashlib.blake2b(str(theme.path).encode("utf-8") + b"\0", digest_size=16)
    base = theme.templates_dir
    for path in sorted(p for p in base.rglob("*") if p.is_file()):
        h.update(path.relative_to(base).as_posix().encode("utf-8") + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def site_environment(state: SiteState, theme: Theme) -> jinja2.Environment:
    """The jinja2 environment of ``theme``'s templates as they are now: kept from the last rebuild
    while their bytes are unchanged (templates compiled once), a new one when any changed. It does
    not look at the files again during a rebuild (a template saved meanwhile brings another rebuild)."""
    key = templates_digest(theme)
    if state.templates is None or state.templates[0] != key:
        env = make_site_environment(theme)
        env.auto_reload = False
        state.templates = (key, env)
    return state.templates[1]


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
