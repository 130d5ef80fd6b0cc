"""The build, read top to bottom: load config → load and check content → build the model →
render HTML → render PDF → write the output atomically. Each stage is timed."""
from __future__ import annotations

import hashlib
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .book.pagemap import article_pages, printed_pages
from .book.preflight import preflight
from .book.render import BookRenderer, check_cjk_font, render_volume_pdf, volume_pdf_name
from .book.split.render import SplitSettings
from .content.collect import build_yearbook
from .content.config import EDITIONS, load_config
from .content.model import Yearbook
from .content.pages import load_pages
from .errors import ContentError, ContentErrors, Problem, ProblemLog, SourceLocation, TemplateError, YearbookError
from .i18n import _
from .parallel import ForkedCallFailed, forked_call
from .output import (OutputLock, RenderedFile, Staging, cache_dir, check_output_dir, clean_stale, commit_output,
                     lock_output, previous_files, waiting_message)
from .progress import NoProgress, Progress
from .site import urls
from .site.render import render_site_files
from .themes import PROJECT_THEMES, compile_templates, find_theme

@dataclass
class BuildOptions:
    content_dir: Path
    output_dir: Path
    only: str | None = None  # "html", "pdf" or None for both
    write: bool = True  # False for `check`
    progress: Progress | None = None  # a progress line on a terminal (progress.py); None: silent
    editions: tuple[str, ...] | None = None  # PDF editions (screen, print, archive); None: the config's pdf.edition
    strict: bool = False  # warnings fail the build before anything is written
    single_pass: bool = False  # the PDF in one WeasyPrint pass, not split into parts (book/render.py)
    split: SplitSettings | None = None  # how the split render shares out its work (None: the defaults)
    on_committed: Callable[[], None] | None = None  # called once the new output is in place
    wait: bool = True  # another build holds the output's lock: wait for it (False: OutputBusy at once)
    on_wait: Callable[[str], None] | None = None  # told (a message for the user) when the build starts waiting for the lock


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


def load_yearbook(content_dir: Path, report: BuildReport, cache=None, pages: bool = False) -> Yearbook:
    """Config and content → the checked model; raises ContentErrors listing every problem.
    ``cache`` (serve) reuses the articles of unchanged files. ``pages``: also read ``content/pages/``
    (only the book shows them), so that their problems come with the articles' ones."""
    log = ProblemLog()
    with report.stage("load"):
        config = load_config(content_dir, log)
        log.raise_if_errors()
        failed = None
        try:
            yearbook = build_yearbook(config, log, cache=cache)
        except ContentError as exc:
            failed = exc
        page_problems = page_problems_of(config.content_dir) if pages else []
        if failed is not None or page_problems:
            raise ContentErrors((failed.problems if failed is not None else log.problems) + page_problems)
    report.warnings.extend(log.warnings)
    return yearbook


def page_problems_of(content_dir: Path) -> list[Problem]:
    """The problems of ``content/pages/*.md``, read as the book reads them."""
    try:
        load_pages(content_dir)
    except ContentError as exc:
        return exc.problems
    return []


def check_content(options: BuildOptions, progress: Progress) -> BuildReport:
    """``check``: what ``build`` reads, read as it reads it, every problem at once, nothing written.
    The content with content/pages/; every template of the theme compiled; the site rendered (in
    memory); book.html rendered to HTML once per volume (not laid out: no PDF is made)."""
    report = BuildReport()
    content_dir = options.content_dir.resolve()
    problems: list[Problem] = []
    progress.stage(_("loading content"))
    try:
        yearbook = load_yearbook(content_dir, report, pages=True)
        config = yearbook.config
    except ContentError as exc:
        problems.extend(exc.problems)
        yearbook = None
        config_log = ProblemLog()  # the config again, only for the theme's name: its problems are above
        config = load_config(content_dir, config_log)
        if config_log.errors:
            raise ContentErrors(problems) from None
    report.yearbook = yearbook
    if not config.base_url:
        report.warnings.append(Problem(
            _("base_url is not set, so the site has no sitemap.xml (a sitemap lists absolute addresses), no canonical "
              "links and no feed self link"), SourceLocation(config.path),
            _("set the address the site will be published at, e.g. base_url: https://example.org/nianjian/"), "warning"))
    try:
        theme = find_theme(config.theme, content_dir)
    except YearbookError as exc:
        raise ContentErrors(problems + exc.problems) from None
    with report.stage("templates"):
        problems.extend(compile_templates(theme))
        if yearbook is not None:
            with forked_call(lambda: book_problems(yearbook, theme)) as book:  # beside the site, on another core
                if progress.enabled:
                    progress.stage(_("HTML pages"))
                try:
                    report.files = len(render_site_files(yearbook, theme, {v.pdf_name for v in yearbook.volumes}, progress, None))
                except TemplateError as exc:
                    problems.extend(exc.problems)
                progress.stage(_("book.html"))
                try:
                    problems.extend(book() if book is not None else book_problems(yearbook, theme))
                except ForkedCallFailed:  # a bug: made again here, to be reported as any other
                    problems.extend(book_problems(yearbook, theme))
    if yearbook is not None:  # what the book could not print: glyphs no font has, tables wider than the page
        with report.stage("preflight"):
            try:
                pages = load_pages(content_dir)
            except ContentError:  # their problems are above (load_yearbook)
                pages = []
            problems.extend(preflight(yearbook, pages))
    problems = list({p.format(): p for p in problems}.values())  # a template that fails to compile fails its render too
    if any(p.severity == "error" for p in problems):
        raise ContentErrors(problems)
    return report


def build(options: BuildOptions) -> BuildReport:
    """Run the whole build. Nothing in output/ changes unless every stage succeeds. A build that writes
    holds the output's lock from before it reads the content to its end (output.lock_output): a second
    build waits for it (``options.wait``) or stops at once with OutputBusy; ``check`` takes no lock."""
    progress = options.progress or NoProgress()
    lock = None
    try:
        if options.write:
            # before anything is made beside it (the theme's folder is known only once the config is read)
            check_output_dir(options.output_dir, [options.content_dir.resolve(), options.content_dir.resolve().parent / "themes", PROJECT_THEMES])
            on_wait = options.on_wait
            lock = lock_output(options.output_dir, "build", wait=options.wait,
                               on_wait=None if on_wait is None else lambda holder: on_wait(waiting_message(options.output_dir, holder)))
        return _build(options, progress, lock)
    finally:
        progress.done()  # clear the progress line before anything else is printed
        if lock is not None:
            lock.release()


def printed_pages_of(yearbook: Yearbook, files: list[RenderedFile], editions,
                     memo: dict[str, dict[str, str]] | None = None) -> dict[str, dict[str, str]]:
    """volume slug → {article slug → the page label it is printed on}, read from the PDFs among ``files``
    (those just built, or with --only html the previous output's): per volume the first of ``editions``
    there, else any other edition of it; a volume without a PDF has no entry (its articles show no page).
    ``memo`` (serve, between rebuilds): SHA-256 of a PDF's bytes → its destinations' labels; it is left
    holding the PDFs of this call only."""
    by_path = {f.rel_path: f for f in files}
    found, used = {}, {}
    for volume in yearbook.volumes:
        for edition in [*editions, *[e for e in EDITIONS if e not in editions]]:
            pdf = by_path.get(f"pdf/{volume_pdf_name(volume, edition)}")
            if pdf is None:
                continue
            try:
                data = pdf.data if pdf.data is not None else pdf.source.read_bytes()
            except OSError:
                continue
            digest = hashlib.sha256(data).hexdigest() if memo is not None else ""
            anchors = memo[digest] if memo is not None and digest in memo else printed_pages(data)
            used[digest] = anchors
            found[volume.slug] = article_pages(volume, anchors)
            break
    if memo is not None:
        memo.clear()
        memo.update(used)
    return found


def book_problems(yearbook: Yearbook, theme) -> list[Problem]:
    """book.html rendered to HTML once per volume (not laid out): the template problems it meets."""
    problems = []
    for volume in yearbook.volumes:
        try:
            BookRenderer(yearbook, volume, theme).html()
        except TemplateError as exc:
            problems.extend(exc.problems)
    return problems


def _build(options: BuildOptions, progress: Progress, lock: OutputLock | None) -> BuildReport:
    if not options.write:
        return check_content(options, progress)
    report = BuildReport()
    content_dir = options.content_dir.resolve()
    progress.stage(_("loading content"))
    yearbook = load_yearbook(content_dir, report, pages=options.only in (None, "pdf"))
    report.yearbook = yearbook
    theme = find_theme(yearbook.config.theme, content_dir)
    check_output_dir(options.output_dir, [content_dir, theme.path])
    if options.only in (None, "pdf"):
        check_cjk_font()  # first: without a CJK font, every character would be one the book cannot print
        unprintable = preflight(yearbook, load_pages(content_dir))  # what the book could not print (`check` tells too)
        if unprintable:
            raise ContentErrors(report.warnings + unprintable)
    files: list[RenderedFile] = []
    carry = None  # a folder of the previous output kept as it is (output.commit_output)
    if options.only in (None, "pdf"):
        with report.stage("pdf"):
            editions = options.editions or yearbook.config.pdf.edition
            progress.stage(_("PDF"), len(yearbook.volumes) * len(editions))
            for volume in yearbook.volumes:
                for edition in editions:
                    pdf_name = volume_pdf_name(volume, edition)
                    progress.advance(0, pdf_name)
                    pdf, warnings = render_volume_pdf(yearbook, volume, theme, edition,
                                                      split=False if options.single_pass else options.split,
                                                      cache_dir=cache_dir(options.output_dir, "pdf"))
                    progress.advance()
                    report.warnings.extend(warnings)
                    files.append(RenderedFile(f"pdf/{pdf_name}", pdf))
                    report.pdfs.append(pdf_name)
    else:  # --only html: the previous PDFs stay
        files.extend(previous_files(options.output_dir, "pdf"))
    staging = None  # the new output's folder, written into while the site is rendered (output.Staging)
    try:
        if options.only in (None, "html"):
            if not (options.strict and report.warnings):
                clean_stale(options.output_dir, lock)
                staging = Staging(options.output_dir)
            with report.stage("html"):
                screen_names = {volume.pdf_name for volume in yearbook.volumes}
                pdf_names = {f.rel_path.removeprefix("pdf/") for f in files if f.rel_path.removeprefix("pdf/") in screen_names}
                if progress.enabled:
                    progress.stage(_("HTML pages"))
                site = render_site_files(yearbook, theme, pdf_names, progress, staging.writer("site") if staging else None,
                                         printed_pages=printed_pages_of(yearbook, files, options.editions or yearbook.config.pdf.edition),
                                         image_cache=cache_dir(options.output_dir, "site-images"))
            files.extend(RenderedFile(f"site/{f.rel_path}", f.data, f.source, written=f.written) for f in site)
        else:  # --only pdf: the previous site stays (moved over whole), with the new PDFs
            carry = "site"
        screen_pdfs = {f"pdf/{volume.pdf_name}" for volume in yearbook.volumes}  # the site offers the screen edition for download
        for pdf_file in [f for f in files if f.rel_path in screen_pdfs]:
            files.append(RenderedFile("site/" + urls.pdf_url(pdf_file.rel_path.removeprefix("pdf/")), pdf_file.data, pdf_file.source))
        report.files = len(files)
        if options.strict and report.warnings:
            raise ContentErrors(report.warnings)  # --strict: the previous output stays
        with report.stage("write"):
            progress.stage(_("writing {count} files", count=len(files)))
            if staging is None:
                clean_stale(options.output_dir, lock)
            report.kept = commit_output(options.output_dir, files, staging, carry=carry, on_committed=options.on_committed)
            staging = None  # it is the output now
    finally:
        if staging is not None:
            staging.discard()
    return report
