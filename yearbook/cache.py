"""The serve process's cache of built articles, so that a rebuild re-reads only the files that changed.

An article file is reused while its (mtime, size, inode) stamp is unchanged *and* nothing else in the
content tree changed: building an article also depends on topics.yml, regions.yml, the images it
shows and the other article files it links to, so any change to a file that is not an article, or
an article added or removed, empties the cache (see :meth:`ArticleCache.begin`). The problems found
while building a file are kept with it and reported again on every rebuild until the file is fixed.

collect.build_yearbook links articles to each other (volume, previous/next, region path); the cache
hands out a fresh copy of each Article so that no link from an earlier rebuild survives."""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from .errors import Problem, ProblemLog
from .model import Article
from .watch import is_ignored


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
    """The stamps of every file of the content tree that is not an article, and the article paths."""
    others, articles = [], []
    articles_dir = content_dir / "articles"
    for root, dirs, files in os.walk(content_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            if is_ignored(path):  # an editor's swap and backup files change on every keystroke
                continue
            if name.endswith(".md") and path.is_relative_to(articles_dir):
                articles.append(str(path))
                continue
            try:
                others.append((str(path), file_stamp(path)))
            except OSError:
                continue
    return tuple(others), tuple(articles)


class ArticleCache:
    """Built articles by path; ``hits`` and ``misses`` count the last rebuild's lookups."""

    def __init__(self) -> None:
        self._entries: dict[Path, _Entry] = {}
        self._tree: tuple | None = None
        self.hits = 0
        self.misses = 0

    def begin(self, content_dir: Path) -> None:
        """Start a rebuild: forget everything if a non-article file changed or an article came or went."""
        tree = tree_stamp(content_dir)
        if tree != self._tree:
            self._entries.clear()
            self._tree = tree
        self.hits = self.misses = 0

    def load(self, path: Path, log: ProblemLog, build: Callable[[ProblemLog], Article | None]) -> Article | None:
        """The article of ``path``: from the cache when the file is unchanged, else ``build(log)``."""
        try:
            stamp = file_stamp(path)
        except OSError:
            stamp = None
        entry = self._entries.get(path)
        if entry is None or stamp is None or entry.stamp != stamp:
            self.misses += 1
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
        return replace(entry.article, region_path=[], volume=None, previous=None, next=None)

    def forget(self) -> None:
        self._entries.clear()
        self._tree = None
