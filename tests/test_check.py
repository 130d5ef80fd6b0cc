"""`yearbook check`: every problem at once as `path:line: message`, with a suggestion where one can be
made, exit 1 when anything is wrong; warnings (unknown keys, empty sections, drafts without a theme)
do not fail it."""
from __future__ import annotations

PATH = "content/articles"


def test_every_problem_is_reported_at_once_with_its_line(make_site, run_cli, article, find_line, find_problem, tmp_path):
    bad_region = article(region="淮安")
    bad_date = article(date="2021年12月")
    missing_image = article(body="第一段。\n\n::: figure\n![合影](../images/none.jpg)\n合影\n:::\n")
    make_site({"articles/a.md": bad_region, "articles/b.md": bad_date, "articles/c.md": missing_image})
    code, out, err = run_cli("check", "--content", "content")
    assert code == 1
    line, hint = find_problem(err, f"{PATH}/a.md:{find_line(bad_region, 'region:')}: ", "unknown region '淮安'")
    assert "did you mean 淮安市?" in line + hint
    _, hint = find_problem(err, f"{PATH}/b.md:{find_line(bad_date, 'date:')}: ", "is not a date")
    assert hint == "write it as 2021-12"
    find_problem(err, f"{PATH}/c.md:{find_line(missing_image, '![合影]')}: ", "content/images/none.jpg")
    assert "3 error(s)." in err
    assert not (tmp_path / "output").exists()


def test_unknown_keys_are_warnings_with_a_suggestion(make_site, run_cli, article, find_line, find_problem):
    text = article(titel="笔误")
    make_site({"articles/a.md": text})
    code, _, err = run_cli("check", "--content", "content")
    assert code == 0, err
    _, hint = find_problem(err, f"{PATH}/a.md:{find_line(text, 'titel:')}: warning: ", "unknown front-matter key 'titel'")
    assert hint == "did you mean 'title'?"
    assert run_cli("check", "--content", "content", "--strict")[0] == 1


def test_an_empty_section_is_a_warning_at_its_heading(make_site, run_cli, article, find_line, find_problem):
    text = article(body="导语。\n\n## 有正文的小节\n\n正文。\n\n## 空的小节\n\n## 另一节\n\n正文。\n\n## 结尾的空小节\n")
    make_site({"articles/a.md": text})
    code, _, err = run_cli("check", "--content", "content")
    assert code == 0, err
    find_problem(err, f"{PATH}/a.md:{find_line(text, '## 空的小节')}: warning: ", "the section '空的小节' is empty")
    find_problem(err, f"{PATH}/a.md:{find_line(text, '## 结尾的空小节')}: warning: ", "the section '结尾的空小节' is empty")
    assert "有正文的小节' is empty" not in err and "另一节' is empty" not in err


def test_a_section_whose_text_is_in_its_subsections_is_not_empty(make_site, run_cli, article):
    make_site({"articles/a.md": article(body="## 大节\n\n### 小节\n\n正文。\n")})
    code, _, err = run_cli("check", "--content", "content")
    assert code == 0 and "is empty" not in err


def test_a_draft_without_a_theme_is_a_warning_a_published_article_an_error(make_site, run_cli, article, find_problem):
    make_site({"articles/d.md": article(topics=None, draft="true")})
    code, _, err = run_cli("check", "--content", "content")
    assert code == 0, err
    find_problem(err, f"{PATH}/d.md:", "warning: the draft has no topic")
    make_site({"articles/d.md": article(topics="[]", draft="true"), "articles/p.md": article(topics=None)})
    code, _, err = run_cli("check", "--content", "content")
    assert code == 1
    find_problem(err, f"{PATH}/d.md:", "warning: the draft has no topic")
    find_problem(err, f"{PATH}/p.md:", "required field 'topics' is missing")
