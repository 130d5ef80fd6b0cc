"""The build, read top to bottom: load config → load and check content → build the model →
render HTML → render PDF → write the output atomically. Each stage is timed."""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .book.preflight import preflight
from .book.render import check_cjk_font, render_volume_pdf, volume_pdf_name
from .book.split.render import SplitSettings
from .content.collect import build_yearbook
from .content.config import load_config
from .content.model import Yearbook
from .content.pages import load_pages
from .errors import ContentErrors, Problem, ProblemLog
from .output import RenderedFile, Staging, cache_dir, check_output_dir, clean_stale, commit_output, previous_files
from .progress import NoProgress, Progress
from .site import urls
from .site.render import render_site_files
from .themes import find_theme

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
    if options.only in (None, "pdf"):
        check_cjk_font()  # first: without a CJK font, every character would be one the book cannot print
    if options.only in (None, "pdf") or not options.write:  # what the book could not print (`check` tells too)
        unprintable = preflight(yearbook, load_pages(content_dir))
        if unprintable:
            raise ContentErrors(report.warnings + unprintable)
    files: list[RenderedFile] = []
    carry = None  # a folder of the previous output kept as it is (output.commit_output)
    if options.only in (None, "pdf"):
        with report.stage("pdf"):
            editions = options.editions or yearbook.config.pdf.edition
            progress.stage("PDF", len(yearbook.volumes) * len(editions))
            for volume in yearbook.volumes:
                for edition in editions:
                    pdf_name = volume_pdf_name(volume, edition)
                    progress.advance(0, pdf_name)
                    pdf, warnings = render_volume_pdf(yearbook, volume, theme, edition,
                                                      split=False if options.single_pass else options.split,
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
