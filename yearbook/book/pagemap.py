"""Where things are in a finished PDF: each named destination (an element's ``id`` in book.html —
``article-<slug>`` on an article's title, see Article.anchor) → the page label printed on the page it
points to (the PDF's /PageLabels, which book/numbering.py writes: roman front matter, 正文 from 1).

It reads the PDF's bytes, not the layout that made them, so it holds for the split render and the
single pass alike, and for any edition (the print edition's slug and padding move no page). A PDF
that cannot be read, or that has no destinations, gives an empty map: the site then shows no page
rather than a wrong one."""
from __future__ import annotations

import io

import pikepdf

from ..content.model import Volume


def printed_pages(pdf_bytes: bytes) -> dict[str, str]:
    """{destination name → printed label of its page} of the PDF ``pdf_bytes``; {} if it is unreadable."""
    try:
        with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
            return _read(pdf)
    except (pikepdf.PdfError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _read(pdf: pikepdf.Pdf) -> dict[str, str]:
    page_of = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
    labels: dict[int, str] = {}

    def label(index: int) -> str:
        if index not in labels:
            labels[index] = str(pdf.pages[index].label)  # /PageLabels applied (qpdf); the page number if none
        return labels[index]

    found: dict[str, str] = {}
    for name, target in _destinations(pdf):
        if isinstance(target, pikepdf.Dictionary):  # a destination dictionary: its /D is the array
            target = target.get("/D")
        if not isinstance(target, pikepdf.Array) or len(target) == 0:
            continue
        page = target[0]
        if isinstance(page, pikepdf.Dictionary) and page.objgen in page_of:
            found[name] = label(page_of[page.objgen])
        elif isinstance(page, int) and 0 <= int(page) < len(pdf.pages):  # a page index (remote-style destinations)
            found[name] = label(int(page))
    return found


def _destinations(pdf: pikepdf.Pdf):
    """(name, destination) of the name tree /Root/Names/Dests (PDF 1.2 on) and of the old /Root/Dests."""
    names = pdf.Root.get("/Names")
    if isinstance(names, pikepdf.Dictionary) and "/Dests" in names:
        for name, target in pikepdf.NameTree(names.Dests).items():
            yield str(name), target
    old = pdf.Root.get("/Dests")
    if isinstance(old, pikepdf.Dictionary):
        for key in old.keys():
            yield key[1:], old[key]


def article_pages(volume: Volume, anchors: dict[str, str]) -> dict[str, str]:
    """{article slug → printed label of the page its title is on} for the articles of ``volume``, from
    the :func:`printed_pages` of its PDF (an article the PDF does not hold — an older PDF — has none)."""
    return {article.slug: anchors[article.anchor] for article in volume.articles if article.anchor in anchors}
