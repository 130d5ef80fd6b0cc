"""``yearbook import``: raw reports (plain text in UTF-8/BOM/GBK/GB18030, or Word .docx) → draft articles.

    reading.py     bytes → lines (decoding, .docx paragraphs)
    typography.py  ASCII punctuation in Chinese text → full-width, as the editors normalise it
    bylines.py     the shapes bylines come in
    structure.py   units of lines and the patterns of headings, labels, footers, page markers
    parse.py       lines → Structure (title, kicker, date line, 关键词, sections, captions, bylines)
    draft.py       Structure → proposed organization / region / date / themes → front matter + Markdown

Every draft has ``draft: true`` and lists at its top what the importer could not decide."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from ..content.collect import load_regions
from ..errors import ContentError, ProblemLog, YearbookError
from ..content.topics import load_topics
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


def import_files(files: list[Path], content_dir: Path, into: Path | None = None, quiet: bool = False) -> int:
    """The CLI command: import each file, write its draft, print what was not decided. Exit status 1
    when a file could not be read (the others are still imported)."""
    if not content_dir.is_dir():
        raise ContentError(f"content directory {content_dir} does not exist", None, "pass --content DIR")
    directory = into or content_dir / "articles"
    directory.mkdir(parents=True, exist_ok=True)
    failed = 0
    for path in files:
        try:
            imported = import_report(path, content_dir)
        except YearbookError as exc:
            for problem in exc.problems:
                print(problem.format(Path.cwd()), file=sys.stderr)
            failed += 1
            continue
        target = free_path(directory, imported.draft.slug)
        with open(target, "x", encoding="utf-8") as handle:
            handle.write(imported.text)
        imported.path = target
        if not quiet:
            print(f"{path} → {target} (draft)")
            for item in imported.draft.undecided:
                print(f"    undecided: {item}")
    if failed:
        print(f"{failed} file(s) could not be imported.", file=sys.stderr)
    return 1 if failed else 0
