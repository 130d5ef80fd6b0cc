"""The fast paths of the HTML build give exactly what the plain ones give. Here: the 相关报告 (related
articles) of every article, found by :class:`yearbook.site.views.RelatedIndex` without scoring every pair,
are the lists that scoring every pair gives (same articles, same order, same reasons)."""
from __future__ import annotations

import heapq
import random
from types import SimpleNamespace

import pytest

from yearbook.site.views import RelatedIndex

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


# --- serve: the edited article's page first, then the rest ------------------------------------------------

from yearbook.serve.rebuild import SiteState, rebuild_site  # noqa: E402

OLD_TITLE, NEW_TITLE = "淮安市科协聚焦绿色高地", "淮安市科协改过的新标题"


def retitle(content, new: str = NEW_TITLE) -> None:
    path = content / "articles" / "huaian-kexie-2021.md"
    path.write_text(path.read_text(encoding="utf-8").replace(f"title: {OLD_TITLE}", f"title: {new}"), encoding="utf-8")


def test_serve_writes_the_edited_articles_page_before_the_lists_that_show_it(make_site, tmp_path):
    content = make_site()
    site = tmp_path / "output" / "site"
    state = SiteState()
    rebuild_site(content, tmp_path / "output", state)
    retitle(content)
    seen = {}

    def first_written(written):
        seen["written"] = list(written)
        seen["article"] = (site / "articles/huaian-kexie-2021/index.html").read_text(encoding="utf-8")
        seen["home"] = (site / "index.html").read_text(encoding="utf-8")

    report = rebuild_site(content, tmp_path / "output", state, on_first_written=first_written)
    assert seen["written"] == ["articles/huaian-kexie-2021/index.html"]
    assert NEW_TITLE in seen["article"] and OLD_TITLE in seen["home"]  # the lists come after …
    home = (site / "index.html").read_text(encoding="utf-8")
    assert NEW_TITLE in home and OLD_TITLE not in home  # … in the same rebuild
    assert report.first == ["articles/huaian-kexie-2021/index.html"]
    assert "articles/huaian-kexie-2021/index.html" in report.written and "index.html" in report.written


def test_serve_writes_the_edited_page_first_even_when_what_every_page_shows_changed(make_site, tmp_path):
    content = make_site()
    state = SiteState()
    rebuild_site(content, tmp_path / "output", state)
    path = content / "articles" / "huaian-kexie-2021.md"
    path.write_text(path.read_text(encoding="utf-8").replace("date: 2021-12-27", "date: 2019-12-27"), encoding="utf-8")
    seen = []

    def first_written(written):
        seen.append((written, (tmp_path / "output/site/articles/huaian-kexie-2021/index.html").read_text(encoding="utf-8"),
                     (tmp_path / "output/site/index.html").read_text(encoding="utf-8")))

    report = rebuild_site(content, tmp_path / "output", state, on_first_written=first_written)
    # a new volume: every page's navigation changed; the edited page, from the new model, shows it at once …
    [(written, article_page, home_before)] = seen
    assert written == report.first == ["articles/huaian-kexie-2021/index.html"]
    assert "volumes/2019/" in article_page and "volumes/2019/" not in home_before
    # … and every other page with the rest of the rebuild
    assert "volumes/2019/" in (tmp_path / "output/site/index.html").read_text(encoding="utf-8")


def test_an_article_swapped_for_a_link_out_of_the_tree_is_not_read(make_site, tmp_path):
    content = make_site()
    state = SiteState()
    rebuild_site(content, tmp_path / "output", state)
    outside = tmp_path / "outside.md"
    path = content / "articles" / "huaian-kexie-2021.md"
    outside.write_text(path.read_text(encoding="utf-8").replace(f"title: {OLD_TITLE}", "title: 不该读到的标题"), encoding="utf-8")
    path.unlink()
    path.symlink_to(outside)
    report = rebuild_site(content, tmp_path / "output", state)
    assert all("不该读到的标题" not in p.read_text(encoding="utf-8") for p in (tmp_path / "output/site").rglob("*.html"))
    assert "articles/huaian-kexie-2021/index.html" in report.removed


def test_a_page_reloaded_after_the_first_write_is_not_reloaded_again_by_the_rest(make_site, tmp_path):
    import io

    from yearbook.serve import server as serve_module
    from yearbook.serve.livereload import LiveState

    content = make_site()
    live = LiveState()
    preview = serve_module.Preview(serve_module.ServeOptions(content, tmp_path / "output"), live, io.StringIO(), io.StringIO())
    try:
        assert preview.rebuild(None)
        seen = {}
        real = preview.builder.rebuild

        def rebuild(on_first, **kwargs):  # the builder process's answers, as the serve process gets them
            def first(written):
                on_first(written)
                seen["state"] = live.snapshot()  # what a browser learns now: its page changed
                seen["ahead"] = dict(preview.ahead)  # the build a reload fetched now is told it shows
            return real(on_first=first, **kwargs)

        preview.builder.rebuild = rebuild
        retitle(content)
        assert preview.rebuild({content / "articles" / "huaian-kexie-2021.md"})
    finally:
        preview.close()
    page = "articles/huaian-kexie-2021/index.html"
    assert seen["state"]["changed"] == [page]
    final = live.snapshot()
    assert seen["ahead"][page] == final["build"]  # so the last build does not reload it again …
    assert page in final["changed"] and "index.html" in final["changed"]  # … though it lists it, for pages that poll


# --- the search index, its articles shared out between two processes ---------------------------------------

def test_search_index_made_of_parts_is_the_index_made_at_once(make_site, article):
    from yearbook.site import search as search_index
    from yearbook.pipeline import BuildReport, load_yearbook

    files = {f"articles/more/extra-{n:02d}.md": article(f"第{n}篇正文，讲科普大篷车。\n", title=f"第{n}篇报道", date=f"2022-0{1 + n % 9}")
             for n in range(11)}
    yearbook = load_yearbook(make_site(files).resolve(), BuildReport())
    whole = search_index.build_search_files(yearbook)
    builder = search_index.SearchBuilder(yearbook)
    count = len(builder.articles)
    for cuts in ([0, count], [0, 1, count], [0, 3, 4, 9, count], list(range(count + 1))):
        parts = [builder.part(range(a, b)) for a, b in zip(cuts, cuts[1:])]
        assert builder.files([builder.joined(parts[:1]), builder.joined(parts[1:])]) == whole, cuts


def test_site_with_the_search_index_shared_out_in_small_chunks_is_the_serial_site(make_site, article, tmp_path, monkeypatch):
    from yearbook import pipeline
    from yearbook.site import render as site_render

    content = make_site({f"articles/more/extra-{n:02d}.md": article(f"第{n}篇正文。\n", title=f"第{n}篇") for n in range(9)})

    def site_files(output):
        pipeline.build(pipeline.BuildOptions(content_dir=content, output_dir=output, only="html"))
        return {p.relative_to(output).as_posix(): p.read_bytes() for p in sorted(output.rglob("*")) if p.is_file()}

    serial = site_files(tmp_path / "serial")
    monkeypatch.setattr(site_render, "PARALLEL_MIN_ARTICLES", 1)
    monkeypatch.setattr(site_render, "SEARCH_CHUNK", 1)
    shared = site_files(tmp_path / "shared")
    assert shared == serial
    monkeypatch.setattr(site_render, "PAGE_CHUNK", 1)  # pages too, each written by the process that made it
    assert site_files(tmp_path / "pages-shared") == serial


# --- readings from pypinyin's own process -------------------------------------------------------------------

NAMES = ["单田芳", "曾国藩", "重庆市科协", "银行", "长孙无忌", "2021—2022", "ＸＸ市", "〇一", "abc 12", "—·、", "乐清市", "解放"]


def test_readings_from_the_readings_process_are_pypinyins(monkeypatch):
    from yearbook.content import collation

    expected = [collation._pypinyin_reading(text) for text in NAMES]
    monkeypatch.setattr(collation, "_known", {})
    collation.reading_of.cache_clear()
    readings = collation.ReadingsProcess.start()
    if readings is None:
        pytest.skip("no fork here")
    try:
        readings.fetch(NAMES)
    finally:
        readings.close()
    assert not readings.process.is_alive()
    asked = []
    monkeypatch.setattr(collation, "_pypinyin_reading", lambda text: asked.append(text) or ())
    assert [collation.reading_of(text) for text in NAMES] == expected
    assert asked == []  # every one came from the process, or needed no pypinyin at all
    collation.reading_of.cache_clear()
