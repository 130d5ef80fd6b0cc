"""A draft's undecided items: what ``yearbook import`` could not decide, listed at the top of the draft as
comments, read back for ``check``'s review list.

The draft says them in the language it was imported in (i18n): the heading is recognised in every
language of the catalogue, each item is a ``#   - …`` line under it, up to the next comment heading or
the first field."""
from __future__ import annotations

from ..i18n import N_, all_translations
from .sources import SourceFile

UNDECIDED_HEADING = N_("Undecided — check before publishing (then remove `draft: true`):")
CHANGED_HEADING = N_("What the importer changed:")
ITEM = "#   - "


def undecided_items(source: SourceFile) -> list[tuple[int, str]]:
    """(file line, text) of every undecided item in the front matter's comments."""
    headings = {text.strip() for text in all_translations(UNDECIDED_HEADING)}
    items, listing = [], False
    for number, line in enumerate(source.front_matter.split("\n")):
        if not line.startswith("#"):
            if line.strip():
                break  # the fields: the comments at the top are over
            continue
        if line.startswith(ITEM):
            if listing:
                items.append((source.front_matter_line + number, line[len(ITEM):].strip()))
            continue
        listing = line.lstrip("# ").strip() in headings
    return items
