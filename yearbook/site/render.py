"""Yearbook + theme → the site's files as :class:`RenderedFile` (relative path, bytes).
Writes nothing: output.py does."""
from __future__ import annotations

import re
import tempfile
from pathlib import Path
from types import BuiltinFunctionType, FunctionType, MethodType
from typing import Callable

import jinja2
import jinja2.runtime
from markupsafe import Markup

from . import urls
from ..output import RenderedFile
from ..parallel import PARALLEL_MIN_ARTICLES, TwoEndedRange, in_forked_process
from ..progress import Progress
from ..content.collect import source_rel_path
from ..content.model import RegionNode, Yearbook
from ..content.markup import MEDIA_MARK
from ..content.pages import load_pages
from ..content.svg import SvgError, sanitize_svg
from ..errors import ContentError, SourceLocation
from ..i18n import _
from .search import SearchBuilder, build_search_files, doc_path
from ..themes import Theme, make_environment, render_template, static_files
from .images import SiteImages
from .views import ENTRIES_PER_PAGE, SiteViews, newest_first, paginate


class SiteContext(jinja2.runtime.Context):
    """jinja2's template context, with a shorter way to call a plain function or method from a template:
    ``Context.call`` asks every callable (twice) whether it wants the context, environment or eval
    context passed in; functions and methods without ``jinja_pass_arg`` (the views' helpers, ``urls.*``,
    ``date.iso``), and built-in methods, are called directly. Anything else (macros, callable objects,
    ``pass_context`` functions) goes through jinja2's own ``call``. The result is the same."""

    def call(__self, __obj, *args, **kwargs):  # noqa: N805 - jinja2's signature
        __traceback_hide__ = True  # noqa: F841 - as in jinja2: not shown in template tracebacks
        kind = type(__obj)
        if kind is FunctionType:
            plain = getattr(__obj, "jinja_pass_arg", None) is None
        elif kind is MethodType:
            plain = getattr(__obj.__func__, "jinja_pass_arg", None) is None
        else:
            plain = kind is BuiltinFunctionType
        if not plain:
            return jinja2.runtime.Context.call(__self, __obj, *args, **kwargs)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined("value was undefined because a callable raised a StopIteration exception")


def make_site_environment(theme: Theme) -> jinja2.Environment:
    """The theme's environment (themes.make_environment) with :class:`SiteContext`."""
    env = make_environment(theme)
    env.context_class = SiteContext
    return env


class HtmlRenderer:
    """Renders every page of the site with one jinja2 environment."""

    def __init__(self, yearbook: Yearbook, theme: Theme, pdf_names: set[str] = frozenset(),
                 on_page: Callable[[str], None] | None = None, env: jinja2.Environment | None = None,
                 printed_pages: dict[str, dict[str, str]] | None = None, book_pages: list | None = None,
                 image_cache: Path | None = None):
        self.yearbook = yearbook
        self.theme = theme
        if env is None:  # one build: the templates cannot change under it, so jinja2 need not stat them for every page
            env = make_site_environment(theme)
            env.auto_reload = False
        self.env = env  # serve passes its own, kept while the theme's templates are unchanged
        # printed_pages: volume slug → {article slug → page label in the printed volume}, from the PDF's layout
        if book_pages is None:
            book_pages = load_pages(yearbook.config.content_dir)
        # the articles' images: their sizes now, their smaller copies in copied_files (cached in image_cache)
        self.images = SiteImages(yearbook.config.content_dir, sorted({image for article in yearbook.articles for image in article.images}
                                                                     | {image for page in book_pages for image in page_images(page)}), image_cache)
        self.views = SiteViews(yearbook, pdf_names, printed_pages, book_pages, self.images)
        self.on_page = on_page  # progress: called with each page's rel_path
        self.with_search = True  # serve sets False: it writes the search index after the pages (search_files)

    def page(self, template: str, page_url: str, **extra) -> RenderedFile:
        """Every site page goes through here: ``template`` rendered with the views' context and ``extra``."""
        rel_path = urls.output_file(page_url)
        if self.on_page is not None:
            self.on_page(rel_path)
        html = render_template(self.env, self.theme, template, self.views.context(page_url, **extra))
        return RenderedFile(rel_path, html.encode("utf-8"))

    def region_jobs(self, nodes: list[RegionNode], parents: tuple[RegionNode, ...] = ()) -> list[tuple[str, str, dict]]:
        jobs = []
        for node in nodes:
            jobs += paged("region.html", urls.region_url(node.slug_path), newest_first(node.all_articles()),
                          node=node, parents=parents)
            jobs.extend(self.region_jobs(node.children, parents + (node,)))
        return jobs

    def volume_jobs(self, volume) -> list[tuple[str, str, dict]]:
        """The volume's 目录 in book order, in pages; each page's articles under their chapters, and on every
        page the chapters with the page each starts on."""
        first = urls.volume_url(volume.slug)
        pages = paginate(volume.articles, first)
        per_page = pages[0].per_page
        chapter_index, position = [], 0
        for chapter in volume.chapters:
            chapter_index.append((chapter, pages[position // per_page].url(position // per_page + 1), len(chapter.articles)))
            position += len(chapter.articles)
        jobs, position = [], 0
        for pager in pages:
            groups = []
            for chapter in volume.chapters:
                start, stop = position, position + len(chapter.articles)
                position = stop
                lo, hi = max(start, pager.start), min(stop, pager.start + len(pager.items))
                if lo < hi:
                    groups.append((chapter, chapter.articles[lo - start:hi - start], lo > start))
            position = 0
            jobs.append(("volume.html", pager.page_url, {"volume": volume, "pager": pager, "chapter_groups": groups,
                                                         "chapter_index": chapter_index}))
        return jobs

    def index_jobs(self, template: str, first: str, entries: list) -> list[tuple[str, str, dict]]:
        """An A–Z index (people, organisations) in pages of at most ENTRIES_PER_PAGE names, each page with
        the letters and the page each starts on."""
        from_letter = self.views.people_groups if template == "people.html" else self.views.organization_groups
        pages = paginate(entries, first, ENTRIES_PER_PAGE)
        letters, position = [], 0
        for group in from_letter:
            letters.append((group.letter, pages[position // ENTRIES_PER_PAGE].page_url, len(group.entries)))
            position += len(group.entries)
        jobs = []
        for pager in pages:
            on_page = {id(entry) for entry in pager.items}
            groups = [(group.letter, [e for e in group.entries if id(e) in on_page]) for group in from_letter]
            jobs.append((template, pager.page_url, {"pager": pager, "letters": letters,
                                                   "groups": [(letter, items) for letter, items in groups if items]}))
        return jobs

    def page_jobs(self) -> list[tuple[str, str, dict]]:
        """(template, page URL, extra context) of every page of the site, in order: what :meth:`page`
        is called with, so that the pages can be shared out (pipeline.render_site_files)."""
        yb = self.yearbook
        views = self.views
        jobs: list[tuple[str, str, dict]] = [("home.html", urls.home_url(), {})]
        jobs += [("article.html", urls.article_url(article.slug), {"article": article}) for article in yb.articles]
        for volume in yb.volumes:
            jobs += self.volume_jobs(volume)
        jobs += [("book_page.html", urls.book_page_url(page.slug), {"book_page": page}) for page in views.book_pages]
        jobs.append(("regions.html", urls.regions_url(), {}))
        jobs += self.region_jobs(yb.region_tree)
        jobs.append(("topics.html", urls.topics_url(), {}))
        for entry in yb.topic_entries:
            jobs += paged("topic.html", urls.topic_url(entry.topic.slug), newest_first(entry.articles), entry=entry)
            for province, articles in views.topic_provinces[entry.topic.slug]:
                jobs += paged("topic_region.html", urls.topic_region_url(entry.topic.slug, province.region.slug),
                              newest_first(articles), entry=entry, province=province, articles=articles)
        jobs.append(("years.html", urls.years_url(), {}))
        for year, articles in views.years.items():
            jobs += paged("year.html", urls.year_url(year), newest_first(articles), year=year)
        jobs += self.index_jobs("people.html", urls.people_url(), yb.people)
        for person in yb.people:
            jobs += paged("person.html", urls.person_url(person.slug), person.credits, person=person)
        jobs += self.index_jobs("organizations.html", urls.organizations_url(), views.organizations)
        for organization in views.organizations:
            jobs += paged("organization.html", urls.organization_url(organization.slug), newest_first(organization.articles),
                          organization=organization)
        jobs.append(("search.html", urls.search_url(), {}))
        jobs += self.feed_jobs([urls.output_file(page_url) for _, page_url, _ in jobs])
        jobs.append(("404.html", "404.html", self.not_found_context()))
        return jobs

    def not_found_context(self) -> dict:
        """What 404.html needs besides the usual context: without base_url it is shown at any depth, so its
        stylesheet comes inline and its script needs the site's top-level names to find the root."""
        if self.yearbook.config.base_url:
            return {}
        css = self.theme.static_dir / "site.css"
        return {"inline_css": Markup(css.read_text(encoding="utf-8").replace("</", "<\\/")) if css.is_file() else "",
                "site_sections": urls.SECTIONS}

    def feed_jobs(self, pages: list[str]) -> list[tuple[str, str, dict]]:
        """The Atom feed, sitemap.xml (every page of ``pages``, rel_paths, but 404; only with a base_url:
        a sitemap lists absolute URLs) and robots.txt."""
        jobs = [("feed.xml", urls.feed_url(), {})]
        if self.yearbook.config.base_url:
            dates = {urls.output_file(urls.article_url(a.slug)): a.date.iso() for a in self.yearbook.articles}
            entries = [(rel_path.removesuffix("index.html"), dates.get(rel_path)) for rel_path in pages if rel_path.endswith(".html")]
            jobs.append(("sitemap.xml", urls.sitemap_url(), {"sitemap_entries": entries}))
        return jobs + [("robots.txt", urls.robots_url(), {})]

    def render(self) -> list[RenderedFile]:
        files = [self.page(template, page_url, **extra) for template, page_url, extra in self.page_jobs()]
        if self.with_search:
            files.extend(self.search_files())
        return files + self.copied_files()

    def copied_files(self) -> list[RenderedFile]:
        """The theme's static files and the articles' images, copied as they are; an SVG only as drawing
        (content/svg.py: no script, event handler or link elsewhere; the check told the editor what goes)."""
        files = [RenderedFile(urls.static_url(path.relative_to(self.theme.static_dir).as_posix()), source=path)
                 for path in static_files(self.theme)]
        images = sorted({image for article in self.yearbook.articles for image in article.images}
                        | {image for page in self.views.book_pages for image in page_images(page)})
        content_dir = self.yearbook.config.content_dir
        return (files + [svg_copy(urls.media_url(image), content_dir / image) if image.lower().endswith(".svg")
                         else RenderedFile(urls.media_url(image), source=content_dir / image) for image in images]
                + self.images.files())

    def search_files(self) -> list[RenderedFile]:
        """The files of the search index (search_index.py)."""
        return [RenderedFile(path, data) for path, data in build_search_files(self.yearbook).items()]


def render_draft_pages(yearbook: Yearbook, theme, pdf_names: set[str] = frozenset(),
                       env: jinja2.Environment | None = None) -> list[RenderedFile]:
    """serve's preview of the drafts: each draft's page at its own URL (article.html with ``draft`` set: the
    草稿 banner, noindex, no canonical link), and the images that only drafts show. The site's lists,
    indexes, feed, sitemap and search are made from ``yearbook.articles``, so no draft is in any of them;
    serve keeps these files outside output/site (a build never publishes them)."""
    renderer = HtmlRenderer(yearbook, theme, pdf_names, env=env)
    views = renderer.views
    content_dir = yearbook.config.content_dir
    views.articles_by_source.update((source_rel_path(d.source_path, content_dir), d) for d in yearbook.drafts)

    def organization_url(article) -> str:  # a draft's organization may have no page yet
        known = (article.organization, article.region_path[0].code) in views.organization_of
        return views.organization_url(article) if known else urls.organizations_url()

    files = [renderer.page("article.html", urls.article_url(draft.slug), article=draft, draft=True, canonical_url="",
                           organization_url=organization_url, related_articles=lambda article: [])
             for draft in yearbook.drafts]
    shown = {image for article in yearbook.articles for image in article.images}
    images = sorted({image for draft in yearbook.drafts for image in draft.images} - shown)
    return files + [RenderedFile(urls.media_url(image), source=content_dir / image) for image in images]


MEDIA_LINK = re.compile(re.escape(MEDIA_MARK) + r'([^"]*)"')


def page_images(page) -> list[str]:
    """The content files a book page shows or links (its images), content-relative."""
    return MEDIA_LINK.findall(page.body_html)


def paged(template: str, first: str, items: list, **extra) -> list[tuple[str, str, dict]]:
    """The jobs of a list shown in pages of a bounded size (views.paginate): ``pager`` in each one's context."""
    return [(template, pager.page_url, {**extra, "pager": pager}) for pager in paginate(items, first)]


def svg_copy(rel_path: str, source) -> RenderedFile:
    """The site's copy of an SVG image: the file itself, or what is left of it once made safe."""
    try:
        with open(source, "rb") as stream:
            data = stream.read()
        return RenderedFile(rel_path, sanitize_svg(data).data)
    except OSError as exc:
        raise ContentError(_("cannot read the image: {reason} (was it moved or changed while the build ran?)",
                             reason=exc.strerror or str(exc)),
                           SourceLocation(source)) from None
    except SvgError as exc:
        raise ContentError(_("the image cannot be shown: {reason} (was it changed while the build ran?)", reason=exc.message),
                           SourceLocation(source, exc.line)) from None


SEARCH_CHUNK = 32  # articles of the search index handed out at a time (render_site_files)
PAGE_CHUNK = 16  # pages handed out at a time


def render_site_files(yearbook: Yearbook, theme, pdf_names: set[str], progress: Progress,
                      write: Callable[[RenderedFile], RenderedFile] | None = None,
                      printed_pages: dict[str, dict[str, str]] | None = None, book_pages: list | None = None,
                      image_cache: Path | None = None) -> list[RenderedFile]:
    """Every file of the site; with ``write`` (output.Staging.writer), each page is written as soon as
    it is made, and comes back marked ``written``.

    On a large site the work is shared out between this process and a forked one, each taking chunks
    of two lists from opposite ends (parallel.TwoEndedRange): the forked one starts on the search
    index's articles, this one on the pages; when its own list is done, each helps with the other
    from the other end, so that both cores stay busy to the end. The files are the same either way
    (search_index.SearchBuilder joins the index's parts in order; pages are pages)."""
    on_page = (lambda rel: progress.advance()) if progress.enabled else None
    renderer = HtmlRenderer(yearbook, theme, pdf_names, on_page=on_page, printed_pages=printed_pages, book_pages=book_pages,
                            image_cache=image_cache)
    if len(yearbook.articles) < PARALLEL_MIN_ARTICLES:
        return renderer.render()
    renderer.with_search = False
    jobs = renderer.page_jobs()
    builder = SearchBuilder(yearbook)
    ids = TwoEndedRange(len(builder.articles), SEARCH_CHUNK)
    pages = TwoEndedRange(len(jobs), PAGE_CHUNK)

    def render_pages(chunk: range) -> list[RenderedFile]:
        made = [renderer.page(template, page_url, **extra) for template, page_url, extra in map(jobs.__getitem__, chunk)]
        return list(map(write, made)) if write is not None else made

    def search_part(chunk: range) -> tuple:
        part = builder.part(chunk)
        if write is not None:  # the doc files now; the part's docs are still needed for the index's digest
            for doc_id, doc in zip(chunk, part[0]):
                write(RenderedFile(doc_path(doc_id), doc))
        return part

    def index_files(parts: list[tuple], sample: dict[str, bytes]) -> list[RenderedFile]:
        """meta.json and the shards of the whole index (written now, with ``write``), and the doc files."""
        files = [RenderedFile(path, data) for path, data in builder.files(parts, with_docs=write is None, sample=sample).items()]
        if write is None:
            return files
        return list(map(write, files)) + [RenderedFile(doc_path(doc_id), written=True) for doc_id in range(count)]

    count = len(builder.articles)
    with tempfile.TemporaryFile() as spool:  # the front's doc files, written there as they are made

        def front() -> tuple:
            """The forked part: the sample index first (the other process meanwhile renders pages, and
            then takes more of the articles), the index's articles from the front (doc files spooled, not
            held nor pickled back in one piece); if it had them all, the index's files; then pages from
            the back."""
            renderer.on_page = None  # the progress line is this process's
            sample = builder.sample_files()
            whole: tuple = ([], [], {})
            while (chunk := ids.take(from_front=True)) is not None:
                docs, facets, postings = search_part(chunk)
                spool.writelines(docs)
                builder.extend(whole, ([len(doc) for doc in docs], facets, postings))
            spool.flush()
            index = None
            if count and len(whole[1]) == count:  # every article came this way: the index is made here
                spool.seek(0)
                sizes, facets, postings = whole
                index, whole = index_files([([spool.read(size) for size in sizes], facets, postings)], sample), None
            return whole, index, sample, [files for _, files in pages.work(render_pages, from_front=False)]

        with in_forked_process(front) as forked:
            made = [files for _, files in pages.work(render_pages, from_front=True)]
            back = builder.joined([part for _, part in ids.work(search_part, from_front=False)])
            whole, index, sample, made_there = forked.result() if forked is not None else front()
        if index is None:  # the articles were shared out: the parts are joined here
            sizes, facets, postings = whole
            spool.seek(0)
            index = index_files([([spool.read(size) for size in sizes], facets, postings), back], sample)
    site = [f for files in made + made_there for f in files]
    return site + index + renderer.copied_files()
