"""The order of the book's indexes and the print typesetting markup, without building a PDF:
汉语拼音 order with place-name and surname readings, tone then stroke count for ties, Latin and digits
before A, 见 cross-references, and what yearbook.book.typeset adds to a text."""
from __future__ import annotations

from yearbook.content.collation import person_reading, sort_key, stroke_count
from yearbook.content.model import Topic, TopicEntry
from yearbook.content.regions import RegionTable
from yearbook.book.typeset import typeset_text
from yearbook.content.indexes import CrossReference, topic_index_groups


def region_sorted(names: list[str]) -> list[str]:
    table = RegionTable.load_national()
    regions = [table.resolve(name) for name in names]
    return [r.name for r in sorted(regions, key=lambda r: sort_key(r.name, r.pinyin))]


def test_place_names_sort_by_their_regions_file_reading_not_pypinyins():
    # pypinyin reads 单县 dān, 长宁区 zhǎng, 曾都区 céng; the regions table has shàn, cháng, zēng
    assert region_sorted(["单县", "长宁区", "曾都区", "重庆市", "长沙市"]) == ["长宁区", "长沙市", "重庆市", "单县", "曾都区"]


def test_same_syllable_and_tone_sort_by_stroke_count():
    assert stroke_count("十") == 2 and stroke_count("石") == 5 and stroke_count("实") == 8
    assert sorted(["实验", "石家庄", "十堰"], key=sort_key) == ["十堰", "石家庄", "实验"]
    assert sorted(["李蓉", "理论", "李荣"], key=sort_key) == ["李荣", "李蓉", "理论"]


def test_surnames_are_read_as_surnames():
    assert person_reading("单雄").startswith("shan4")
    assert person_reading("曾凡").startswith("zeng1")
    assert person_reading("尉迟恭").startswith("yu4 chi2")
    assert person_reading("Tom Lee") is None
    names = ["单雄", "丹青", "曾凡", "李蓉", "Tom Lee"]
    assert sorted(names, key=lambda n: sort_key(n, person_reading(n))) == ["Tom Lee", "丹青", "李蓉", "单雄", "曾凡"]


def test_an_entry_with_sort_as_sorts_by_it():
    assert sort_key("长沙", "zhang3 sha1") > sort_key("重庆")


def topic(slug: str, name: str, aliases=(), sort_as=None) -> TopicEntry:
    t = Topic(slug=slug, name=name, aliases=tuple(aliases), sort_as=sort_as)
    return TopicEntry(topic=t, articles=[], sort_key=sort_key(name, sort_as))


def test_theme_index_has_see_references_in_pinyin_order_latin_first():
    entries = sorted([topic("kexue-puji", "科学普及", ["科普", "科普工作"]), topic("5g", "5G应用"),
                      topic("dangjian", "党建引领", ["党建带科建"])], key=lambda e: e.sort_key)
    groups = topic_index_groups(entries)
    assert [g.letter for g in groups] == ["#", "D", "K"]
    flat = [(e.term, e.target) if isinstance(e, CrossReference) else e.topic.name for g in groups for e in g.entries]
    assert flat == ["5G应用", ("党建带科建", "党建引领"), "党建引领",
                    ("科普", "科学普及"), ("科普工作", "科学普及"), "科学普及"]


def test_typeset_compresses_adjacent_punctuation_and_spaces_latin():
    html = typeset_text("他说：“好。”在2021年用AI——真的……")
    assert '<span class="pz">。</span>”' in html
    # a number is bound to its measure word by a no-break space; a Latin word is not; no gap before ——
    assert '<span class="lt"> 2021\u00a0</span>' in html and '<span class="lt"> AI</span>' in html
    assert '<span class="nb">——</span>' in html and '<span class="nb">……</span>' in html


def test_typeset_spacing_between_chinese_and_latin_is_the_typesetting_s():
    # a typed space between Chinese and a number is the gap, set like any other (one value)
    assert typeset_text("评选表彰 20 名") == typeset_text("评选表彰20名") == '评选表彰<span class="lt"> 20\u00a0</span>名'
    # 第 stays with its number; Latin words keep their own spaces
    assert '第<span class="lt">\u00a03\u00a0</span>名' in typeset_text("第3名")
    assert '<span class="lw">Microsoft Word</span>' in typeset_text("用Microsoft Word编辑")
    # break points only where Unicode gives none: beside quotation marks, not after every pause mark
    html = typeset_text("他说，“好”的。积极推荐，已实施")
    assert '<span class="pz">，</span> “好” 的' in html and "。积极推荐，已实施" in html


def test_typeset_keeps_a_section_number_s_space_and_a_paragraph_s_last_characters_together():
    from yearbook.book.typeset import typeset_html

    html = str(typeset_html("<h3>1 突出凝心铸魂 彰显红色根脉</h3><p>积极推荐，已逐步实施。</p><p>两字。</p>"))
    assert "<h3>1\u3000突出凝心铸魂\u3000彰显红色根脉</h3>" in html
    assert '已逐<span class="nb">步实施。</span></p>' in html
    assert "<p>两字。</p>" in html  # fewer than three characters: nothing to keep together
    # not justified (headings, 目录 lines): no break points, no tail unless asked
    assert typeset_text("说：好“是”的", justify=False) == "说：好“是”的"


def test_a_long_headline_part_is_cut_between_phrases_not_inside_a_word():
    from yearbook.book.typeset import title_pieces

    part = "为建设长三角北部现代化中心城市贡献科协系统智慧和力量"  # 26 characters, 25 to a line
    assert title_pieces(part, 25) == ["为建设长三角北部现代化中心城市", "贡献科协系统智慧和力量"]
    assert title_pieces(part, 30) == [part]
    for capacity in (10, 12, 16, 20):
        pieces = title_pieces(part, capacity)
        assert "".join(pieces) == part and all(len(p) <= capacity for p in pieces), pieces
        cuts = {sum(map(len, pieces[:k])) for k in range(1, len(pieces))}
        # never inside 中心, 城市, 智慧, 力量, nor beside 和, nor after 为
        assert not cuts & {12, 14, 21, 24, 22, 23, 1}, pieces


def test_typeset_never_puts_a_break_point_before_a_closing_mark():
    html = typeset_text("“因为坚持。”他们（见《年鉴》）说，“好”、“是”。")
    for mark in "，。、；：？！）》」』”":
        assert f" {mark}" not in html and f" <span class=\"pz\">{mark}" not in html


def test_typeset_leaves_tags_and_entities_alone():
    from yearbook.book.typeset import typeset_html

    html = str(typeset_html('<p class="x">A&amp;B 在2021年，<a href="#a1">见</a></p>'))
    assert html.startswith('<p class="x">') and 'A&amp;B' in html
    assert '<a href="#a1">' in html


def test_a_byline_may_carry_sort_as_for_the_people_index(make_site, article):
    from yearbook.pipeline import BuildReport, load_yearbook
    from yearbook.content.indexes import group_by_letter, person_sort_reading

    bylines = "[{role: 记者, name: 单雄}, {role: 记者, name: 单田, sort_as: dan1 tian2}, {role: 记者, name: 丁一}]"
    content = make_site({"articles/x.md": article(bylines=bylines),
                         "articles/huaian-kexie-2021.md": None, "articles/2021/tongzhou-kexie-2021.md": None})
    yearbook = load_yearbook(content, BuildReport())
    assert [p.name for p in yearbook.people] == ["单田", "丁一", "单雄"]  # dān tián, dīng yī, shàn xióng
    groups = group_by_letter(yearbook.people, lambda p: p.name, person_sort_reading)
    assert [(g.letter, [p.name for p in g.entries]) for g in groups] == [("D", ["单田", "丁一"]), ("S", ["单雄"])]
