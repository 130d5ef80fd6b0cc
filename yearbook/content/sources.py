"""Find the content files and read them: decode UTF-8 / UTF-8-BOM / GBK, normalise line ends,
split the YAML front matter from the Markdown body while keeping line numbers."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ContentError, SourceLocation
from ..i18n import _

MAX_ARTICLE_BYTES = 8 * 1024 * 1024
FENCE = re.compile(r"^---[ \t]*$")


@dataclass(frozen=True)
class SourceFile:
    """One article file, decoded and split."""

    path: Path
    rel_path: Path  # relative to the content directory
    encoding: str
    front_matter: str
    front_matter_line: int  # file line of the first front-matter line
    body: str
    body_line: int  # file line of the first body line

    def location(self, yaml_line: int | None = None) -> SourceLocation:
        """Location of a 0-based line inside the front matter (None: the whole file)."""
        if yaml_line is None:
            return SourceLocation(self.path, None)
        return SourceLocation(self.path, self.front_matter_line + yaml_line)


def find_article_paths(content_dir: Path) -> list[Path]:
    """Every ``*.md`` below ``content/articles``, in a stable order; symlinks out of the tree are skipped.

    The paths ``sorted(articles.rglob("*.md"))`` gives (folders that are symbolic links are not entered;
    any entry whose name ends in ``.md`` is one), without the hidden ones (a part starting with ``.``),
    in its order (part by part); only the symbolic links among them are resolved to see where they lead:
    the others lie where the articles folder does."""
    articles_dir = content_dir / "articles"
    if not articles_dir.is_dir():
        return []
    root = content_dir.resolve()
    base_inside = articles_dir.resolve().is_relative_to(root)
    found: list[tuple[tuple[str, ...], str, bool]] = []  # (parts below articles/, path, a symbolic link)

    def walk(folder: str, parts: tuple[str, ...]) -> None:
        try:
            with os.scandir(folder) as scan:
                entries = list(scan)
        except PermissionError:
            return
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            if name.endswith(".md"):
                found.append((parts + (name,), entry.path, entry.is_symlink()))
            try:
                is_folder = entry.is_dir() and not entry.is_symlink()
            except OSError:
                is_folder = False
            if is_folder:
                walk(entry.path, parts + (name,))

    walk(str(articles_dir), ())
    found.sort(key=lambda item: item[0])
    paths = []
    for _parts, text, linked in found:
        path = Path(text)
        if (path.resolve().is_relative_to(root)) if linked else base_inside:
            paths.append(path)
    return paths


def decode_bytes(data: bytes, path: Path) -> tuple[str, str]:
    """Decode a text file the way editors' files come: UTF-8 (with or without BOM), else GB18030/GBK."""
    if b"\x00" in data:
        utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
        raise ContentError(
            _("this is a UTF-16 file") if utf16 else _("this is not a text file (it contains NUL bytes)"),
            SourceLocation(path),  # the whole file: a binary file has no lines to point at
            _("save the article as plain text (UTF-8) with a .md extension"),
        )
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise ContentError(
                _("the file starts with a UTF-8 byte-order mark but is not valid UTF-8 (byte {offset})", offset=exc.start + 3),
                SourceLocation(path, _line_of_byte(data, exc.start + 3)),
                _("save the file again as UTF-8 in your editor"),
            ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_exc:
        utf8_error = utf8_exc.start
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        bad = max(utf8_error, exc.start)  # the reading that got further is the one the editor meant
        raise ContentError(
            _("cannot decode the file as UTF-8 or GBK/GB18030 (byte {offset})", offset=bad),
            SourceLocation(path, _line_of_byte(data, bad)),
            _("save the file as UTF-8"),
        ) from exc


def _line_of_byte(data: bytes, offset: int) -> int:
    """1-based line of the byte at ``offset`` (any of \\n, \\r\\n, \\r ends a line)."""
    head = data[:offset]
    return head.count(b"\n") + head.replace(b"\r\n", b"\n").count(b"\r") + 1


def read_text(path: Path) -> tuple[str, str]:
    """Read and decode a content file; return (text with \\n line ends, encoding)."""
    try:
        size = path.stat().st_size
        if size > MAX_ARTICLE_BYTES:
            raise ContentError(
                _("file is {size} MB; the limit is {limit} MB", size=size // 1024 // 1024, limit=MAX_ARTICLE_BYTES // 1024 // 1024),
                SourceLocation(path),
                _("split the article or remove pasted binary data"),
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ContentError(_("cannot read file: {reason}", reason=exc.strerror), SourceLocation(path)) from exc
    text, encoding = decode_bytes(data, path)
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


def split_front_matter(text: str, path: Path) -> tuple[str, int, str, int]:
    """Split ``---`` fenced YAML from the body; return (yaml, yaml_first_line, body, body_first_line)."""
    lines = text.split("\n")
    if not lines or not FENCE.match(lines[0]):
        first = lines[0].strip() if lines else ""
        hint = _("start the file with a line '---', then the YAML fields, then a line '---'")
        if not text.strip():
            raise ContentError(_("the file is empty"), SourceLocation(path, 1), hint)
        raise ContentError(_("no front matter: the first line is {line!r}, not '---'", line=first[:40]), SourceLocation(path, 1), hint)
    for index in range(1, len(lines)):
        if FENCE.match(lines[index]):
            front = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1:])
            return front, 2, body, index + 2
    raise ContentError(
        _("the front matter is never closed"),
        SourceLocation(path, 1),
        _("add a line '---' after the last YAML field, before the article text"),
    )


def read_source(path: Path, content_dir: Path) -> SourceFile:
    """Read one article file into a :class:`SourceFile`."""
    text, encoding = read_text(path)
    front, front_line, body, body_line = split_front_matter(text, path)
    try:
        rel_path = path.relative_to(content_dir)
    except ValueError:
        rel_path = Path(path.name)
    return SourceFile(path, rel_path, encoding, front, front_line, body, body_line)
