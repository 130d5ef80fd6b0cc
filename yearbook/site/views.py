"""Model → what the site's templates see: every URL relative to the page being rendered, HTML
fragments with their media and article links resolved, the organisations, and related articles."""
from __future__ import annotations

import heapq
import re
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Callable

from markupsafe import Markup

from . import urls
from ..content.collation import plain_pinyin, sort_key
from ..content.collect import source_rel_path
from ..content.indexes import group_by_letter, person_sort_reading, topic_groups
from ..content.labels import keyword_label, region_label, volume_label
from ..content.markup import ARTICLE_MARK, MEDIA_MARK

from ..content.model import Article, RegionNode, Yearbook
from ..content.regions import Region
from ..content.slugs import capped_slug


@dataclass
class Organization:
    """An organisation named as an article's ``organization`` (the same name in another province is
    another organisation), with its articles in book order."""

    name: str
    slug: str
    province: Region
    articles: list
    sort_key: tuple


def site_organizations(articles: list[Article]) -> list[Organization]:
    """Every organisation, in 汉语拼音 order; slugs are pinyin (淮安市科协 → huaianshikexie)."""
    found: dict[tuple[str, str], Organization] = {}
    for article in articles:
        province = article.region_path[0]
        key = (article.organization, province.code)
        if key not in found:
            found[key] = Organization(article.organization, "", province, [], sort_key(article.organization))
        found[key].articles.append(article)
    taken: set[str] = set()
    ordered = sorted(found.values(), key=lambda o: (o.sort_key, o.province.code))
    for org in ordered:
        base = capped_slug(plain_pinyin(org.name) or "org")
        slug = base if base not in taken else f"{base}-{org.province.slug}"
        n = 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        org.slug = slug
    return ordered


class RelatedIndex:
    """Finds, for an article, the others that share its themes or its region (see :meth:`related`).

    The score of a pair is 2 × shared themes + shared region levels, so it depends only on how many
    themes two articles share (``j``) and how deep their region paths agree (``d``). Articles are
    grouped by region node (every prefix of a region path, the root included) and, inside a node, by
    topic mask. For one article the groups of its own path give, level by level, how many others have
    each (j, d), so only the best score levels are looked at, and only their members are ranked:
    the same lists as scoring every pair (tests/test_html_fast_paths.py checks it), without doing it."""

    def __init__(self, articles: list[Article]):
        self.articles = articles
        bits: dict[str, int] = {}
        self.masks = [sum(1 << bits.setdefault(t.slug, len(bits)) for t in a.topics) for a in articles]
        self.paths = [tuple(r.code for r in a.region_path) for a in articles]
        self.years = [a.date.year for a in articles]
        self.position = {id(a): n for n, a in enumerate(articles)}
        self._groups: dict[tuple, dict[int, list[int]]] | None = None
        self._by_shared: dict[tuple, list[list[int]]] = {}  # (prefix, mask) → per j: masks of that prefix sharing j topics
        self._counts: dict[tuple, list[int]] = {}  # (prefix, mask) → per j: articles of that prefix sharing j topics

    @property
    def groups(self) -> dict[tuple, dict[int, list[int]]]:
        """Region prefix (() = every article) → topic mask → positions, in book order; made on first use."""
        if self._groups is None:
            self._groups = {}
            for position, (mask, path) in enumerate(zip(self.masks, self.paths)):
                for depth in range(len(path) + 1):
                    self._groups.setdefault(path[:depth], {}).setdefault(mask, []).append(position)
        return self._groups

    def _masks_by_shared(self, prefix: tuple, mask: int) -> list[list[int]]:
        key = (prefix, mask)
        found = self._by_shared.get(key)
        if found is None:
            found = [[] for _ in range(mask.bit_count() + 1)]
            counts = [0] * len(found)
            for other, members in self.groups[prefix].items():
                shared = (mask & other).bit_count()
                found[shared].append(other)
                counts[shared] += len(members)
            self._by_shared[key] = found
            self._counts[key] = counts
        return found

    def _count(self, prefix: tuple, mask: int, shared: int) -> int:
        if prefix not in self.groups:
            return 0
        self._masks_by_shared(prefix, mask)
        return self._counts[(prefix, mask)][shared]

    def related(self, article: Article, limit: int = 5) -> list[tuple[Article, str]]:
        """Up to ``limit`` other articles, closest first (2 points per shared theme, 1 per shared region
        level; then the nearest year; then book order), each with the reason shown to readers
        (同地区：淮安市；同主题：科学普及)."""
        me = self.position[id(article)]
        mask, path, year = self.masks[me], self.paths[me], self.years[me]
        top, levels = mask.bit_count(), len(path)
        # every (shared themes j, region depth d) with a positive score, best score first
        cells = sorted(((2 * j + d, j, d) for j in range(top + 1) for d in range(levels + 1) if j or d), reverse=True)
        chosen: list[tuple[int, int]] = []
        found, cutoff = 0, None
        for score, j, d in cells:
            if cutoff is not None and score < cutoff:
                break
            count = self._count(path[:d], mask, j) - (self._count(path[:d + 1], mask, j) if d < levels else 0)
            if j == top and d == levels:
                count -= 1  # the article itself
            if count:
                chosen.append((j, d))
                found += count
            if cutoff is None and found >= limit:
                cutoff = score  # finish this score level: its members are ranked by year and book order
        scored = []
        for j, d in chosen:
            prefix = path[:d]
            for other in self._masks_by_shared(prefix, mask)[j]:
                for position in self.groups[prefix][other]:
                    other_path = self.paths[position]
                    if d < levels and len(other_path) > d and other_path[d] == path[d]:
                        continue  # deeper: counted in its own cell
                    if position != me:
                        scored.append((-(2 * j + d), abs(self.years[position] - year), position, d))
        return [self._with_reason(article, position, depth) for _, _, position, depth in heapq.nsmallest(limit, scored)]

    def _with_reason(self, article: Article, position: int, depth: int) -> tuple[Article, str]:
        other = self.articles[position]
        topics = {t.slug for t in article.topics}
        shared_topics = [t.name for t in other.topics if t.slug in topics]
        reasons = (["同地区：" + other.region_path[depth - 1].name] if depth else []) + (
            ["同主题：" + "、".join(shared_topics)] if shared_topics else [])
        return other, "；".join(reasons)


def latest_articles(articles: list[Article], count: int) -> list[Article]:
    """The ``count`` newest articles (by date; ties keep book order)."""
    return newest_first(articles)[:count]


def newest_first(articles: list[Article]) -> list[Article]:
    """``articles`` by date, newest first; ties keep their order (book order)."""
    return sorted(articles, key=lambda a: tuple(-x for x in a.date.sort_key()))


IMAGE_SOURCE = '<img src="' + MEDIA_MARK
IMAGE_TAG = re.compile(re.escape(IMAGE_SOURCE) + r'([^"]*)"')
SIZES = "(min-width: 46rem) 43rem, calc(100vw - 2rem)"  # images.SIZES: the text column's width


PER_PAGE = 50  # reports on one page of a list (about 35 KB of HTML with their summaries)
ENTRIES_PER_PAGE = 200  # names on one page of the people and organisation indexes


@dataclass
class Pager:
    """One page of a list that is split into pages of a bounded size: ``items`` are this page's,
    ``first_url`` is the list's first page (``regions/jiangsu/``; page n is urls.page_url(first_url, n))."""

    items: list
    number: int  # 1-based
    count: int  # pages in the list
    total: int  # items in the whole list
    start: int  # 0-based position of items[0] in the whole list
    first_url: str
    per_page: int = PER_PAGE

    def url(self, number: int) -> str:
        return urls.page_url(self.first_url, number)

    @property
    def page_url(self) -> str:
        return self.url(self.number)

    def window(self, width: int = 2) -> list[int | None]:
        """Page numbers for the pager: the first, the last and ``width`` either side of this one;
        None stands for the numbers left out (…)."""
        shown = sorted({1, self.count, *range(max(1, self.number - width), min(self.count, self.number + width) + 1)})
        out: list[int | None] = []
        for n in shown:
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out


def paginate(items: list, first_url: str, per_page: int = PER_PAGE) -> list[Pager]:
    """``items`` cut into pages of at most ``per_page`` (always at least one page, maybe empty)."""
    count = max(1, -(-len(items) // per_page))
    return [Pager(items[n * per_page:(n + 1) * per_page], n + 1, count, len(items), n * per_page, first_url, per_page)
            for n in range(count)]


@dataclass
class FacetCount:
    """A value of a facet (a theme, a year, a region) with the number of reports it has in a list."""

    label: str
    count: int
    url: str  # site URL of the list of those reports
    key: object = None


def year_counts(articles: list[Article]) -> list[tuple[int, int]]:
    """(year, reports) of ``articles``, newest year first."""
    return sorted(Counter(a.date.year for a in articles).items(), reverse=True)


def topic_counts(articles: list[Article], order: list) -> list[tuple[object, int]]:
    """(topic, reports) of ``articles``, in the order of ``order`` (the topic entries: pinyin)."""
    counts = Counter(t.slug for a in articles for t in a.topics)
    return [(entry.topic, counts[entry.topic.slug]) for entry in order if counts[entry.topic.slug]]


class SiteViews:
    """Context for site pages: every URL is made relative to the page being rendered."""

    def __init__(self, yearbook: Yearbook, pdf_names: set[str] = frozenset(),
                 printed_pages: dict[str, dict[str, str]] | None = None, book_pages: list | None = None,
                 images=None):
        self.yearbook = yearbook
        self.config = yearbook.config
        self.pdf_names = pdf_names
        # volume slug → {article slug → the page label it starts on in the printed volume} (from the PDF's layout)
        self.printed_pages = printed_pages or {}
        self.book_pages = book_pages or []  # content/pages/ (编辑说明 …), shown on the site too
        self.images = images  # images.SiteImages: size and smaller copies of each image, or None
        self.articles_by_source = {
            source_rel_path(a.source_path, self.config.content_dir): a for a in yearbook.articles
        }
        self.region_nodes: dict[str, RegionNode] = {}
        self._index_regions(yearbook.region_tree)
        self.organizations = site_organizations(yearbook.articles)
        self.organization_of = {(a.organization, a.region_path[0].code): o for o in self.organizations for a in o.articles}
        self.organization_groups = group_by_letter(self.organizations, lambda o: o.name)
        self.topic_groups = topic_groups(yearbook.topic_entries)
        self.people_groups = group_by_letter(yearbook.people, lambda p: p.name, person_sort_reading)
        self.people_by_name = {person.name: person for person in yearbook.people}
        self.related_index = RelatedIndex(yearbook.articles)
        self.years: dict[int, list[Article]] = {}
        for article in yearbook.articles:
            self.years.setdefault(article.date.year, []).append(article)
        self.years = dict(sorted(self.years.items(), reverse=True))
        self.topic_provinces: dict[str, list[tuple[RegionNode, list[Article]]]] = {}  # topic slug → provinces
        provinces = {node.region.code: node for node in yearbook.region_tree}
        for entry in yearbook.topic_entries:
            grouped: dict[str, list[Article]] = {}
            for article in entry.articles:
                grouped.setdefault(article.region_path[0].code, []).append(article)
            self.topic_provinces[entry.topic.slug] = [(node, grouped[code]) for code, node in provinces.items() if code in grouped]

    def _image_attributes(self, rel: str, root: str) -> str:
        """The start of an image's tag: its source (a smaller copy), srcset, size and lazy loading."""
        image = self.images.get(rel)
        if image is None:
            return f'<img src="{MEDIA_MARK}{rel}" loading="lazy" decoding="async"'
        tag = f'<img src="{root}{image.url}"'
        if image.copies:
            widths = [f"{root}{path} {width}w" for width, path in image.copies]
            widths.append(f"{root}{urls.media_url(rel)} {image.width}w")
            tag += f' srcset="{", ".join(widths)}" sizes="{SIZES}"'
        return tag + f' width="{image.width}" height="{image.height}" loading="lazy" decoding="async"'

    def printed_page(self, article: Article) -> str | None:
        """The page of the printed volume the article starts on, when the PDF's layout is known."""
        return self.printed_pages.get(article.volume.slug, {}).get(article.slug) if article.volume else None

    def citation(self, article: Article) -> str:
        """How to cite the article (GB/T 7714—2015): the printed volume with its page when the PDF's
        layout is known, else the site's page (with its URL when base_url is set)."""
        editor = self.config.publisher or self.config.title
        book = f"{self.config.title}：{volume_label(article.volume)}" if article.volume else self.config.title
        page = self.printed_page(article)
        if page:
            return f"{article.organization}. {article.title}[M]//{editor}. {book}: {page}."
        address = self.absolute_url(urls.article_url(article.slug))
        return f"{article.organization}. {article.title}[EB/OL]//{editor}. {book}. ({article.date.iso()})" + (
            f". {address}." if address else ".")

    def topic_facets(self, articles: list[Article], province: RegionNode | None = None, **facets) -> list[FacetCount]:
        """The themes of ``articles`` with their counts, each linked to its list: the static page of the
        theme in ``province`` when given, else the search page browsing ``facets`` + the theme."""
        found = []
        for topic, count in topic_counts(articles, self.yearbook.topic_entries):
            target = (urls.topic_region_url(topic.slug, province.region.slug) if province is not None
                      else urls.browse_url(**facets, topic=topic.slug))
            found.append(FacetCount(topic.name, count, target, topic))
        return found

    def year_facets(self, articles: list[Article], **facets) -> list[FacetCount]:
        """The years of ``articles`` with their counts, each linked to the search page browsing them."""
        return [FacetCount(f"{year}年", count, urls.browse_url(**facets, year=year) if facets else urls.year_url(year), year)
                for year, count in year_counts(articles)]

    def region_facets(self, articles: list[Article], depth: int = 0, **facets) -> list[FacetCount]:
        """The regions at ``depth`` (0: provinces) of ``articles`` with their counts, in book order,
        linked to the search page browsing ``facets`` + the region."""
        counts: dict[str, list] = {}
        for article in articles:
            if len(article.region_path) > depth:
                region = article.region_path[depth]
                counts.setdefault(region.code, [region, 0])[1] += 1
        found = []
        for region, count in counts.values():
            node = self.region_nodes.get(region.code)
            path = "/".join(node.slug_path) if node else region.slug
            found.append(FacetCount(region.name, count, urls.browse_url(**facets, region=path), region))
        return found

    def _index_regions(self, nodes: list[RegionNode]) -> None:
        for node in nodes:
            self.region_nodes[node.region.code] = node
            self._index_regions(node.children)

    def region_url(self, region) -> str:
        node = self.region_nodes.get(region.code)
        return urls.region_url(node.slug_path) if node else urls.regions_url()

    def organization_url(self, article: Article) -> str:
        return urls.organization_url(self.organization_of[(article.organization, article.region_path[0].code)].slug)

    def absolute_url(self, target: str) -> str:
        """base_url + ``target`` when a base URL is configured, else '' (feeds and sitemaps then stay relative)."""
        return self.config.base_url + target if self.config.base_url else ""

    def uuid_urn(self, name: str) -> str:
        """A stable Atom id for ``name`` (``feed``, ``articles/<slug>``) of this yearbook, with or without a base URL."""
        return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"yearbook:{self.config.slug}/{name}"))

    def context(self, page_url: str, **extra) -> dict:
        root = urls.root_prefix(page_url)

        def url(target: str) -> str:
            return root + target or "./"  # urls.relative_url(page_url, target), with the prefix worked out once

        def content(html: str) -> Markup:
            if self.images is not None and IMAGE_SOURCE in html:
                html = IMAGE_TAG.sub(lambda match: self._image_attributes(match.group(1), root), html)
            html = html.replace(MEDIA_MARK, root + "media/")
            if ARTICLE_MARK in html:
                for rel, article in self.articles_by_source.items():
                    html = html.replace(ARTICLE_MARK + rel, url(urls.article_url(article.slug)))
            return Markup(html)

        absolute = self.config.base_url + urls.output_file(page_url).removesuffix("index.html") if self.config.base_url else ""
        context = {
            "page_link": lambda target: url(target) or "./",
            "volume_label": volume_label,
            "config": self.config,
            "yearbook": self.yearbook,
            "page_url": page_url,
            "canonical_url": absolute,
            "root": root,
            "url": url,
            "content": content,
            "urls": urls,
            "region_url": self.region_url,
            "has_pdf": lambda volume: volume.pdf_name in self.pdf_names,
            "keyword_label": keyword_label,
            "region_label": region_label,
            "group_by_letter": group_by_letter,
            "topic_groups": self.topic_groups,
            "people_groups": self.people_groups,
            "person_named": self.people_by_name.get,
            "organizations": self.organizations,
            "organization_groups": self.organization_groups,
            "organization_url": self.organization_url,
            "related_articles": self.related_index.related,
            "latest_articles": lambda count: latest_articles(self.yearbook.articles, count),
            "absolute_url": self.absolute_url,
            "uuid_urn": self.uuid_urn,
            "printed_page": self.printed_page,
            "citation": self.citation,
            "book_pages": self.book_pages,
            "years": self.years,
            "topic_provinces": self.topic_provinces,
            "topic_facets": self.topic_facets,
            "year_facets": self.year_facets,
            "region_facets": self.region_facets,
            "newest_first": newest_first,
        }
        context.update(extra)
        return context


