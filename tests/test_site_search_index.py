"""The search index builder (yearbook/search_index.py), read back with its Python reader, which does
what static/search.js does: every run of two or more characters of an article finds it, words that
only share bigrams with an article do not, and a query fetches only the shards of its bigrams."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from yearbook.site import search as si
from yearbook.errors import ProblemLog
from yearbook.pipeline import BuildReport, load_yearbook

ROOT = Path(__file__).resolve().parents[1]


def index_of(content_dir: Path) -> tuple[si.SearchIndex, object]:
    yearbook = load_yearbook(content_dir.resolve(), BuildReport())
    return si.SearchIndex(si.build_search_files(yearbook)), yearbook


@pytest.fixture(scope="module")
def sample():
    return index_of(ROOT / "content")


def slug_of(index: si.SearchIndex, doc_id: int) -> str:
    return index.doc(doc_id)["u"].split("/")[1]


def test_every_run_of_two_to_six_characters_of_every_sample_article_finds_it(sample):
    index, yearbook = sample
    checked = 0
    for doc_id in range(index.meta["docs"]):
        record = index.doc(doc_id)
        text = "\n".join((record["t"], record["m"], record["x"]))
        substrings = {run[i:i + n] for run in si.runs_of(si.normalize(text))
                      for n in range(2, 7) for i in range(len(run) - n + 1)}
        for query in substrings:
            assert doc_id in index.search(query).ids, (slug_of(index, doc_id), query)
        checked += len(substrings)
    assert checked > 20_000


@pytest.mark.parametrize("query, slug", [
    ("科普", "huaian-kexie-2021"), ("大篷车", "huaian-kexie-2021"), ("虾稻共生", "huaian-kexie-2021"),
    ("科技小院", "fuyang-kexie-2024"), ("双臂救援机器人", "xinyi-kexie-2021"),
])
def test_the_issue_s_examples_find_their_articles(sample, query, slug):
    index, _ = sample
    assert slug in [slug_of(index, d) for d in index.search(query).ids]


def test_a_word_whose_bigrams_are_all_in_an_article_but_not_together_is_not_reported(make_site, article):
    content = make_site({"articles/x.md": article("科技小组走进村里的小院。\n", title="乡村见闻")})
    index, _ = index_of(content)
    result = index.search("科技小院")
    assert result.candidates >= 1, "科技 技小 小院 are all in the article"
    assert [slug_of(index, d) for d in result.ids] == []
    assert [slug_of(index, d) for d in index.search("技小组").ids] == ["x"]


def test_every_term_must_occur_and_punctuation_separates_terms(make_site, article):
    content = make_site({"articles/x.md": article("科普大篷车开进社区，虾稻共生。\n", title="见闻")})
    index, _ = index_of(content)
    found = lambda q: [slug_of(index, d) for d in index.search(q).ids]  # noqa: E731
    assert found("大篷车 虾稻") == ["x"]
    assert found("大篷车，虾稻") == ["x"]
    assert found("大篷车 海鲜") == []
    assert found("社区虾稻") == [], "the comma stands between 社区 and 虾稻"


def test_full_width_and_capital_latin_letters_match_either_way(make_site, article):
    content = make_site({"articles/x.md": article("上线农技APP，推出５Ｇ服务。\n", title="见闻")})
    index, _ = index_of(content)
    for query in ("app", "ＡＰＰ", "App", "5g", "５Ｇ"):
        assert [slug_of(index, d) for d in index.search(query).ids] == ["x"], query


def test_query_terms_are_folded_without_repeats_or_terms_inside_others():
    assert si.query_terms("科") == ["科"]
    assert si.query_terms("科 普及 普及") == ["科", "普及"]
    assert si.query_terms("普 普及") == ["普及"], "a character inside a term adds nothing"
    assert si.query_terms("科普 科普大篷车") == ["科普大篷车"], "a term inside another adds nothing"
    assert si.query_terms("科協 ＡＰＰ") == ["科协", "app"]


def test_one_character_finds_every_article_holding_it_exactly(make_site, article):
    content = make_site({"articles/x.md": article("鲟鱼养殖。\n", title="见闻"),
                         "articles/y.md": article("科技。\n", title="报告")})
    index, _ = index_of(content)
    result = index.search("鲟", limit=10)
    assert [slug_of(index, d) for d in result.ids] == ["x"] and result.exact and result.count == 1
    assert [slug_of(index, d) for d in index.search("养").ids] == ["x"]


def test_traditional_and_simplified_characters_find_each_other(make_site, article):
    content = make_site({"articles/t.md": article("中華科學技術協會舉辦科普講座。\n", title="繁體報導"),
                         "articles/s.md": article("中华科学技术协会举办科普讲座。\n", title="简体报道")})
    index, _ = index_of(content)
    for query in ("科学技术协会", "科學技術協會", "科学技術協会"):
        assert sorted(slug_of(index, d) for d in index.search(query, limit=10).ids) == ["s", "t"], query
    assert si.normalize("著名") == "著名", "著 is a simplified character too: never folded into 着"
    assert si.fold("協會") == "协会" and len(si.FOLD) > 2000, "the whole OpenCC table, not a few characters"


def test_a_query_fetches_meta_and_only_the_shards_of_its_bigrams(sample):
    index, _ = sample
    result = index.search("虾稻共生")
    shards = [name for name in result.fetched if name.startswith("shards/")]
    expected = {f"shards/{si.bigram_hash(b) % index.meta['shards']}.json" for b in ("虾稻", "稻共", "共生")}
    assert set(shards) == expected
    assert result.fetched[0] == "meta.json"


def test_terms_are_looked_up_by_every_bigram_and_the_sample_by_every_four_characters():
    assert si.term_bigrams("双臂救援机器人") == ["双臂", "臂救", "救援", "援机", "机器", "器人"]
    assert si.term_bigrams("科") == ["科"]
    assert len(si.term_bigrams("全国十大优秀科技志愿者")) == 10
    assert si.sample_keys("科普") == [] and si.sample_keys("大篷车") == ["大篷车"]
    assert si.sample_keys("院士专家工作站") == ["院士专家", "士专家工", "专家工作", "家工作站"]


def test_posting_lists_round_trip_as_deltas_and_bitmaps():
    rng = random.Random(1)
    for _ in range(300):
        count = rng.randint(1, 3000)
        ids = sorted(rng.sample(range(count), rng.randint(0, count)))
        text = si.encode_postings(ids, count)
        assert si.decode_postings(text) == ids
        assert len(text) <= 1 + -(-count // 6)
    assert si.encode_postings(list(range(600)), 600).startswith("~"), "a dense list is a bitmap"


def test_bigram_hash_is_pinned():
    # search.js computes the same numbers (checked in the browser test); changing them changes every shard.
    assert [si.bigram_hash(b) for b in ("科普", "ap", "𠀀字")] == [57196438, 2155357939, 1342291260]


def test_meta_holds_each_article_s_region_volume_and_topics(sample):
    index, yearbook = sample
    meta = index.meta
    articles = {a.slug: a for a in yearbook.articles}
    assert meta["docs"] == len(articles)
    for doc_id, (region, volume, topics, year, org) in enumerate(index.facets):
        article = articles[slug_of(index, doc_id)]
        assert meta["years"][year] == article.date.year
        assert index.orgs["orgs"][org][1] == article.organization
        assert index.card(doc_id) == [index.doc(doc_id)["u"], article.title, index.doc(doc_id)["m"]]
        assert meta["regions"][region][0] == "/".join(r.slug for r in article.region_path)
        assert meta["volumes"][volume][0] == article.volume.slug
        assert sorted(meta["topics"][t][0] for t in topics) == sorted(t.slug for t in article.topics)


def test_ids_run_newest_first(sample):
    index, yearbook = sample
    dates = {a.slug: a.date.sort_key() for a in yearbook.articles}
    order = [dates[slug_of(index, d)] for d in range(index.meta["docs"])]
    assert order == sorted(order, reverse=True)


def test_index_files_are_compact_json_in_utf8(sample):
    index, _ = sample
    for path, data in index.files.items():
        text = data.decode("utf-8")
        json.loads(text)
        assert "\\u" not in text, path


def test_a_count_not_yet_verified_is_an_estimate_close_to_the_truth(make_site, article):
    # 40 reports hold 科技志愿者; 40 others hold 科技志愿服务 and 青年志愿者: every bigram of the term, not the term
    files = {f"articles/a{n:02d}.md": article(f"第{n}号：表彰科技志愿者。\n", title=f"甲{n:02d}", date=f"2021-03-{n % 28 + 1:02d}")
             for n in range(40)}
    files.update({f"articles/b{n:02d}.md": article(f"第{n}号：开展科技志愿服务，招募青年志愿者。\n", title=f"乙{n:02d}",
                                                   date=f"2021-04-{n % 28 + 1:02d}") for n in range(40)})
    index, _ = index_of(make_site(files))
    result = index.search("科技志愿者", limit=10)
    # the 乙 reports are newer, so rank first: the page's 15 verified texts are all false candidates
    assert result.candidates == 80 and result.ids == []
    assert not result.exact, "65 candidates are not verified: the page says 约"
    assert abs(result.count - 40) <= 4, result.count
    assert any(name.startswith("sample/") for name in result.fetched)
    two = index.search("志愿", limit=10)
    assert two.exact and two.count == 80, "two characters: the bigram's list is the answer"


def test_a_sample_index_made_by_another_builder_gives_the_same_files(make_site, article, monkeypatch):
    # a large build makes the sample index in its forked worker (site/render.py), another process than
    # the one that writes meta.json: nothing of it may travel but the files themselves
    monkeypatch.setattr(si, "SHARD_TARGET_BYTES", 200)
    content = make_site({f"articles/n{n:02d}.md": article(f"第{n}篇：科技志愿者走进社区，开展科普活动。\n", title=f"报告{n:02d}")
                         for n in range(12)})
    yearbook = load_yearbook(content.resolve(), BuildReport())
    sample = si.SearchBuilder(yearbook).sample_files()
    assert len(sample) > 1
    builder = si.SearchBuilder(yearbook)
    files = builder.files([builder.part(range(len(builder.articles)))], sample=sample)
    assert files == si.build_search_files(yearbook)


def test_every_character_s_key_lists_exactly_the_articles_whose_text_holds_it(make_site, article):
    """The one-character keys are found from the bigram keys (a character is the first of one of its
    article's pairs, the last of a run with U+0000), except in texts with characters beyond U+FFFF, which
    keep keys of their own: the truth here is each doc file's text, read character by character."""
    content = make_site({
        "articles/a.md": article("鲟鱼养殖，单字：鲟。Ｘ光与5G在“一”处。\n", title="见闻"),
        "articles/b.md": article("罕见字𠀀𪚥与鲟、科協同在。\n", title="罕见字𠀀测试"),
        "articles/c.md": article("科技。乙\n", title="报告"),
        "articles/d.md": article("𠀀\n", title="鲟"),
    })
    index, _ = index_of(content)
    truth: dict[str, set[int]] = {}
    for doc_id in range(index.meta["docs"]):
        record = index.doc(doc_id)
        pairs = record.get("f", "")
        text = si.normalize("\n".join((record["t"], record["m"], record["x"])).translate(str.maketrans(dict(zip(pairs[::2], pairs[1::2])))))
        for ch in text:
            if si.is_indexed_char(ch):
                truth.setdefault(ch, set()).add(doc_id)
    found: dict[str, set[int]] = {}
    for name, data in index.files.items():
        if "/shards/" in name:
            for key, postings in json.loads(data).items():
                if len(key) == 1:
                    found[key] = set(si.decode_postings(postings))
    assert found == truth
    assert {"𠀀", "𪚥", "鲟", "乙", "x", "5", "协"} <= set(found) and len(found[chr(0x9c9f)]) == 3
