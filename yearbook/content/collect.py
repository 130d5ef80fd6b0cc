"""Assemble the :class:`Yearbook`: read every article, check slugs and links across files, group
articles into volumes and chapters, build the region tree, the topic index and the people index,
all in 汉语拼音 order where readers expect it."""
from __future__ import annotations

import os
import re
from collections import defaultdict
from pathlib import Path

from .articles import build_article
from .collation import sort_key
from .config import Config
from ..errors import ContentError, ProblemLog, SourceLocation
from ..i18n import _
from .frontmatter import parse_front_matter
from .model import Article, Chapter, Person, RegionNode, TopicEntry, Volume, Yearbook
from ..parallel import PARALLEL_MIN_ARTICLES, WorkerPool, frozen_heap, worker_count
from .regions import UNSPECIFIED_CODE, Region, RegionLookupError, RegionTable
from .sources import find_article_paths, read_source
from .topics import TopicTable, load_topics
from .slugs import capped_slug, slugify_ascii
from .yamlfile import load_yaml_file
from .collation import ReadingsProcess, person_reading, plain_pinyin

REGIONS_NAME = "regions.yml"
DASHES = re.compile(r"\s*[-–—~～至]+\s*")


def load_regions(content_dir: Path, log: ProblemLog) -> tuple[RegionTable, list[str]]:
    """The national table with the content's corrections, and the chapter order (province codes)."""
    table = RegionTable.load_national()
    path = content_dir / REGIONS_NAME
    if not os.path.lexists(path):  # there but not a file (a folder, a pipe): read_text says so
        return table, []
    try:
        data, lines = load_yaml_file(path)
    except ContentError as exc:
        log.add(exc)
        return table, []
    data = data or {}
    if not isinstance(data, dict):
        log.error(_("regions.yml must have 'order:' and/or 'entries:'"), SourceLocation(path, 1))
        return table, []
    entries = data.get("entries") or []
    if isinstance(entries, list) and entries:
        try:
            table = table.with_overrides(entries)
        except ValueError as exc:
            log.error(_("bad region entry: {error}", error=exc.args[0] if exc.args else str(exc)),
                      SourceLocation(path, 1 + (lines.line("entries") or 0)))
    order = []
    specs = data.get("order") or []
    if not isinstance(specs, list):
        log.error(_("'order' must be a list of provinces"), SourceLocation(path, 1 + (lines.line("order") or 0)),
                  _("e.g. order: [江苏省, 安徽省]"))
        specs = []
    for index, spec in enumerate(specs):
        try:
            region = table.resolve(spec)
        except RegionLookupError as exc:
            hint = _("did you mean {suggestion}?", suggestion=exc.suggestion) if exc.suggestion else None
            log.error(exc.message, SourceLocation(path, 1 + (lines.line("order", index) or 0)), hint)
            continue
        order.append(table.ancestors(region.code)[0].code)
    return table, order


def load_article(path: Path, config: Config, regions: RegionTable, topics: TopicTable, log: ProblemLog) -> Article | None:
    """Read, check and render one article file; None when it cannot be built. A draft is an Article
    with ``draft`` set (and its undecided items in ``review``)."""
    try:
        source = read_source(path, config.content_dir)
    except ContentError as exc:
        log.add(exc)
        return None
    log.problems.extend(source.body_problems())
    meta = parse_front_matter(source, log)
    if meta is None:
        return None
    return build_article(meta, regions, topics, config.content_dir, log, config.markdown)


def load_articles(config: Config, regions: RegionTable, topics: TopicTable, log: ProblemLog, cache=None,
                  paths: list[Path] | None = None, on_batch=None, drafts: list[Article] | None = None) -> list[Article]:
    """Read, check and render every article file: the published ones are returned, the drafts (checked
    like the others) are appended to ``drafts`` when it is given.
    ``cache`` (serve: :class:`yearbook.cache.ArticleCache`) skips files that did not change.
    Without a cache, a large tree is read on every core (:func:`load_articles_in_parallel`).
    ``paths``: the article files, when the caller has found them already. ``on_batch`` is called with
    the articles read so far by the workers, a batch at a time, while the others are being read."""
    if paths is None:
        paths = find_article_paths(config.content_dir) if cache is None else cache.article_paths(config.content_dir, find_article_paths)
    built = load_articles_in_parallel(paths, config, regions, topics, on_batch) if cache is None else {}
    articles = []
    for path in paths:
        if cache is not None:
            article = cache.load(path, log, lambda sub_log, path=path: load_article(path, config, regions, topics, sub_log))
        elif path in built:
            article, problems = built[path]
            log.problems.extend(problems)
        else:
            article = load_article(path, config, regions, topics, log)
        if article is None:
            continue
        if not article.draft:
            articles.append(article)
        elif drafts is not None:
            drafts.append(article)
    return articles


PARALLEL_MIN_FILES = PARALLEL_MIN_ARTICLES


def _load_in_worker(state: tuple[Config, RegionTable, TopicTable], path: Path) -> tuple[Article | None, list]:
    log = ProblemLog()
    article = load_article(path, *state, log)
    return article, log.problems


BATCH = 100  # articles handed to load_articles' on_batch at a time


def load_articles_in_parallel(paths: list[Path], config: Config, regions: RegionTable, topics: TopicTable,
                              on_batch=None) -> dict[Path, tuple[Article | None, list]]:
    """``load_article`` of every path in worker processes: path → (article or None, its problems).
    Empty when the tree is small or there is one core: the caller then loads serially."""
    workers = min(worker_count(), 4)
    if len(paths) < PARALLEL_MIN_FILES or workers < 2:
        return {}
    with frozen_heap(), WorkerPool(workers, (config, regions, topics)) as pool:
        built = {}
        batch = []
        for path, result in zip(paths, pool.map(_load_in_worker, paths, chunksize=max(1, len(paths) // (workers * 8)))):
            built[path] = result
            if on_batch is not None and result[0] is not None and not result[0].draft:
                batch.append(result[0])
                if len(batch) >= BATCH:
                    on_batch(batch)
                    batch = []
        return built


def source_rel_path(path: Path, content_dir: Path) -> str:
    """``path.relative_to(content_dir).as_posix()`` by string (pathlib's costs 30 µs, and every rebuild
    asks it for every article several times)."""
    prefix = str(content_dir) + os.sep
    text = str(path)
    if text.startswith(prefix) and os.sep == "/":
        return text[len(prefix):]
    return path.relative_to(content_dir).as_posix()


def check_slugs_and_links(articles: list[Article], content_dir: Path, log: ProblemLog, drafts: list[Article] = ()) -> None:
    """One slug per article, drafts included (a draft takes its slug's page in the preview, and keeps it when
    it is published); links to published articles only (a draft's links may also reach other drafts)."""
    by_slug: dict[str, Article] = {}
    for article in sorted([*articles, *drafts], key=lambda a: str(a.source_path)) if drafts else articles:
        other = by_slug.get(article.slug)
        if other is not None:
            log.error(_("duplicate slug '{slug}': also used by {other}", slug=article.slug,
                        other=str(other.source_path.relative_to(content_dir))),
                      SourceLocation(article.source_path, article.slug_line),
                      _("give one of the two articles another file name or a 'slug:' of its own"))
        by_slug[article.slug] = article
    published = {source_rel_path(article.source_path, content_dir) for article in articles}
    previewed = published | {source_rel_path(draft.source_path, content_dir) for draft in drafts}
    for article in [*articles, *drafts]:
        for link, line in article.article_links:
            if link not in (previewed if article.draft else published):
                log.error(_("link to '{link}', which is not a published article (a draft, or not an article)", link=link),
                          SourceLocation(article.source_path, line), _("link to another article's .md file, or remove the link"))


class _TitleOrder:
    """``sort_key(title)``, worked out only when two articles tie on everything before the title
    (pypinyin takes about a millisecond per headline)."""

    __slots__ = ("title", "_key")

    def __init__(self, title: str):
        self.title, self._key = title, None

    def key(self) -> tuple:
        if self._key is None:
            self._key = sort_key(self.title)
        return self._key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _TitleOrder) and self.key() == other.key()

    def __lt__(self, other: "_TitleOrder") -> bool:
        return self.key() < other.key()


def _article_order(article: Article, regions: RegionTable, chapter_rank: dict[str, int]) -> tuple:
    return _order_before_title(article.region_path, article, chapter_rank) + (_TitleOrder(article.title),)


def _order_before_title(chain: list[Region], article: Article, chapter_rank: dict[str, int]) -> tuple:
    """An article's place in book order but for its title (``chain``: its region path)."""
    province = chain[0].code
    return (chapter_rank.get(province, len(chapter_rank)), province == UNSPECIFIED_CODE, province,
            tuple(r.code for r in chain), article.date.sort_key())


def _region_tree(articles: list[Article], regions: RegionTable, chapter_rank: dict[str, int]) -> list[RegionNode]:
    nodes: dict[str, RegionNode] = {}
    roots: list[RegionNode] = []
    for article in articles:
        parent = None
        for depth, region in enumerate(article.region_path):
            node = nodes.get(region.code)
            if node is None:
                slugs = tuple(r.slug for r in article.region_path[: depth + 1])
                node = nodes[region.code] = RegionNode(region=region, slug_path=slugs)
                (parent.children if parent else roots).append(node)
            parent = node
        parent.articles.append(article)

    def order(node_list: list[RegionNode]) -> None:
        node_list.sort(key=lambda n: (n.region.code == UNSPECIFIED_CODE, chapter_rank.get(n.region.code, len(chapter_rank)), n.region.code))
        for node in node_list:
            order(node.children)

    order(roots)
    return roots


def _topic_entries(articles: list[Article]) -> list[TopicEntry]:
    grouped: dict[str, list[Article]] = defaultdict(list)
    topics = {}
    for article in articles:
        for topic in article.topics:
            grouped[topic.slug].append(article)
            topics[topic.slug] = topic
    entries = [TopicEntry(topic=topics[slug], articles=items, sort_key=sort_key(topics[slug].name, topics[slug].sort_as))
               for slug, items in grouped.items()]
    return sorted(entries, key=lambda e: e.sort_key)


def _people(articles: list[Article]) -> list[Person]:
    people: dict[str, Person] = {}
    slugs: set[str] = set()
    for article in articles:
        for byline in article.bylines:
            person = people.get(byline.name)
            if person is None:
                base = capped_slug(plain_pinyin(byline.name) or slugify_ascii(byline.name) or "person")
                slug, n = base, 2
                while slug in slugs:
                    slug, n = f"{base}-{n}", n + 1
                slugs.add(slug)
                person = people[byline.name] = Person(name=byline.name, slug=slug,
                                                       sort_key=sort_key(byline.name, person_reading(byline.name, byline.sort_as)))
            person.credits.append((article, byline.role))
    return sorted(people.values(), key=lambda p: p.sort_key)


def _volumes(config: Config, articles: list[Article], regions: RegionTable, chapter_rank: dict[str, int]) -> list[Volume]:
    groups: dict[str, tuple[str, tuple[int, ...]]] = {}
    year_to_group: dict[int, str] = {}
    for group in config.volumes:
        groups[group.slug] = (group.name, group.years)
        for year in group.years:
            year_to_group[year] = group.slug
    members: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        key = year_to_group.get(article.year)
        if key is None:
            key = str(article.year)
            groups.setdefault(key, (f"{article.year}", (article.year,)))
        members[key].append(article)
    volumes = []
    for key, items in members.items():
        name, years = groups[key]
        chapters: dict[str, Chapter] = {}
        for article in items:
            province = article.region_path[0]
            chapters.setdefault(province.code, Chapter(region=province, articles=[])).articles.append(article)
        volume = Volume(slug=key, name=name, years=years, chapters=list(chapters.values()),
                        region_tree=_region_tree(items, regions, chapter_rank), topic_entries=_topic_entries(items),
                        pdf_name=f"{config.slug}-{key}.pdf")
        for article in items:
            article.volume = volume
        volumes.append(volume)
    volumes.sort(key=lambda v: max(v.years), reverse=True)
    return volumes


def build_yearbook(config: Config, log: ProblemLog, cache=None) -> Yearbook:
    """Load and check the whole content tree; raise ContentErrors (all of them) if anything is wrong."""
    regions, chapter_order = load_regions(config.content_dir, log)
    topics = load_topics(config.content_dir, log)
    paths = None
    readings = None
    if cache is not None:
        cache.begin(config.content_dir)
    else:
        paths = find_article_paths(config.content_dir)
        if len(paths) >= PARALLEL_MIN_FILES:  # pypinyin loads in a process of its own while the workers parse
            readings = ReadingsProcess.start()
    chapter_rank = {code: rank for rank, code in enumerate(chapter_order)}
    ties = _TiedTitles(regions, chapter_rank)
    asked: set[int] = set()  # ids of the articles whose texts were sent to the readings process

    def on_batch(batch: list[Article]) -> None:
        if not asked:  # the topics' other names: the 主题索引's 见 entries are sorted by them
            readings.fetch([alias for topic in topics.topics for alias in topic.aliases])
        asked.update(map(id, batch))
        readings.fetch(_article_texts(batch) + ties.new(batch))

    try:
        drafts: list[Article] = []
        articles = load_articles(config, regions, topics, log, cache, paths, on_batch if readings is not None else None,
                                 drafts=drafts)
        check_slugs_and_links(articles, config.content_dir, log, drafts)
        warn_years_outside_volumes(config, articles, log)
        log.raise_if_errors()
        for article in articles + drafts:
            article.region_path = regions.ancestors(article.region.code)
        if readings is not None:  # what the last batch left: only the texts of its articles are still to read
            rest = [article for article in articles if id(article) not in asked]
            readings.fetch(_article_texts(rest) + ties.new(rest))
    finally:
        if readings is not None:
            readings.close()
    articles.sort(key=lambda a: _article_order(a, regions, chapter_rank))
    volumes = _volumes(config, articles, regions, chapter_rank)
    for volume in volumes:
        ordered = volume.articles
        for previous, current in zip(ordered, ordered[1:]):
            previous.next, current.previous = current, previous
    book_order = [article for volume in volumes for article in volume.articles]
    drafts.sort(key=lambda a: (tuple(-x for x in a.date.sort_key()), str(a.source_path)))
    return Yearbook(config=config, articles=book_order, volumes=volumes,
                    region_tree=_region_tree(articles, regions, chapter_rank),
                    topic_entries=_topic_entries(articles), people=_people(articles), drafts=drafts)


def warn_years_outside_volumes(config: Config, articles: list[Article], log: ProblemLog) -> None:
    """When yearbook.yml groups years into volumes, an article of a year none of them lists would make a
    book of its own without a word: a warning (an error with --strict) at the field its year comes from."""
    if not config.volumes:
        return
    listed = {year for group in config.volumes for year in group.years}
    volumes = volumes_description(config)
    for article in articles:
        if article.year not in listed:
            log.warning(_("the year {year} is in none of the volumes of yearbook.yml ({volumes}), so the article would "
                          "make a volume of its own", year=article.year, volumes=volumes),
                        SourceLocation(article.source_path, article.year_line),
                        _("if the date is wrong, correct it; if the article belongs in a volume, add {year} to that volume's "
                          "'years' in yearbook.yml, or give the article 'year:' with the year it reports on", year=article.year))


def volumes_description(config: Config) -> str:
    """The configured volumes as an editor reads them: ``2020—2024 (2020–2024); 2025 (2025)``."""
    def said(group) -> str:
        years = _years_text(group.years)
        return group.name if DASHES.sub("-", group.name) == DASHES.sub("-", years) else f"{group.name} ({years})"

    return "; ".join(said(group) for group in config.volumes)


def _years_text(years: tuple[int, ...]) -> str:
    """2020, 2021, 2022 → 2020–2022; 2019, 2021 → 2019, 2021."""
    ordered = sorted(years)
    if ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 2:
        return f"{ordered[0]}–{ordered[-1]}"
    return ", ".join(map(str, ordered))


def _article_texts(articles: list[Article]) -> list[str]:
    """The names of people (and without their surname, for person_reading), organisations and topics
    of ``articles``: what the model and the site will ask collation for (read while the other articles
    are: load_articles' on_batch)."""
    texts: list[str] = []
    for article in articles:
        texts.append(article.organization)
        texts += [t.name for t in article.topics]
        for byline in article.bylines:
            texts += [byline.name, byline.name[1:], byline.name[2:]]
    return texts


class _TiedTitles:
    """The titles of the articles that tie with another on everything before the title in book order
    (:func:`_article_order`: only they need the title's reading), found as the articles come in: a
    title is given once, as soon as a second article ties with its article."""

    def __init__(self, regions: RegionTable, chapter_rank: dict[str, int]):
        self.regions, self.chapter_rank = regions, chapter_rank
        self.alone: dict[tuple, str | None] = {}  # order before the title → the one title so far (None: given)

    def new(self, articles: list[Article]) -> list[str]:
        """The titles of ``articles`` (not seen before) that tie, and those of the earlier articles they
        tie with that were not given yet."""
        found = []
        for article in articles:
            key = _order_before_title(article.region_path or self.regions.ancestors(article.region.code), article,
                                      self.chapter_rank)
            if key not in self.alone:
                self.alone[key] = article.title
                continue
            earlier = self.alone[key]
            if earlier is not None:
                found.append(earlier)
                self.alone[key] = None
            found.append(article.title)
        return found


def region_index_key(region: Region) -> tuple:
    return sort_key(region.name, region.pinyin)
