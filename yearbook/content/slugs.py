"""Slugs (the ASCII names in URLs and file names) and content-relative paths: what is a valid slug,
a slug made from Chinese text (its toneless pinyin), an article's slug made from its title, and a path that cannot leave the content tree
(``..``, absolute paths and drive letters are rejected)."""
from __future__ import annotations

import posixpath
import re

from .collation import reading_of

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def is_valid_slug(slug: str) -> bool:
    return bool(SLUG.match(slug)) and len(slug) <= 120


def slugify_ascii(text: str) -> str:
    """Lowercase ascii slug of ``text`` (Han characters become toneless pinyin): 科普 工作 → ke-pu-gong-zuo."""
    parts: list[str] = []
    for token in reading_of(text):
        if re.match(r"^[a-zü]+[1-5]$", token):
            parts.append(f" {token[:-1].replace('ü', 'v')} ")
        else:
            parts.append(token)
    slug = re.sub(r"[^a-z0-9]+", "-", "".join(parts).lower()).strip("-")
    return slug


MAX_TITLE_SLUG = 60
MAX_NAME_SLUG = 80  # a person's or organisation's page: its folder name must stay well under 255 bytes


def capped_slug(slug: str, max_length: int = MAX_NAME_SLUG) -> str:
    """``slug`` cut to at most ``max_length`` characters (a name's pinyin can be of any length; a file
    name cannot). Two names cut to the same slug are told apart by the caller's ``-2``."""
    return slug[:max_length].rstrip("-") or slug[:max_length]


def slug_from_title(title: str, max_length: int = MAX_TITLE_SLUG) -> str:
    """The slug of an article made from its title (``new`` and ``import``): toneless pinyin, syllables joined
    by '-', cut at a syllable to at most ``max_length`` characters; 'article' when nothing is left."""
    slug = slugify_ascii(title)
    if len(slug) > max_length:
        slug = slug[:max_length + 1].rsplit("-", 1)[0]
    return slug.strip("-") or "article"


def safe_content_path(reference: str) -> str | None:
    """Normalise a content-relative path; None if it escapes the content tree or is absolute."""
    if not reference or reference.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", reference) or "\\" in reference:
        return None
    normal = posixpath.normpath(reference)
    if normal.startswith("../") or normal == ".." or normal == ".":
        return None
    return normal
