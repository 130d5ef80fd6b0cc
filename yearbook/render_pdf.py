"""One volume → print HTML (the theme's ``book.html``) → WeasyPrint → PDF bytes.

WeasyPrint may read only files inside the content and theme directories; what it logs (a missing
image, bad CSS) comes back as our warnings. A CJK font must be installed, or the build stops with a
message that says how to install one."""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlparse

from .errors import Problem, SetupError, SourceLocation
from .model import Volume, Yearbook
from .themes import Theme, make_environment, render_template
from .views import BookViews

CJK_FONT_HINT = (
    "install a CJK font: on Debian/Ubuntu `sudo apt-get install fonts-noto-cjk`; "
    "on Windows/macOS the system fonts (SimSun/Microsoft YaHei, Songti/PingFang) are found automatically"
)


def check_cjk_font() -> None:
    """Stop with a clear message when fontconfig knows no font that covers Chinese."""
    if shutil.which("fc-list") is None:
        return  # no fontconfig CLI (Windows/macOS builds): trust the system fonts
    result = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False)
    if not result.stdout.strip():
        raise SetupError("no Chinese (CJK) font is installed, so the PDF would show empty boxes", None, CJK_FONT_HINT)


class _LogCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def make_url_fetcher(allowed_dirs: list[Path]):
    """A WeasyPrint URL fetcher that serves only local files inside ``allowed_dirs``.

    WeasyPrint 70 wants an instance of ``weasyprint.urls.URLFetcher`` (a plain function no longer
    works), so this is a subclass whose ``fetch`` refuses everything but data: URLs and those files."""
    from weasyprint.urls import URLFetcher

    roots = [d.resolve() for d in allowed_dirs]

    class ContentFetcher(URLFetcher):
        def fetch(self, url: str, headers=None):
            parsed = urlparse(url)
            if parsed.scheme == "data":
                return super().fetch(url, headers)
            if parsed.scheme != "file":
                raise ValueError(f"refused to fetch {url!r}: only files inside the content and theme folders are read")
            path = Path(unquote(parsed.path)).resolve()
            if not any(path.is_relative_to(root) for root in roots):
                raise ValueError(f"refused to read {path}: it is outside the content and theme folders")
            return super().fetch(path.as_uri(), headers)

    return ContentFetcher(allowed_protocols=("file", "data"))


def book_html(yearbook: Yearbook, volume: Volume, theme: Theme) -> str:
    env = make_environment(theme)
    return render_template(env, theme, "book.html", BookViews(yearbook, volume).context())


def render_volume_pdf(yearbook: Yearbook, volume: Volume, theme: Theme) -> tuple[bytes, list[Problem]]:
    """The PDF of one volume and the warnings WeasyPrint logged while making it."""
    from weasyprint import HTML

    html = book_html(yearbook, volume, theme)
    collector = _LogCollector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    try:
        document = HTML(
            string=html,
            base_url=theme.static_dir.as_uri() + "/",
            url_fetcher=make_url_fetcher([yearbook.config.content_dir, theme.path]),
        )
        pdf = document.write_pdf(pdf_identifier=volume.slug.encode(), uncompressed_pdf=False)
    finally:
        logger.removeHandler(collector)
    warnings = [Problem(f"PDF {volume.pdf_name}: {message}", SourceLocation(theme.templates_dir / "book.html"), None, "warning")
                for message in collector.messages]
    return pdf, warnings


def source_date_epoch() -> int | None:
    value = os.environ.get("SOURCE_DATE_EPOCH")
    return int(value) if value and value.isdigit() else None
