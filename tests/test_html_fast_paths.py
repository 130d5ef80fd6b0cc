"""The fast paths of the HTML build give exactly what the plain ones give. Here: the 相关报告 (related
articles) of every article, found by :class:`yearbook.views.RelatedIndex` without scoring every pair,
are the lists that scoring every pair gives (same articles, same order, same reasons)."""
from __future__ import annotations

import heapq
import random
from types import SimpleNamespace

import pytest

from yearbook.views import RelatedIndex

TOPICS = [SimpleNamespace(slug=f"topic-{n}", name=f"主题{n}") for n in range(6)]


def related_by_scoring_all(articles: list, article, limit: int = 5) -> list[tuple[object, str]]:
    """The reference: score every other article (2 per shared theme, 1 per shared region level), the
    best ``limit`` by score, then nearest year, then book order; the reason names the deepest shared
    region and the shared themes."""
    path = [r.code for r in article.region_path]
    slugs = {t.slug for t in article.topics}
    scored = []
    for position, other in enumerate(articles):
        if other is article:
            continue
        shared = sum(1 for t in other.topics if t.slug in slugs)
        other_path = [r.code for r in other.region_path]
        depth = 0
        while depth < len(path) and depth < len(other_path) and path[depth] == other_path[depth]:
            depth += 1
        if shared or depth:
            scored.append((-(2 * shared + depth), abs(other.date.year - article.date.year), position, depth))
    result = []
    for _, _, position, depth in heapq.nsmallest(limit, scored):
        other = articles[position]
        names = [t.name for t in other.topics if t.slug in slugs]
        reasons = (["同地区：" + other.region_path[depth - 1].name] if depth else []) + (
            ["同主题：" + "、".join(names)] if names else [])
        result.append((other, "；".join(reasons)))
    return result


def generated_articles(count: int, seed: int) -> list:
    """Articles with many ties: 2 provinces, few cities and counties, paths of 1–3 levels (a few
    unspecified), 0–4 of 6 themes, 3 years."""
    rng = random.Random(seed)
    provinces = [SimpleNamespace(code=f"{p}0000", name=f"省{p}") for p in (32, 34)]
    unspecified = SimpleNamespace(code="000000", name="未详")
    articles = []
    for n in range(count):
        province = rng.choice(provinces)
        path = [province]
        if rng.random() < 0.8:
            city = rng.randrange(3)
            path.append(SimpleNamespace(code=f"{province.code[:2]}{city:02d}00", name=f"市{province.code[:2]}{city}"))
            if rng.random() < 0.6:
                county = rng.randrange(3)
                path.append(SimpleNamespace(code=f"{path[1].code[:4]}{county:02d}", name=f"县{path[1].code[:4]}{county}"))
        if rng.random() < 0.03:
            path = [unspecified]
        topics = rng.sample(TOPICS, rng.choice([0, 1, 1, 2, 2, 3, 4]))
        articles.append(SimpleNamespace(slug=f"a{n}", topics=topics, region_path=path,
                                        date=SimpleNamespace(year=rng.choice([2021, 2022, 2023]))))
    return articles


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_related_articles_are_those_of_scoring_every_pair(seed):
    articles = generated_articles(300, seed)
    index = RelatedIndex(articles)
    for article in articles:
        for limit in (1, 5, 12):
            assert index.related(article, limit) == related_by_scoring_all(articles, article, limit), (article.slug, limit)


def test_related_articles_of_an_article_with_nothing_in_common_is_empty():
    articles = generated_articles(40, 4)
    loner = SimpleNamespace(slug="loner", topics=[], region_path=[SimpleNamespace(code="990000", name="省99")],
                            date=SimpleNamespace(year=2021))
    articles.append(loner)
    index = RelatedIndex(articles)
    assert index.related(loner) == []
    assert index.related(articles[0]) == related_by_scoring_all(articles, articles[0])
