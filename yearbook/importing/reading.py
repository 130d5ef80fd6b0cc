"""Read a raw report into plain lines: text files in UTF-8 (with or without BOM), UTF-16 with BOM or
GBK/GB18030 (sources.decode_bytes: UTF-8 is tried first, so GBK is never guessed for valid UTF-8), and
Word .docx files (python-docx: one line per paragraph, a blank line between paragraphs, line breaks
inside a paragraph kept as lines, Heading styles remembered). Nothing else is decided here."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ContentError, SourceLocation
from ..content.sources import decode_bytes

MAX_REPORT_BYTES = 32 * 1024 * 1024
# Zero-width characters, and control characters that neither a reader nor YAML accepts.
INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
SPACES = re.compile("[\u00a0\u3000\u2002\u2003\u2009\t]")


@dataclass
class ReportText:
    """The lines of one report (stripped, blank lines kept) and what the reader learned on the way."""

    path: Path
    lines: list[str]
    encoding: str
    heading_lines: dict[int, int] = field(default_factory=dict)  # line index → heading level (from .docx styles)
    notes: list[str] = field(default_factory=list)


def clean_line(line: str) -> str:
    """No invisible characters; full-width and no-break spaces become spaces; no padding."""
    line = INVISIBLE.sub("", line)
    line = SPACES.sub(" ", line)
    return re.sub(r" {2,}", " ", line).strip()


def read_report(path: Path) -> ReportText:
    """The lines of a .txt/.md (any of the encodings above) or .docx report."""
    suffix = path.suffix.lower()
    if suffix == ".doc":
        raise ContentError("old Word .doc files cannot be read", SourceLocation(path),
                           "open it in Word or LibreOffice and save it as .docx (or as plain text)")
    try:
        if path.stat().st_size > MAX_REPORT_BYTES:
            raise ContentError("the file is too large for a report", SourceLocation(path))
        data = path.read_bytes()
    except OSError as exc:
        raise ContentError(f"cannot read the file: {exc.strerror}", SourceLocation(path)) from exc
    if suffix == ".docx" or data.startswith(b"PK\x03\x04"):
        return _read_docx(path)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text, encoding = data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:  # cut short, or half of a surrogate pair
            raise ContentError(f"the file starts as UTF-16 but cannot be decoded (byte {exc.start})", SourceLocation(path),
                               "save the report again as UTF-8 or UTF-16 in your editor") from None
    else:
        text, encoding = decode_bytes(data, path)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    return ReportText(path, [clean_line(line) for line in text.split("\n")], encoding)


def _read_docx(path: Path) -> ReportText:
    try:
        import docx  # python-docx
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ContentError("reading .docx needs python-docx", SourceLocation(path), "pip install python-docx") from exc
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several types for a damaged or foreign file
        raise ContentError(f"cannot read this Word file ({type(exc).__name__})", SourceLocation(path),
                           "open it in Word or LibreOffice and save it again as .docx, or as plain text") from exc
    report = ReportText(path, [], "docx")
    for paragraph in document.paragraphs:
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        level = _heading_level(style)
        parts = [clean_line(part) for part in re.split(r"[\n\v]", paragraph.text)]
        if not any(parts):
            report.lines.append("")
            continue
        for part in parts:
            if level and part:
                report.heading_lines[len(report.lines)] = level
            report.lines.append(part)
        report.lines.append("")
    if document.tables:
        report.notes.append(f"{len(document.tables)} table(s) in the Word file were not imported; copy them by hand")
    if document.inline_shapes:
        report.notes.append(f"{len(document.inline_shapes)} picture(s) in the Word file were not imported; "
                            "save them into content/images/ and add them to the figure blocks")
    return report


def _heading_level(style: str) -> int:
    """2 for 'Heading 1'/'标题 1'/'Title', 3 for deeper headings, 0 for body styles."""
    match = re.match(r"^(?:heading|标题)\s*(\d)", style.strip(), re.I)
    if match:
        return 2 if match.group(1) in ("1", "2") else 3
    return 0
