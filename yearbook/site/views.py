"""Model → what the site's templates see: every URL relative to the page being rendered, HTML
fragments with their media and article links resolved, the organisations, and related articles."""
from __future__ import annotations

import heapq
import uuid
from dataclasses import dataclass

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
    return sorted(articles, key=lambda a: tuple(-x for x in a.date.sort_key()))[:count]


class SiteViews:
    """Context for site pages: every URL is made relative to the page being rendered."""

    def __init__(self, yearbook: Yearbook, pdf_names: set[str] = frozenset()):
        self.yearbook = yearbook
        self.config = yearbook.config
        self.pdf_names = pdf_names
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
        }
        context.update(extra)
        return context


