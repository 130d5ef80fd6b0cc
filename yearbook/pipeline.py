"""The build, read top to bottom: load config → load and check content → build the model →
render HTML → render PDF → write the output atomically. Each stage is timed."""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .collect import build_yearbook
from .config import load_config
from .errors import Problem, ProblemLog
from .model import Yearbook
from .output import check_output_dir, clean_stale, commit_output
from .render_html import RenderedFile, render_site
from .render_pdf import check_cjk_font, render_volume_pdf
from .themes import find_theme
from . import urls


@dataclass
class BuildOptions:
    content_dir: Path
    output_dir: Path
    only: str | None = None  # "html", "pdf" or None for both
    write: bool = True  # False for `check`


@dataclass
class BuildReport:
    yearbook: Yearbook | None = None
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    files: int = 0
    pdfs: list[str] = field(default_factory=list)

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start


def load_yearbook(content_dir: Path, report: BuildReport) -> Yearbook:
    """Config and content → the checked model; raises ContentErrors listing every problem."""
    log = ProblemLog()
    with report.stage("load"):
        config = load_config(content_dir, log)
        log.raise_if_errors()
        yearbook = build_yearbook(config, log)
    report.warnings.extend(log.warnings)
    return yearbook


def build(options: BuildOptions) -> BuildReport:
    """Run the whole build. Nothing in output/ changes unless every stage succeeds."""
    report = BuildReport()
    content_dir = options.content_dir.resolve()
    yearbook = load_yearbook(content_dir, report)
    report.yearbook = yearbook
    theme = find_theme(yearbook.config.theme, content_dir)
    if options.write:
        check_output_dir(options.output_dir, [content_dir, theme.path])
    files: list[RenderedFile] = []
    if options.only in (None, "pdf"):
        check_cjk_font()
        with report.stage("pdf"):
            for volume in yearbook.volumes:
                pdf, warnings = render_volume_pdf(yearbook, volume, theme)
                report.warnings.extend(warnings)
                files.append(RenderedFile(f"pdf/{volume.pdf_name}", pdf))
                report.pdfs.append(volume.pdf_name)
    elif options.write:  # --only html: the previous PDFs stay
        files.extend(previous_files(options.output_dir, "pdf"))
    if options.only in (None, "html"):
        with report.stage("html"):
            pdf_names = {f.rel_path.removeprefix("pdf/") for f in files if f.rel_path.startswith("pdf/")}
            site = render_site(yearbook, theme, pdf_names)
        files.extend(RenderedFile(f"site/{f.rel_path}", f.data, f.source) for f in site)
    elif options.write:  # --only pdf: the previous site stays, with the new PDFs
        downloads = "site/" + urls.pdf_url("")
        files.extend(f for f in previous_files(options.output_dir, "site") if not f.rel_path.startswith(downloads))
    if options.write:
        for pdf_file in [f for f in files if f.rel_path.startswith("pdf/")]:
            files.append(RenderedFile("site/" + urls.pdf_url(pdf_file.rel_path.removeprefix("pdf/")), pdf_file.data, pdf_file.source))
    report.files = len(files)
    if not options.write:
        return report
    with report.stage("write"):
        clean_stale(options.output_dir)
        commit_output(options.output_dir, files)
    return report


def previous_files(output_dir: Path, subdir: str) -> list[RenderedFile]:
    """Files of the previous output under ``subdir``, carried over into the new output."""
    base = output_dir / subdir
    if not base.is_dir():
        return []
    return [RenderedFile(path.relative_to(output_dir).as_posix(), source=path)
            for path in sorted(base.rglob("*")) if path.is_file()]
