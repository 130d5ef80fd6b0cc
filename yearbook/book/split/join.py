"""Join separately laid-out parts of a book into one PDF (pikepdf): pages in book order, each page's
running heads and folio drawn over it from the furniture, pages moved sideways when they land on
the other side from the one they were laid out on, one set of named destinations and one outline
(bookmarks) for the whole book. The document catalog, metadata and output intent are the front
part's, as WeasyPrint wrote them for the edition.

pikepdf (qpdf) is used because it copies pages between PDFs with their fonts and images and writes
the result deterministically; WeasyPrint cannot join documents laid out in other processes."""
from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pikepdf

from .fonts import merge_font_programs
from .stamps import Stamper, contents_bytes


@dataclass
class Slot:
    """One page of the book: page ``page`` of part layout ``source`` (None: a blank page), moved
    ``shift`` points sideways, with furniture page ``furniture`` ((document, page) or None)."""

    source: object | None
    page: int
    shift: float = 0.0
    furniture: tuple | None = None  # (document, page, folio stamps)
    stamps: list | None = None  # page numbers to rewrite on the page: [(x, y, old, new)] (page_stamps)


def move_links(page: pikepdf.Page, shift: float) -> None:
    """Move a page's link rectangles ``shift`` points sideways (its drawing was moved as much)."""
    for annotation in page.obj.get("/Annots", []):
        rect = [float(v) for v in annotation.Rect]
        annotation.Rect = pikepdf.Array([rect[0] + shift, rect[1], rect[2] + shift, rect[3]])


class Joiner:
    def __init__(self, front_pdf: bytes, font_cache: Path | None = None, sources: list[bytes] = ()):
        self.front_pdf = front_pdf
        self.pdf = pikepdf.open(BytesIO(front_pdf))
        self.font_cache = font_cache
        self._sources: dict[int, pikepdf.Pdf] = {}
        self._forms: dict[tuple, pikepdf.Object] = {}
        self._resources: dict[tuple, pikepdf.Object] = {}
        self._streams: dict[bytes, pikepdf.Object] = {}
        self._names = 0  # furniture forms named so far
        self.stamper = Stamper(self.source, list(sources))
        for key in ("/Outlines", "/PageMode"):
            if key in self.pdf.Root:
                del self.pdf.Root[key]

    def source(self, pdf_bytes: bytes) -> pikepdf.Pdf:
        key = id(pdf_bytes)
        if key not in self._sources:
            self._sources[key] = (pikepdf.open(BytesIO(pdf_bytes)), pdf_bytes)
        return self._sources[key][0]

    def _furniture_form(self, document: bytes, index: int, stamps=()) -> pikepdf.Object:
        key = (id(document), index, tuple(stamps))
        if key not in self._forms:
            page = self.source(document).pages[index].obj
            if (id(document), index) not in self._resources:
                self._resources[id(document), index] = self.pdf.copy_foreign(page.Resources)
            resources = self._resources[id(document), index]
            content = self.stamper.stamp(self.pdf, page, resources, stamps, id(document)) if stamps else contents_bytes(page)
            form = pikepdf.Stream(self.pdf, content)
            form["/Type"] = pikepdf.Name.XObject
            form["/Subtype"] = pikepdf.Name.Form
            form["/BBox"] = pikepdf.Array([float(v) for v in page.MediaBox])
            form["/Resources"] = resources
            self._forms[key] = self.pdf.make_indirect(form)
        return self._forms[key]

    def stamp_page(self, page: pikepdf.Page, stamps) -> None:
        """Rewrite page numbers on a page of the joined book (page_stamps)."""
        if stamps:
            content = self.stamper.stamp(self.pdf, page.obj, page.obj.Resources, stamps)
            page.obj.Contents = self.pdf.make_stream(content)

    def add_page(self, slot: Slot) -> pikepdf.Page:
        if slot.source is None:  # a blank page: its furniture page (crop marks, if any) is the page
            document, index, stamps = slot.furniture
            self.pdf.pages.append(self.source(document).pages[index])
            self.stamp_page(self.pdf.pages[-1], stamps)
            return self.pdf.pages[-1]
        self.pdf.pages.append(self.source(slot.source).pages[slot.page])
        page = self.pdf.pages[-1]
        self.stamp_page(page, slot.stamps)
        # the page's own drawing in a saved graphics state (its transformation must not reach the
        # furniture), moved sideways when it lands on the other side; the furniture drawn after it.
        # The streams that open and close it are shared by every page; the furniture form is named
        # in the resources that the pages of one part share (WeasyPrint writes one dictionary for all)
        move = f" 1 0 0 1 {slot.shift:.6f} 0 cm" if slot.shift else ""
        contents = page.obj.get("/Contents")
        own = list(contents) if isinstance(contents, pikepdf.Array) else ([contents] if contents is not None else [])
        tail = self._shared(b"\nQ\n")
        if slot.shift:
            move_links(page, slot.shift)
        if slot.furniture is not None:
            form = self._furniture_form(*slot.furniture)
            resources = page.obj.get("/Resources")
            if resources is None:
                page.obj.Resources = self.pdf.make_indirect(pikepdf.Dictionary())
                resources = page.obj.Resources
            if "/XObject" not in resources:
                resources.XObject = pikepdf.Dictionary()
            xobjects = resources.XObject
            self._names += 1
            name = f"/YbF{self._names}"
            xobjects[name] = form
            tail = pikepdf.Stream(self.pdf, f"\nQ\n\nq {name} Do Q\n".encode())
        page.obj.Contents = pikepdf.Array([self._shared(f"q{move}\n".encode()), *own, tail])
        return page

    def _shared(self, data: bytes) -> pikepdf.Object:
        if data not in self._streams:
            self._streams[data] = self.pdf.make_indirect(pikepdf.Stream(self.pdf, data))
        return self._streams[data]

    def set_destinations(self, names: list[tuple[str, int, float, float]]) -> None:
        """Named destinations (every anchor of the book, first occurrence), sorted by name as the
        name tree requires."""
        pages = [page.obj for page in self.pdf.pages]
        xyz = pikepdf.Name.XYZ
        items = []
        for name, page, x, y in sorted(names):
            items.append(pikepdf.String(name))
            items.append(pikepdf.Array([pages[page], xyz, x, y, 0]))
        array = pikepdf.Array(items)
        root_names = self.pdf.Root.get("/Names")
        if root_names is None:
            root_names = self.pdf.Root["/Names"] = pikepdf.Dictionary()
        root_names["/Dests"] = self.pdf.make_indirect(pikepdf.Dictionary({"/Names": array}))

    def set_outline(self, tree: list) -> None:
        """The bookmark tree: [(label, (page, x, y), children, state)], as WeasyPrint builds it."""
        pages = [page.obj for page in self.pdf.pages]

        def add(subtrees, parent):
            count = len(subtrees)
            items = []
            for label, (page, x, y), children, state in subtrees:
                item = self.pdf.make_indirect(pikepdf.Dictionary({
                    "/Title": pikepdf.String(label),
                    "/Dest": pikepdf.Array([pages[page], pikepdf.Name.XYZ, x, y, 0]),
                }))
                child_items, child_count = add(children, item)
                item["/Count"] = -child_count if state == "closed" else child_count
                if state != "closed":
                    count += child_count
                if items:
                    item["/Prev"] = items[-1]
                    items[-1]["/Next"] = item
                if child_items:
                    item["/First"], item["/Last"] = child_items[0], child_items[-1]
                item["/Parent"] = parent
                items.append(item)
            return items, count

        if not tree:
            return
        root = self.pdf.make_indirect(pikepdf.Dictionary({"/Type": pikepdf.Name.Outlines}))
        items, count = add(tree, root)
        root["/Count"], root["/First"], root["/Last"] = count, items[0], items[-1]
        del root["/Type"]  # WeasyPrint writes the outline root without /Type: keep the files alike
        self.pdf.Root["/Outlines"] = root

    def save(self, object_streams: bool = True) -> bytes:
        self.stamper.finish()
        # every PDF the pages came from (their fonts are summarised once, by their bytes)
        sources = [(self.front_pdf, lambda: pikepdf.open(BytesIO(self.front_pdf)))]
        sources += [(data, lambda source=source: source) for source, data in self._sources.values()]
        merge_font_programs(self.pdf, self.font_cache, sources)
        out = BytesIO()
        # streams WeasyPrint compressed are copied as they are (qpdf would otherwise inflate and
        # deflate every page again); the few new ones are compressed
        self.pdf.save(out, deterministic_id=True, compress_streams=True,
                      stream_decode_level=pikepdf.StreamDecodeLevel.none,
                      object_stream_mode=pikepdf.ObjectStreamMode.generate if object_streams
                      else pikepdf.ObjectStreamMode.disable)
        for source, _ in self._sources.values():
            source.close()
        return out.getvalue()
