"""Cheap fingerprints of what each site page shows, so that ``serve`` re-renders only the pages whose
inputs changed (the model itself is always rebuilt whole; see docs: "a full model, with selective writes").

A fingerprint is a hash of the data a page's template shows, never of source files alone, so a change
anywhere (an article, regions.yml, topics.yml, the config, a template) reaches every page that shows it:

- every page: the config, the theme's template files, the volume list of the navigation, the PDFs it may link to;
- an article page: everything about the article (:meth:`Fingerprints.full`), the cards of its previous
  and next articles, its volume, the slugs of the people in its bylines and of the articles it links to;
- a list or index page: the cards (:meth:`Fingerprints.card`: every field but the body) of the articles it
  lists, and the structure it shows (region tree, counts, topic and person entries).

When a template starts to show something not covered here, add it to the fingerprint of that page
(or to :meth:`Fingerprints.site` for base.html); a page whose fingerprint is None is always rendered."""
from __future__ import annotations

import hashlib
from typing import Iterable

from ..content.collect import source_rel_path
from ..content.model import Article, Person, RegionNode, TopicEntry, Volume, Yearbook
from ..themes import Theme


def digest(*parts: object) -> str:
    """A short stable hash of plain data (strings, numbers, tuples and lists of them)."""
    return hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=16).hexdigest()


def templates_digest(theme: Theme) -> str:
    """Hash of every file of the theme's templates/ folder (names and bytes)."""
    h = hashlib.blake2b(digest_size=16)
    base = theme.templates_dir
    for path in sorted(p for p in base.rglob("*") if p.is_file()):
        h.update(path.relative_to(base).as_posix().encode("utf-8") + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


class Fingerprints:
    """Fingerprints of the pages of one build of the site."""

    def __init__(self, yearbook: Yearbook, theme: Theme, pdf_names: Iterable[str] = (), views=None, memo: dict | None = None):
        self.yearbook = yearbook
        self.views = views  # views.SiteViews of this render: organisations, related articles
        self.memo = memo if memo is not None else {}  # kept by serve between rebuilds (related articles)
        config = yearbook.config
        self.site = digest(repr(config), templates_digest(theme), [(v.slug, v.name) for v in yearbook.volumes],
                           sorted(pdf_names))
        self._cards: dict[int, str] = {}
        self._by_slug: dict[str, Article] | None = None
        self._person_slugs = {person.name: person.slug for person in yearbook.people}
        self._slug_by_source: dict[str, str] | None = None  # made when an article links to another
        self._parts: dict[str, object] = {}  # digests of the parts several pages show (whole tree, topics)

    # --- articles ------------------------------------------------------------------------------

    def card(self, article: Article) -> str:
        """What lists show of an article: every field except the body and the keywords' texts."""
        key = id(article)
        if key not in self._cards:
            a = article
            self._cards[key] = digest(
                a.slug, a.title, a.kicker, a.organization, a.region_note, a.date.iso(), a.source,
                [(r.code, r.name, r.slug, r.pinyin) for r in a.region_path],
                (a.volume.slug, a.volume.name) if a.volume else None,
                [(t.slug, t.name) for t in a.topics], a.summary_html, a.summary_text,
                [(k.number, k.title, k.anchor) for k in a.keywords], [(b.role, b.name) for b in a.bylines],
                (a.excerpt.part, a.excerpt.of) if a.excerpt else None,
            )
        return self._cards[key]

    def cards(self, articles: Iterable[Article]) -> str:
        return digest([self.card(a) for a in articles])

    def full(self, article: Article) -> str:
        """Everything the article's own page shows of it."""
        a = article
        return digest(
            self.card(a), self._body(a), [(link, self._link_slugs().get(link)) for link in a.article_links],
            [self._person_slugs.get(b.name) for b in a.bylines],
        )

    def _body(self, a: Article) -> str:
        """Digest of the article's own texts. serve's cache hands out the same body string while the file
        is unchanged, so the digest is kept by that string's identity (the string is kept with it)."""
        bodies = self.memo.setdefault("bodies", {})
        if len(bodies) > 2 * len(self.yearbook.articles) + 100:
            bodies.clear()
        known = bodies.get(id(a.body_html))
        if known is not None and known[0] is a.body_html and known[1] == (a.headings, a.keywords, a.images):
            return known[2]
        value = digest(a.body_html, [(h.level, h.text, h.anchor) for h in a.headings],
                       [(k.scene_html, k.observation_html) for k in a.keywords], a.images)
        bodies[id(a.body_html)] = (a.body_html, (a.headings, a.keywords, a.images), value)
        return value

    def _link_slugs(self) -> dict[str, str]:
        if self._slug_by_source is None:
            content_dir = self.yearbook.config.content_dir
            self._slug_by_source = {source_rel_path(a.source_path, content_dir): a.slug for a in self.yearbook.articles}
        return self._slug_by_source

    def _once(self, name: str, make):
        if name not in self._parts:
            self._parts[name] = digest(make())
        return self._parts[name]

    # --- pages ---------------------------------------------------------------------------------

    def page(self, template: str, extra: dict) -> str | None:
        """The fingerprint of the page ``template`` renders with ``extra``; None (always render) for a
        template this module does not know."""
        simple = {"home.html": self.home, "search.html": self.home, "regions.html": self.regions, "topics.html": self.topics,
                  "people.html": self.people, "organizations.html": self.organizations, "feed.xml": self.feed}
        if template in simple and not extra:
            return digest(template, simple[template]())
        if template in ("404.html", "robots.txt") and not extra:
            return self.plain(template)
        one = {"article.html": ("article", self.article), "volume.html": ("volume", self.volume),
               "topic.html": ("entry", self.topic), "person.html": ("person", self.person),
               "organization.html": ("organization", self.organization)}
        if template in one and set(extra) == {one[template][0]}:
            return one[template][1](extra[one[template][0]])
        if template == "region.html" and set(extra) == {"node", "parents"}:
            return self.region(extra["node"], extra["parents"])
        if template == "sitemap.xml" and set(extra) == {"sitemap_entries"}:
            return digest(self.site, template, extra["sitemap_entries"])
        return None

    def home(self) -> str:
        """Everything but the bodies (the home page, and the search page with its filters)."""
        yb = self.yearbook
        return digest(self.site, "home", self._all_cards(), self._whole_tree(), self._all_topics(),
                      [(p.name, p.slug) for p in yb.people], [self._volume(v) for v in yb.volumes])

    def _all_cards(self) -> str:
        return self._once("cards", lambda: [self.card(a) for a in self.yearbook.articles])

    def _whole_tree(self) -> str:
        return self._once("tree", lambda: self._tree(self.yearbook.region_tree))

    def _all_topics(self) -> str:
        return self._once("topics", lambda: self._topics(self.yearbook.topic_entries))

    def article(self, article: Article) -> str:
        def neighbour(other: Article | None):
            return self.card(other) if other is not None else None

        volume = (article.volume.slug, article.volume.name, article.volume.pdf_name) if article.volume else None
        return digest(self.site, "article", self.full(article), neighbour(article.previous), neighbour(article.next), volume,
                      self._organization_slug(article), [(self.card(a), why) for a, why in self._related(article)])

    def volume(self, volume: Volume) -> str:
        return digest(self.site, "volume", self._volume(volume))

    def regions(self) -> str:
        return digest(self.site, "regions", self._whole_tree(), self._all_cards())

    def region(self, node: RegionNode, parents: tuple[RegionNode, ...]) -> str:
        return digest(self.site, "region", self._tree([node]), [(p.region.code, p.region.name, p.slug_path) for p in parents])

    def topics(self) -> str:
        return digest(self.site, "topics", self._all_topics())

    def topic(self, entry: TopicEntry) -> str:
        return digest(self.site, "topic", self._topics([entry]))

    def people(self) -> str:
        return digest(self.site, "people", [self._person(p) for p in self.yearbook.people])

    def person(self, person: Person) -> str:
        return digest(self.site, "person", self._person(person))

    def plain(self, name: str) -> str:
        """A page that shows only what every page shows (404.html)."""
        return digest(self.site, name)

    def organizations(self) -> str:
        return digest(self.site, "organizations", [self._organization(o) for o in getattr(self.views, "organizations", [])])

    def organization(self, organization) -> str:
        return digest(self.site, "organization", self._organization(organization))

    def feed(self) -> str:
        return digest(self.site, "feed", self._all_cards())

    # --- parts ---------------------------------------------------------------------------------

    def _organization(self, org) -> tuple:
        return (org.name, org.slug, org.province.code, self.cards(org.articles))

    def _organization_slug(self, article: Article) -> str | None:
        lookup = getattr(self.views, "organization_of", None)
        if not lookup:
            return None
        org = lookup.get((article.organization, article.region_path[0].code))
        return org.slug if org else None

    def _related(self, article: Article) -> list:
        """The related articles the page shows (views: related_articles). They depend only on every
        article's slug, topics, region and year and on book order: while those are unchanged the
        lists of the previous rebuild are reused, so editing a title or a body costs no O(n²) pass."""
        find = self.views.related_index.related  # what the article template calls as related_articles(article)
        articles = self.yearbook.articles
        if self._by_slug is None:
            self._by_slug = {a.slug: a for a in articles}
            key = digest([(a.slug, [t.slug for t in a.topics], [r.code for r in a.region_path], a.date.year) for a in articles])
            if self.memo.get("related_key") != key:
                self.memo.update(related_key=key, related={})
        cached = self.memo["related"].get(article.slug)
        if cached is None:
            cached = [(other.slug, why) for other, why in find(article)]
            self.memo["related"][article.slug] = cached
        by_slug = self._by_slug
        return [(by_slug[slug], why) for slug, why in cached]

    def _volume(self, volume: Volume) -> tuple:
        return (volume.slug, volume.name, volume.years, volume.pdf_name,
                [(c.region.code, c.region.name, c.anchor, self.cards(c.articles)) for c in volume.chapters])

    def _tree(self, nodes: list[RegionNode]) -> list:
        return [(n.region.code, n.region.name, n.region.pinyin, n.slug_path, n.count(),
                 self.cards(n.articles), self._tree(n.children)) for n in nodes]

    def _topics(self, entries: list[TopicEntry]) -> list:
        return [(e.topic.slug, e.topic.name, e.topic.description, e.topic.aliases, e.topic.sort_as, self.cards(e.articles))
                for e in entries]

    def _person(self, person: Person) -> tuple:
        return (person.name, person.slug, [(self.card(a), role) for a, role in person.credits])
