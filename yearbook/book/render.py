"""One volume → print HTML (the theme's ``book.html``) → WeasyPrint → PDF bytes, in one of three
editions (print_layout.Edition): ``screen``; ``print`` (bleed, crop marks, CMYK colours, images
converted to CMYK and PDF/X-4 when a CMYK ICC profile is configured); ``archive`` (PDF/A).

WeasyPrint may read only files inside the content and theme directories; what it logs (a missing
image, bad CSS) comes back as our warnings. A CJK font must be installed, or the build stops with a
message that says how to install one."""
from __future__ import annotations

import logging
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

from ..errors import ContentError, Problem, SetupError, SourceLocation
from ..content.model import Volume, Yearbook
from ..output import replace_file
from ..content.pages import load_pages
from .geometry import Edition, edition_pdf_name, make_edition, page_geometry
from ..themes import Theme, make_environment, render_template
from ..content.slugs import safe_content_path
from .split import render as split_render
from .images import convert_images_to_cmyk, low_resolution_cover, low_resolution_messages
from .views import BookViews
from .weasy import LogCollector, install_fast_leaders, measure_spacing, raster_images, weasyprint_version

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


def make_url_fetcher(allowed_dirs: list[Path], remote_urls=()):
    """A WeasyPrint URL fetcher that serves only local files inside ``allowed_dirs`` (and exactly the
    http(s) ``remote_urls``: the remote images of the book when the config allows them).

    WeasyPrint 70 wants an instance of ``weasyprint.urls.URLFetcher`` (a plain function no longer
    works), so this is a subclass whose ``fetch`` refuses everything but data: URLs and those files."""
    from weasyprint.urls import URLFetcher

    roots = [d.resolve() for d in allowed_dirs]
    remote = {unquote(u) for u in remote_urls}

    class ContentFetcher(URLFetcher):
        def fetch(self, url: str, headers=None):
            parsed = urlparse(url)
            if parsed.scheme == "data" or (parsed.scheme in ("http", "https") and unquote(url) in remote):
                return super().fetch(url, headers)
            if parsed.scheme != "file":
                raise ValueError(f"refused to fetch {url!r}: only files inside the content and theme folders are read")
            path = Path(unquote(parsed.path)).resolve()
            if not any(path.is_relative_to(root) for root in roots):
                raise ValueError(f"refused to read {path}: it is outside the content and theme folders")
            return super().fetch(path.as_uri(), headers)

    return ContentFetcher(allowed_protocols=("file", "data", "http", "https") if remote else ("file", "data"))


REMOTE_IMAGE = re.compile(r"""<img\b[^>]*?\ssrc=["'](https?://[^"']+)["']""", re.I)


def remote_image_urls(html: str) -> set[str]:
    """The http(s) images of the book (there are some only when ``markdown.remote_images`` is on)."""
    import html as html_lib

    return {html_lib.unescape(url) for url in REMOTE_IMAGE.findall(html)}


class BookRenderer:
    """The print HTML of one volume for one edition: the whole book, or one part of it
    (pdf_parts.Part) with the page numbers it shows given as ``page_numbers(anchor)``."""

    def __init__(self, yearbook: Yearbook, volume: Volume, theme: Theme, edition: Edition | None = None,
                 media_urls: dict[str, str] | None = None, cache_dir: Path | None = None):
        pdf = yearbook.config.pdf
        self.theme = theme
        self.edition = edition or make_edition("screen", pdf)
        self.env = make_environment(theme)
        views = BookViews(yearbook, volume, edition=self.edition, geometry=page_geometry(pdf),
                          spacing=cached_spacing(pdf.body_font, cache_dir), pages=load_pages(yearbook.config.content_dir),
                          media_urls=media_urls)
        self.context = views.context()

    def html(self, part=None, page_numbers=None) -> str:
        context = self.context if part is None else {**self.context, "part": part, "page_numbers": page_numbers}
        return render_template(self.env, self.theme, "book.html", context)


def cached_spacing(font_family: str, cache_dir: Path | None) -> dict[str, float]:
    """:func:`measure_spacing`, kept in ``cache_dir`` (``spacing.json``) between builds: measuring
    costs a WeasyPrint layout (a second or two with the fonts loaded), and a rebuild that takes every
    part from the part cache needs WeasyPrint for little else. Keyed by the font family, the
    WeasyPrint version and the list of installed font files (fontconfig), so that a changed font
    is measured again."""
    import hashlib
    import json

    if cache_dir is None:
        return measure_spacing(font_family)
    fonts = b""
    if shutil.which("fc-list"):
        fonts = subprocess.run(["fc-list", "--format", "%{file}\\n"], capture_output=True, check=False).stdout
    key = hashlib.sha256(b"\0".join([font_family.encode(), weasyprint_version().encode(), fonts])).hexdigest()
    path = cache_dir / "spacing.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("key") == key:
            return stored["spacing"]
    except (OSError, ValueError, KeyError, AttributeError):
        pass
    spacing = measure_spacing(font_family)
    try:
        replace_file(path, json.dumps({"key": key, "spacing": spacing}).encode("utf-8"))
    except OSError:
        pass
    return spacing


def volume_pdf_name(volume: Volume, edition_name: str) -> str:
    """``nianjian-2020-2024.pdf`` (screen), ``…-print.pdf``, ``…-archive.pdf``."""
    return edition_pdf_name(volume.pdf_name, Edition(edition_name))


def icc_profile_path(config) -> Path | None:
    """The configured CMYK ICC profile (content-relative or absolute), or None."""
    if not config.pdf.icc_profile:
        return None
    path = Path(config.pdf.icc_profile)
    return path if path.is_absolute() else config.content_dir / path


def render_volume_pdf(yearbook: Yearbook, volume: Volume, theme: Theme, edition_name: str = "screen",
                      split: bool | None = None, cache_dir: Path | None = None) -> tuple[bytes, list[Problem]]:
    """The PDF of one volume in one edition, and the warnings made on the way (images under the
    configured resolution, RGB images left as they are, what WeasyPrint logged).

    ``split``: lay the book out in parts on every core and join them (split_render; the pages,
    目录, indexes, bookmarks and folios are those of a single pass), or in one WeasyPrint pass.
    None chooses the split render for books of :data:`split_render.SPLIT_MIN_ARTICLES` articles or
    more, unless the edition is a tagged PDF (the join does not merge structure trees).
    ``cache_dir``: where the split render keeps laid-out parts between builds."""
    config = yearbook.config
    name = volume_pdf_name(volume, edition_name)
    where = SourceLocation(config.path)
    warnings: list[Problem] = []
    icc = icc_profile_path(config)
    if icc is not None and not icc.is_file():
        raise ContentError(f"the ICC profile {config.pdf.icc_profile!r} does not exist", where,
                           "give the path of a CMYK profile (.icc), relative to content/ or absolute")
    cover = config.pdf.cover_image
    if cover and (safe_content_path(cover) is None or not (config.content_dir / cover).is_file()):
        raise ContentError(f"the cover image {cover!r} is not a file inside content/", where,
                           "give pdf.cover_image as a path relative to content/, e.g. images/cover.jpg")
    edition = make_edition(edition_name, config.pdf, has_icc_profile=icc is not None)
    if split is None:
        split = split_render.should_split(volume, edition)
    with tempfile.TemporaryDirectory(prefix="yearbook-print-") as temp:
        media_urls: dict[str, str] = {}
        if edition.cmyk:
            if icc is None:
                warnings.append(Problem(f"PDF {name}: no CMYK ICC profile is configured (pdf.icc_profile), so images stay RGB "
                                        "and the PDF has no PDF/X output intent", where,
                                        "set pdf.icc_profile to the printer's profile, e.g. ISOcoated_v2 or GRACoL", "warning"))
            else:
                media_urls, problems = convert_images_to_cmyk(volume, config.content_dir, icc, Path(temp), cover)
                warnings.extend(Problem(f"PDF {name}: {message}", where, None, "warning") for message in problems)
        renderer = BookRenderer(yearbook, volume, theme, edition, media_urls, cache_dir if split else None)
        head_extra = ""
        if edition.is_print and icc is not None:
            head_extra = f"<style>@color-profile device-cmyk {{ src: url({icc.resolve().as_uri()!r}); components: c, m, y, k }}</style>"
        allowed = [config.content_dir, theme.path, Path(temp)] + ([icc.parent] if icc else [])

        def fetcher_for(html: str):
            return make_url_fetcher(allowed, remote_image_urls(html) if config.markdown.remote_images else ())

        if split:
            # one cache folder per PDF, so that the volumes and editions of one build keep each other's parts
            part_cache = cache_dir / name.removesuffix(".pdf") if cache_dir is not None else None
            pdf, messages, images = split_render.render(renderer, volume, edition, fetcher_for, head_extra,
                                                        part_cache, theme)
        else:
            pdf, messages, images = _render_single(renderer, volume, edition, fetcher_for, head_extra, theme)
        warnings.extend(Problem(f"PDF {name}: {message}", where, "use a larger image or print it smaller", "warning")
                        for message in low_resolution_messages(images, config.pdf.min_dpi, config.content_dir, media_urls))
        if cover:
            warnings.extend(Problem(f"PDF {name}: {message}", where, "use a larger cover picture", "warning")
                            for message in low_resolution_cover(config.content_dir / cover, config.pdf, edition))
    warnings += [Problem(f"PDF {name}: {message}", SourceLocation(theme.templates_dir / "book.html"), None, "warning")
                 for message in messages]
    return pdf, warnings


def _render_single(renderer: BookRenderer, volume: Volume, edition: Edition, fetcher_for, head_extra: str,
                   theme: Theme) -> tuple[bytes, list[str], list[tuple]]:
    """The whole book in one WeasyPrint pass: PDF, WeasyPrint's warnings, the raster images."""
    from weasyprint import HTML

    install_fast_leaders()

    html = renderer.html()
    if head_extra:
        html = html.replace("</head>", head_extra + "</head>", 1)
    collector = LogCollector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    try:
        document = HTML(string=html, base_url=theme.static_dir.as_uri() + "/", url_fetcher=fetcher_for(html)).render()
        images = raster_images(document)
        pdf = document.write_pdf(pdf_identifier=volume.slug.encode(), uncompressed_pdf=False,
                                 pdf_variant=edition.pdf_variant)
    finally:
        logger.removeHandler(collector)
    return pdf, collector.messages, images
