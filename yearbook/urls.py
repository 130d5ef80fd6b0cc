"""Every slug, site URL and output path is decided here. Paths are relative to the site root and
use directory URLs (``articles/huaian-2021/``); links between pages are made relative so that the
site works from any sub-path. Slugs with ``..``, slashes or absolute paths are rejected."""
from __future__ import annotations

import posixpath
import re

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def is_valid_slug(slug: str) -> bool:
    return bool(SLUG.match(slug)) and len(slug) <= 120


def slugify_ascii(text: str) -> str:
    """Lowercase ascii slug of ``text`` (Han characters become toneless pinyin): 科普 工作 → ke-pu-gong-zuo."""
    from .collation import reading_of

    parts: list[str] = []
    for token in reading_of(text):
        if re.match(r"^[a-zü]+[1-5]$", token):
            parts.append(f" {token[:-1].replace('ü', 'v')} ")
        else:
            parts.append(token)
    slug = re.sub(r"[^a-z0-9]+", "-", "".join(parts).lower()).strip("-")
    return slug


# --- site layout: page URLs (directory URLs, relative to the site root) ---------------------------

def home_url() -> str:
    return ""


def article_url(slug: str) -> str:
    return f"articles/{slug}/"


def volume_url(slug: str) -> str:
    return f"volumes/{slug}/"


def regions_url() -> str:
    return "regions/"


def region_url(slug_path: tuple[str, ...]) -> str:
    return "regions/" + "".join(f"{part}/" for part in slug_path)


def topics_url() -> str:
    return "themes/"


def topic_url(slug: str) -> str:
    return f"themes/{slug}/"


def people_url() -> str:
    return "people/"


def person_url(slug: str) -> str:
    return f"people/{slug}/"


def organizations_url() -> str:
    return "organizations/"


def organization_url(slug: str) -> str:
    return f"organizations/{slug}/"


def search_url() -> str:
    return "search/"


def search_data_url(name: str) -> str:
    """A file of the search index (``meta.json``, ``shards/3.json``, ``docs/12.json``)."""
    return f"search/{name}"


def feed_url() -> str:
    return "feed.xml"


def sitemap_url() -> str:
    return "sitemap.xml"


def robots_url() -> str:
    return "robots.txt"


def pdf_url(pdf_name: str) -> str:
    return f"downloads/{pdf_name}"


def media_url(content_rel_path: str) -> str:
    return f"media/{content_rel_path}"


def static_url(name: str) -> str:
    return f"static/{name}"


def output_file(url: str) -> str:
    """The file that serves ``url``: a directory URL is served by its index.html."""
    return url + "index.html" if url == "" or url.endswith("/") else url


def root_prefix(page_url: str) -> str:
    """The relative prefix from ``page_url`` back to the site root (``../../`` for ``a/b/``)."""
    depth = output_file(page_url).count("/")
    return "../" * depth


def relative_url(from_page: str, to_url: str) -> str:
    """A link from the page at ``from_page`` to ``to_url`` (both relative to the site root)."""
    return root_prefix(from_page) + to_url or "./"


def safe_content_path(reference: str) -> str | None:
    """Normalise a content-relative path; None if it escapes the content tree or is absolute."""
    if not reference or reference.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", reference) or "\\" in reference:
        return None
    normal = posixpath.normpath(reference)
    if normal.startswith("../") or normal == ".." or normal == ".":
        return None
    return normal
