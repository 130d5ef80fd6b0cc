"""The articles' images on the site: their size from the file (for ``width``/``height``, so that the
page does not jump as they load), and smaller copies for phones (``srcset``), made with Pillow.

A copy is named by what it is made of: ``media/<path>.<hash>.<width>w.<ext>``, where the hash is of the
original's bytes, so a changed photo gets new names and no reader's cache shows the old one. Copies
are kept in ``.output-cache/site-images/`` beside the output, each under a key of everything it is
made from (the original's bytes, the width, the encoder settings, Pillow's version and RECIPE); an
entry's name also carries the hash of its own bytes, checked on every read, so a damaged entry is
made again instead of served. A cached build writes the bytes a clean build writes: Pillow's encoders
are deterministic for the same version and settings, which the key includes."""
from __future__ import annotations

import hashlib
import io
import posixpath
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from . import urls
from ..output import RenderedFile, replace_file

WIDTHS = (480, 960, 1440)  # the widths offered in srcset (CSS px at 1×, 2× and 3× of a phone's column)
SIZES = "(min-width: 46rem) 43rem, calc(100vw - 2rem)"  # the column: .wrap is 46rem wide with 1rem padding
RECIPE = "1"  # change when the way copies are made changes: every cached copy is then made again
FORMATS = {"JPEG": ("jpg", {"quality": 82, "optimize": True, "progressive": True}),
           "PNG": ("png", {"optimize": True}),
           "WEBP": ("webp", {"quality": 80, "method": 4})}


@dataclass(frozen=True)
class SiteImage:
    """An image of the content as the site shows it."""

    rel_path: str  # content-relative path of the original
    width: int  # as displayed (EXIF orientation applied)
    height: int
    copies: tuple[tuple[int, str], ...] = ()  # (width, site path) of each smaller copy, narrowest first

    @property
    def url(self) -> str:
        """What ``src`` shows: the largest copy (a 2× phone column), else the original."""
        for width, path in reversed(self.copies):
            if width <= WIDTHS[1]:
                return path
        return self.copies[0][1] if self.copies else urls.media_url(self.rel_path)


class SiteImages:
    """The images of a yearbook: size and copies of each, read once per build (headers only; the
    copies are made or read from the cache by :meth:`files`)."""

    def __init__(self, content_dir: Path, rel_paths: list[str], cache: Path | None = None):
        self.content_dir = content_dir
        self.cache = cache
        self.images: dict[str, SiteImage] = {}
        self._digests: dict[str, str] = {}
        for rel in rel_paths:
            found = self._inspect(rel)
            if found is not None:
                self.images[rel] = found

    def get(self, rel_path: str) -> SiteImage | None:
        return self.images.get(rel_path)

    def _inspect(self, rel: str) -> SiteImage | None:
        path = self.content_dir / rel
        try:
            data = path.read_bytes()
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format
                width, height = image.size
                orientation = image.getexif().get(0x0112, 1)
                animated = getattr(image, "is_animated", False)
        except (OSError, ValueError, Image.DecompressionBombError):
            return None  # not an image Pillow reads (SVG …): shown as it is, without a size
        if orientation in (5, 6, 7, 8):
            width, height = height, width
        digest = hashlib.sha256(data).hexdigest()
        self._digests[rel] = digest
        copies = ()
        if kind in FORMATS and not animated:
            ext = FORMATS[kind][0]
            stem = posixpath.splitext(rel)[0]
            copies = tuple((w, urls.media_url(f"{stem}.{digest[:10]}.{w}w.{ext}")) for w in WIDTHS if w < width)
        return SiteImage(rel, width, height, copies)

    def files(self) -> list[RenderedFile]:
        """The smaller copies of every image, from the cache or made now."""
        made = []
        for rel, image in sorted(self.images.items()):
            for width, site_path in image.copies:
                made.append(RenderedFile(site_path, self._copy(rel, width)))
        return made

    def _copy(self, rel: str, width: int) -> bytes:
        digest = self._digests[rel]
        key = hashlib.sha256(f"{digest}\0{width}\0{FORMATS}\0{Image.__version__}\0{RECIPE}".encode()).hexdigest()[:32]
        if self.cache is not None and self.cache.is_dir():
            for entry in self.cache.glob(f"{key}-*"):
                data = entry.read_bytes()
                if entry.name == f"{key}-{hashlib.sha256(data).hexdigest()[:16]}":
                    return data
                entry.unlink(missing_ok=True)  # damaged: made again below
        data = resize(self.content_dir / rel, width)
        if self.cache is not None:
            replace_file(self.cache / f"{key}-{hashlib.sha256(data).hexdigest()[:16]}", data)
        return data


def resize(path: Path, width: int) -> bytes:
    """The image at ``path`` turned upright (EXIF orientation), ``width`` pixels wide, in its own format,
    without its metadata (a phone photo's EXIF may hold where it was taken)."""
    with Image.open(path) as image:
        kind = image.format
        image = ImageOps.exif_transpose(image)
        height = max(1, round(image.height * width / image.width))
        if kind == "JPEG" and image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        small = image.resize((width, height), Image.LANCZOS)
        ext, options = FORMATS[kind]
        out = io.BytesIO()
        icc = image.info.get("icc_profile")
        small.save(out, kind, **options, **({"icc_profile": icc} if icc else {}))
        return out.getvalue()
