"""Chinese punctuation slips (GB/T 15834) are warnings at their file line, with the fix; what is
not a slip (a date, a phone number, a decimal, code, a link, a heading's section number) is not."""
from __future__ import annotations

import random

from yearbook.content.punctuation import all_line_slips, line_slips

PATH = "content/articles"


def messages(line: str) -> list[str]:
    return [message for message, _ in line_slips(line)]


def test_a_hyphen_for_a_range_of_numbers_is_reported_with_both_fixes():
    (message, hint), = line_slips("10月16-18日，第29届研讨会")
    assert "'16-18' uses a hyphen for a range" in message
    assert "16—18" in hint and "16～18" in hint
    assert messages("2020–2024年") and messages("共3 - 5人")


def test_what_is_not_a_range_is_not_reported():
    assert messages("发表日期2021-12-27，下午") == []  # a date
    assert messages("电话0517-83661234") == []  # a phone number (eight digits)
    assert messages("增长3.5-4.2个百分点") == []  # decimals: the range is of 3.5 and 4.2, not of 5 and 4
    assert messages("COVID-19") == [] and messages("见`a-1`和[链接](http://x.cn/a-1)") == []


def test_other_slips_each_with_its_fix():
    found = dict(line_slips("科协,学会;协会(研究会)等。。推进...落实--好 ，再看"))
    assert any("ASCII ','" in m for m in found) and any("ASCII ';'" in m for m in found)
    assert any(h == "use full-width parentheses: （研究会）" for h in found.values())
    assert any("doubled" in m for m in found)
    assert any("not a Chinese ellipsis" in m for m in found) and any("not a Chinese dash" in m for m in found)
    assert any("space beside a Chinese punctuation mark" in m for m in found)
    assert messages("好……真的——是") == [] and messages("他说：“是。”") == []


def test_a_typed_space_between_chinese_and_a_number_but_not_after_a_section_number():
    assert messages("评选表彰 20 名") == ["a space typed between '彰' and '2'", "a space typed between '0' and '名'"]
    assert messages("## 1 突出凝心铸魂") == []
    assert messages("## 突出 1 项") != []
    assert messages("Microsoft Word 2019") == []


def test_trying_only_the_patterns_a_line_can_match_finds_what_trying_all_of_them_finds():
    # line_slips skips a pattern when the line lacks a character its every match holds; on random lines
    # dense in those characters (and in Chinese, digits and code) it must say what the plain path says
    pieces = ["科协", "学会", "年", "第", "12", "3", "-", "–", "－", "--", "－－", ",", ";", ":", "?", "!", "(", ")",
              "（", "）", "。", "。。", "。。。", "，", "、", "…", "……", "...", "·", "···", " ", "\t", "  ", "a", "AI",
              "%", "`x-1`", "[链接](http://x.cn/a-1)", "<b>", "</b>", "https://x.cn/3-5", "## ", "### 1 ", "“", "”"]
    draw = random.Random(15)
    kinds = set()
    for _ in range(6000):
        line = "".join(draw.choice(pieces) for _ in range(draw.randint(1, 14)))
        for heading_ok in (True, False):
            plain = all_line_slips(line, heading_ok)
            assert line_slips(line, heading_ok) == plain, line
            kinds.update(message.msgid for message, _hint in plain)
    assert len(kinds) >= 8  # every kind of slip was among the lines compared (ranges, marks, parentheses, …)


def test_check_reports_the_slips_at_their_lines_and_still_passes(make_site, run_cli, article, find_line, find_problem):
    text = article(body="第一段。\n\n## 1 突出重点\n\n10月16-18日举办。\n",
                   keywords="\n  - title: 交流合作\n    scene: 共3-5人参加,效果好。\n    observation: 好。")
    make_site({"articles/a.md": text})
    code, out, err = run_cli("check", "--content", "content")
    assert code == 0, err
    _, hint = find_problem(err, f"{PATH}/a.md:{find_line(text, '16-18')}: ", "'16-18' uses a hyphen")
    assert "16—18" in hint
    find_problem(err, f"{PATH}/a.md:{find_line(text, 'scene:')}: ", "'3-5' uses a hyphen")
    find_problem(err, f"{PATH}/a.md:{find_line(text, 'scene:')}: ", "the ASCII ','")
    assert "突出重点" not in err
    code, _, _ = run_cli("check", "--strict", "--content", "content")
    assert code == 1
