"""yearbook.yml settings (unknown keys, volumes) and the command line (exit codes, default command).

The command-line tests live here because there is no test_cli.py in this suite."""
from __future__ import annotations

import pytest

CONFIG = "content/yearbook.yml"


def config_text(content) -> str:
    return (content / "yearbook.yml").read_text(encoding="utf-8")


# --- settings ----------------------------------------------------------------------------------

def test_unknown_setting_is_a_warning_with_a_suggestion(make_site, run_cli, find_line, find_problem):
    content = make_site(titel="另一个标题")
    text = config_text(content)

    code, _, err = run_cli("check")

    assert code == 0, err
    line, hint = find_problem(err, f"{CONFIG}:{find_line(text, 'titel:')}: warning: ")
    assert "'titel'" in line
    assert hint == "did you mean 'title'?"


def test_unknown_print_setting_is_a_warning_at_its_line(make_site, run_cli, find_line, find_problem):
    content = make_site(pdf="{page_size: A4, page_sise: A4}")
    text = config_text(content)

    code, _, err = run_cli("check")

    assert code == 0, err
    line, hint = find_problem(err, f"{CONFIG}:{find_line(text, 'page_sise:')}: warning: ")
    assert "'pdf.page_sise'" in line
    assert hint == "did you mean 'page_size'?"


def test_missing_config_file_is_an_error(make_site, run_cli, find_problem):
    make_site({"yearbook.yml": None})

    code, _, err = run_cli("check")

    assert code == 1
    _, hint = find_problem(err, f"{CONFIG}: ")
    assert "title" in hint


def test_bad_volume_years_are_an_error_at_their_line(make_site, run_cli, find_line, find_problem):
    content = make_site(volumes='- {name: "二〇二一", years: [21]}')
    text = config_text(content)

    code, _, err = run_cli("check")

    assert code == 1
    find_problem(err, f"{CONFIG}:{find_line(text, 'years: [21]')}: ")


def test_unknown_theme_is_an_error_naming_the_config(make_site, run_cli, find_problem):
    make_site(theme="no-such-theme")

    code, _, err = run_cli("check")

    assert code == 1
    find_problem(err, f"{CONFIG}", containing="no-such-theme")


# --- volumes -----------------------------------------------------------------------------------

def volume_pages(tmp_path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "output/site/volumes").iterdir())


def test_without_volumes_each_report_year_is_a_volume(make_site, build_html, tmp_path):
    make_site()  # articles of 2021 and 2022

    code, _, err = build_html()

    assert code == 0, err
    assert volume_pages(tmp_path) == ["2021", "2022"]


def test_a_volume_group_puts_its_years_into_one_volume(make_site, build_html, tmp_path):
    make_site(volumes='- {name: "2021—2022", years: [2021, 2022]}')

    code, _, err = build_html()

    assert code == 0, err
    assert volume_pages(tmp_path) == ["2021-2022"]
    page = (tmp_path / "output/site/volumes/2021-2022/index.html").read_text(encoding="utf-8")
    for title in ("淮安市科协聚焦绿色高地", "努力开创党建带科建工作新局面", "阜阳市科协推进乡村振兴"):
        assert title in page


def test_years_outside_every_group_are_volumes_of_their_own(make_site, build_html, tmp_path):
    make_site(volumes='- {name: "2022年卷", years: [2022], slug: vol-2022}')

    code, _, err = build_html()

    assert code == 0, err
    assert volume_pages(tmp_path) == ["2021", "vol-2022"]


def test_a_year_listed_in_two_volumes_is_an_error_at_the_second(make_site, run_cli, find_line, find_problem):
    content = make_site(volumes="- {name: 上卷, years: [2021, 2022]}\n- {name: 下卷, years: [2022]}")
    text = config_text(content)

    code, _, err = run_cli("check")

    assert code == 1
    find_problem(err, f"{CONFIG}:{find_line(text, '下卷')}: ", containing="2022")


def test_an_article_volume_field_moves_it_to_that_year(make_site, build_html, article, tmp_path):
    make_site({"articles/x.md": article(date="2023-01-05", volume="2022")})

    code, _, err = build_html()

    assert code == 0, err
    assert volume_pages(tmp_path) == ["2021", "2022"]


# --- command line ------------------------------------------------------------------------------

def test_successful_build_exits_0_and_says_what_it_built(make_site, build_html):
    make_site()

    code, out, err = build_html()

    assert code == 0, err
    assert "built 3 articles" in out


def test_content_errors_exit_1_without_a_traceback(make_site, article, run_cli):
    make_site({"articles/x.md": article(date="2021年12月")})

    code, _, err = run_cli("build", "--content", "content", "--output", "output", "--only", "html", subprocess=True)

    assert code == 1
    assert "Traceback" not in err
    assert "content/articles/x.md:" in err


def test_missing_content_dir_exits_1_without_a_traceback(run_cli, tmp_path):
    code, _, err = run_cli("check", "--content", "nowhere", subprocess=True)

    assert code == 1
    assert "Traceback" not in err
    assert "nowhere" in err
    assert not (tmp_path / "output").exists()


@pytest.mark.parametrize("args", [("build", "--only", "xml"), ("frobnicate",), ("check", "--only", "html"),
                                  ("build", "--no-such-option")])
def test_usage_errors_exit_2(args, make_site, run_cli, tmp_path):
    make_site()

    code, out, err = run_cli(*args)

    assert code == 2
    assert "usage:" in err
    assert not (tmp_path / "output").exists()


def test_usage_error_in_a_real_process_exits_2(make_site, run_cli):
    make_site()

    code, _, err = run_cli("--only", "xml", subprocess=True)

    assert code == 2
    assert "invalid choice: 'xml'" in err
    assert "Traceback" not in err


def test_build_is_the_default_command(make_site, run_cli, tmp_path):
    make_site()

    code, out, err = run_cli("--content", "content", "--output", "out", "--only", "html", subprocess=True)

    assert code == 0, err
    assert (tmp_path / "out/site/articles/huaian-kexie-2021/index.html").is_file()


def test_strict_turns_warnings_into_a_failure(make_site, run_cli):
    make_site(titel="另一个标题")

    code, _, err = run_cli("check", "--strict")

    assert code == 1
    assert "did you mean 'title'?" in err


def test_quiet_build_prints_nothing_on_success(make_site, build_html):
    make_site()

    code, out, err = build_html("--quiet")

    assert code == 0, err
    assert out == ""
    assert err == ""
