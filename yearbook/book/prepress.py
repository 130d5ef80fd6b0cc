"""What a finished PDF carries besides its pages, the same for the single pass and the split render
(both hand their PDF here before writing it):

- the page labels (numbering.py): a viewer shows the number printed on the page;
- the document's identity in its XMP metadata: a ``xmpMM:DocumentID`` that names the book (the same
  for every build of one volume and edition) and an ``xmpMM:InstanceID`` that names this content (a
  digest of what the pages draw), so that reproducible builds stay reproducible; the trailer /ID is
  worked out by qpdf from the file (``deterministic_id``);
- for the print edition, what a prepress department asks of a press PDF: a slug around the bleed
  (MediaBox ⊃ BleedBox ⊃ TrimBox), crop marks and registration targets drawn in the slug, outside the
  bleed, in the registration colour (a /Separation /All: on every plate), and the page count padded
  with blank pages to a multiple of ``pdf.pad_pages`` (4 by default; 16 for a press sheet)."""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

import pikepdf

from .numbering import Numbering, set_page_labels

MM = 72 / 25.4
MARK_LENGTH = 5.0  # mm: a crop mark's length
MARK_GAP = 1.0  # mm: between the bleed's edge and a crop mark
MARK_WIDTH = 0.25  # pt
TARGET = 2.5  # mm: a registration target's radius


@dataclass(frozen=True)
class Finish:
    """What the finish of one PDF needs to know."""

    numbering: Numbering
    document: str  # what names the book across builds: yearbook slug, volume and edition
    print_edition: bool = False
    bleed_mm: float = 0.0
    slug_mm: float = 0.0
    pad_pages: int = 1


def finish(pdf: pikepdf.Pdf, spec: Finish) -> None:
    """Give ``pdf`` (a book as laid out) its page labels, identity and, in print, slug, marks and padding."""
    if spec.print_edition:
        _pad(pdf, spec.pad_pages)
        _slug_and_marks(pdf, spec.bleed_mm, spec.slug_mm)
    set_page_labels(pdf, spec.numbering)
    _identity(pdf, spec.document)
    if "/ID" in pdf.trailer:  # qpdf keeps a first element it finds: let it work out both from the file
        del pdf.trailer["/ID"]


def _pad(pdf: pikepdf.Pdf, multiple: int) -> None:
    """Blank pages at the end, as many as make the page count a multiple of ``multiple``."""
    if multiple <= 1 or not len(pdf.pages):
        return
    last = pdf.pages[-1].obj
    while len(pdf.pages) % multiple:
        page = pikepdf.Dictionary({"/Type": pikepdf.Name.Page, "/Resources": pikepdf.Dictionary(),
                                   "/Contents": pdf.make_stream(b"")})
        for box in ("/MediaBox", "/TrimBox", "/BleedBox", "/ArtBox", "/CropBox"):
            if box in last:
                page[box] = pikepdf.Array([float(v) for v in last[box]])
        pdf.pages.append(pikepdf.Page(page))


def _registration(pdf: pikepdf.Pdf) -> pikepdf.Array:
    """The registration colour: a separation named All, 100 % on every plate at tint 1."""
    function = pikepdf.Dictionary({"/FunctionType": 2, "/Domain": [0, 1], "/C0": [0, 0, 0, 0], "/C1": [1, 1, 1, 1], "/N": 1})
    return pdf.make_indirect(pikepdf.Array([pikepdf.Name.Separation, pikepdf.Name.All, pikepdf.Name.DeviceCMYK,
                                            pdf.make_indirect(function)]))


def _marks(trim: list[float], bleed: float, slug: float) -> bytes:
    """Crop marks at the corners of ``trim`` and registration targets at the middle of its edges,
    all between the bleed's edge and the slug's, in points from the page's origin."""
    x0, y0, x1, y1 = trim
    gap, length = (bleed + MARK_GAP) * MM, min(MARK_LENGTH, slug - bleed - MARK_GAP) * MM
    ops = [b"q /YbReg CS 1 SCN %.3f w 0 J" % MARK_WIDTH]
    for x in (x0, x1):
        for y in (y0, y1):
            sx = -1 if x == x0 else 1
            sy = -1 if y == y0 else 1
            # the horizontal mark on the trim's y, the vertical on its x, both beyond the bleed
            ops.append(b"%.3f %.3f m %.3f %.3f l S" % (x + sx * gap, y, x + sx * (gap + length), y))
            ops.append(b"%.3f %.3f m %.3f %.3f l S" % (x, y + sy * gap, x, y + sy * (gap + length)))
    radius = min(TARGET, (slug - bleed - MARK_GAP) / 2) * MM
    if radius > 0:
        centre_gap = gap + radius
        for cx, cy in (((x0 + x1) / 2, y1 + centre_gap), ((x0 + x1) / 2, y0 - centre_gap),
                       (x0 - centre_gap, (y0 + y1) / 2), (x1 + centre_gap, (y0 + y1) / 2)):
            k = radius * 0.5523
            ops.append(b"%.3f %.3f m %.3f %.3f %.3f %.3f %.3f %.3f c %.3f %.3f %.3f %.3f %.3f %.3f c "
                       b"%.3f %.3f %.3f %.3f %.3f %.3f c %.3f %.3f %.3f %.3f %.3f %.3f c S" % (
                           cx + radius, cy, cx + radius, cy + k, cx + k, cy + radius, cx, cy + radius,
                           cx - k, cy + radius, cx - radius, cy + k, cx - radius, cy,
                           cx - radius, cy - k, cx - k, cy - radius, cx, cy - radius,
                           cx + k, cy - radius, cx + radius, cy - k, cx + radius, cy))
            ops.append(b"%.3f %.3f m %.3f %.3f l S %.3f %.3f m %.3f %.3f l S" % (
                cx - radius * 1.2, cy, cx + radius * 1.2, cy, cx, cy - radius * 1.2, cx, cy + radius * 1.2))
    ops.append(b"Q")
    return b"\n".join(ops)


def _slug_and_marks(pdf: pikepdf.Pdf, bleed: float, slug: float) -> None:
    """Every page: the MediaBox grown by the slug around the bleed, the BleedBox the trim plus the
    bleed, and the marks drawn in the slug (one form for all pages of one size)."""
    colour = _registration(pdf)
    opening = pdf.make_indirect(pikepdf.Stream(pdf, b"q\n"))
    forms: dict[tuple, tuple[str, pikepdf.Object]] = {}
    for page in pdf.pages:
        obj = page.obj
        trim = [float(v) for v in obj.get("/TrimBox", obj.MediaBox)]
        bleed_box = [trim[0] - bleed * MM, trim[1] - bleed * MM, trim[2] + bleed * MM, trim[3] + bleed * MM]
        media = [trim[0] - slug * MM, trim[1] - slug * MM, trim[2] + slug * MM, trim[3] + slug * MM]
        key = tuple(round(v, 3) for v in trim)
        if key not in forms:
            form = pikepdf.Stream(pdf, _marks(trim, bleed, slug))
            form["/Type"], form["/Subtype"] = pikepdf.Name.XObject, pikepdf.Name.Form
            form["/BBox"] = pikepdf.Array(media)
            form["/Resources"] = pikepdf.Dictionary({"/ColorSpace": pikepdf.Dictionary({"/YbReg": colour})})
            forms[key] = (f"/YbMarks{len(forms) + 1}", pdf.make_indirect(form))
        obj.MediaBox = pikepdf.Array([round(v, 4) for v in media])
        obj.BleedBox = pikepdf.Array([round(v, 4) for v in bleed_box])
        obj.TrimBox = pikepdf.Array([round(v, 4) for v in trim])
        if "/CropBox" in obj:
            del obj["/CropBox"]
        name, form = forms[key]
        resources = obj.get("/Resources")
        if resources is None:
            obj.Resources = resources = pikepdf.Dictionary()
        if "/XObject" not in resources:
            resources.XObject = pikepdf.Dictionary()
        resources.XObject[name] = form  # (pages that share their resources share the name)
        # the page's own drawing may leave its transformation in force (WeasyPrint's does): it is
        # wrapped in q … Q, and the marks drawn after, in the page's own coordinates
        page.contents_add(opening, prepend=True)
        page.contents_add(pdf.make_stream(b"\nQ\nq %s Do Q" % name.encode()), prepend=False)


def _identity(pdf: pikepdf.Pdf, document: str) -> None:
    """xmpMM:DocumentID (this book, whatever its content) and xmpMM:InstanceID (this content)."""
    digest = hashlib.sha256(document.encode("utf-8"))
    for page in pdf.pages:
        contents = page.obj.get("/Contents")
        for stream in (list(contents) if isinstance(contents, pikepdf.Array) else [contents] if contents is not None else []):
            digest.update(hashlib.sha256(stream.read_raw_bytes()).digest())
    document_id = f"uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'yearbook:' + document)}"
    instance_id = f"uuid:{uuid.UUID(bytes=digest.digest()[:16], version=4)}"
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["xmpMM:DocumentID"] = document_id
        meta["xmpMM:InstanceID"] = instance_id
