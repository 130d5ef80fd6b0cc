"""The book's page numbers as they are printed (页码): the front matter — cover to 目录, and the blank
verso before the first chapter — in lower-case roman numerals counted from the cover, the 正文 from 1
on the first chapter's opener, the indexes going on. print.css prints them (``counter(page,
lower-roman)`` in the front matter, ``counter-reset: page 1`` on the first opener); the split render
works them out the same way (:class:`Numbering`), and both write them into the PDF as its page
labels (:func:`set_page_labels`), so that a viewer's page box shows the number printed on the page."""
from __future__ import annotations

from dataclasses import dataclass

import pikepdf

ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
         (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))


def roman(number: int) -> str:
    """1 → i, 4 → iv, 14 → xiv (CSS lower-roman)."""
    out = []
    for value, letters in ROMAN:
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)


@dataclass(frozen=True)
class Numbering:
    """``first``: the physical page (from 1) printed as 1, the first chapter's opener (None: a book
    without chapters, numbered from its first page)."""

    first: int | None

    def label(self, page: int) -> str:
        """What is printed as the number of physical page ``page``."""
        if self.first is None:
            return str(page)
        return roman(page) if page < self.first else str(page - self.first + 1)

    def folio(self, page: int) -> int:
        """The page counter of physical page ``page`` in the 正文 (0 or less in the front matter)."""
        return page if self.first is None else page - self.first + 1


def set_page_labels(pdf: pikepdf.Pdf, numbering: Numbering) -> None:
    """The PDF's /PageLabels: roman for the front matter, then decimal from 1."""
    ranges: list = []
    if numbering.first is None or numbering.first <= 1:
        ranges += [0, pikepdf.Dictionary({"/S": pikepdf.Name.D})]
    else:
        ranges += [0, pikepdf.Dictionary({"/S": pikepdf.Name.r}),
                   numbering.first - 1, pikepdf.Dictionary({"/S": pikepdf.Name.D})]
    pdf.Root.PageLabels = pdf.make_indirect(pikepdf.Dictionary({"/Nums": pikepdf.Array(ranges)}))
