"""Find the content files and read them: decode UTF-8 / UTF-8-BOM / GBK, normalise line ends,
split the YAML front matter from the Markdown body while keeping line numbers."""
from __future__ import annotations

import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..errors import ContentError, ContentErrors, Problem, ProblemLog, SourceLocation
from ..i18n import Listing, N_, _, ngettext

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

    def body_problems(self) -> list[Problem]:
        """The body's control characters, line by line (the front matter's: yamlfile.load_yaml)."""
        return control_character_problems(self.body, self.path, self.body_line)

    def location(self, yaml_line: int | None = None) -> SourceLocation:
        """Location of a 0-based line inside the front matter (None: the whole file)."""
        if yaml_line is None:
            return SourceLocation(self.path, None)
        return SourceLocation(self.path, self.front_matter_line + yaml_line)


def find_article_paths(content_dir: Path, log: ProblemLog | None = None) -> list[Path]:
    """Every ``*.md`` below ``content/articles``, in a stable order; symlinks out of the tree are skipped.

    A folder that cannot be read (no permission, an I/O error) is a problem, never skipped in silence:
    its articles would be missing from the build. With ``log`` the problems go there (and the other
    folders are still read); without, they are raised as ContentErrors once the walk is done.

    The paths ``sorted(articles.rglob("*.md"))`` gives (folders that are symbolic links are not entered;
    any entry whose name ends in ``.md`` is one), without the hidden ones (a part starting with ``.``),
    in its order (part by part); only the symbolic links among them are resolved to see where they lead:
    the others lie where the articles folder does."""
    articles_dir = content_dir / "articles"
    problems = ProblemLog() if log is None else log

    def unreadable(path: str, exc: OSError) -> None:
        problems.error(_("cannot read the folder: {reason}; the articles in it would be missing",
                         reason=exc.strerror or str(exc)),
                       SourceLocation(Path(path)), _("give the folder read and search permission (chmod a+rx) "
                                                     "for the account that builds, or move the articles out of it"))

    try:
        if not stat.S_ISDIR(os.stat(articles_dir).st_mode):
            return []
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:  # a content folder that cannot be searched: not the same as no articles
        unreadable(str(articles_dir), exc)
        return _finish(problems, log, [])
    root = content_dir.resolve()
    base_inside = articles_dir.resolve().is_relative_to(root)
    found: list[tuple[tuple[str, ...], str, bool]] = []  # (parts below articles/, path, a symbolic link)

    def walk(folder: str, parts: tuple[str, ...]) -> None:
        try:
            with os.scandir(folder) as scan:
                entries = list(scan)
        except OSError as exc:
            unreadable(folder, exc)
            return
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            if name.endswith(".md"):
                found.append((parts + (name,), entry.path, entry.is_symlink()))
            try:
                is_folder = entry.is_dir() and not entry.is_symlink()
            except OSError as exc:
                unreadable(entry.path, exc)
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
    return _finish(problems, log, paths)


def _finish(problems: ProblemLog, log: ProblemLog | None, paths: list[Path]) -> list[Path]:
    if log is None and problems.errors:
        raise ContentErrors(problems.problems)
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
        # opened without waiting (a named pipe would block the build for ever), then checked to be a file,
        # and read no further than the limit (a file that grows while it is read is not read past it)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0))
        try:
            kind = os.fstat(fd).st_mode
            if not stat.S_ISREG(kind):
                message = (_("cannot read file: it is a named pipe, not a file") if stat.S_ISFIFO(kind) else
                           _("cannot read file: it is a device, not a file") if stat.S_ISCHR(kind) or stat.S_ISBLK(kind) else
                           _("cannot read file: it is a socket, not a file") if stat.S_ISSOCK(kind) else
                           _("cannot read file: it is a folder, not a file") if stat.S_ISDIR(kind) else
                           _("cannot read file: it is not a regular file, not a file"))
                raise ContentError(message, SourceLocation(path),
                                   _("content files are plain files: remove it or replace it by the file itself"))
            stream = open(fd, "rb", closefd=False)
            data = stream.read(MAX_ARTICLE_BYTES + 1)
        finally:
            os.close(fd)
        if len(data) > MAX_ARTICLE_BYTES:
            size = max(len(data), os.stat(path).st_size)
            raise ContentError(
                _("file is {size} MB; the limit is {limit} MB", size=size // 1024 // 1024, limit=MAX_ARTICLE_BYTES // 1024 // 1024),
                SourceLocation(path),
                _("split the article or remove pasted binary data"),
            )
    except OSError as exc:
        raise ContentError(_("cannot read file: {reason}", reason=exc.strerror), SourceLocation(path)) from exc
    text, encoding = decode_bytes(data, path)
    return normalize_text(text.replace("\r\n", "\n").replace("\r", "\n")), encoding


# CJK compatibility ideographs (U+F900–U+FAFF, U+2F800–U+2FA1F) decompose to unified ideographs under NFC:
# they are kept as the editor wrote them, and only the text between them is normalised.
COMPATIBILITY_IDEOGRAPHS = re.compile("([\uf900-\ufaff\U0002f800-\U0002fa1f]+)")


def normalize_text(text: str) -> str:
    """``text`` in Unicode normal form C, so that a name typed in composed form (é, ü: NFC, as most
    keyboards do) and one in decomposed form (e + U+0301: NFD, as macOS file names and some editors
    do) are the same name: one person, one organisation, one search term. The change is invisible:
    the two forms look the same. CJK compatibility ideographs are left as they are."""
    if unicodedata.is_normalized("NFC", text):
        return text
    parts = COMPATIBILITY_IDEOGRAPHS.split(text)
    return "".join(part if index % 2 else unicodedata.normalize("NFC", part) for index, part in enumerate(parts))


# What no page can show nor print: the C0 and C1 control characters but tab and line feed, DEL, lone
# surrogates and the non-characters U+FFFE/U+FFFF (XML, and so the feed, does not allow them at all).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def control_character_name(char: str) -> str:
    """'U+0001', with the usual short name where there is one ('U+000C (form feed)')."""
    names = {"\x08": N_("backspace"), "\x0b": N_("vertical tab"), "\x0c": N_("form feed"), "\x1b": N_("escape"),
             "\x7f": N_("delete"), "\x85": N_("next line")}
    code = f"U+{ord(char):04X}"
    return _("{code} ({name})", code=code, name=_(names[char])) if char in names else code


def control_character_problems(text: str, path: Path, first_line: int) -> list:
    """A problem for each line of ``text`` (which starts at file line ``first_line``) that holds a control
    character: one that cannot be shown nor printed, and that makes the feed ill-formed XML."""
    problems: list[Problem] = []
    if not CONTROL.search(text):
        return problems
    for number, line in enumerate(text.split("\n")):
        found = sorted(set(CONTROL.findall(line)))
        if found:
            problems.append(Problem(
                ngettext("the text contains the control character {names}, which cannot be shown on a page nor printed",
                         "the text contains the control characters {names}, which cannot be shown on a page nor printed",
                         len(found), names=Listing(control_character_name(char) for char in found)),
                SourceLocation(path, first_line + number),
                _("delete the invisible character (it often comes with text pasted from another program)")))
    return problems


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
