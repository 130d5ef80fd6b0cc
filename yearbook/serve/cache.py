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
    """The stamps of every file of the content tree that is not an article, the article paths, and
    the symbolic links under ``articles/`` (files and folders: where they point may change unseen)."""
    others, articles, links = [], [], []
    articles_dir = content_dir / "articles"
    if os.path.islink(articles_dir):
        links.append(str(articles_dir))
    for root, dirs, files in os.walk(content_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        in_articles = Path(root).is_relative_to(articles_dir)
        if in_articles:
            links.extend(os.path.join(root, d) for d in dirs if os.path.islink(os.path.join(root, d)))
        # is_ignored(root/name) looks at the name and the last three parts of the path: the folder's
        # two are the same for all its files (this saves making a Path of every article's path)
        hidden_folder = any(part.startswith(".") for part in Path(root).parts[-2:])
        for name in sorted(files):
            if hidden_folder or is_ignored(Path(name)):  # an editor's swap and backup files change on every keystroke
                continue
            path = os.path.join(root, name)
            if name.endswith(".md") and in_articles:
                articles.append(path)
                if os.path.islink(path):
                    links.append(path)
                continue
            try:
                others.append((path, file_stamp(Path(path))))
            except OSError:
                continue
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
