"""What the split render keeps between builds, in ``.<output>-cache/pdf/<pdf name>/`` beside the
output: laid-out documents, the pages of each article in them, and the font programs of the book.

Nothing in it is trusted over the content:
- an entry's key is a digest of everything it was made from: the HTML laid out (which holds the
  text, the page numbers and the stylesheets' URLs), the stylesheets' bytes, the images it shows,
  the WeasyPrint version, the edition and the fonts installed (:func:`fonts_state`);
- an entry is read only whole and unchanged: it is written atomically and sealed with its SHA-256
  (output.write_sealed), and an entry that fails the check is laid out again;
- what an entry is made of cannot change without its key changing, so a build that takes it from
  the cache writes the bytes a build that lays it out again writes.

An article's pages (a *view*) are kept by the article's own key and point into the entry of the
document they were laid out in (which may have held other articles: views of it stay valid as long
as it is kept). ``prune`` removes what the last build did not use, so the cache never outgrows one
build."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from pathlib import Path

from ...output import read_sealed, write_sealed

LAYOUT_FORMAT = 1  # of a stored Layout: a change to what it records must bump this
KEPT = ("stats.json", "cmyk", "typeset.memo")  # in a PDF's folder, besides entries: kept by their owners


def cache_key(*pieces) -> str:
    digest = hashlib.sha256()
    for piece in pieces:
        digest.update(piece if isinstance(piece, bytes) else str(piece).encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()


@lru_cache(maxsize=1)
def fonts_state() -> str:
    """A digest of the installed fonts as fontconfig lists them (every file with its size, time,
    version and the names it answers to): installing, removing or upgrading a font changes it, and
    with it every key, because a font change may change which font a family name selects."""
    if not shutil.which("fc-list"):
        return "no fontconfig"
    listed = subprocess.run(["fc-list", "--format", "%{file}|%{index}|%{family}|%{style}|%{fontversion}\\n"],
                            capture_output=True, check=False).stdout
    lines = sorted(set(listed.splitlines()))
    stamped = []
    for line in lines:
        path = line.split(b"|", 1)[0]
        try:
            st = os.stat(path)
            stamped.append(line + b"|%d|%d" % (st.st_size, st.st_mtime_ns))
        except OSError:
            stamped.append(line)
    return hashlib.sha256(b"\n".join(stamped)).hexdigest()


@dataclass
class PageInfo:
    """What the furniture of a page depends on: its page name (``@page chapter``), whether
    WeasyPrint made it as a blank page, and the named strings set on it, in order."""

    name: str
    blank: bool
    strings: dict[str, list[str]]


@dataclass
class Layout:
    """A laid-out document, or the pages of one article in it (a view). Positions are PDF points
    from the page's bottom-left; pages are counted from 0 within the layout; ``sheets`` are the
    indexes of its pages in ``pdf``."""

    pdf: bytes
    pages: list[PageInfo]
    anchors: dict[str, tuple[int, float, float]]
    bookmarks: list[tuple[int, int, str, float, float, str]]  # page, level, label, x, y, state
    images: list[tuple[str, int, float, float]]  # url, page (from 1), dpi, width in mm
    messages: list[str] = field(default_factory=list)
    # per page, the page numbers drawn on it: x, baseline y (CSS px from the top-left), text, ordinal
    numbers: list[list[tuple[float, float, str, int]]] = field(default_factory=list)
    # per page, the glyphs drawn with each font: {resource name: [glyph ids]}
    glyphs: list[dict[str, list[int]]] = field(default_factory=list)
    # the fonts of ``pdf``: resource name → [base font, file digest, file size, face index, plain]
    fonts: dict[str, list] = field(default_factory=dict)
    articles: list[int] = field(default_factory=list)  # where each <article> begins (documents of articles)
    sheets: list[int] = field(default_factory=list)  # the page of ``pdf`` each page is (empty: 0, 1, 2 …)
    key: str = ""  # the cache key of the document ``pdf`` is (not stored)

    def sheet(self, page: int) -> int:
        return self.sheets[page] if self.sheets else page

    def meta(self) -> dict:
        """What is stored beside ``pdf``: every field but ``pdf`` and ``key``, as ``dataclasses.asdict``
        gives them (the pages as dicts), without its deep copy (json.dumps reads the values)."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("pdf", "key")}
        data["pages"] = [asdict(page) for page in self.pages]
        return data

    @classmethod
    def from_meta(cls, pdf: bytes, data: dict, key: str = "") -> "Layout":
        return cls(pdf=pdf, pages=[PageInfo(**p) for p in data["pages"]],
                   anchors={k: tuple(v) for k, v in data["anchors"].items()},
                   bookmarks=[tuple(b) for b in data["bookmarks"]], images=[tuple(i) for i in data["images"]],
                   messages=list(data["messages"]), numbers=[[tuple(n) for n in page] for page in data["numbers"]],
                   glyphs=[{k: list(v) for k, v in page.items()} for page in data["glyphs"]],
                   fonts={k: list(v) for k, v in data["fonts"].items()}, articles=list(data["articles"]),
                   sheets=list(data["sheets"]), key=key)


class PartCache:
    """Laid-out documents and article views on disk (``directory`` None: nothing is kept, every
    lookup misses). ``used``: the entries this build asked for or made (``prune`` keeps those)."""

    def __init__(self, directory: Path | None):
        self.directory = directory
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
        self.used: set[str] = set()
        self._documents: dict[str, tuple[bytes, dict]] = {}
        self.rejected = 0  # entries that were there but failed their check (counted for stats.json)

    def _path(self, key: str, suffix: str) -> Path:
        return self.directory / f"{key}{suffix}"

    def _read(self, key: str, suffix: str) -> bytes | None:
        if self.directory is None:
            return None
        path = self._path(key, suffix)
        data = read_sealed(path)
        if data is None and path.exists():
            self.rejected += 1
        return data

    def get(self, key: str) -> Layout | None:
        """The document laid out under ``key``, or None."""
        self.used.add(key)
        found = self._document(key)
        return Layout.from_meta(found[0], found[1], key) if found is not None else None

    def _document(self, key: str) -> tuple[bytes, dict] | None:
        if key in self._documents:
            return self._documents[key]
        data = self._read(key, ".layout")
        if data is None:
            return None
        try:
            size = int.from_bytes(data[:8], "big")
            meta = json.loads(data[8:8 + size])
            if meta.get("format") != LAYOUT_FORMAT:
                return None
            found = (data[8 + size:], meta["layout"])
            Layout.from_meta(*found)  # every field there
        except (ValueError, KeyError, TypeError, AttributeError):
            self.rejected += 1
            return None
        self._documents[key] = found
        return found

    def put(self, key: str, layout: Layout) -> None:
        self.used.add(key)
        layout.key = key
        meta = json.dumps({"format": LAYOUT_FORMAT, "layout": layout.meta()}, ensure_ascii=False).encode("utf-8")
        self._documents[key] = (layout.pdf, json.loads(meta)["layout"])
        if self.directory is not None:
            write_sealed(self._path(key, ".layout"), len(meta).to_bytes(8, "big") + meta + layout.pdf)

    def get_view(self, key: str) -> Layout | None:
        """An article's pages (see :meth:`put_view`), or None."""
        data = self._read(key, ".view")
        if data is None:
            return None
        try:
            stored = json.loads(data)
            if stored.get("format") != LAYOUT_FORMAT:
                return None
            document = self._document(stored["document"])
            if document is None:
                return None
            view = Layout.from_meta(document[0], stored["layout"], stored["document"])
        except (ValueError, KeyError, TypeError, AttributeError):
            self.rejected += 1
            return None
        self.used.update((key, stored["document"]))
        return view

    def put_view(self, key: str, view: Layout) -> None:
        """Keep ``view`` (an article's pages in the document ``view.key``, stored already) under ``key``."""
        self.used.update((key, view.key))
        if self.directory is not None:
            data = {"format": LAYOUT_FORMAT, "document": view.key, "layout": view.meta()}
            write_sealed(self._path(key, ".view"), json.dumps(data, ensure_ascii=False).encode("utf-8"))

    def read(self, name: str) -> bytes | None:
        """A file of the cache that is not a layout (font programs, the typeset memo …), checked."""
        self.used.add(name)
        return self._read(name, "")

    def write(self, name: str, data: bytes) -> None:
        self.used.add(name)
        if self.directory is not None:
            write_sealed(self._path(name, ""), data)

    def write_stats(self, stats: dict) -> None:
        """What the last split render did and how long each stage took (``stats.json``, for bench/)."""
        if self.directory is not None:
            (self.directory / "stats.json").write_text(json.dumps(stats, ensure_ascii=False, indent=1), encoding="utf-8")

    def prune(self) -> None:
        """Remove the entries this build did not use, and anything else that is not an entry."""
        if self.directory is None:
            return
        for path in self.directory.iterdir():
            if path.name in KEPT:
                continue
            name = path.name
            key = name.rsplit(".", 1)[0] if name.endswith((".layout", ".view")) else name
            if key not in self.used:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
