"""One volume → print HTML (the theme's ``book.html``) → WeasyPrint → PDF bytes, in one of three
editions (print_layout.Edition): ``screen``; ``print`` (bleed, crop marks, CMYK colours, images
converted to CMYK and PDF/X-4 when a CMYK ICC profile is configured); ``archive`` (PDF/A).

WeasyPrint may read only files inside the content and theme directories; what it logs (a missing
image, bad CSS) comes back as our warnings. A CJK font must be installed, or the build stops with a
message that says how to install one."""
from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlparse

from .errors import ContentError, Problem, SetupError, SourceLocation
from .model import Volume, Yearbook
from .output import replace_file
from .pages import load_pages
from .print_layout import Edition, edition_pdf_name, make_edition, page_geometry
from .themes import Theme, make_environment, render_template
from .urls import safe_content_path
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


class LogCollector(logging.Handler):
    """WeasyPrint's warnings, kept as messages (``ignore``: prefixes of messages to drop)."""

    def __init__(self, ignore: tuple[str, ...] = ()) -> None:
        super().__init__(logging.WARNING)
        self.ignore = ignore
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not message.startswith(self.ignore):
            self.messages.append(message)


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


def book_html(yearbook: Yearbook, volume: Volume, theme: Theme, edition: Edition | None = None,
              media_urls: dict[str, str] | None = None) -> str:
    """The print HTML of one volume for one edition (default: screen)."""
    return BookRenderer(yearbook, volume, theme, edition, media_urls).html()


@lru_cache(maxsize=8)
def measure_spacing(font_family: str) -> dict[str, float]:
    """Advance widths (in em) of a space and a no-break space in the body font, as WeasyPrint sets
    them: book.html cancels them with ``word-spacing`` so that the typeset spaces are zero-width
    justification points and the Latin gaps exactly 1/8 em, whatever font the system provides."""
    from weasyprint import HTML
    from weasyprint.formatting_structure import boxes

    family = font_family.replace("<", "").replace(">", "").replace(";", "")
    rows = "".join(f'<p><span id="{key}">字{char}字</span></p>' for key, char in (("none", ""), ("space", " "), ("nbsp", "\u00a0")))
    style = f"body {{ margin: 0; font-family: {family}; font-size: 100px }} p {{ margin: 0; white-space: pre }}"
    document = HTML(string=f"<html><style>{style}</style><body>{rows}</body></html>").render()
    widths = {box.element.get("id"): box.width for box in document.pages[0]._page_box.descendants()
              if isinstance(box, boxes.InlineBox) and box.element is not None and box.element.get("id")}
    return {key: round((widths[key] - widths["none"]) / 100, 5) for key in ("space", "nbsp")}


@lru_cache(maxsize=1)
def weasyprint_version() -> str:
    """The installed WeasyPrint's version, from its package metadata: importing WeasyPrint to ask
    takes more than a second, and a rebuild that takes every part from the cache needs it for
    nothing else (cache keys carry the version)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("weasyprint")
    except PackageNotFoundError:  # run from a source tree without metadata
        import weasyprint

        return weasyprint.__version__


def import_weasyprint(cache_dir: Path | None) -> None:
    """Import WeasyPrint, with the library look-ups it makes on import answered from
    ``cache_dir/libraries.json`` when the system's libraries are as they were: WeasyPrint tries
    several names for each library it loads, and for each name ``ctypes.util.find_library`` runs
    ldconfig and the C compiler (half a second in all, in every process that lays out a part). The
    answers are kept with the time and size of ``/etc/ld.so.cache`` (which installing a library
    rewrites) and ``LD_LIBRARY_PATH``; any change and the libraries are looked up again."""
    import ctypes.util
    import json
    import sys
    from importlib import import_module

    try:
        system = os.stat("/etc/ld.so.cache") if "weasyprint" not in sys.modules and cache_dir is not None else None
    except OSError:
        system = None
    if system is None:
        import_module("weasyprint")
        return
    key = f"{system.st_mtime_ns}:{system.st_size}:{os.environ.get('LD_LIBRARY_PATH', '')}:{weasyprint_version()}"
    path = cache_dir / "libraries.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        known = dict(stored["names"]) if stored.get("key") == key else {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        known = {}
    before = dict(known)
    real = ctypes.util.find_library

    def find_library(name):
        if name not in known:
            known[name] = real(name)
        return known[name]

    ctypes.util.find_library = find_library
    try:
        import_module("weasyprint")
    finally:
        ctypes.util.find_library = real
    if known != before:
        try:
            replace_file(path, json.dumps({"key": key, "names": known}).encode("utf-8"))
        except OSError:
            pass


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
    from . import split_render

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

    from .leaders import install as install_fast_leaders

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


def _images_of(volume: Volume, cover: str = "") -> list[str]:
    seen: list[str] = [cover] if cover else []
    for article in volume.articles:
        for rel in article.images:
            if rel not in seen and rel.lower().endswith((".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".gif", ".bmp")):
                seen.append(rel)
    return seen


def convert_images_to_cmyk(volume: Volume, content_dir: Path, icc: Path, temp_dir: Path,
                           cover: str = "") -> tuple[dict[str, str], list[str]]:
    """Copies of the volume's raster images converted to CMYK with ``icc`` (from their embedded
    profile, else sRGB), as JPEG in ``temp_dir``: content-relative path → file URL of the copy."""
    from io import BytesIO

    from PIL import Image, ImageCms

    urls: dict[str, str] = {}
    problems: list[str] = []
    target = ImageCms.getOpenProfile(str(icc))
    if target.profile.xcolor_space.strip() != "CMYK":
        raise ContentError(f"the ICC profile {icc.name} is not a CMYK profile ({target.profile.xcolor_space.strip()})",
                           SourceLocation(content_dir / "yearbook.yml"), "use the printer's CMYK profile")
    srgb = ImageCms.createProfile("sRGB")
    for index, rel in enumerate(_images_of(volume, cover)):
        try:
            with Image.open(content_dir / rel) as image:
                image.load()
                dpi = image.info.get("dpi")
                if image.mode == "CMYK":
                    continue
                embedded = image.info.get("icc_profile")
                source = ImageCms.getOpenProfile(BytesIO(embedded)) if embedded else srgb
                rgba = image.convert("RGBA")  # transparency is flattened onto white paper
                rgb = Image.new("RGB", image.size, "white")
                rgb.paste(rgba, mask=rgba.getchannel("A"))
                cmyk = ImageCms.profileToProfile(rgb, source, target, renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
                                                 outputMode="CMYK")
        except (OSError, ImageCms.PyCMSError, ValueError) as exc:
            problems.append(f"image content/{rel} was not converted to CMYK ({exc}); it stays RGB")
            continue
        out = temp_dir / f"{index:04d}-{Path(rel).stem}.jpg"
        cmyk.save(out, "JPEG", quality=95, dpi=dpi or (72, 72), icc_profile=target.tobytes())
        urls[rel] = out.resolve().as_uri()
    return urls, problems


def low_resolution_cover(path: Path, pdf, edition: Edition) -> list[str]:
    """The cover picture fills the page and its bleed (background-size: cover): its resolution is
    the smaller of its pixels over the width and over the height."""
    from PIL import Image

    from .config import css_length_mm, page_size_mm

    width, height = page_size_mm(pdf.page_size) or (210.0, 285.0)
    bleed = css_length_mm(edition.bleed) or 0.0
    with Image.open(path) as image:
        dpi = min(image.width / ((width + 2 * bleed) / 25.4), image.height / ((height + 2 * bleed) / 25.4))
    return [f"the cover image content/{pdf.cover_image} prints at {dpi:.0f} dpi, under {pdf.min_dpi} dpi"] if pdf.min_dpi and dpi < pdf.min_dpi else []


def raster_images(document) -> list[tuple[str, int, float, float]]:
    """Every raster image as laid out: (src, page number from 1, dpi at its printed size, width mm)."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.images import RasterImage

    found = []
    for number, page in enumerate(document.pages, start=1):
        for box in page._page_box.descendants():
            if isinstance(box, boxes.ReplacedBox) and box.width and box.height and isinstance(box.replacement, RasterImage):
                url = box.element.get("src", "") if box.element is not None else ""
                found.append((url, number, box.replacement.width / (box.width / 96), box.width / 96 * 25.4))
    return found


def low_resolution_messages(images, min_dpi: int, content_dir: Path, media_urls: dict[str, str]) -> list[str]:
    """One message per image and page where it prints under ``min_dpi`` at the size it has in the
    book (read from WeasyPrint's layout, so the page number is the real one)."""
    if not min_dpi:
        return []
    originals = {url: rel for rel, url in media_urls.items()}
    base = content_dir.resolve().as_uri() + "/"
    messages, seen = [], set()
    for url, number, dpi, width_mm in images:
        rel = originals.get(url) or unquote(url.removeprefix(base)) if url else "an image"
        if dpi < min_dpi and (rel, number) not in seen:
            seen.add((rel, number))
            messages.append(f"image content/{rel} prints at {dpi:.0f} dpi on page {number} "
                            f"({width_mm:.0f} mm wide), under {min_dpi} dpi")
    return messages


def source_date_epoch() -> int | None:
    value = os.environ.get("SOURCE_DATE_EPOCH")
    return int(value) if value and value.isdigit() else None
