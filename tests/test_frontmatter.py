"""Front-matter fields: every mistake is reported as ``path:line: message`` with a hint, at the line
of the field (computed here from the text the test writes)."""
from __future__ import annotations

import textwrap

import pytest

PATH = "content/articles/x.md"
FIRST_FRONT_MATTER_LINE = 2  # the line after the opening '---'


def check(make_site, run_cli, text: str) -> tuple[int, str, str]:
    make_site({"articles/x.md": text})
    return run_cli("check")


# --- required fields ---------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["title", "organization", "region", "date", "topics"])
def test_missing_required_field_is_reported_with_file_and_line(field, make_site, run_cli, article, find_problem):
    text = article(**{field: None})

    code, _, err = check(make_site, run_cli, text)

    assert code == 1
    line, hint = find_problem(err, f"{PATH}:{FIRST_FRONT_MATTER_LINE}: required field '{field}' is missing")
    assert f"{field}:" in hint


@pytest.mark.parametrize("value", ['""', "[]"])
def test_empty_required_field_counts_as_missing(value, make_site, run_cli, article, find_problem):
    field = "topics" if value == "[]" else "organization"
    code, _, err = check(make_site, run_cli, article(**{field: value}))

    assert code == 1
    find_problem(err, f"{PATH}:{FIRST_FRONT_MATTER_LINE}: required field '{field}' is missing")


def test_title_of_only_spaces_counts_as_missing(make_site, run_cli, article, find_problem):
    code, _, err = check(make_site, run_cli, article(title='"   "'))

    assert code == 1
    find_problem(err, f"{PATH}:")
    assert "'title'" in err


# --- dates -------------------------------------------------------------------------------------

@pytest.mark.parametrize("written, fixed", [
    ("2021年12月", "2021-12"),
    ("2021年12月27日", "2021-12-27"),
    ("2021/12/27", "2021-12-27"),
    ("2021.12", "2021-12"),
])
def test_date_in_another_format_is_an_error_that_shows_the_right_spelling(
        written, fixed, make_site, run_cli, article, find_line, find_problem):
    text = article(date=written)

    code, _, err = check(make_site, run_cli, text)

    assert code == 1
    line, hint = find_problem(err, f"{PATH}:{find_line(text, 'date:')}: ")
    assert written in line
    assert hint == f"write it as {fixed}"


@pytest.mark.parametrize("value", ["2021-12-27", "2021-12", "2021", '"2021-12"'])
def test_full_and_partial_dates_are_accepted(value, make_site, run_cli, article):
    code, _, err = check(make_site, run_cli, article(date=value))

    assert code == 0, err


def test_impossible_date_is_reported_at_its_line(make_site, run_cli, article, find_line, find_problem):
    text = article(date="2021-13-45")

    code, _, err = check(make_site, run_cli, text)

    assert code == 1
    find_problem(err, f"{PATH}:{find_line(text, 'date:')}: ")


def test_impossible_date_is_an_error(make_site, run_cli, article, find_problem):
    code, _, err = check(make_site, run_cli, article(date="2021-13-45"))

    assert code == 1
    line, _ = find_problem(err, PATH)
    assert "month" in line


# --- keywords and bylines ----------------------------------------------------------------------

KEYWORDS = """
  - title: 关键词甲
    scene: 现场回放甲。
    observation: 记者观察甲。
  - title: 关键词乙
    observation: 记者观察乙。"""


def test_keyword_without_scene_names_the_keyword_and_scene(make_site, run_cli, article, find_line, find_problem):
    text = article(keywords=KEYWORDS)

    code, _, err = check(make_site, run_cli, text)

    assert code == 1
    line, hint = find_problem(err, f"{PATH}:{find_line(text, '- title: 关键词乙')}: ")
    assert "keyword 2" in line
    assert "scene (现场回放)" in line
    assert "observation" not in line


def test_byline_without_name_is_an_error_at_its_line(make_site, run_cli, article, find_line, find_problem):
    text = article(bylines="\n  - {role: 融媒体记者, name: 李蓉}\n  - {role: 通讯员}")

    code, _, err = check(make_site, run_cli, text)

    assert code == 1
    line, _ = find_problem(err, f"{PATH}:{find_line(text, '{role: 通讯员}')}: ")
    assert "byline 2" in line


# --- unknown keys ------------------------------------------------------------------------------

def test_unknown_key_is_a_warning_with_a_suggestion_and_the_build_succeeds(
        make_site, run_cli, article, find_line, find_problem):
    text = article(titel="多写的标题")

    code, _, err = check(make_site, run_cli, text)

    assert code == 0, err
    line, hint = find_problem(err, f"{PATH}:{find_line(text, 'titel:')}: warning: ")
    assert "'titel'" in line
    assert hint == "did you mean 'title'?"


def test_unknown_key_fails_the_build_with_strict(make_site, run_cli, article):
    make_site({"articles/x.md": article(titel="多写的标题")})

    code, _, err = run_cli("check", "--strict")

    assert code == 1
    assert "did you mean 'title'?" in err


def test_misspelled_required_key_reports_the_missing_field_and_the_suggestion(make_site, run_cli, article, find_line):
    text = article(title=None, titel="标题")

    code, _, err = check(make_site, run_cli, text)

    assert code == 1
    assert "required field 'title' is missing" in err
    assert "did you mean 'title'?" in err


# --- YAML syntax -------------------------------------------------------------------------------

FULL_WIDTH = textwrap.dedent("""\
    ---
    title：全角冒号的标题
    organization: 测试市科协
    region: 淮安市
    date: 2021
    topics: [科普]
    ---

    正文。
    """)


def test_full_width_colon_after_a_key_is_an_error_whose_hint_names_its_line(make_site, run_cli, find_line, find_problem):
    code, _, err = check(make_site, run_cli, FULL_WIDTH)

    assert code == 1
    _, hint = find_problem(err, f"{PATH}:")
    assert f"line {find_line(FULL_WIDTH, 'title：')} uses a full-width colon" in hint
    assert "ASCII colon ':'" in hint


def test_full_width_colon_is_reported_at_its_own_line(make_site, run_cli, find_line, find_problem):
    code, _, err = check(make_site, run_cli, FULL_WIDTH)

    assert code == 1
    find_problem(err, f"{PATH}:{find_line(FULL_WIDTH, 'title：')}: ")


def test_full_width_colon_after_a_text_value_is_still_caught(make_site, run_cli, find_line, find_problem):
    # 'organization: 测试市科协' followed by 'region：淮安市' reads as one two-line value in YAML.
    text = FULL_WIDTH.replace("title：", "title: ").replace("region: ", "region：")

    code, _, err = check(make_site, run_cli, text)

    assert code == 1
    _, hint = find_problem(err, f"{PATH}:")
    assert f"line {find_line(text, 'region：')} uses a full-width colon" in hint


def test_tab_indentation_is_an_error_at_the_tab_line_with_a_hint(make_site, run_cli, article, find_line, find_problem):
    text = article(bylines="\n\t- {role: 融媒体记者, name: 李蓉}")

    code, _, err = check(make_site, run_cli, text)

    assert code == 1
    _, hint = find_problem(err, f"{PATH}:{find_line(text, chr(9))}: ")
    assert "tab" in hint
    assert "spaces" in hint


def test_unclosed_quote_is_an_error(make_site, run_cli, article, find_problem):
    code, _, err = check(make_site, run_cli, article(title='"没有收尾引号的标题'))

    assert code == 1
    line, _ = find_problem(err, f"{PATH}:")
    assert "YAML" in line


def test_unclosed_quote_is_reported_where_the_quote_opens_with_a_hint(make_site, run_cli, article, find_line, find_problem):
    text = article(title='"没有收尾引号的标题')

    code, _, err = check(make_site, run_cli, text)

    assert code == 1
    _, hint = find_problem(err, f"{PATH}:{find_line(text, 'title:')}: ")
    assert "quotation mark" in hint


def test_yaml_alias_is_an_error(make_site, run_cli, article, find_line, find_problem):
    text = article(title="&t 重复的标题", kicker="*t")

    code, _, err = check(make_site, run_cli, text)

    assert code == 1
    anchor_line, alias_line = find_line(text, "&t"), find_line(text, "*t")
    line, _ = find_problem(err, f"{PATH}:", containing="anchors and aliases")
    assert line.startswith((f"{PATH}:{anchor_line}: ", f"{PATH}:{alias_line}: "))


def test_front_matter_that_is_not_key_value_fields_is_an_error(make_site, run_cli, find_problem):
    code, _, err = check(make_site, run_cli, "---\n- 只是一个列表\n---\n\n正文。\n")

    assert code == 1
    find_problem(err, f"{PATH}:{FIRST_FRONT_MATTER_LINE}: the front matter must be")


# --- slug, topics, volume ----------------------------------------------------------------------

@pytest.mark.parametrize("slug", ["../../etc", "a/b", "Huaian", "淮安", "has space"])
def test_bad_slug_is_an_error_at_its_line(slug, make_site, build_html, article, find_line, find_problem, tmp_path):
    text = article(slug=f'"{slug}"')
    make_site({"articles/x.md": text})

    code, _, err = build_html()

    assert code == 1
    line, hint = find_problem(err, f"{PATH}:{find_line(text, 'slug:')}: ")
    assert repr(slug) in line
    assert not (tmp_path / "output").exists()
    assert not (tmp_path / "etc").exists()


def test_file_name_that_is_not_a_slug_needs_a_slug_field(make_site, run_cli, article, find_problem):
    make_site({"articles/淮安市科协.md": article()})

    code, _, err = run_cli("check")

    assert code == 1
    _, hint = find_problem(err, "content/articles/淮安市科协.md: ")
    assert "slug" in hint


def test_slug_field_gives_the_article_its_url(make_site, build_html, article, tmp_path):
    make_site({"articles/淮安市科协.md": article(slug="huaian-kexie-extra")})

    code, _, err = build_html()

    assert code == 0, err
    assert (tmp_path / "output/site/articles/huaian-kexie-extra/index.html").is_file()


def test_unknown_topic_is_an_error_with_a_suggestion(make_site, run_cli, article, find_line, find_problem):
    text = article(topics="[kexue-puji, 科普工做]")

    code, _, err = check(make_site, run_cli, text)

    assert code == 1
    line, hint = find_problem(err, f"{PATH}:{find_line(text, 'topics:')}: ")
    assert "'科普工做'" in line
    assert hint == "did you mean '科普工作'?"


def test_topics_may_be_given_by_slug_name_or_alias(make_site, run_cli, article):
    code, _, err = check(make_site, run_cli, article(topics="[kexue-puji, 党建引领, 科普工作]"))

    assert code == 0, err


def test_volume_may_be_written_as_a_quoted_year(make_site, run_cli, article):
    code, _, err = check(make_site, run_cli, article(volume='"2021"'))

    assert code == 0, err


# --- regions -----------------------------------------------------------------------------------

def test_ambiguous_region_lists_both_candidates_and_how_to_choose(make_site, run_cli, article, find_line, find_problem):
    text = article(region="通州区")

    code, _, err = check(make_site, run_cli, text)

    assert code == 1
    line, hint = find_problem(err, f"{PATH}:{find_line(text, 'region:')}: ")
    assert "ambiguous" in line
    told = f"{line}\n{hint}"
    assert "北京市" in told and "110112" in told
    assert "南通市" in told and "320612" in told
    assert "path" in told.lower() and "code" in told.lower()


@pytest.mark.parametrize("spec", ["江苏省/南通市/通州区", "南通/通州区", "320612"])
def test_region_by_path_or_code_picks_the_one_meant(spec, make_site, build_html, article, tmp_path):
    make_site({"articles/x.md": article(region=spec)})

    code, _, err = build_html()

    assert code == 0, err
    assert (tmp_path / "output/site/regions/jiangsu/nantong/tongzhou/index.html").is_file()
    assert not (tmp_path / "output/site/regions/beijing").exists()


def test_unknown_region_suggests_the_full_name(make_site, run_cli, article, find_line, find_problem):
    text = article(region="淮安")

    code, _, err = check(make_site, run_cli, text)

    assert code == 1
    line, hint = find_problem(err, f"{PATH}:{find_line(text, 'region:')}: ")
    assert "did you mean 淮安市?" in line + " " + hint


def test_region_unspecified_builds(make_site, build_html, article, article_page):
    make_site({"articles/x.md": article(region="未详", region_note="原文隐去市名（XX市）", title="某市科协工作报告")})

    code, _, err = build_html()

    assert code == 0, err
    assert "某市科协工作报告" in article_page("x")
