"""One volume → print HTML (the theme's ``book.html``) → WeasyPrint → PDF bytes, in one of three
editions (print_layout.Edition): ``screen``; ``print`` (bleed, crop marks, CMYK colours, images
converted to CMYK and PDF/X-4 when a CMYK ICC profile is configured); ``archive`` (PDF/A).

WeasyPrint may read only files inside the content and theme directories; what it logs (a missing
image, bad CSS) comes back as our warnings. A CJK font must be installed, or the build stops with a
message that says how to install one."""
from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import replace
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote, urlparse

import pikepdf

from ..content.config import css_length_mm
from ..content.model import Volume, Yearbook
from ..content.pages import load_pages
from ..content.slugs import safe_content_path
from ..errors import ContentError, Problem, SetupError, SourceLocation
from ..i18n import _
from ..output import read_sealed, write_sealed
from ..themes import Theme, make_environment, render_template
from . import textlayer, weasy
from .geometry import Edition, edition_pdf_name, make_edition, page_geometry
from .images import (
    convert_images_to_cmyk,
    low_resolution_cover,
    low_resolution_messages,
)
from .numbering import Numbering
from .prepress import Finish, finish
from .split import render as split_render
from .split.cache import cache_key, fonts_state
from .split.render import SplitSettings
from .typeset import Memo, Typesetter
from .views import BookViews
from .weasy import (
    LogCollector,
    import_weasyprint,
    install_cjk_justification,
    install_fast_leaders,
    install_line_fit,
    install_margin_break_fix,
    install_page_fill,
    measure_spacing,
    raster_images,
    self_check,
    weasyprint_version,
)

CJK_FONT_HINT = _(
    "install a CJK font: on Debian/Ubuntu `sudo apt-get install fonts-noto-cjk`; "
    "on Windows/macOS the system fonts (SimSun/Microsoft YaHei, Songti/PingFang) are found automatically"
)


def check_cjk_font() -> None:
    """Stop with a clear message when fontconfig knows no font that covers Chinese."""
    if shutil.which("fc-list") is None:
        return  # no fontconfig CLI (Windows/macOS builds): trust the system fonts
    result = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False)
    if not result.stdout.strip():
        raise SetupError(_("no Chinese (CJK) font is installed, so the PDF would show empty boxes"), None, CJK_FONT_HINT)


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
    (split.render.Part) with the page numbers it shows given as ``page_numbers(anchor)``."""

    def __init__(self, yearbook: Yearbook, volume: Volume, theme: Theme, edition: Edition | None = None,
                 media_urls: dict[str, str] | None = None, cache_dir: Path | None = None,
                 typesetter: Typesetter | None = None):
        pdf = yearbook.config.pdf
        self.theme = theme
        self.volume = volume
        self.edition = edition or make_edition("screen", pdf)
        self.env = make_environment(theme)
        spacing = {**cached_spacing(pdf.body_font, cache_dir),
                   "heading_space": cached_spacing(pdf.heading_font, cache_dir)["space"]}
        views = BookViews(yearbook, volume, edition=self.edition, geometry=page_geometry(pdf), spacing=spacing, pages=load_pages(yearbook.config.content_dir),
                          media_urls=media_urls, typesetter=typesetter)
        self.context = views.context()

    def html(self, part=None, page_numbers=None) -> str:
        """The whole book, or ``part``: for a part of articles, ``part_articles`` are its articles."""
        if part is None:
            return render_template(self.env, self.theme, "book.html", self.context)
        extra = {"part": part, "page_numbers": page_numbers}
        if part.kind == "articles":
            extra["part_articles"] = [self.volume.chapters[part.chapter].articles[i] for i in part.articles]
        return render_template(self.env, self.theme, "book.html", {**self.context, **extra})


def cached_spacing(font_family: str, cache_dir: Path | None) -> dict[str, float]:
    """:func:`weasy.measure_spacing`, kept in ``cache_dir`` (``spacing-<family>.json``) between builds:
    measuring costs a WeasyPrint layout (a second or two with the fonts loaded), and a rebuild that
    takes every part from the cache needs WeasyPrint for little else. One file per family, keyed by the
    WeasyPrint version and the installed fonts, so that a changed font is measured again."""
    if cache_dir is None:
        return measure_spacing(font_family)
    key = cache_key(font_family, weasyprint_version(), fonts_state())
    path = cache_dir / f"spacing-{cache_key(font_family)[:16]}.json"
    try:
        stored = json.loads(read_sealed(path) or b"{}")
        if stored.get("key") == key:
            return stored["spacing"]
    except (ValueError, KeyError, AttributeError, TypeError):
        pass
    spacing = measure_spacing(font_family)
    try:
        write_sealed(path, json.dumps({"key": key, "spacing": spacing}).encode("utf-8"))
    except OSError:
        pass
    return spacing


def checked_adapter(cache_dir: Path | None) -> str | None:
    """:func:`weasy.self_check`, kept in ``cache_dir`` by what it depends on (the WeasyPrint version,
    the adapter's source, the installed fonts and libraries): None when the split render may use
    WeasyPrint's private API, else why not."""
    import_weasyprint(cache_dir)
    if cache_dir is None:
        return self_check()
    try:
        system = os.stat("/etc/ld.so.cache")
        libraries = f"{system.st_mtime_ns}:{system.st_size}"
    except OSError:
        libraries = ""
    key = cache_key(weasyprint_version(), Path(weasy.__file__).read_bytes(), fonts_state(), libraries)
    path = cache_dir / "adapter.json"
    try:
        stored = json.loads(read_sealed(path) or b"{}")
        if stored.get("key") == key:
            return stored["problem"]
    except (ValueError, KeyError, AttributeError, TypeError):
        pass
    problem = self_check()
    try:
        write_sealed(path, json.dumps({"key": key, "problem": problem}).encode("utf-8"))
    except OSError:
        pass
    return problem


def volume_pdf_name(volume: Volume, edition_name: str) -> str:
    """``nianjian-2020-2024.pdf`` (screen), ``…-print.pdf``, ``…-archive.pdf``."""
    return edition_pdf_name(volume.pdf_name, Edition(edition_name))


# freely licensed CMYK profiles that Debian installs (Ghostscript's, libgs-common: tasks.sh installs it)
DEFAULT_CMYK_PROFILES = (Path("/usr/share/color/icc/ghostscript/default_cmyk.icc"),
                         Path("/usr/share/color/icc/ghostscript/ps_cmyk.icc"))


def icc_profile_path(config) -> Path | None:
    """The configured CMYK ICC profile (content-relative or absolute); without one, a freely licensed
    CMYK profile of the system (Ghostscript's SWOP profile on Debian); None if there is none."""
    if not config.pdf.icc_profile:
        return next((path for path in DEFAULT_CMYK_PROFILES if path.is_file()), None)
    path = Path(config.pdf.icc_profile)
    return path if path.is_absolute() else config.content_dir / path


def render_volume_pdf(yearbook: Yearbook, volume: Volume, theme: Theme, edition_name: str = "screen",
                      split: SplitSettings | None | bool = None, cache_dir: Path | None = None) -> tuple[bytes, list[Problem]]:
    """The PDF of one volume in one edition, and the warnings made on the way (images under the
    configured resolution, RGB images left as they are, what WeasyPrint logged).

    ``split``: how to lay the book out in parts on every core and join them (split/: the pages,
    目录, indexes, bookmarks and folios are those of a single pass). Settings, or None for the
    default ones: books of ``min_articles`` articles or more are split, unless the edition is a
    tagged PDF (the join does not merge structure trees); False: one WeasyPrint pass.
    ``cache_dir``: where laid-out parts, CMYK copies of images and measurements are kept between
    builds (the PDF cache beside the output); None keeps nothing."""
    config = yearbook.config
    name = volume_pdf_name(volume, edition_name)
    where = SourceLocation(config.path)
    warnings: list[Problem] = []
    icc = icc_profile_path(config)
    if icc is not None and not icc.is_file():
        raise ContentError(_("the ICC profile {path!r} does not exist", path=config.pdf.icc_profile), where,
                           _("give the path of a CMYK profile (.icc), relative to content/ or absolute"))
    cover = config.pdf.cover_image
    if cover and (safe_content_path(cover) is None or not (config.content_dir / cover).is_file()):
        raise ContentError(_("the cover image {path!r} is not a file inside content/", path=cover), where,
                           _("give pdf.cover_image as a path relative to content/, e.g. images/cover.jpg"))
    edition = make_edition(edition_name, config.pdf, has_icc_profile=icc is not None)
    spec = Finish(Numbering(None), f"{config.slug}/{volume.slug}/{edition.name}", print_edition=edition.is_print,
                  bleed_mm=css_length_mm(edition.bleed) or 0.0, slug_mm=css_length_mm(config.pdf.slug) or 0.0,
                  pad_pages=config.pdf.pad_pages)
    settings = split if isinstance(split, SplitSettings) else SplitSettings()
    use_split = split is not False and split_render.should_split(volume, edition, settings)
    # one cache folder per PDF, so that the volumes and editions of one build keep each other's parts
    part_cache = cache_dir / name.removesuffix(".pdf") if cache_dir is not None else None
    if use_split:
        problem = checked_adapter(cache_dir)
        if problem is not None:
            warnings.append(Problem(_("PDF {name}: laid out in one pass (slower): the split render does not trust this "
                                      "WeasyPrint ({version}): {problem}", name=name, version=weasyprint_version(), problem=problem),
                                    where, _("install the WeasyPrint version the project pins (bash tasks.sh setup)"), "warning"))
            use_split = False
    with tempfile.TemporaryDirectory(prefix="yearbook-print-") as temp:
        # CMYK copies are named by their content, in the cache when there is one, so that a part
        # that shows one has the same HTML in every build
        copies = (part_cache / "cmyk") if part_cache is not None else Path(temp)
        media_urls: dict[str, str] = {}
        if edition.cmyk:
            if icc is None:
                warnings.append(Problem(_("PDF {name}: no CMYK ICC profile is configured (pdf.icc_profile), so images stay RGB "
                                          "and the PDF has no PDF/X output intent", name=name), where,
                                        _("set pdf.icc_profile to the printer's profile, e.g. ISOcoated_v2 or GRACoL"), "warning"))
            else:
                media_urls, problems = convert_images_to_cmyk(volume, config.content_dir, icc, copies, cover)
                warnings.extend(Problem(_("PDF {name}: {message}", name=name, message=message), where, None, "warning")
                                for message in problems)
        memo = None
        if use_split and part_cache is not None:  # typeset fragments kept between builds
            memo = Memo()
            memo.load(part_cache / MEMO_FILE)
        renderer = BookRenderer(yearbook, volume, theme, edition, media_urls, cache_dir, Typesetter(memo))
        head_extra = ""
        if edition.is_print and icc is not None:
            head_extra = f"<style>@color-profile device-cmyk {{ src: url({icc.resolve().as_uri()!r}); components: c, m, y, k }}</style>"
        allowed = [config.content_dir, theme.path, copies] + ([icc.parent] if icc else [])

        def fetcher_for(html: str):
            return make_url_fetcher(allowed, remote_image_urls(html) if config.markdown.remote_images else ())

        if use_split:
            pdf, messages, images = split_render.render(renderer, volume, edition, fetcher_for, head_extra,
                                                        part_cache, theme, settings, memo, spec)
            if memo is not None:
                memo.save(part_cache / MEMO_FILE)
        else:
            pdf, messages, images = _render_single(renderer, volume, edition, fetcher_for, head_extra, theme, spec)
        warnings.extend(Problem(_("PDF {name}: {message}", name=name, message=message), where,
                                _("use a larger image or print it smaller"), "warning")
                        for message in low_resolution_messages(images, config.pdf.min_dpi, config.content_dir, media_urls))
        if cover:
            warnings.extend(Problem(_("PDF {name}: {message}", name=name, message=message), where, _("use a larger cover picture"),
                                    "warning")
                            for message in low_resolution_cover(config.content_dir / cover, config.pdf, edition))
    warnings += [Problem(_("PDF {name}: {message}", name=name, message=message), SourceLocation(theme.templates_dir / "book.html"),
                         None, "warning")
                 for message in messages]
    return pdf, warnings


MEMO_FILE = "typeset.memo"


def _render_single(renderer: BookRenderer, volume: Volume, edition: Edition, fetcher_for, head_extra: str,
                   theme: Theme, spec: Finish) -> tuple[bytes, list[str], list[tuple]]:
    """The whole book in one WeasyPrint pass: PDF (its text layer cleaned: textlayer.py),
    WeasyPrint's warnings, the raster images."""
    from weasyprint import HTML

    install_fast_leaders()
    install_cjk_justification()
    install_margin_break_fix()
    install_line_fit()
    install_page_fill()

    html = renderer.html()
    if head_extra:
        html = html.replace("</head>", head_extra + "</head>", 1)
    collector = LogCollector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    try:
        document = HTML(string=html, base_url=theme.static_dir.as_uri() + "/", url_fetcher=fetcher_for(html)).render()
        images = raster_images(document)
        pdf = textlayer.clean(document.write_pdf(pdf_identifier=volume.slug.encode(), uncompressed_pdf=False,
                                                 pdf_variant=edition.pdf_variant))
    finally:
        logger.removeHandler(collector)
    first = volume.chapters[0].anchor if volume.chapters else None
    opener = next((number for number, page in enumerate(document.pages, start=1) if first in page.anchors), None)
    return _finished(pdf, replace(spec, numbering=Numbering(opener))), collector.messages, images


def _finished(pdf: bytes, spec: Finish) -> bytes:
    """The single pass's PDF finished as the split render finishes its own (prepress.py)."""
    with pikepdf.open(BytesIO(pdf)) as opened:
        finish(opened, spec)
        out = BytesIO()
        opened.save(out, deterministic_id=True, stream_decode_level=pikepdf.StreamDecodeLevel.none,
                    object_stream_mode=pikepdf.ObjectStreamMode.preserve)
        return out.getvalue()
