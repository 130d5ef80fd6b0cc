"""serve's rebuild: the whole model again (unchanged articles come from a cache), then only the
pages whose inputs changed are rendered and only files whose bytes changed are written, in place
under ``output/site``; the search index after the pages (see write_search_index)."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..content.model import Yearbook
from ..errors import Problem
from ..output import RenderedFile, ensure_output_dir, remove_stale, write_changed
from ..pipeline import BuildReport, load_yearbook
from ..site import urls
from ..site.render import HtmlRenderer, make_site_environment
from ..themes import PROJECT_THEMES, find_theme
from .cache import ArticleCache


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
