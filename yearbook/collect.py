"""Assemble the :class:`Yearbook`: read every article, check slugs and links across files, group
articles into volumes and chapters, build the region tree, the topic index and the people index,
all in 汉语拼音 order where readers expect it."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from .articles import build_article
from .collation import sort_key
from .config import Config
from .errors import ContentError, ProblemLog, SourceLocation
from .frontmatter import parse_front_matter
from .model import Article, Chapter, Person, RegionNode, TopicEntry, Volume, Yearbook
from .regions import UNSPECIFIED_CODE, Region, RegionLookupError, RegionTable
from .sources import find_article_paths, read_source
from .topics import TopicTable, load_topics
from .urls import slugify_ascii
from .yamlfile import load_yaml_file
from .collation import plain_pinyin

REGIONS_NAME = "regions.yml"


def load_regions(content_dir: Path, log: ProblemLog) -> tuple[RegionTable, list[str]]:
    """The national table with the content's corrections, and the chapter order (province codes)."""
    table = RegionTable.load_national()
    path = content_dir / REGIONS_NAME
    if not path.is_file():
        return table, []
    try:
        data, lines = load_yaml_file(path)
    except ContentError as exc:
        log.add(exc)
        return table, []
    data = data or {}
    if not isinstance(data, dict):
        log.error("regions.yml must have 'order:' and/or 'entries:'", SourceLocation(path, 1))
        return table, []
    entries = data.get("entries") or []
    if isinstance(entries, list) and entries:
        try:
            table = table.with_overrides(entries)
        except ValueError as exc:
            log.error(f"bad region entry: {exc}", SourceLocation(path, 1 + (lines.line("entries") or 0)))
    order = []
    for index, spec in enumerate(data.get("order") or []):
        try:
            region = table.resolve(spec)
        except RegionLookupError as exc:
            hint = f"did you mean {exc.suggestion}?" if exc.suggestion else None
            log.error(exc.message, SourceLocation(path, 1 + (lines.line("order", index) or 0)), hint)
            continue
        order.append(table.ancestors(region.code)[0].code)
    return table, order


def load_articles(config: Config, regions: RegionTable, topics: TopicTable, log: ProblemLog) -> list[Article]:
    """Read, check and render every article file (drafts are checked but not returned)."""
    articles = []
    for path in find_article_paths(config.content_dir):
        try:
            source = read_source(path, config.content_dir)
        except ContentError as exc:
            log.add(exc)
            continue
        meta = parse_front_matter(source, log)
        if meta is None:
            continue
        article = build_article(meta, regions, topics, config.content_dir, log)
        if article is not None and not meta.draft:
            articles.append(article)
    return articles


def check_slugs_and_links(articles: list[Article], content_dir: Path, log: ProblemLog) -> None:
    by_slug: dict[str, Article] = {}
    for article in articles:
        other = by_slug.get(article.slug)
        if other is not None:
            log.error(f"duplicate slug '{article.slug}': also used by {other.source_path.relative_to(content_dir)}",
                      SourceLocation(article.source_path, article.slug_line),
                      "give one of the two articles another file name or a 'slug:' of its own")
        by_slug[article.slug] = article
    published = {article.source_path.relative_to(content_dir).as_posix() for article in articles}
    for article in articles:
        for link, line in article.article_links:
            if link not in published:
                log.error(f"link to '{link}', which is not a published article (a draft, or not an article)",
                          SourceLocation(article.source_path, line), "link to another article's .md file, or remove the link")


def _article_order(article: Article, regions: RegionTable, chapter_rank: dict[str, int]) -> tuple:
    chain = article.region_path
    province = chain[0].code
    return (chapter_rank.get(province, len(chapter_rank)), province == UNSPECIFIED_CODE, province,
            tuple(r.code for r in chain), article.date.sort_key(), sort_key(article.title))


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
                base = plain_pinyin(byline.name) or slugify_ascii(byline.name) or "person"
                slug, n = base, 2
                while slug in slugs:
                    slug, n = f"{base}-{n}", n + 1
                slugs.add(slug)
                person = people[byline.name] = Person(name=byline.name, slug=slug, sort_key=sort_key(byline.name))
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
        key = year_to_group.get(article.volume_year)
        if key is None:
            key = str(article.volume_year)
            groups.setdefault(key, (f"{article.volume_year}", (article.volume_year,)))
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


def build_yearbook(config: Config, log: ProblemLog) -> Yearbook:
    """Load and check the whole content tree; raise ContentErrors (all of them) if anything is wrong."""
    regions, chapter_order = load_regions(config.content_dir, log)
    topics = load_topics(config.content_dir, log)
    articles = load_articles(config, regions, topics, log)
    check_slugs_and_links(articles, config.content_dir, log)
    log.raise_if_errors()
    chapter_rank = {code: rank for rank, code in enumerate(chapter_order)}
    for article in articles:
        article.region_path = regions.ancestors(article.region.code)
    articles.sort(key=lambda a: _article_order(a, regions, chapter_rank))
    volumes = _volumes(config, articles, regions, chapter_rank)
    for volume in volumes:
        ordered = volume.articles
        for previous, current in zip(ordered, ordered[1:]):
            previous.next, current.previous = current, previous
    book_order = [article for volume in volumes for article in volume.articles]
    return Yearbook(config=config, articles=book_order, volumes=volumes,
                    region_tree=_region_tree(articles, regions, chapter_rank),
                    topic_entries=_topic_entries(articles), people=_people(articles))


def region_index_key(region: Region) -> tuple:
    return sort_key(region.name, region.pinyin)
