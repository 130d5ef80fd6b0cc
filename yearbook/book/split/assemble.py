"""The joined book: the pages of the separately laid-out parts in book order, each with the running
heads and folio of its place drawn over it (the furniture), moved sideways when it lands on the
other side from the one it was laid out on, with the page numbers of the book written in (stamps),
one set of named destinations and one outline, and one set of fonts (fonts.py).

The result depends only on the pages, never on how they were grouped into documents: every page
points to one resource dictionary for the whole book (fonts by face, images and graphic states by
the names WeasyPrint gives them, which come from their content), furniture forms are named in the
order the book first uses them, and nothing of the documents the pages came from is kept but what
the pages draw. So a page taken from the cache and the same page laid out again make the same file.
A document whose resources cannot be shared (two different objects under one name) keeps its own
dictionary for its pages (counted in ``local_resources``).

pikepdf (qpdf) copies pages between PDFs and writes the result deterministically; WeasyPrint
cannot join documents laid out in other processes."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from io import BytesIO

import pikepdf

from .. import textlayer
from ..prepress import Finish, finish
from .cache import Layout, PartCache
from .fonts import Faces
from .layout import content_glyphs
from .stamps import Stamper

SHARED = ("/ExtGState", "/ColorSpace", "/Pattern", "/Shading", "/XObject", "/Properties")


@dataclass
class Slot:
    """One page of the book: page ``page`` of ``layout`` (None: a blank page, which is its
    furniture page), moved ``shift`` points sideways, with the furniture page ``furniture``
    (layout, page, folio stamps) drawn over it and the page numbers ``stamps`` written in."""

    layout: Layout | None
    page: int
    shift: float = 0.0
    furniture: tuple | None = None
    stamps: list | None = None


def move_links(page: pikepdf.Page, shift: float) -> None:
    """Move a page's link rectangles ``shift`` points sideways (its drawing was moved as much)."""
    for annotation in page.obj.get("/Annots", []):
        rect = [float(v) for v in annotation.Rect]
        annotation.Rect = pikepdf.Array([rect[0] + shift, rect[1], rect[2] + shift, rect[3]])


def fingerprint(obj, seen=None) -> str:
    """A digest of a PDF object's content (streams by their bytes), following references."""
    seen = set() if seen is None else seen
    digest = hashlib.sha256()

    def walk(item) -> None:
        if isinstance(item, pikepdf.Object) and item.is_indirect:
            if item.objgen in seen:
                digest.update(b"@cycle")
                return
            seen.add(item.objgen)
        if isinstance(item, pikepdf.Stream):
            digest.update(b"stream")
            walk(item.stream_dict)
            digest.update(hashlib.sha256(item.read_raw_bytes()).digest())
        elif isinstance(item, pikepdf.Dictionary):
            digest.update(b"<<")
            for key in sorted(item.keys()):
                if key in ("/Length", "/Parent"):
                    continue
                digest.update(key.encode())
                walk(item[key])
            digest.update(b">>")
        elif isinstance(item, pikepdf.Array):
            digest.update(b"[")
            for value in item:
                walk(value)
            digest.update(b"]")
        else:
            digest.update(repr(item).encode())

    walk(obj)
    return digest.hexdigest()


def _copy(out: pikepdf.Pdf, source: pikepdf.Pdf, obj):
    """``obj`` of ``source`` copied into ``out`` (with what it refers to)."""
    if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream)):
        return obj
    return out.copy_foreign(obj if obj.is_indirect else source.make_indirect(obj))


class Book:
    """Pages added in book order (:meth:`add`), then :meth:`save`."""

    def __init__(self, front: Layout, cache: PartCache):
        self.front = front
        self.cache = cache
        self.slots: list[Slot] = []
        self._sources: dict[int, tuple[pikepdf.Pdf, Layout]] = {}
        self.stats: dict = {}

    def add(self, slot: Slot) -> None:
        self.slots.append(slot)

    def _source(self, layout: Layout) -> pikepdf.Pdf:
        key = id(layout.pdf)
        if key not in self._sources:
            self._sources[key] = (pikepdf.open(BytesIO(layout.pdf)), layout)
        return self._sources[key][0]

    def save(self, destinations: list[tuple[str, int, float, float]], outline: list, spec: Finish,
             object_streams: bool = True) -> bytes:
        faces = Faces()
        front = self._source(self.front)
        # 1. every document the pages come from, in book order: their fonts, and the pages' glyphs
        order: list[tuple[Layout, int, list | None, bool]] = []  # (layout, sheet, stamps, is a form)
        for slot in self.slots:
            if slot.layout is not None:
                order.append((slot.layout, slot.layout.sheet(slot.page), slot.stamps, False))
            if slot.furniture is not None:
                layout, page, stamps = slot.furniture
                order.append((layout, page, stamps, slot.layout is not None))
        for layout, _, _, _ in order:
            faces.add_document(id(layout.pdf), self._source(layout), layout.fonts)
        stamper = Stamper()
        contents: dict[tuple, bytes | None] = {}  # (document, sheet, stamps) → stamped content (None: as laid out)
        for layout, sheet, stamps, _ in order:
            key = (id(layout.pdf), sheet, tuple(stamps or ()))
            if key in contents:
                continue
            names = faces.add_document(id(layout.pdf), self._source(layout), layout.fonts)
            if stamps:
                page = self._source(layout).pages[sheet]
                content = stamper.stamp(textlayer.page_content(page), faces.digits_of(names), stamps, (id(layout.pdf), sheet))
                contents[key] = content
                faces.use(names, content_glyphs(content))
                faces.use(names, self._cleaned_away(faces, names, self._glyphs(layout, sheet)))
            else:
                contents[key] = None
                faces.use(names, self._glyphs(layout, sheet))
        out = pikepdf.new()
        fonts = {base: faces.faces[base].build(out, self.cache) for base in sorted(faces.faces)}
        # 2. the book's one resource dictionary
        shared = pikepdf.Dictionary({"/Font": pikepdf.Dictionary(), **{k: pikepdf.Dictionary() for k in SHARED}})
        resources = out.make_indirect(shared)
        local: dict[int, pikepdf.Object] = {}  # documents that keep a dictionary of their own
        merged: dict[tuple[str, str], str] = {}
        for key, (source, layout) in self._sources.items():
            names = faces.add_document(key, source, layout.fonts)
            if not self._merge(source, names, fonts, out, resources, merged):
                local[key] = None
        for key in local:
            source, layout = self._sources[key]
            local[key] = self._own_resources(source, faces.add_document(key, source, layout.fonts), fonts, out)
        # 3. the pages
        prefix: dict[bytes, pikepdf.Object] = {}

        def shared_stream(data: bytes) -> pikepdf.Object:
            if data not in prefix:
                prefix[data] = out.make_indirect(pikepdf.Stream(out, data))
            return prefix[data]

        forms: dict[tuple, tuple[str, pikepdf.Object]] = {}
        for slot in self.slots:
            if slot.layout is None:  # a blank page: its furniture page is the page
                layout, index, stamps = slot.furniture
                page = self._append(out, layout, index, stamps, contents, resources, local)
                continue
            page = self._append(out, slot.layout, slot.layout.sheet(slot.page), slot.stamps, contents, resources, local)
            move = f" 1 0 0 1 {slot.shift:.6f} 0 cm" if slot.shift else ""
            if slot.shift:
                move_links(page, slot.shift)
            contents_now = page.obj.get("/Contents")
            own = list(contents_now) if isinstance(contents_now, pikepdf.Array) else [contents_now]
            tail = shared_stream(b"\nQ\n")
            if slot.furniture is not None:
                name, form = self._form(out, slot.furniture, forms, contents, resources, local)
                resources_of_page = page.obj.Resources
                if "/XObject" not in resources_of_page:
                    resources_of_page.XObject = pikepdf.Dictionary()
                resources_of_page.XObject[name] = form
                tail = shared_stream(f"\nQ\n\nq {name} Do Q\n".encode())
            page.obj.Contents = pikepdf.Array([shared_stream(f"q{move}\n".encode()), *own, tail])
        self._catalog(out, front)
        self._destinations(out, destinations)
        self._outline(out, outline)
        finish(out, spec)
        self.stats.update(local_resources=len(local), fonts=len(faces.faces),
                          fonts_merged=sum(1 for font in fonts.values() if font is not None))
        data = BytesIO()
        out.save(data, deterministic_id=True, compress_streams=True, min_version=front.pdf_version,
                 stream_decode_level=pikepdf.StreamDecodeLevel.none,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate if object_streams else pikepdf.ObjectStreamMode.disable)
        for source, _ in self._sources.values():
            source.close()
        return data.getvalue()

    @staticmethod
    def _glyphs(layout: Layout, sheet: int) -> dict[str, list[int]]:
        pages = layout.sheets or list(range(len(layout.glyphs)))
        if layout.glyphs and sheet in pages:
            return layout.glyphs[pages.index(sheet)]
        return {}

    @staticmethod
    def _cleaned_away(faces: Faces, names: dict[str, str], glyphs: dict[str, list[int]]) -> dict[str, list[int]]:
        """Of the glyphs WeasyPrint drew on a page, those its cleaned text layer no longer draws
        (spaces beside Chinese, invisible characters: textlayer.py): a single pass embeds them, so
        the book's fonts do too, whether or not a stamped page's content still shows them."""
        found = {}
        for name, gids in glyphs.items():
            face = faces.faces.get(names.get(name, ""))
            if face is not None:
                found[name] = [g for g in gids if face.texts.get(g) in textlayer.SPACES | textlayer.INVISIBLE]
        return found

    def _merge(self, source: pikepdf.Pdf, names: dict[str, str], fonts: dict, out: pikepdf.Pdf,
               resources: pikepdf.Dictionary, merged: dict) -> bool:
        """Put a document's resources into the book's dictionary; False when they cannot be shared
        (a name already there for another object, a font without one dictionary for its face)."""
        seen: set = set()
        for page in source.pages:
            own = page.obj.get("/Resources")
            if own is None or (own.is_indirect and own.objgen in seen):
                continue
            seen.add(own.objgen)
            for name in own.get("/Font", {}).keys():
                if fonts.get(names.get(name[1:], "")) is None:
                    return False
            for category in SHARED:
                for name, obj in own.get(category, {}).items():
                    if category == "/XObject" and name.startswith("/YbF"):
                        return False  # our own names: not expected in a laid-out document
                    digest = fingerprint(obj)
                    known = merged.get((category, name))
                    if known is not None and known != digest:
                        return False
        for page in source.pages:  # no conflict: add what is new
            own = page.obj.get("/Resources")
            if own is None:
                continue
            for name in own.get("/Font", {}).keys():
                resources.Font[name] = fonts[names[name[1:]]]
            for category in SHARED:
                for name, obj in own.get(category, {}).items():
                    if (category, name) not in merged:
                        merged[(category, name)] = fingerprint(obj)
                        resources[category][name] = _copy(out, source, obj)
        return True

    @staticmethod
    def _own_resources(source: pikepdf.Pdf, names: dict[str, str], fonts: dict, out: pikepdf.Pdf) -> pikepdf.Object:
        """A document's own resources in ``out``, with the book's font dictionaries where there are."""
        own = source.pages[0].obj.get("/Resources")
        copied = out.copy_foreign(own) if own is not None else out.make_indirect(pikepdf.Dictionary())
        for name in list(copied.get("/Font", {}).keys()):
            font = fonts.get(names.get(name[1:], ""))
            if font is not None:
                copied.Font[name] = font
        return copied

    def _append(self, out: pikepdf.Pdf, layout: Layout, sheet: int, stamps, contents, resources, local) -> pikepdf.Page:
        source = self._source(layout)
        page = source.pages[sheet]
        if "/Resources" in page.obj:  # the page is copied without its document's resources
            del page.obj["/Resources"]
        out.pages.append(page)
        copied = out.pages[-1]
        key = id(layout.pdf)
        copied.obj.Resources = local[key] if key in local else resources
        stamped = contents.get((key, sheet, tuple(stamps or ())))
        if stamped is not None:
            copied.obj.Contents = out.make_stream(stamped)
        if key in local:  # its own dictionary: the page's furniture form is named there, per page
            copied.obj.Resources = out.make_indirect(pikepdf.Dictionary(dict(local[key].items())))
        return copied

    def _form(self, out, furniture, forms, contents, resources, local):
        layout, index, stamps = furniture
        key = (id(layout.pdf), index, tuple(stamps or ()))
        if key not in forms:
            page = self._source(layout).pages[index]
            stamped = contents.get(key)
            data = stamped if stamped is not None else textlayer.page_content(page)
            form = pikepdf.Stream(out, data)
            form["/Type"] = pikepdf.Name.XObject
            form["/Subtype"] = pikepdf.Name.Form
            form["/BBox"] = pikepdf.Array([float(v) for v in page.obj.MediaBox])
            form["/Resources"] = local[id(layout.pdf)] if id(layout.pdf) in local else resources
            forms[key] = (f"/YbF{len(forms) + 1}", out.make_indirect(form))
        return forms[key]

    @staticmethod
    def _catalog(out: pikepdf.Pdf, front: pikepdf.Pdf) -> None:
        """The document catalog and information of the front part, as WeasyPrint wrote them for the
        edition (metadata, output intents, language …), but its pages, outline and names."""
        for key, value in front.Root.items():
            if key not in ("/Pages", "/Outlines", "/Names", "/PageMode", "/Type", "/Dests"):
                out.Root[key] = _copy(out, front, value)
        for key, value in front.docinfo.items():
            out.docinfo[key] = _copy(out, front, value)

    @staticmethod
    def _destinations(out: pikepdf.Pdf, names: list[tuple[str, int, float, float]]) -> None:
        """Named destinations (every anchor of the book, first occurrence), sorted by name as the
        name tree requires."""
        pages = [page.obj for page in out.pages]
        items = []
        for name, page, x, y in sorted(names):
            items.append(pikepdf.String(name))
            items.append(pikepdf.Array([pages[page], pikepdf.Name.XYZ, x, y, 0]))
        root_names = out.Root.get("/Names")
        if root_names is None:
            root_names = out.Root["/Names"] = pikepdf.Dictionary()
        root_names["/Dests"] = out.make_indirect(pikepdf.Dictionary({"/Names": pikepdf.Array(items)}))

    @staticmethod
    def _outline(out: pikepdf.Pdf, tree: list) -> None:
        """The bookmark tree: [(label, (page, x, y), children, state)], as WeasyPrint builds it."""
        pages = [page.obj for page in out.pages]

        def add(subtrees, parent):
            count = len(subtrees)
            items = []
            for label, (page, x, y), children, state in subtrees:
                item = out.make_indirect(pikepdf.Dictionary({
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
        root = out.make_indirect(pikepdf.Dictionary({"/Type": pikepdf.Name.Outlines}))
        items, count = add(tree, root)
        root["/Count"], root["/First"], root["/Last"] = count, items[0], items[-1]
        del root["/Type"]  # WeasyPrint writes the outline root without /Type: keep the files alike
        out.Root["/Outlines"] = root
