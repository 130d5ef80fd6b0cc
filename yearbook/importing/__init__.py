"""``yearbook import``: raw reports (plain text in UTF-8/BOM/GBK/GB18030, or Word .docx) → draft articles.

    reading.py     bytes → lines (decoding; .docx paragraphs, tables and pictures in document order)
    typography.py  ASCII punctuation in Chinese text → full-width, as the editors normalise it
    furniture.py   the catalogue of web-page furniture, meta lines and mastheads
    dates.py       the shapes dates come in
    bylines.py     the shapes bylines come in
    structure.py   units of lines and the patterns of headings, labels, footers, page markers
    parse.py       lines → Structure (title, kicker, dates, 关键词, sections, figures, tables, bylines)
    draft.py       Structure → proposed organization / region / date / themes → front matter + Markdown

Every draft has ``draft: true`` and lists at its top what the importer could not decide."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ..content.collect import load_regions
from ..content.topics import load_topics
from ..errors import ContentError, ProblemLog, SourceLocation, YearbookError
from .draft import Draft, make_draft, render_draft
from .parse import parse_report
from .reading import read_report

__all__ = ["ImportedReport", "import_report", "import_files"]


@dataclass
class ImportedReport:
    source: Path
    draft: Draft
    text: str  # the article file's text
    path: Path | None = None  # where it was written


def import_report(path: Path, content_dir: Path) -> ImportedReport:
    """Read and convert one report (writes nothing)."""
    log = ProblemLog()
    regions, _ = load_regions(content_dir, log)
    topics = load_topics(content_dir, log)
    structure = parse_report(read_report(path))
    draft = make_draft(structure, regions, topics)
    return ImportedReport(path, draft, render_draft(draft, path.name))


def free_path(directory: Path, slug: str) -> Path:
    """``slug.md`` in ``directory``, or ``slug-2.md``, ``slug-3.md`` … when it is taken: never overwrite."""
    path, number = directory / f"{slug}.md", 2
    while path.exists():
        path, number = directory / f"{slug}-{number}.md", number + 1
    return path


def free_name(directory: Path, name: str) -> Path:
    """``name`` in ``directory``, or ``stem-2.ext`` … when it is taken."""
    path, number = directory / name, 2
    stem, dot, extension = name.rpartition(".")
    while path.exists():
        path, number = directory / f"{stem}-{number}{dot}{extension}", number + 1
    return path


def write_draft(imported: ImportedReport, content_dir: Path, directory: Path) -> list[Path]:
    """Write the draft (never over a file) and its pictures into content/images/; return the pictures' paths."""
    target = free_path(directory, imported.draft.slug)
    images = content_dir / "images"
    written: list[Path] = []
    draft = imported.draft
    if draft.pictures:
        images.mkdir(parents=True, exist_ok=True)
        for picture, name in zip(draft.pictures, draft.picture_names(target.stem)):
            path = free_name(images, name)
            with open(path, "xb") as handle:
                handle.write(picture.data or b"")
            written.append(path)
    references = [Path(os.path.relpath(path, target.parent)).as_posix() for path in written]
    text = render_draft(draft, imported.source.name, body=draft.render_body(references)) if written else imported.text
    with open(target, "x", encoding="utf-8") as handle:
        handle.write(text)
    imported.path, imported.text = target, text
    return written


def import_files(files: list[Path], content_dir: Path, into: Path | None = None, quiet: bool = False) -> int:
    """The CLI command: import each file, write its draft (and its pictures), print what was not decided.
    Exit status 1 when a file could not be read (the others are still imported)."""
    if not content_dir.is_dir():
        raise ContentError(f"content directory {content_dir} does not exist", None, "pass --content DIR")
    directory = into or content_dir / "articles"
    directory.mkdir(parents=True, exist_ok=True)
    failed = 0
    for path in files:
        try:
            imported = import_report(path, content_dir)
            pictures = write_draft(imported, content_dir, directory)
        except YearbookError as exc:
            for problem in exc.problems:
                print(problem.format(Path.cwd()), file=sys.stderr)
            failed += 1
            continue
        except OSError as exc:
            print(ContentError(f"cannot write the draft: {exc.strerror}", SourceLocation(path)).problems[0].format(Path.cwd()),
                  file=sys.stderr)
            failed += 1
            continue
        if not quiet:
            print(f"{path} → {imported.path} (draft)")
            for picture in pictures:
                print(f"    picture: {picture}")
            for item in imported.draft.undecided:
                print(f"    undecided: {item}")
    if failed:
        print(f"{failed} file(s) could not be imported.", file=sys.stderr)
    return 1 if failed else 0
