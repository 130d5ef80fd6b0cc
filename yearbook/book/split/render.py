"""The book laid out in parts on every core, then joined: the same pages as one WeasyPrint pass
(render_pdf._render_single), in a fraction of the time, and after an edit only the parts that
changed are laid out again (the others come from the part cache).

1. Every part is laid out (pdf_parts.plan_parts): the articles, and the front matter and chapter
   openers with stand-in page numbers, to learn how many pages each takes.
2. Page numbers follow: chapters and the indexes open on a recto (a blank verso before them when
   needed), so every article's page is known. The indexes and the openers are laid out with their
   numbers (or taken from the cache with their numbers stamped in: page_stamps).
3. The front matter (目录) is laid out with every number, and beside it the furniture — running
   heads, folios, crop marks — once per kind of page (_signatures).
If a part laid out with its real numbers takes more or fewer pages than with the stand-ins (a
longer number wraps a line), the numbers are worked out again and steps 2–3 repeat, as WeasyPrint
does when target-counter() changes a page. Then pdf_join puts the pages together, with one font
program per typeface (pdf_fonts).

Workers are forked processes (they share the loaded model); where forking is unsafe (a threaded
host) the parts are laid out in this process, one after another."""
from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .stamps import StampError, numbers_in, shape
from .parts import (INDEX_ANCHORS, PageInfo, Part, PartCache, PartLayout, cache_key, layout_part,
                        plan_parts, compose, furniture_html, side_shift, signature_html)
from ...output import replace_file
from ...parallel import ignore_ctrl_c, start_method, worker_count
from .. import typeset
from ..geometry import page_geometry
from ..weasy import import_weasyprint, weasyprint_version
from .join import Joiner, Slot

SPLIT_MIN_ARTICLES = 20
PART_FORMAT = 4  # of a cached PartLayout: a change to what layout_part records must bump it
STAMPABLE = ("front", "opener", "index")
STAMPING = True  # page numbers rewritten in cached parts of the same shape (page_stamps)
FALLBACK_CHUNK = 60  # pages per furniture document when numbers are not stamped
TAGGED_VARIANTS = ("pdf/ua-1", "pdf/ua-2", "pdf/a-1a", "pdf/a-2a", "pdf/a-3a", "pdf/a-4e", "pdf/a-4f")


def should_split(volume, edition) -> bool:
    tagged = (edition.pdf_variant or "").lower() in TAGGED_VARIANTS
    return not tagged and len(volume.articles) >= SPLIT_MIN_ARTICLES


@dataclass
class _Job:
    part: Part
    numbers: dict[str, int] | None = None
    placeholder: str = ""
    bare: bool = True
    first_side: str = "right"
    counter_start: int | None = None


class _Worker:
    """What a (forked) worker needs to lay out any part; set before the pool forks."""

    def __init__(self, renderer, edition, fetcher_for, head_extra: str, cache: PartCache, theme, identifier: bytes,
                 stamping: bool = True, to_verso: float = 0.0):
        self.renderer = renderer
        self.edition = edition
        self.fetcher_for = fetcher_for
        self.head_extra = head_extra
        self.cache = cache
        self.base_url = theme.static_dir.as_uri() + "/"
        stylesheets = sorted(theme.static_dir.glob("*.css"))
        self.static_key = cache_key(PART_FORMAT, weasyprint_version(), edition, *(p.read_bytes() for p in stylesheets))
        self.identifier = identifier
        self.stamping = stamping
        self.to_verso = to_verso
        self._file_hashes: dict[str, str] = {}

    def _files_key(self, html: str) -> str:
        """The bytes of the local files (images) a part shows, so that a changed image is laid out again."""
        import re
        from urllib.parse import unquote, urlparse

        digests = []
        for url in sorted(set(re.findall(r"""(?:src|href)=["'](file://[^"']+)["']""", html))):
            if url not in self._file_hashes:
                try:
                    self._file_hashes[url] = cache_key(Path(unquote(urlparse(url).path)).read_bytes())
                except OSError:
                    self._file_hashes[url] = "missing"
            digests.append(self._file_hashes[url])
        return cache_key(*digests)

    def run(self, job: _Job) -> PartLayout:
        part = job.part
        if part.kind == "furniture":
            html = self._html(part)
        else:
            numbers = job.numbers
            lookup = None
            if numbers is not None or job.placeholder:
                lookup = (lambda anchor: numbers.get(anchor, job.placeholder)) if numbers is not None else (lambda anchor: job.placeholder)
            html = self._html(part, lookup)
        files = self._files_key(html)
        key = cache_key(self.static_key, html, job.bare, job.first_side, job.counter_start, files)
        shape_key = None
        if self.stamping and part.kind in STAMPABLE:
            shape_key = cache_key(self.static_key, "shape", shape(html), job.bare, job.first_side, job.counter_start, files)
        keys = (key, shape_key) if shape_key else (key,)  # both stay in the cache
        cached = self.cache.get(key)
        if cached is not None:
            return keys + tuple(cached.article_keys), cached, False
        if part.kind == "body" and self.cache.directory is not None:
            return self._body(part, job, html, key)
        if shape_key is not None:
            # laid out before with other page numbers as wide: the join rewrites the digits
            found = self.cache.get_shape(shape_key)
            if found is not None:
                stamped = found[1].restamped(numbers_in(html))
                if stamped is not None:
                    return (found[0], shape_key), stamped, False
        layout = self._layout(html, job, digit_samples=shape_key is not None)
        self.cache.put(key, layout)
        if shape_key is not None:
            self.cache.put_shape(shape_key, key)
        return keys, layout, True

    def _layout(self, html: str, job: _Job, digit_samples: bool = False) -> PartLayout:
        import_weasyprint(self.cache.directory.parent if self.cache.directory is not None else None)
        return layout_part(html, self.base_url, self.fetcher_for(html), self.edition.pdf_variant, self.identifier,
                           job.bare, job.first_side, job.counter_start, digit_samples)

    def _html(self, part: Part, page_numbers=None) -> str:
        html = self.renderer.html(part, page_numbers)
        return html.replace("</head>", self.head_extra + "</head>", 1) if self.head_extra else html

    def _body(self, part: Part, job: _Job, html: str, key: str):
        """A run of articles not in the cache as a whole: the articles that are (from other parts'
        layouts: each article begins a page, so its pages do not depend on the articles around it)
        are put together with the others, laid out now (pdf_parts.compose)."""
        article_keys = []
        for i in range(part.start, part.stop):
            single = self._html(Part("body", part.chapter, i, i + 1))
            article_keys.append(cache_key(self.static_key, "article", single, job.bare, job.first_side, self._files_key(single)))
        found = [self.cache.get_article(k) for k in article_keys]
        used = [key, *article_keys, *(f[1] for f in found if f)]
        views = [f[0] if f else None for f in found]
        if any(views):
            i = 0
            while i < len(views):
                if views[i] is not None:
                    i += 1
                    continue
                j = i
                while j < len(views) and views[j] is None:
                    j += 1
                run_html = self._html(Part("body", part.chapter, part.start + i, part.start + j))
                run_key = cache_key(self.static_key, run_html, job.bare, job.first_side, job.counter_start,
                                    self._files_key(run_html))
                run = self.cache.get(run_key) or self._layout(run_html, job)
                run_views = run.article_views(j - i)
                if run_views is None:
                    break
                self.cache.put(run_key, run)
                used.append(run_key)
                for k, view in zip(article_keys[i:j], run_views):
                    self.cache.put_article(k, run_key, view)
                views[i:j] = run_views
                i = j
            layout = compose(views, self.to_verso) if all(views) else None
        else:
            layout = None
        if layout is None:
            layout = self._layout(html, job)
        views = layout.article_views(len(article_keys))
        if views is not None:
            layout.article_keys = article_keys
            for k, view in zip(article_keys, views):
                self.cache.put_article(k, key, view)
        self.cache.put(key, layout)
        return tuple(used), layout, True


_WORKER: _Worker | None = None


def _run(job: _Job) -> tuple:
    keys, layout, fresh = _WORKER.run(job)
    used, new = typeset.MEMO.take() if typeset.MEMO is not None else (set(), {})
    return keys, layout, fresh, used, new


def _remember(used, new) -> None:
    """Typeset fragments a worker used and made, into this process's memo (typeset.Memo)."""
    if typeset.MEMO is not None:
        typeset.MEMO.add(used, new)


class _Pool:
    def __init__(self, workers: int):
        self.executor = None
        self.keys: set[str] = set()
        self.laid_out = 0  # parts laid out by WeasyPrint (the others came from the cache)
        self.stamped = 0  # parts from the cache with other page numbers stamped in
        self.reused = 0  # parts from the cache
        if workers > 1 and start_method() == "fork":
            self.executor = ProcessPoolExecutor(workers, multiprocessing.get_context("fork"), initializer=ignore_ctrl_c)

    def submit(self, job: _Job) -> Future:
        """A future of the part's layout (the cache keys used are noted in ``self.keys``)."""
        result: Future = Future()
        if self.executor is not None:
            inner = self.executor.submit(_run, job)
            inner.add_done_callback(lambda f: self._settle(f, result))
            return result
        try:
            result.set_result(self._note(*_run(job)))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by result()
            result.set_exception(exc)
        return result

    def _settle(self, inner: Future, result: Future) -> None:
        if inner.cancelled():
            result.cancel()
        elif inner.exception() is not None:
            result.set_exception(inner.exception())
        else:
            result.set_result(self._note(*inner.result()))

    def _note(self, keys, layout: PartLayout, fresh: bool, used, new) -> PartLayout:
        """What a job used and made (cache keys, typeset fragments, counts), and its layout."""
        _remember(used, new)
        self.keys.update(keys)
        self.laid_out += fresh
        self.reused += not fresh
        self.stamped += bool(layout.stamps)
        return layout

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(cancel_futures=True)


def _side(number: int) -> str:
    return "right" if number % 2 else "left"


def render(renderer, volume, edition, fetcher_for, head_extra: str, cache_dir: Path | None, theme):
    """The volume's PDF by the split render: (pdf, WeasyPrint's warnings, raster images)."""
    if not STAMPING:
        return _render(renderer, volume, edition, fetcher_for, head_extra, cache_dir, theme, stamping=False)
    try:
        return _render(renderer, volume, edition, fetcher_for, head_extra, cache_dir, theme, stamping=True)
    except StampError as exc:
        # a number could not be rewritten (a font without equal-width digits?): lay those parts out;
        # stats.json says why
        return _render(renderer, volume, edition, fetcher_for, head_extra, cache_dir, theme, stamping=False,
                       why=str(exc))


def _render(renderer, volume, edition, fetcher_for, head_extra: str, cache_dir: Path | None, theme, stamping: bool,
            why: str = ""):
    global _WORKER
    clock = time.perf_counter()
    stats: dict = {"stages": {}}

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        stats["stages"][name] = round(stats["stages"].get(name, 0) + now - clock, 3)
        clock = now

    geometry = page_geometry(renderer.context["config"].pdf)
    # a page laid out as a recto and printed as a verso moves by (outer − inner) margin
    to_verso = (round(geometry.margin_outer, 3) - round(geometry.margin_inner, 3)) * 72 / 25.4
    cache = PartCache(cache_dir)
    if cache_dir is not None:  # typeset fragments kept between builds (before the workers fork)
        typeset.MEMO = typeset.Memo()
        typeset.MEMO.load(cache_dir / "typeset.pickle")
    _WORKER = _Worker(renderer, edition, fetcher_for, head_extra, cache, theme, volume.slug.encode(), stamping, to_verso)
    parts = plan_parts(volume, people=bool(renderer.context["people"]))
    estimate = max(100, 5 * len(volume.articles) + 50)
    placeholder = "8" * len(str(estimate))
    pool = _Pool(worker_count())
    furniture: list = []
    try:
        # 1. everything that does not need page numbers, biggest first; stand-ins where it does
        body = [p for p in parts if p.kind == "body"]
        edited, sources = _edited_parts(volume, body, cache_dir)
        # parts with an edited article first (their worker starts laying out at once), then biggest first
        futures = {p: pool.submit(_Job(p)) for p in sorted(body, key=lambda p: (p not in edited, -(p.stop - p.start)))}
        futures.update({p: pool.submit(_Job(p, placeholder=placeholder, bare=p.kind != "front"))
                        for p in parts if p.kind in ("front", "opener")})
        layouts: dict[Part, PartLayout] = {p: f.result() for p, f in futures.items()}
        lap("parts")
        indexes = [p for p in parts if p.kind == "index"]
        counts = {p: len(layouts[p].pages) for p in parts if p in layouts}
        for p in indexes:
            counts[p] = 1
        final: dict[Part, PartLayout] = {}
        sides: dict[Part, str] = {}  # the side a part's first page was laid out on, when not "right"

        for _ in range(4):
            numbers, starts = _number_pages(parts, counts, {**layouts, **final})
            # 2. the indexes (longest first) and the openers with their numbers
            # the 主题索引 (every article under each of its themes) is by far the longest; it starts first
            longest = sorted(indexes, key=lambda p: (-counts[p], ("topics", "people", "regions").index(p.index)))
            # each index laid out on the side it starts on (only the first opens on a recto): its
            # pages, dense with links, need not be moved sideways in the join
            sides.update({p: _side(starts[p]) for p in longest})
            stage2 = {p: pool.submit(_Job(p, numbers=numbers, first_side=sides[p])) for p in longest}
            stage2.update({p: pool.submit(_Job(p, numbers=numbers)) for p in parts if p.kind == "opener"})
            for p, future in stage2.items():
                final[p] = future.result()
            lap("openers and indexes")
            changed = [p for p in stage2 if len(final[p].pages) != counts[p]]
            for p in changed:
                counts[p] = len(final[p].pages)
                layouts[p] = final[p]
            if any(p.kind == "opener" for p in changed):
                continue  # pages after an opener moved: number again
            numbers, starts = _number_pages(parts, counts, {**layouts, **final})
            # 3. the front matter with its numbers, and the furniture of every other page
            front_future = pool.submit(_Job(parts[0], numbers=numbers, bare=False))
            pages = _book_pages(parts, counts, starts, {**layouts, **final})
            signatures = _signatures(pages, counts[parts[0]] + 1, len(pages))
            if stamping:
                documents = [(chunk, pool.submit(_Job(Part("furniture", html=signature_html(chunk)), bare=False,
                                                      counter_start=_counter_start(chunk[0][0]))))
                             for chunk in _signature_documents(signatures)]
            else:  # each page's own furniture, in runs of pages
                documents = [((a, b), pool.submit(_Job(Part("furniture", html=furniture_html(
                    [info for info, _, _ in pages[a - 1:b]], _carried(pages, a))),
                    first_side=_side(a - 1), counter_start=a - 1, bare=False)))
                    for a, b in _furniture_chunks(pages, counts[parts[0]] + 1, len(pages))]
            final[parts[0]] = front_future.result()
            lap("front matter")
            if len(final[parts[0]].pages) != counts[parts[0]]:
                counts[parts[0]] = len(final[parts[0]].pages)
                layouts[parts[0]] = final[parts[0]]
                continue
            furniture = [(chunk, f.result()) for chunk, f in documents]
            lap("furniture")
            stats["rounds"] = stats.get("rounds", 0) + 1
            break
        else:
            raise RuntimeError("page numbers did not settle after 4 rounds")
    finally:
        pool.close()
        cache.used |= pool.keys
        _WORKER = None
        if typeset.MEMO is not None:
            typeset.MEMO.save(cache_dir / "typeset.pickle")
            typeset.MEMO = None

    for p in parts:
        if p not in final:
            final[p] = layouts[p]
    # 4. join
    joiner = Joiner(final[parts[0]].pdf, cache_dir / "fonts" if cache_dir is not None else None,
                    # where a digit's glyph is looked for: the parts that draw every digit (page_stamps)
                    [final[p].pdf for p in parts if p.kind in STAMPABLE] + [layout.pdf for _, layout in furniture])
    if stamping:
        furniture_of = _furniture_pages(signatures, furniture)
    else:
        furniture_of = {number: (layout.pdf, number - a + 1, [])  # page 0 sets the strings carried in
                        for (a, b), layout in furniture for number in range(a, b + 1)}
    messages: list[str] = []
    images: list[tuple] = []
    while len(joiner.pdf.pages) > len(final[parts[0]].pages):  # the digit samples' page (page_stamps)
        del joiner.pdf.pages[-1]
    for index, stamps in final[parts[0]].stamps.items():  # the 目录's numbers, when it was stamped
        joiner.stamp_page(joiner.pdf.pages[index], stamps)
    for number, (info, part, index) in enumerate(pages, start=1):
        if part is parts[0]:
            continue
        if part is None:
            joiner.add_page(Slot(None, 0, furniture=furniture_of[number]))
            continue
        shift = _shift_of(part, index, starts[part], to_verso, sides.get(part, "right"))
        joiner.add_page(Slot(final[part].pdf, index, shift, furniture_of[number], final[part].stamps.get(index)))
    # destinations, bookmarks, messages, images, in book order
    names: dict[str, tuple] = {}
    marks = []
    for part in parts:
        layout, start, side = final[part], starts[part], sides.get(part, "right")
        for anchor, (page, x, y) in layout.anchors.items():
            if anchor not in names:
                names[anchor] = (start + page - 1, x + _shift_of(part, page, start, to_verso, side), y)
        for page, level, label, x, y, state in layout.bookmarks:
            marks.append((start + page - 1, level, label, x + _shift_of(part, page, start, to_verso, side), y, state))
        messages.extend(layout.messages)
        images.extend((url, start + page - 1, dpi, width) for url, page, dpi, width in layout.images)
    joiner.set_destinations([(name, page, x, y) for name, (page, x, y) in names.items()])
    joiner.set_outline(_bookmark_tree(marks))
    variant = (edition.pdf_variant or "").lower()
    lap("join")
    pdf = joiner.save(object_streams=not variant.startswith("pdf/a-1"))
    lap("fonts and write")
    cache.prune()
    _save_sources(cache_dir, sources)
    stats.update(parts=len(parts), furniture_documents=len(furniture), pages=len(pages),
                 laid_out=pool.laid_out, stamped=pool.stamped, stamping=stamping or f"no: {why}",
                 reused=pool.reused)
    cache.write_stats(stats)
    return pdf, list(dict.fromkeys(messages)), images


def _shift_of(part: Part, page: int, start: int, to_verso: float, first_side: str = "right") -> float:
    """How far page ``page`` (from 0) of a part moves sideways in the book (part starting at page
    ``start``, its first page laid out on ``first_side``)."""
    if part.kind == "front":
        return 0.0
    return side_shift((page % 2 == 0) == (first_side == "right"), (start + page) % 2 == 1, to_verso)


SOURCES = "sources.json"  # in the part cache: each article file's modification time and size at the last build


def _edited_parts(volume, body: list[Part], cache_dir: Path | None) -> tuple[set[Part], dict]:
    """The body parts with an article whose file changed since the last build (by its modification
    time and size: only the order of the work depends on it, never what is laid out), and the files'
    current times and sizes."""
    import json
    import os

    sources = {}
    for article in volume.articles:
        try:
            stat = os.stat(article.source_path)
            sources[str(article.source_path)] = [stat.st_mtime_ns, stat.st_size]
        except OSError:
            pass
    try:
        before = json.loads((cache_dir / SOURCES).read_text(encoding="utf-8")) if cache_dir is not None else {}
    except (OSError, ValueError):
        before = {}
    edited = set()
    for part in body:
        articles = volume.chapters[part.chapter].articles[part.start:part.stop]
        if any(before.get(str(a.source_path)) != sources.get(str(a.source_path)) for a in articles):
            edited.add(part)
    return edited, sources


def _save_sources(cache_dir: Path | None, sources: dict) -> None:
    import json

    if cache_dir is not None:
        replace_file(cache_dir / SOURCES, json.dumps(sources, ensure_ascii=False).encode("utf-8"))


def _number_pages(parts: list[Part], counts: dict[Part, int], layouts: dict[Part, PartLayout]):
    """Each part's first page number, and every anchor's page number."""
    starts: dict[Part, int] = {}
    number = 1
    for part in parts:
        if part.kind != "front" and part.starts_on_recto and number % 2 == 0:
            number += 1  # a blank verso
        starts[part] = number
        number += counts[part]
    numbers: dict[str, int] = {}
    for part in parts:
        layout = layouts.get(part)
        if layout is None:
            continue
        for anchor, (page, _, _) in layout.anchors.items():
            numbers.setdefault(anchor, starts[part] + page)
    for part in parts:  # the indexes' own anchors, before they are laid out with numbers
        if part.kind == "index":
            numbers.setdefault(INDEX_ANCHORS[part.index], starts[part])
    return numbers, starts


def _book_pages(parts, counts, starts, layouts) -> list[tuple[PageInfo, Part | None, int]]:
    """Every page of the book: (what its furniture depends on, its part or None for a blank, its
    index in the part)."""
    pages: list[tuple[PageInfo, Part | None, int]] = []
    for part in parts:
        while len(pages) + 1 < starts[part]:
            nxt = layouts[part].pages[0].name if layouts[part].pages else ""
            pages.append((PageInfo(nxt, True, {}), None, 0))
        for index, info in enumerate(layouts[part].pages[:counts[part]]):
            pages.append((info, part, index))
    return pages


def _signatures(pages, first: int, last: int) -> dict[int, tuple]:
    """What the furniture of each page first..last (numbers from 1) depends on but its folio's
    digits: the number of digits, its side, the named strings in force when it begins, its page name,
    whether it is blank (then also the next page's name: WeasyPrint names a blank page after it) and
    the strings set on it. Books have few of these; pages with one share one laid-out furniture page."""
    carried: dict[str, str] = {}
    signatures = {}
    for number, (info, _, _) in enumerate(pages, start=1):
        if first <= number <= last:
            following = pages[number][0].name if info.blank and number < len(pages) else ""
            signatures[number] = (len(str(number)), _side(number), tuple(sorted(carried.items())), info.name,
                                  info.blank, tuple(sorted((k, tuple(v)) for k, v in info.strings.items())), following)
        for name, texts in info.strings.items():
            if texts:
                carried[name] = texts[-1]
    return signatures


def _counter_start(digits: int) -> int:
    """The page counter before the first page of a furniture document of ``digits``-digit folios."""
    return 10 ** (digits - 1) - 1 if digits > 1 else 0


SIGNATURES_PER_DOCUMENT = 4  # about; a furniture document costs a WeasyPrint run of its own
MAX_SIGNATURE_DOCUMENTS = 8  # per folio width


def _signature_documents(signatures: dict[int, tuple]) -> list[list[tuple]]:
    """The distinct signatures in furniture documents: per folio width, in a few documents, each
    short enough that all its folios have that many digits (a signature takes at most four pages).
    A signature's document is chosen by a hash of the signature, so that an edit that brings a new
    kind of page (a blank verso before a chapter, say) lays out only the small document it falls in."""
    import hashlib

    by_digits: dict[int, list] = {}
    for signature in sorted(set(signatures.values()), key=repr):
        by_digits.setdefault(signature[0], []).append(signature)
    chunks = []
    for digits, group in sorted(by_digits.items()):
        count = max(1, min(MAX_SIGNATURE_DOCUMENTS, len(group) // SIGNATURES_PER_DOCUMENT))
        buckets: list[list[tuple]] = [[] for _ in range(count)]
        for signature in group:
            buckets[int.from_bytes(hashlib.blake2b(repr(signature).encode(), digest_size=4).digest(), "big") % count].append(signature)
        room = max(1, (9 * 10 ** (digits - 1) - 2) // 4)
        for bucket in buckets:
            chunks.extend(bucket[i:i + room] for i in range(0, len(bucket), room))
    return chunks


def _furniture_pages(signatures: dict[int, tuple], documents) -> dict[int, tuple]:
    """Book page number → (furniture document, its page, folio stamps [(x, y, old, new)])."""
    where = {}
    for chunk, layout in documents:
        for k, signature in enumerate(chunk):
            page = layout.anchors[f"yb-sig-{k}"][0] - (1 if signature[4] else 0)
            where[signature] = (layout, page)
    furniture = {}
    for number, signature in signatures.items():
        layout, page = where[signature]
        folio = str(number)
        stamps = [(x, y, old, folio) for x, y, old, ordinal in layout.numbers[page] if ordinal == -1 and old != folio]
        furniture[number] = (layout.pdf, page, stamps)
    return furniture


def _carried(pages, first: int) -> dict[str, str]:
    """The named strings in force when page ``first`` begins: the last value set before it."""
    values: dict[str, str] = {}
    for info, _, _ in pages[:first - 1]:
        for name, texts in info.strings.items():
            if texts:
                values[name] = texts[-1]
    return values


def _furniture_chunks(pages, first: int, last: int) -> list[tuple[int, int]]:
    """Page ranges (first, last; numbers from 1) of the furniture documents for pages first..last,
    in runs of about FALLBACK_CHUNK pages aligned to page numbers (so that an edit that moves pages
    changes few of them), never ending on a blank page (WeasyPrint makes a blank page only before
    the page that asks for a recto)."""
    chunks = []
    while first <= last:
        end = min(last, (first // FALLBACK_CHUNK + 1) * FALLBACK_CHUNK)
        while end < last and pages[end - 1][0].blank:
            end += 1
        chunks.append((first, end))
        first = end + 1
    return chunks


def _bookmark_tree(marks) -> list:
    """WeasyPrint's bookmark tree (Document.make_bookmark_tree, with anchors.make_page_bookmark_tree's
    rules for skipped heading levels) over the pages of the whole book: [(label, (page, x, y),
    children, state)]. Written out here so that a rebuild that lays nothing out never imports
    WeasyPrint in this process (a second and more)."""
    root: list = []
    skipped: list[int] = []
    last_by_depth = [root]
    previous = 0
    for page, level, label, x, y, state in sorted(marks, key=lambda mark: mark[0]):
        if level > previous:  # e.g. an <h4> after an <h2> skips one level
            skipped.append(level - previous - 1)
        else:
            temp = level
            while temp < previous:
                temp += 1 + skipped.pop()
            if temp > previous:  # too many skips removed: some back
                skipped.append(temp - previous - 1)
        previous = level
        depth = level - sum(skipped)
        children: list = []
        last_by_depth[depth - 1].append((label, (page, x, y), children, state))
        del last_by_depth[depth:]
        last_by_depth.append(children)
    return root
