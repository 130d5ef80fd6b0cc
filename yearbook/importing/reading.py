"""Read a raw report into plain lines: text files in UTF-8 (with or without BOM), UTF-16 with BOM or
GBK/GB18030 (sources.decode_bytes: UTF-8 is tried first, so GBK is never guessed for valid UTF-8), and
Word .docx files (python-docx, in document order: one line per paragraph, a blank line between
paragraphs, line breaks inside a paragraph kept as lines, Heading styles and all-bold paragraphs
remembered; tables and pictures, inline or floating, where they stand).

Tables and pictures are lines of their own that hold nothing but a placeholder; ``ReportText.tables`` and
``ReportText.pictures`` hold what they stand for, by line index. A table copied from a web page into a
text file arrives as lines of tab-separated cells: a run of two or more such lines with the same number
of cells is read as a table too. Nothing else is decided here."""
from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..content.sources import decode_bytes
from ..errors import ContentError, SourceLocation
from ..i18n import _

MAX_REPORT_BYTES = 32 * 1024 * 1024
# What a .docx (a zip file) may expand to when it is opened: a report's text and formatting are a few
# megabytes, its pictures hardly compress. More is a damaged file or a zip bomb, refused before any
# of it is decompressed (Python's zipfile never gives more than an entry's declared size).
MAX_DOCX_XML_BYTES = 16 * 1024 * 1024  # the XML parts (text, styles, relations), expanded
MAX_DOCX_BYTES = 256 * 1024 * 1024  # every part, pictures too, expanded
MAX_DOCX_PARTS = 5000
MAX_DOCX_PARAGRAPHS = 20000  # paragraphs and table cells: a 100-page report has some 3,000 (read at 2 ms each)
# Zero-width characters, and control characters that neither a reader nor YAML accepts.
INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
SPACES = re.compile("[\u00a0\u3000\u2002\u2003\u2009\t]")
PLACEHOLDER = "\ue000"  # a private-use character: the line of a table or a picture
IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/jpg": "jpg", "image/gif": "gif", "image/bmp": "bmp",
               "image/tiff": "tif", "image/x-emf": "emf", "image/x-wmf": "wmf", "image/webp": "webp", "image/svg+xml": "svg"}
NS = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
      "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "v": "urn:schemas-microsoft-com:vml"}


@dataclass
class Picture:
    """A picture of a Word file (its bytes and file type), or only the place of one (a photo's file name
    left in copied web text: no data)."""

    data: bytes | None
    extension: str
    name: str = ""  # the file name the report gives, if any

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data or self.name.encode()).hexdigest()


@dataclass
class ReportText:
    """The lines of one report (stripped, blank lines kept) and what the reader learned on the way."""

    path: Path
    lines: list[str]
    encoding: str
    heading_lines: dict[int, int] = field(default_factory=dict)  # line index → heading level (from .docx styles)
    bold_lines: set[int] = field(default_factory=set)  # .docx paragraphs set wholly in bold
    tables: dict[int, list[list[str]]] = field(default_factory=dict)  # line index → rows of cells
    pictures: dict[int, Picture] = field(default_factory=dict)  # line index → picture
    notes: list[str] = field(default_factory=list)

    def add_table(self, rows: list[list[str]]) -> None:
        self.tables[len(self.lines)] = rows
        self.lines.append(f"{PLACEHOLDER}table {len(self.tables)}")

    def add_picture(self, picture: Picture) -> None:
        self.pictures[len(self.lines)] = picture
        self.lines.append(f"{PLACEHOLDER}picture {len(self.pictures)}")


def clean_line(line: str) -> str:
    """No invisible characters; full-width and no-break spaces become spaces; no padding."""
    line = INVISIBLE.sub("", line)
    line = SPACES.sub(" ", line)
    return re.sub(r" {2,}", " ", line).strip()


def read_report(path: Path) -> ReportText:
    """The lines of a .txt/.md (any of the encodings above) or .docx report."""
    suffix = path.suffix.lower()
    if suffix == ".doc":
        raise ContentError(_("old Word .doc files cannot be read"), SourceLocation(path),
                           _("open it in Word or LibreOffice and save it as .docx (or as plain text)"))
    try:
        size = path.stat().st_size
        if size > MAX_REPORT_BYTES:
            raise ContentError(_("the file is {size} MB; the limit for a report is {limit} MB", size=_megabytes(size),
                                 limit=_megabytes(MAX_REPORT_BYTES)),
                               SourceLocation(path), _("import the report's text (or the .docx without its largest pictures)"))
        data = path.read_bytes()
    except OSError as exc:
        raise ContentError(_("cannot read the file: {reason}", reason=exc.strerror), SourceLocation(path)) from exc
    if suffix == ".docx" or data.startswith(b"PK\x03\x04"):
        return _read_docx(path)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text, encoding = data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:  # cut short, or half of a surrogate pair
            raise ContentError(_("the file starts as UTF-16 but cannot be decoded (byte {offset})", offset=exc.start), SourceLocation(path),
                               _("save the report again as UTF-8 or UTF-16 in your editor")) from None
    else:
        text, encoding = decode_bytes(data, path)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace(PLACEHOLDER, "")
    report = ReportText(path, [], encoding)
    raw = text.split("\n")
    index = 0
    while index < len(raw):
        run = _tab_table(raw, index)
        if run:
            report.add_table([[clean_line(cell) for cell in line.strip("\t ").split("\t")] for line in raw[index:index + run]])
            report.notes.append(_("read lines {first}–{last} (cells separated by tabs) as a table", first=index + 1, last=index + run))
            index += run
            continue
        report.lines.append(clean_line(raw[index]))
        index += 1
    return report


def _tab_table(lines: list[str], start: int) -> int:
    """How many lines from ``start`` form a table of tab-separated cells (0: none): at least two lines of
    the same two or more cells, none of them long prose."""
    def cells(line: str) -> int:
        parts = line.strip("\t ").split("\t")
        return len(parts) if len(parts) >= 2 and all(p.strip() and len(p.strip()) <= 60 for p in parts) else 0

    width = cells(lines[start])
    if not width:
        return 0
    end = start + 1
    while end < len(lines) and cells(lines[end]) == width:
        end += 1
    return end - start if end - start >= 2 else 0


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.0f}" if size >= 1024 * 1024 else f"{size / 1024 / 1024:.1f}"


def check_docx_size(path: Path) -> None:
    """Refuse a .docx that would expand beyond the limits above, from its zip directory alone."""
    hint = _("a report's text is far smaller: the file is damaged or made to exhaust the computer (a 'zip bomb'); "
             "open it in Word or LibreOffice and save it again, or save the report as plain text")
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ContentError(_("cannot read this Word file: it is not a whole .docx (zip) file ({reason})", reason=str(exc)),
                           SourceLocation(path),
                           _("open it in Word or LibreOffice and save it again as .docx, or as plain text")) from None
    if len(entries) > MAX_DOCX_PARTS:
        raise ContentError(_("the Word file has {count:,} parts; the limit is {limit:,}", count=len(entries), limit=MAX_DOCX_PARTS),
                           SourceLocation(path), hint)
    xml = sum(entry.file_size for entry in entries if entry.filename.lower().endswith((".xml", ".rels")))
    total = sum(entry.file_size for entry in entries)
    if xml > MAX_DOCX_XML_BYTES:
        raise ContentError(_("the Word file's text and formatting expand to {size} MB when it is opened; "
                             "the limit is {limit} MB", size=_megabytes(xml), limit=_megabytes(MAX_DOCX_XML_BYTES)),
                           SourceLocation(path), hint)
    if total > MAX_DOCX_BYTES:
        raise ContentError(_("the Word file expands to {size} MB when it is opened; the limit is {limit} MB",
                             size=_megabytes(total), limit=_megabytes(MAX_DOCX_BYTES)), SourceLocation(path), hint)
    try:  # paragraphs counted before the XML is parsed, as Word writes them (_read_docx counts them all again)
        with zipfile.ZipFile(path) as archive:
            text = archive.read("word/document.xml")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError):
        return  # python-docx says what is wrong with it
    _check_paragraphs(text.count(b"<w:p>") + text.count(b"<w:p ") + text.count(b"<w:tc>") + text.count(b"<w:tc "), path)


def _check_paragraphs(count: int, path: Path) -> None:
    if count > MAX_DOCX_PARAGRAPHS:
        raise ContentError(_("the Word file has {count:,} paragraphs and table cells; the limit is {limit:,}",
                             count=count, limit=MAX_DOCX_PARAGRAPHS),
                           SourceLocation(path), _("import a report at a time: split the file into its reports, "
                                                   "or save it as plain text"))


def _read_docx(path: Path) -> ReportText:
    try:
        import docx  # python-docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ContentError(_("reading .docx needs python-docx"), SourceLocation(path), _("pip install python-docx")) from exc
    check_docx_size(path)
    try:
        document = docx.Document(str(path))
        body = document.element.body
        _check_paragraphs(sum(1 for _ in body.iter(f"{{{NS['w']}}}p", f"{{{NS['w']}}}tc")), path)
        report = ReportText(path, [], "docx")
        styles = _Styles()
        for element in _body_elements(document.element.body):
            if element.tag == f"{{{NS['w']}}}p":
                _read_paragraph(Paragraph(element, document), document, report, styles)
            else:
                _read_table(Table(element, document), report)
    except ContentError:
        raise
    except Exception as exc:  # python-docx and lxml raise several types for a damaged or foreign file
        raise ContentError(_("cannot read this Word file ({error})", error=type(exc).__name__), SourceLocation(path),
                           _("open it in Word or LibreOffice and save it again as .docx, or as plain text")) from exc
    return report


def _body_elements(body):
    """Paragraphs and tables in document order (content controls opened)."""
    for child in body.iterchildren():
        if child.tag in (f"{{{NS['w']}}}p", f"{{{NS['w']}}}tbl"):
            yield child
        elif child.tag == f"{{{NS['w']}}}sdt":
            content = child.find("w:sdtContent", NS)
            if content is not None:
                yield from _body_elements(content)


class _Styles:
    """python-docx looks a style up by scanning the styles part (a millisecond a time, four times a
    paragraph): what a style id comes to is looked up once per document."""

    def __init__(self) -> None:
        self.names: dict[str | None, str] = {}
        self.bold: dict[str | None, bool] = {}

    def paragraph_style(self, paragraph) -> str:
        key = paragraph._p.style  # the w:pStyle id (None: the default paragraph style)
        if key not in self.names:
            style = paragraph.style
            self.names[key] = (style.name if style is not None else "") or ""
        return self.names[key]

    def run_style_bold(self, run) -> bool:
        key = run._r.style  # the w:rStyle id
        if key not in self.bold:
            style = run.style
            self.bold[key] = bool(style is not None and style.font.bold)
        return self.bold[key]


def _read_paragraph(paragraph, document, report: ReportText, styles: _Styles) -> None:
    style = styles.paragraph_style(paragraph)
    level = _heading_level(style)
    parts = [clean_line(part) for part in re.split(r"[\n\v]", paragraph.text.replace(PLACEHOLDER, ""))]
    runs = [run for run in paragraph.runs if run.text.strip()]
    bold = bool(runs) and all(run.bold or styles.run_style_bold(run) for run in runs)
    pictures = _pictures(paragraph._p, document)
    if not any(parts) and not pictures:
        report.lines.append("")
        return
    for part in parts:
        if not part:
            continue
        if level:
            report.heading_lines[len(report.lines)] = level
        if bold:
            report.bold_lines.add(len(report.lines))
        report.lines.append(part)
    for picture in pictures:
        report.add_picture(picture)
    report.lines.append("")


def _pictures(element, document) -> list[Picture]:
    """The pictures a paragraph holds, inline or floating (DrawingML a:blip, or VML v:imagedata)."""
    found, seen = [], set()
    references = [(blip.get(f"{{{NS['r']}}}embed") or blip.get(f"{{{NS['r']}}}link")) for blip in element.iterfind(".//a:blip", NS)]
    references += [data.get(f"{{{NS['r']}}}id") for data in element.iterfind(".//v:imagedata", NS)]
    for rid in references:
        if not rid or rid in seen:
            continue
        seen.add(rid)
        part = document.part.related_parts.get(rid)
        if part is None or not hasattr(part, "blob"):
            continue
        content_type = getattr(part, "content_type", "")
        extension = IMAGE_TYPES.get(content_type) or Path(str(getattr(part, "partname", ""))).suffix.lstrip(".").lower() or "bin"
        found.append(Picture(part.blob, "jpg" if extension == "jpeg" else extension))
    return found


def _read_table(table, report: ReportText) -> None:
    """A table: its rows of cell texts; a cell merged across columns or rows is written once, the cells it
    covers are empty. A table of one row or one column is a layout box: its cells are paragraphs."""
    rows: list[list[str]] = []
    above: list = []
    for row in table.rows:
        cells, seen, elements = [], None, []
        for column, cell in enumerate(row.cells):
            repeated = cell._tc is seen or (column < len(above) and cell._tc is above[column])
            text = " ".join(clean_line(p.text) for p in cell.paragraphs if clean_line(p.text))
            cells.append("" if repeated else text.replace(PLACEHOLDER, ""))
            seen = cell._tc
            elements.append(cell._tc)
        above = elements
        rows.append(cells)
    rows = [row for row in rows if any(row)]
    if not rows:
        return
    if len(rows) == 1 or max(len(row) for row in rows) == 1:
        for text in (cell for row in rows for cell in row if cell):
            report.lines += [text, ""]
        return
    width = max(len(row) for row in rows)
    report.add_table([row + [""] * (width - len(row)) for row in rows])
    report.lines.append("")


def _heading_level(style: str) -> int:
    """2 for 'Heading 1'/'标题 1'/'Title', 3 for deeper headings, 0 for body styles."""
    match = re.match(r"^(?:heading|标题)\s*(\d)", style.strip(), re.I)
    if match:
        return 2 if match.group(1) in ("1", "2") else 3
    return 2 if style.strip().lower() in ("title", "标题", "subtitle", "副标题") else 0
