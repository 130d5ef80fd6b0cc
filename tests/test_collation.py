"""汉语拼音 order of index entries (people, themes, regions) and their initial-letter groups."""
from __future__ import annotations

import pytest

from yearbook.content.collation import initial_letter, plain_pinyin, reading_of, sort_key
from yearbook.content.indexes import group_by_letter


def pinyin_sorted(words: list[str]) -> list[str]:
    return sorted(words, key=sort_key)


def test_words_sort_by_pinyin_syllable_by_syllable():
    assert pinyin_sorted(["科普", "重庆", "阿", "长沙"]) == ["阿", "长沙", "重庆", "科普"]


def test_polyphonic_characters_are_read_as_in_the_word():
    assert reading_of("长沙") == ("chang2", "sha1")
    assert reading_of("重庆") == ("chong2", "qing4")
    assert reading_of("银行") == ("yin2", "hang2")


def test_yinhang_sorts_as_hang_before_yinhe():
    assert pinyin_sorted(["银河", "银行"]) == ["银行", "银河"]


def test_same_syllable_sorts_by_tone():
    assert pinyin_sorted(["骂", "马", "妈", "麻"]) == ["妈", "麻", "马", "骂"]


def test_latin_and_digit_entries_sort_before_a():
    assert pinyin_sorted(["阿", "AI", "5G", "爱心"]) == ["5G", "AI", "阿", "爱心"]


def test_an_explicit_reading_overrides_the_dictionary():
    assert sort_key("长沙", "zhang3 sha1") > sort_key("重庆")
    assert initial_letter("长沙", "zhang3 sha1") == "Z"


@pytest.mark.parametrize("word, letter", [("阿", "A"), ("长沙", "C"), ("重庆", "C"), ("科普", "K"), ("绿色", "L"),
                                          ("5G", "#"), ("AI", "#")])
def test_initial_letter(word, letter):
    assert initial_letter(word) == letter


def test_sorted_entries_fall_into_initial_letter_groups_latin_first():
    words = pinyin_sorted(["科普", "重庆", "AI", "阿", "长沙", "5G"])

    groups = group_by_letter(words, lambda word: word)

    assert [(g.letter, g.entries) for g in groups] == [
        ("#", ["5G", "AI"]), ("A", ["阿"]), ("C", ["长沙", "重庆"]), ("K", ["科普"]),
    ]


def test_plain_pinyin_of_a_name_is_its_toneless_syllables():
    assert plain_pinyin("李蓉") == "lirong"
    assert plain_pinyin("吕梁") == "lvliang"


BYLINES = """
  - {role: 通讯员, name: 柯平}
  - {role: 通讯员, name: 崇文}
  - {role: 记者, name: Tom Lee}
  - {role: 记者, name: 常山}
  - {role: 记者, name: 阿明}"""


def test_people_index_lists_names_in_pinyin_order_under_letters(make_site, build_html, article, tmp_path):
    # the only article with bylines: the two of the base tree that have some are removed
    make_site({"articles/x.md": article(bylines=BYLINES),
               "articles/huaian-kexie-2021.md": None, "articles/2021/tongzhou-kexie-2021.md": None})

    code, _, err = build_html()

    assert code == 0, err
    page = (tmp_path / "output/site/people/index.html").read_text(encoding="utf-8")
    order = ["Tom Lee", "阿明", "常山", "崇文", "柯平"]
    positions = [page.index(f">{name}<") for name in order]
    assert positions == sorted(positions)
    letters = [page.index(f'id="letter-{letter}"') for letter in "ACK"]
    assert letters == sorted(letters)
    assert letters[0] > positions[0]  # the Latin name comes before the A group


def test_theme_index_lists_themes_in_pinyin_order(make_site, build_html, tmp_path):
    make_site()

    code, _, err = build_html()

    assert code == 0, err
    page = (tmp_path / "output/site/themes/index.html").read_text(encoding="utf-8")
    positions = [page.index(f">{name}<") for name in ["党建引领", "科学普及", "乡村振兴"]]
    assert positions == sorted(positions)
