"""The book's images for print: copies converted to CMYK for the print edition (with the printer's
ICC profile), and the images and cover that would print under the configured resolution."""
from __future__ import annotations

import hashlib
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote

from PIL import Image, ImageCms

from ..content.config import css_length_mm, page_size_mm
from ..content.model import Volume
from ..errors import ContentError, SourceLocation
from ..output import replace_file
from .geometry import Edition


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
    profile, else sRGB), as JPEG in ``temp_dir``, each named by its bytes (so that the print book's
    HTML is the same in every build): content-relative path → file URL of the copy. Copies of images
    the volume no longer has are removed from ``temp_dir``."""
    urls: dict[str, str] = {}
    problems: list[str] = []
    made: set[str] = set()
    temp_dir.mkdir(parents=True, exist_ok=True)
    target = ImageCms.getOpenProfile(str(icc))
    if target.profile.xcolor_space.strip() != "CMYK":
        raise ContentError(f"the ICC profile {icc.name} is not a CMYK profile ({target.profile.xcolor_space.strip()})",
                           SourceLocation(content_dir / "yearbook.yml"), "use the printer's CMYK profile")
    srgb = ImageCms.createProfile("sRGB")
    for rel in _images_of(volume, cover):
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
        data = BytesIO()
        cmyk.save(data, "JPEG", quality=95, dpi=dpi or (72, 72), icc_profile=target.tobytes())
        out = temp_dir / f"{hashlib.sha256(data.getvalue()).hexdigest()[:32]}.jpg"
        if not out.is_file() or out.read_bytes() != data.getvalue():
            replace_file(out, data.getvalue())
        made.add(out.name)
        urls[rel] = out.resolve().as_uri()
    for path in temp_dir.glob("*.jpg"):  # copies no longer used
        if path.name not in made:
            path.unlink(missing_ok=True)
    return urls, problems


def low_resolution_cover(path: Path, pdf, edition: Edition) -> list[str]:
    """The cover picture fills the page and its bleed (background-size: cover): its resolution is
    the smaller of its pixels over the width and over the height."""
    width, height = page_size_mm(pdf.page_size) or (210.0, 285.0)
    bleed = css_length_mm(edition.bleed) or 0.0
    with Image.open(path) as image:
        dpi = min(image.width / ((width + 2 * bleed) / 25.4), image.height / ((height + 2 * bleed) / 25.4))
    return [f"the cover image content/{pdf.cover_image} prints at {dpi:.0f} dpi, under {pdf.min_dpi} dpi"] if pdf.min_dpi and dpi < pdf.min_dpi else []


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
