"""The print book's geometry and editions: the text block (版心) a whole number of characters wide
and a whole number of lines high, the margins around it, and what each PDF edition
(screen / print / archive) changes. Plain computations from the config; no I/O."""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..content.config import PdfConfig, css_length_mm, page_size_mm

LINE_HEIGHT = 1.7  # body leading, in body-size units (print.css uses the same value)


@dataclass(frozen=True)
class PageGeometry:
    """Page and text block in mm; ``chars_per_line`` × body size = the text block's width."""

    width: float
    height: float
    font_size_mm: float
    chars_per_line: int
    lines_per_page: int
    margin_top: float
    margin_bottom: float
    margin_inner: float
    margin_outer: float

    @property
    def text_width(self) -> float:
        return self.chars_per_line * self.font_size_mm

    @property
    def text_height(self) -> float:
        return self.lines_per_page * self.font_size_mm * LINE_HEIGHT

    def css(self, value: float) -> str:
        """A length for the stylesheet: mm, rounded *down* to 0.001 mm, so that the margins never
        grow and the text block is never smaller than its whole lines (a bottom margin rounded up
        by 0.0002 mm made the block 0.004 px short of 38 lines, and every full page held 37)."""
        return f"{math.floor(value * 1000 + 1e-6) / 1000:.3f}mm"


def page_geometry(pdf: PdfConfig) -> PageGeometry:
    """The page of ``pdf`` with its margins adjusted so that the text block holds whole characters
    across and whole lines down. The leftover width is shared between the margins in their ratio, so
    the inner (spine) margin stays the wider; the leftover height goes to the foot margin."""
    width, height = page_size_mm(pdf.page_size) or (210.0, 285.0)
    size = css_length_mm(pdf.font_size) or 3.704
    top, bottom = css_length_mm(pdf.margin_top) or 22.0, css_length_mm(pdf.margin_bottom) or 20.0
    inner, outer = css_length_mm(pdf.margin_inner) or 25.0, css_length_mm(pdf.margin_outer) or 20.0
    available = width - inner - outer
    chars = pdf.chars_per_line or int(available // size + 1e-6)
    chars = max(8, min(chars, int(width * 0.9 // size)))
    leftover = width - chars * size - inner - outer
    share = inner / (inner + outer) if inner + outer > 0 else 0.5
    inner, outer = inner + leftover * share, outer + leftover * (1 - share)
    if outer < 8:  # chars_per_line asked for more than fits: keep a printable outer margin
        inner, outer = inner + outer - 8, 8.0
    line = size * LINE_HEIGHT
    lines = max(10, int((height - top - bottom) // line + 1e-6))
    bottom = height - top - lines * line
    return PageGeometry(width, height, size, chars, lines, top, bottom, inner, outer)


@dataclass(frozen=True)
class Edition:
    """What one PDF edition changes. ``screen`` is what the site offers for download."""

    name: str
    bleed: str = "0mm"
    marks: str = "none"
    pdf_variant: str | None = None  # WeasyPrint pdf_variant
    cmyk: bool = False  # colours as device-cmyk, images converted when an ICC profile is configured

    @property
    def suffix(self) -> str:
        return "" if self.name == "screen" else f"-{self.name}"

    @property
    def is_print(self) -> bool:
        return self.name == "print"


def make_edition(name: str, pdf: PdfConfig, has_icc_profile: bool = False) -> Edition:
    if name == "print":
        # the crop and registration marks are drawn in the slug, outside the bleed (prepress.py)
        return Edition("print", bleed=pdf.bleed, marks="none", cmyk=True,
                       pdf_variant="pdf/x-4" if has_icc_profile else None)
    if name == "archive":
        return Edition("archive", pdf_variant=pdf.archive_variant)
    return Edition("screen")


def edition_pdf_name(pdf_name: str, edition: Edition) -> str:
    """``nianjian-2020-2024.pdf`` → ``nianjian-2020-2024-print.pdf`` (screen keeps the plain name)."""
    stem = pdf_name.removesuffix(".pdf")
    return f"{stem}{edition.suffix}.pdf"
