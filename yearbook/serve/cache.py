"""The serve process's cache of built articles, so that a rebuild re-reads only the files that changed.

An article file is reused while its (mtime, size, inode) stamp is unchanged *and* nothing else in the
content tree changed: building an article also depends on topics.yml, regions.yml, the images it
shows and the other article files it links to, so any change to a file that is not an article, or
an article added or removed, empties the cache (see :meth:`ArticleCache.begin`). The problems found
while building a file are kept with it and reported again on every rebuild until the file is fixed.

collect.build_yearbook links articles to each other (volume, previous/next, region path); the cache
hands out a fresh copy of each Article so that no link from an earlier rebuild survives."""
from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..content.model import Article
from ..errors import Problem, ProblemLog
from .watch import is_ignored_name


@dataclass
class _Entry:
    stamp: tuple
    article: Article | None
    problems: list[Problem]


def file_stamp(path: Path) -> tuple:
    """What tells that a file changed without reading it."""
    st = path.stat()
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def tree_stamp(content_dir: Path) -> tuple:
    """The stamps of every file of the content tree that is not an article, the article paths, and
    the symbolic links under ``articles/`` (files and folders: where they point may change unseen).
    Hidden folders, symbolic links to folders (as os.walk) and files :func:`watch.is_ignored` ignores
    (an editor's swap and backup files change on every keystroke) are left out; the folders are read
    with os.scandir, whose entries tell folders and links apart without a call per file."""
    others: list = []
    articles: list[str] = []
    links: list[str] = []
    articles_dir = os.path.join(content_dir, "articles")
    if os.path.islink(articles_dir):
        links.append(articles_dir)

    def walk(folder: str, hidden: bool, in_articles: bool) -> None:
        """``hidden``: the folder or the one above it is hidden (is_ignored looks at a path's last parts)."""
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError:
            return
        folders, files = [], []
        for entry in entries:
            try:
                is_folder = entry.is_dir()
            except OSError:
                is_folder = False
            if not is_folder:
                files.append(entry)
            elif not entry.name.startswith("."):
                folders.append(entry)
        if in_articles:
            links.extend(entry.path for entry in folders if entry.is_symlink())
        for entry in files:
            if hidden or is_ignored_name(entry.name):
                continue
            if in_articles and entry.name.endswith(".md"):
                articles.append(entry.path)
                if entry.is_symlink():
                    links.append(entry.path)
                continue
            try:
                st = os.stat(entry.path)
            except OSError:
                continue
            others.append((entry.path, (st.st_mtime_ns, st.st_size, st.st_ino)))
        name_hidden = os.path.basename(folder).startswith(".")
        for entry in folders:
            if not entry.is_symlink():  # a link to a folder is not followed (as os.walk)
                walk(entry.path, name_hidden, in_articles or entry.path == articles_dir)

    top = str(content_dir)
    walk(top, os.path.basename(top).startswith(".") or os.path.basename(os.path.dirname(top)).startswith("."),
         top == articles_dir)
    return tuple(others), tuple(articles), tuple(links)


class ArticleCache:
    """Built articles by path; ``hits`` and ``misses`` count the last rebuild's lookups."""

    def __init__(self) -> None:
        self._entries: dict[Path, _Entry] = {}
        self._tree: tuple | None = None
        self._paths: list[Path] | None = None  # find_article_paths of self._tree (no links under articles/)
        self.hits = 0
        self.misses = 0
        self.missed: list[Path] = []  # the files read again by the last rebuild
        self.reset = True  # whether the last begin() emptied the cache

    def begin(self, content_dir: Path) -> None:
        """Start a rebuild: forget everything if a non-article file changed or an article came or went."""
        tree = tree_stamp(content_dir)
        self.reset = tree != self._tree
        if self.reset:
            self._entries.clear()
            self._tree = tree
            self._paths = None
        self.hits = self.misses = 0
        self.missed = []

    def article_paths(self, content_dir: Path, find: Callable[[Path], list[Path]]) -> list[Path]:
        """``find(content_dir)`` (sources.find_article_paths), found again only when an article file came
        or went, or when ``articles/`` holds symbolic links (whose targets the stamps do not see)."""
        if self._paths is None or self._tree is None or self._tree[2]:
            self._paths = find(content_dir)
        return list(self._paths)

    def load(self, path: Path, log: ProblemLog, build: Callable[[ProblemLog], Article | None]) -> Article | None:
        """The article of ``path``: from the cache when the file is unchanged, else ``build(log)``."""
        try:
            stamp = file_stamp(path)
        except OSError:
            stamp = None
        entry = self._entries.get(path)
        if entry is None or stamp is None or entry.stamp != stamp:
            self.misses += 1
            self.missed.append(path)
            sub_log = ProblemLog()
            article = build(sub_log)
            entry = _Entry(stamp, article, list(sub_log.problems))
            if stamp is not None:
                self._entries[path] = entry
        else:
            self.hits += 1
        log.problems.extend(entry.problems)
        if entry.article is None:
            return None
        article = copy.copy(entry.article)  # (dataclasses.replace, without calling __init__ again)
        article.region_path, article.volume, article.previous, article.next = [], None, None, None
        return article

    def forget(self) -> None:
        self._entries.clear()
        self._tree = None
        self._paths = None
