"""The book laid out in parts on every core, then joined: the pages a single WeasyPrint pass makes
(book/render.py), in a fraction of the time, and after an edit only what changed is laid out again.

The book is a row of *units*: the front matter (cover to 目录), each chapter's opener and articles,
each index. Every article starts a new page and every chapter and the first index start on a recto,
so a unit's pages do not depend on the units before it, only on its first page's side, and a page
laid out on the other side is moved sideways in the join (the inner and outer margins trade places).

1. The articles are laid out, in runs (:class:`SplitSettings`), each on a recto (layout.py); an
   article in the cache (cache.py, keyed by its own HTML) is not laid out again.
2. Page numbers follow from the units' lengths. The front matter, the openers and the indexes show
   page numbers: they are laid out from their *shape* (every number written as zeros of its width,
   stamps.py), and the numbers are written in when the book is joined. If a shape's length changes
   the numbers (a number one digit longer wraps a line), the numbers are worked out again. After an
   edit the shapes come from the last build's numbers, laid out beside the articles; in a cold build
   the openers wait for the articles' pages and the front matter for every number (only its pages
   before the 目录 are laid out early), so that each is laid out once.
3. The running heads, folios and crop marks are laid out once per kind of page (:func:`_signatures`)
   and drawn over each page in the join (assemble.py), with the folio stamped in.

The book depends only on the content: what is taken from the cache is what would be laid out again,
and the join writes the same bytes however the pages were grouped (assemble.py, fonts.py).

Workers are forked processes (parallel.WorkerPool: they share the loaded model); where forking is
unsafe (a threaded host) the parts are laid out in this process, one after another."""
from __future__ import annotations

import hashlib
import json
import os
import re
import time
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote, urlparse

from ...output import read_sealed, write_sealed
from ...parallel import WorkerPool, start_method, worker_count
from ..geometry import page_geometry
from ..numbering import Numbering
from ..prepress import Finish
from ..typeset import Memo
from ..weasy import import_weasyprint, weasyprint_version
from .assemble import Book, Slot
from .cache import Layout, PageInfo, PartCache, cache_key, fonts_state
from .layout import article_views, code_digest, furniture_html, lay_out, signature_html
from .stamps import StampError, numbers_in, shape

INDEX_ANCHORS = {"regions": "index-regions", "topics": "index-topics", "people": "index-people"}
TAGGED_VARIANTS = ("pdf/ua-1", "pdf/ua-2", "pdf/a-1a", "pdf/a-2a", "pdf/a-3a", "pdf/a-4e", "pdf/a-4f")


@dataclass(frozen=True)
class SplitSettings:
    """How the split render is run. None of it changes the book; all of it changes how the work
    is shared out, which the tests check by counting what ran (``stats.json``)."""

    min_articles: int = 20  # books with fewer articles are laid out in one pass
    articles_per_part: int = 12  # articles laid out in one WeasyPrint document (~45 pages)
    workers: int | None = None  # processes; None: every core this process may use
    stamping: bool = True  # page numbers written into parts laid out from their shape (stamps.py)


def should_split(volume, edition, settings: SplitSettings) -> bool:
    tagged = (edition.pdf_variant or "").lower() in TAGGED_VARIANTS
    return not tagged and len(volume.articles) >= settings.min_articles


@dataclass(frozen=True)
class Part:
    """Something laid out in one WeasyPrint document. ``kind``: front, opener, articles, index or
    furniture."""

    kind: str
    chapter: int = -1  # opener, articles: index into volume.chapters
    articles: tuple[int, ...] = ()  # articles: which of the chapter's articles, in book order
    index: str = ""  # index: regions, topics or people
    html: str = ""  # furniture: the pages (signature_html / furniture_html)


def runs(positions: list[int], size: int) -> list[tuple[int, ...]]:
    """``positions`` (increasing) cut into runs of consecutive ones of about ``size`` each."""
    groups: list[list[int]] = []
    for position in positions:
        if groups and groups[-1][-1] == position - 1:
            groups[-1].append(position)
        else:
            groups.append([position])
    cut = []
    for group in groups:
        count = max(1, round(len(group) / size))
        bounds = [round(i * len(group) / count) for i in range(count + 1)]
        cut.extend(tuple(group[a:b]) for a, b in zip(bounds, bounds[1:]) if b > a)
    return cut


@dataclass
class Job:
    part: Part
    html: str = ""  # given: laid out as it is (the parts with page numbers, rendered by the caller)
    bare: bool = True
    first_side: str = "right"
    counter_start: int | None = None
    digit_samples: bool = False


@dataclass
class Setup:
    """What a worker needs to lay out any part (it is forked with it)."""

    renderer: object
    edition: object
    fetcher_for: object
    head_extra: str
    base_url: str
    identifier: bytes
    static_key: str
    cache: PartCache
    memo: Memo | None
    files: dict = field(default_factory=dict)  # file URL → digest of its bytes (images)

    def html(self, part: Part, page_numbers=None) -> str:
        html = self.renderer.html(part, page_numbers)
        return html.replace("</head>", self.head_extra + "</head>", 1) if self.head_extra else html

    def files_key(self, html: str) -> str:
        """The bytes of the local files (images) a part shows, so that a changed image is laid out again."""
        digests = []
        for url in sorted(set(re.findall(r"""(?:src|href)=["'](file://[^"']+)["']""", html))):
            if url not in self.files:
                try:
                    self.files[url] = cache_key(Path(unquote(urlparse(url).path)).read_bytes())
                except OSError:
                    self.files[url] = "missing"
            digests.append(self.files[url])
        return cache_key(*digests)

    def key(self, html: str, job: Job) -> str:
        return cache_key(self.static_key, html, job.bare, job.first_side, job.counter_start, job.digit_samples,
                         self.files_key(html))

    def article_key(self, chapter: int, position: int) -> str:
        html = self.html(Part("articles", chapter, (position,)))
        return cache_key(self.static_key, "article", html, self.files_key(html))


def _probe(setup: Setup, articles: list[tuple[int, int]]) -> tuple[list[str], list[bool], tuple]:
    """Worker job: the cache keys of some articles and whether each is in the cache."""
    keys = [setup.article_key(chapter, position) for chapter, position in articles]
    found = [setup.cache.get_view(key) is not None for key in keys]
    return keys, found, _memo_delta(setup)


def _lay_out(setup: Setup, job: Job) -> tuple[Layout, list[Layout] | None, bool, tuple, set[str]]:
    """Worker job: a part's layout (from the cache, or laid out now), and for a part of articles
    the pages of each article."""
    part = job.part
    html = job.html or setup.html(part)
    key = setup.key(html, job)
    fresh = False
    layout = setup.cache.get(key)
    if layout is None:
        import_weasyprint(setup.cache.directory.parent if setup.cache.directory is not None else None)
        layout = lay_out(html, setup.base_url, setup.fetcher_for(html), setup.edition.pdf_variant, setup.identifier,
                         bare=job.bare, first_side=job.first_side, counter_start=job.counter_start,
                         digit_samples=job.digit_samples, recto_articles=part.kind == "articles")
        fresh = True
        if part.kind == "articles" and layout.messages and len(part.articles) > 1:
            # WeasyPrint's warnings do not say which article they are about: each on its own, so
            # that a warning stays with its article (the pages are the same either way)
            views = []
            for position in part.articles:
                single = _lay_out(setup, Job(Part("articles", part.chapter, (position,))))
                views.extend(single[1] or [])
            return layout, views if len(views) == len(part.articles) else None, True, _memo_delta(setup), setup.cache.used
        setup.cache.put(key, layout)
    layout.key = key
    views = None
    if part.kind == "articles":
        views = article_views(layout, len(part.articles))
        if views is not None:
            if len(part.articles) == 1:
                views[0].messages = layout.messages
            for position, view in zip(part.articles, views):
                view.key = key
                setup.cache.put_view(setup.article_key(part.chapter, position), view)
    return layout, views, fresh, _memo_delta(setup), setup.cache.used


def _memo_delta(setup: Setup) -> tuple:
    return setup.memo.take() if setup.memo is not None else (set(), {})


class Pool:
    """Jobs for the workers (forked, sharing the setup), or run here where forking is unsafe."""

    def __init__(self, setup: Setup, workers: int):
        self.setup = setup
        self.pool = WorkerPool(workers, setup, "fork") if workers > 1 and start_method() == "fork" else None
        self.laid_out = 0
        self.reused = 0

    def submit(self, function, argument) -> Future:
        if self.pool is not None:
            inner = self.pool.submit(function, argument)
            result: Future = Future()
            inner.add_done_callback(lambda f: self._settle(f, result))
            return result
        result = Future()
        try:
            result.set_result(self._note(function(self.setup, argument)))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by result()
            result.set_exception(exc)
        return result

    def _settle(self, inner: Future, result: Future) -> None:
        if inner.cancelled():
            result.cancel()
        elif inner.exception() is not None:
            result.set_exception(inner.exception())
        else:
            result.set_result(self._note(inner.result()))

    def _note(self, outcome):
        """What a job made and used, into this process (typeset fragments, cache entries, counts)."""
        if len(outcome) == 5:
            layout, views, fresh, (used, new), keys = outcome
            self.laid_out += fresh
            self.reused += not fresh
            self.setup.cache.used |= keys
            self._remember(used, new)
            return layout, views
        keys, found, (used, new) = outcome
        self._remember(used, new)
        return keys, found

    def _remember(self, used, new) -> None:
        if self.setup.memo is not None:
            self.setup.memo.add(used, new)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def _side(number: int) -> str:
    return "right" if number % 2 else "left"


def render(renderer, volume, edition, fetcher_for, head_extra: str, cache_dir: Path | None, theme,
           settings: SplitSettings, memo: Memo | None = None, spec: Finish | None = None):
    """The volume's PDF by the split render: (pdf, WeasyPrint's warnings, raster images). ``spec``:
    how the PDF is finished (prepress.py; its numbering is the split render's)."""
    if settings.stamping:
        try:
            return _render(renderer, volume, edition, fetcher_for, head_extra, cache_dir, theme, settings, memo, True, spec=spec)
        except StampError as exc:
            # a number could not be rewritten (a font without equal-width digits?): lay out with the numbers
            return _render(renderer, volume, edition, fetcher_for, head_extra, cache_dir, theme, settings, memo, False,
                           why=str(exc), spec=spec)
    return _render(renderer, volume, edition, fetcher_for, head_extra, cache_dir, theme, settings, memo, False,
                   why="off in the settings", spec=spec)


UNIT_FRONT, UNIT_OPENER, UNIT_ARTICLE, UNIT_INDEX = "front", "opener", "article", "index"


def _units(volume, people: bool) -> list[tuple]:
    """The book's units in order: ("front",), ("opener", c), ("article", c, i), ("index", name)."""
    units: list[tuple] = [(UNIT_FRONT,)]
    for c, chapter in enumerate(volume.chapters):
        units.append((UNIT_OPENER, c))
        units.extend((UNIT_ARTICLE, c, i) for i in range(len(chapter.articles)))
    units += [(UNIT_INDEX, "regions"), (UNIT_INDEX, "topics")] + ([(UNIT_INDEX, "people")] if people else [])
    return units


def _on_recto(unit: tuple, indexes_on_recto: bool = True) -> bool:
    """Chapters (their openers) and the indexes (every one, or the first: pdf.index_opening) open on a
    right-hand page."""
    return unit[0] == UNIT_OPENER or unit == (UNIT_INDEX, "regions") or (indexes_on_recto and unit[0] == UNIT_INDEX)


def _part_of(unit: tuple) -> Part:
    if unit[0] == UNIT_FRONT:
        return Part("front")
    if unit[0] == UNIT_OPENER:
        return Part("opener", unit[1])
    return Part("index", index=unit[1])


def _render(renderer, volume, edition, fetcher_for, head_extra: str, cache_dir: Path | None, theme,
            settings: SplitSettings, memo: Memo | None, stamping: bool, why: str = "", spec: Finish | None = None):
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
    stylesheets = sorted(theme.static_dir.glob("*.css"))
    # what a layout is made from besides its HTML: WeasyPrint, the fonts, the edition, the stylesheets,
    # and the code that lays a part out, cleans its text layer and reads its layout (layout.code_digest)
    static_key = cache_key(weasyprint_version(), fonts_state(), code_digest(), edition, *(p.read_bytes() for p in stylesheets))
    setup = Setup(renderer, edition, fetcher_for, head_extra, theme.static_dir.as_uri() + "/", volume.slug.encode(),
                  static_key, cache, memo)
    units = _units(volume, people=bool(renderer.context["people"]))
    indexes_on_recto = renderer.context["config"].pdf.index_opening == "right"
    pool = Pool(setup, settings.workers or worker_count())
    hints = _load_hints(cache)
    try:
        # 1. the articles: their keys (in the workers), then those not in the cache laid out in runs
        articles = [(u[1], u[2]) for u in units if u[0] == UNIT_ARTICLE]
        chunk = max(1, len(articles) // (4 * max(1, settings.workers or worker_count())) + 1)
        probes = [pool.submit(_probe, articles[i:i + chunk]) for i in range(0, len(articles), chunk)]
        keys, cached = [], []
        for future in probes:
            k, f = future.result()
            keys += k
            cached += f
        article_key = dict(zip(articles, keys))
        lap("article keys")
        edited = _edited(volume, cache_dir)
        missing: dict[int, list[int]] = {}
        for (c, i), found in zip(articles, cached):
            if not found:
                missing.setdefault(c, []).append(i)
        jobs = [Part("articles", c, run) for c, positions in sorted(missing.items())
                for run in runs(positions, settings.articles_per_part)]
        # parts with an edited article first (their worker starts laying out at once), then biggest first
        jobs.sort(key=lambda p: (not any(volume.chapters[p.chapter].articles[i].source_path in edited for i in p.articles),
                                 -len(p.articles)))
        futures = {part: pool.submit(_lay_out, Job(part)) for part in jobs}
        stats["article_parts"] = len(jobs)
        stats["articles_laid_out"] = sum(len(p.articles) for p in jobs)
        # meanwhile the front matter and the openers from the shape they had last time (or a guess
        # for numbers new since then); in a cold build, see below
        estimate = "8" * len(str(max(100, 5 * len(volume.articles) + 50)))
        layouts: dict[tuple, Layout] = {}
        shapes: dict[tuple, tuple[str, list[str]]] = {}  # unit → (the HTML laid out, the numbers it shows)
        pending = {}
        for unit in units:
            if unit[0] == UNIT_OPENER and not hints:
                continue  # a cold build: laid out once the articles' pages are known (below)
            if unit[0] in (UNIT_FRONT, UNIT_OPENER):
                numbers = (lambda anchor: hints.get(anchor, estimate))
                html, shown = _numbered_html(setup, unit, numbers, stamping)
                lead = _front_lead(html) if unit[0] == UNIT_FRONT and not hints else None
                if lead is not None:
                    # a cold build: the 目录's guessed numbers would all be wrong, so the front matter
                    # would be laid out twice; only its pages before the 目录 are laid out now (the
                    # pages its own entries point to), and all of it once the numbers are known
                    pending[unit] = pool.submit(_lay_out, _numbered_job(unit, lead, None, stamping))
                    stats["front_lead"] = True
                    continue
                shapes[unit] = (html, shown)
                pending[unit] = pool.submit(_lay_out, _numbered_job(unit, html, None, stamping))
        views: dict[tuple, Layout] = {}
        for part, future in futures.items():
            _, part_views = future.result()
            if part_views is None:
                raise RuntimeError(f"the articles of a part did not lay out one per page run: {part}")
            for i, view in zip(part.articles, part_views):
                views[(part.chapter, i)] = view
        for (c, i), key in article_key.items():
            if (c, i) not in views:
                view = cache.get_view(key)
                if view is None:
                    raise RuntimeError(f"article {c}/{i} is neither in the cache nor laid out")
                views[(c, i)] = view
        for unit, future in pending.items():
            layouts[unit] = future.result()[0]
        lap("parts")
        for (c, i), view in views.items():
            layouts[(UNIT_ARTICLE, c, i)] = view
        if not hints:
            # a cold build: an opener shows its articles' numbers, which a guess made before any
            # article was laid out never has the shape of (wider or narrower), so it would be laid out
            # twice. Now the articles' pages are known, only the openers' lengths are not (one page
            # each is taken, so the numbers come out a few pages low): every number has its real width
            # but near 10, 100, 1000, and an opener is laid out again only if one of its has not
            _, labels = _labels(units, layouts, indexes_on_recto)
            openers = {}
            for unit in units:
                if unit[0] == UNIT_OPENER:
                    shapes[unit] = _numbered_html(setup, unit, lambda anchor: labels.get(anchor) or estimate, stamping)
                    openers[unit] = pool.submit(_lay_out, _numbered_job(unit, shapes[unit][0], None, stamping))
            for unit, future in openers.items():
                layouts[unit] = future.result()[0]
            lap("openers")
        # 2. page numbers, and the parts that show them laid out from their real shape
        sides: dict[tuple, str] = {}
        for round_ in range(6):
            starts, labels = _labels(units, layouts, indexes_on_recto)
            work = {}
            # the longest first (the indexes, then the front matter), so that no long part is left to
            # run alone at the end
            for unit in sorted((u for u in units if u[0] != UNIT_ARTICLE), key=lambda u: (u[0] != UNIT_INDEX, u[0] != UNIT_FRONT)):
                html, shown = _numbered_html(setup, unit, lambda anchor: labels.get(anchor) or estimate, stamping)
                side = _side(starts[unit]) if unit[0] == UNIT_INDEX else "right"
                if shapes.get(unit, (None,))[0] != html or sides.get(unit, "right") != side or unit not in layouts:
                    shapes[unit] = (html, shown)
                    sides[unit] = side
                    work[unit] = pool.submit(_lay_out, _numbered_job(unit, html, side, stamping))
                else:
                    shapes[unit] = (html, shown)
            changed = False
            for unit, future in work.items():
                layout = future.result()[0]
                changed |= unit not in layouts or len(layouts[unit].pages) != len(layout.pages)
                layouts[unit] = layout
            if not changed:
                break
        else:
            raise RuntimeError("page numbers did not settle after 6 rounds")
        stats["rounds"] = round_ + 1
        lap("numbers")
        starts, numbers = _number_pages(units, layouts, indexes_on_recto)
        numbering = _numbering(units, starts)
        pages = _book_pages(units, starts, layouts)
        # 3. the furniture of every page but the front matter's
        first = len(layouts[units[0]].pages) + 1
        if stamping:
            signatures = _signatures(pages, first, len(pages), numbering)
            documents = [(chunk, pool.submit(_lay_out, Job(Part("furniture", html=signature_html(chunk)), bare=False,
                                                           counter_start=_counter_start(chunk[0][0]))))
                         for chunk in _signature_documents(signatures)]
            furniture = [(chunk, future.result()[0]) for chunk, future in documents]
            furniture_of = _furniture_pages(signatures, furniture, numbering)
        else:
            documents = [((a, b), pool.submit(_lay_out, Job(Part("furniture", html=furniture_html(
                [info for info, _, _ in pages[a - 1:b]], _carried(pages, a))), first_side=_side(a - 1),
                counter_start=numbering.folio(a) - 1, bare=False)))
                for a, b in _furniture_chunks(pages, first, len(pages))]
            furniture = [(span, future.result()[0]) for span, future in documents]
            furniture_of = {number: (layout, number - a + 1, [])  # page 0 sets the strings carried in
                            for (a, b), layout in furniture for number in range(a, b + 1)}
        lap("furniture")
    finally:
        pool.close()

    # 4. join
    book = Book(layouts[units[0]], cache)
    messages: list[str] = []
    images: list[tuple] = []
    for number, (info, unit, index) in enumerate(pages, start=1):
        if unit is None:
            book.add(Slot(None, 0, furniture=furniture_of[number]))
            continue
        layout = layouts[unit]
        stamps = _stamps(layout, index, shapes.get(unit, ("", []))[1]) if stamping and unit[0] != UNIT_ARTICLE else None
        if unit == units[0]:
            book.add(Slot(layout, index, stamps=stamps))
            continue
        shift = _shift_of(unit, index, starts[unit], to_verso, sides.get(unit, "right"))
        book.add(Slot(layout, index, shift, furniture_of[number], stamps))
    names: dict[str, tuple] = {}
    marks = []
    for unit in units:
        layout, start, side = layouts[unit], starts[unit], sides.get(unit, "right")
        for anchor, (page, x, y) in layout.anchors.items():
            if anchor not in names:
                names[anchor] = (start + page - 1, x + _shift_of(unit, page, start, to_verso, side), y)
        for page, level, label, x, y, state in layout.bookmarks:
            marks.append((start + page - 1, level, label, x + _shift_of(unit, page, start, to_verso, side), y, state))
        messages.extend(layout.messages)
        images.extend((url, start + page - 1, dpi, width) for url, page, dpi, width in layout.images)
    variant = (edition.pdf_variant or "").lower()
    spec = replace(spec or Finish(numbering, volume.slug), numbering=numbering)
    pdf = book.save([(name, page, x, y) for name, (page, x, y) in names.items()], _bookmark_tree(marks), spec,
                    object_streams=not variant.startswith("pdf/a-1"))
    lap("join")
    _save_hints(cache, {anchor: numbering.label(page) for anchor, page in numbers.items()})
    _save_sources(cache_dir, volume)
    cache.prune()
    stats.update(units=len(units), pages=len(pages), furniture_documents=len(furniture), laid_out=pool.laid_out,
                 reused=pool.reused, stamping=stamping or f"no: {why}", rejected_cache_entries=cache.rejected,
                 workers=settings.workers or worker_count(), in_process=pool.pool is None, **book.stats)
    cache.write_stats(stats)
    return pdf, list(dict.fromkeys(messages)), images


def _numbered_html(setup: Setup, unit: tuple, number_of, stamping: bool) -> tuple[str, list[str]]:
    """A part that shows page numbers: its HTML as laid out (with stamping, its shape: every
    number as zeros of its width) and the numbers it shows, in document order."""
    html = setup.html(_part_of(unit), lambda anchor: number_of(anchor))
    shown = numbers_in(html)
    return (shape(html) if stamping else html), shown


def _front_lead(html: str) -> str | None:
    """The front matter without its 目录 (a theme's ``<nav class="toc">``, the front's last part):
    the same pages up to the 目录, so the same pages for the anchors on them. None without one."""
    start = html.rfind('<nav class="toc">')
    end = html.find("</nav>", start)
    if start < 0 or end < 0:
        return None
    return html[:start] + html[end + len("</nav>"):]


def _numbered_job(unit: tuple, html: str, side: str | None, stamping: bool) -> Job:
    return Job(_part_of(unit), html=html, bare=unit[0] != UNIT_FRONT, first_side=side or "right",
               digit_samples=stamping)


def _stamps(layout: Layout, index: int, shown: list[str]) -> list[tuple] | None:
    """The page numbers to write on page ``index`` of a part laid out from its shape: (x, y, the
    zeros drawn, the number)."""
    stamps = []
    for x, y, old, ordinal in layout.numbers[index] if layout.numbers else []:
        if ordinal < 0:
            continue  # a folio of the front matter: its own
        if ordinal >= len(shown) or len(shown[ordinal]) != len(old):
            raise StampError("a page number of the part was not laid out where its shape put it")
        stamps.append((x, y, old, shown[ordinal]))
    return stamps


def _shift_of(unit: tuple, page: int, start: int, to_verso: float, first_side: str = "right") -> float:
    """How far page ``page`` (from 0) of a unit moves sideways in the book (the unit starting at
    page ``start``, its first page laid out on ``first_side``)."""
    if unit[0] == UNIT_FRONT:
        return 0.0
    laid_right = (page % 2 == 0) == (first_side == "right")
    placed_right = (start + page) % 2 == 1
    return 0.0 if laid_right == placed_right else (to_verso if laid_right else -to_verso)


HINTS = "numbers.json"  # in the part cache: the page numbers of the last build (a guess of this one's shapes)
SOURCES = "sources.json"  # each article file's modification time and size at the last build


def _load_hints(cache: PartCache) -> dict[str, str]:
    """The last build's page numbers: parts are first laid out with numbers of their widths, which
    are right unless pages moved (only the work done depends on it, never the book)."""
    data = cache.read(HINTS)
    try:
        return {k: str(v) for k, v in json.loads(data).items()} if data else {}
    except (ValueError, AttributeError):
        return {}


def _save_hints(cache: PartCache, numbers: dict[str, str]) -> None:
    cache.write(HINTS, json.dumps(numbers, sort_keys=True).encode())


def _edited(volume, cache_dir: Path | None) -> set:
    """The article files that changed since the last build (by modification time and size: only the
    order of the work depends on it, never what is laid out)."""
    before = {}
    if cache_dir is not None:
        try:
            before = json.loads(read_sealed(cache_dir / SOURCES) or b"{}")
        except ValueError:
            before = {}
    edited = set()
    for article in volume.articles:
        try:
            stat = os.stat(article.source_path)
        except OSError:
            continue
        if before.get(str(article.source_path)) != [stat.st_mtime_ns, stat.st_size]:
            edited.add(article.source_path)
    return edited


def _save_sources(cache_dir: Path | None, volume) -> None:
    if cache_dir is None:
        return
    sources = {}
    for article in volume.articles:
        try:
            stat = os.stat(article.source_path)
            sources[str(article.source_path)] = [stat.st_mtime_ns, stat.st_size]
        except OSError:
            pass
    write_sealed(cache_dir / SOURCES, json.dumps(sources, ensure_ascii=False).encode("utf-8"))


def _number_pages(units: list[tuple], layouts: dict[tuple, Layout], indexes_on_recto: bool = True):
    """Each unit's first page number, and every anchor's page number."""
    starts: dict[tuple, int] = {}
    number = 1
    for unit in units:
        if _on_recto(unit, indexes_on_recto) and number % 2 == 0:
            number += 1  # a blank verso
        starts[unit] = number
        number += len(layouts[unit].pages) if unit in layouts else 1
    numbers: dict[str, int] = {}
    for unit in units:
        layout = layouts.get(unit)
        if layout is None:
            continue
        for anchor, (page, _, _) in layout.anchors.items():
            numbers.setdefault(anchor, starts[unit] + page)
    for unit in units:  # the indexes' own anchors, before they are laid out
        if unit[0] == UNIT_INDEX:
            numbers.setdefault(INDEX_ANCHORS[unit[1]], starts[unit])
    return starts, numbers


def _book_pages(units, starts, layouts) -> list[tuple[PageInfo, tuple | None, int]]:
    """Every page of the book: (what its furniture depends on, its unit or None for a blank, its
    index in the unit)."""
    pages: list[tuple[PageInfo, tuple | None, int]] = []
    for unit in units:
        while len(pages) + 1 < starts[unit]:
            following = layouts[unit].pages[0].name if layouts[unit].pages else ""
            pages.append((PageInfo(following, True, {}), None, 0))
        for index, info in enumerate(layouts[unit].pages):
            pages.append((info, unit, index))
    return pages


def _labels(units: list[tuple], layouts: dict[tuple, Layout], indexes_on_recto: bool):
    """Each unit's first page number, and every anchor's printed page number (its label)."""
    starts, numbers = _number_pages(units, layouts, indexes_on_recto)
    numbering = _numbering(units, starts)
    return starts, {anchor: numbering.label(page) for anchor, page in numbers.items()}


def _numbering(units: list[tuple], starts: dict[tuple, int]) -> Numbering:
    """The printed page numbers: the 正文 from 1 on the first chapter's opener."""
    first = next((starts[unit] for unit in units if unit[0] == UNIT_OPENER), None)
    return Numbering(first)


def _signatures(pages, first: int, last: int, numbering: Numbering) -> dict[int, tuple]:
    """What the furniture of each page first..last (numbers from 1) depends on but its folio's
    digits: the number of digits, its side, the named strings in force when it begins, its page name,
    whether it is blank (then also the next page's name: WeasyPrint names a blank page after it) and
    the strings set on it. Books have few of these; pages with one share one laid-out furniture page."""
    carried: dict[str, str] = {}
    signatures = {}
    for number, (info, _, _) in enumerate(pages, start=1):
        if first <= number <= last:
            following = pages[number][0].name if info.blank and number < len(pages) else ""
            signatures[number] = (len(numbering.label(number)), _side(number), tuple(sorted(carried.items())), info.name,
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


def _furniture_pages(signatures: dict[int, tuple], documents, numbering: Numbering) -> dict[int, tuple]:
    """Book page number → (furniture layout, its page, folio stamps [(x, y, old, new)])."""
    where = {}
    for chunk, layout in documents:
        for k, signature in enumerate(chunk):
            page = layout.anchors[f"yb-sig-{k}"][0] - (1 if signature[4] else 0)
            where[signature] = (layout, page)
    furniture = {}
    for number, signature in signatures.items():
        layout, page = where[signature]
        folio = numbering.label(number)
        stamps = [(x, y, old, folio) for x, y, old, ordinal in layout.numbers[page] if ordinal == -1 and old != folio]
        furniture[number] = (layout, page, stamps)
    return furniture


def _carried(pages, first: int) -> dict[str, str]:
    """The named strings in force when page ``first`` begins: the last value set before it."""
    values: dict[str, str] = {}
    for info, _, _ in pages[:first - 1]:
        for name, texts in info.strings.items():
            if texts:
                values[name] = texts[-1]
    return values


FALLBACK_CHUNK = 60  # pages per furniture document when numbers are not stamped


def _furniture_chunks(pages, first: int, last: int) -> list[tuple[int, int]]:
    """Page ranges (first, last; numbers from 1) of the furniture documents for pages first..last,
    in runs of about FALLBACK_CHUNK pages aligned to page numbers, never ending on a blank page
    (WeasyPrint makes a blank page only before the page that asks for a recto)."""
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
