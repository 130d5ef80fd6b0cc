"""`yearbook check`: every problem at once as `path:line: message`, with a suggestion where one can be
made, exit 1 when anything is wrong; warnings (unknown keys, empty sections, drafts without a theme)
do not fail it."""
from __future__ import annotations

import pytest

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


# --- check reads what build reads ------------------------------------------------------------------

PAGE = "---\ntitle: 编辑说明\norder: 1\n---\n\n本年鉴收录地方科协的工作报告。\n"


def broken_theme(root, template: str, old: str, new: str) -> str:
    """A copy of the default theme beside the content (``theme: broken``) with ``old`` replaced by ``new``
    in ``template``; returns ``path:line`` of the changed line."""
    import shutil

    from conftest import REPO, line_of

    theme = root / "themes/broken"
    if not theme.exists():
        shutil.copytree(REPO / "themes/default", theme)
    path = theme / "templates" / template
    source = path.read_text(encoding="utf-8")
    assert old in source, f"{old!r} is not in {template}"
    source = source.replace(old, new, 1)
    path.write_text(source, encoding="utf-8")
    return f"themes/broken/templates/{template}:{line_of(source, new.splitlines()[0])}"


def test_a_broken_page_fails_check_as_it_fails_build_with_every_problem_of_the_page(make_site, run_cli, find_problem, find_line):
    page = "---\ntitle: 凡例\norder: 第一\ntitel: 笔误\n---\n\n见![图](../images/none.png)。\n"
    make_site({"pages/fanli.md": page})
    for command in ("check", "build"):
        code, _, err = run_cli(command, "--content", "content", "--output", "output")
        assert code == 1, f"{command}: {err}"
        find_problem(err, f"content/pages/fanli.md:{find_line(page, 'order:')}: ", "'order' must be a whole number")
        _, hint = find_problem(err, f"content/pages/fanli.md:{find_line(page, 'titel:')}: ", "unknown key 'titel' in a page")
        assert "did you mean 'title'?" in hint
        find_problem(err, f"content/pages/fanli.md:{find_line(page, '![图]')}: ", "content/images/none.png")
        assert "3 error(s)" in err


def test_a_duplicate_key_in_a_page_is_an_error_at_the_second_key(make_site, run_cli, find_problem):
    make_site({"pages/a.md": "---\ntitle: 编辑说明\norder: 1\ntitle: 凡例\n---\n\n正文。\n"})
    code, _, err = run_cli("check", "--content", "content")
    assert code == 1
    find_problem(err, "content/pages/a.md:4: ", "duplicate key 'title': it is already set on line 2")


def test_a_syntax_error_in_a_book_template_is_reported_by_check_at_its_line(make_site, run_cli, find_problem, tmp_path):
    make_site({"pages/a.md": PAGE}, theme="broken")
    where = broken_theme(tmp_path, "book/_toc.html", "{%", "{% if %}{% endif %}{%")
    code, _, err = run_cli("check", "--content", "content")
    assert code == 1, err
    find_problem(err, f"{where}: ", "template error: Expected an expression")
    assert "1 error(s)." in err  # once, though every page and volume would meet it


def test_a_runtime_error_in_book_html_is_reported_by_check_without_making_a_pdf(make_site, run_cli, find_problem, tmp_path):
    make_site(theme="broken")
    where = broken_theme(tmp_path, "book.html", "{% for chapter in volume.chapters %}",
                         "{{ volume.no_such_field }}\n{% for chapter in volume.chapters %}")
    code, out, err = run_cli("check", "--content", "content")
    assert code == 1, err
    find_problem(err, f"{where}: ", "template error: ")
    assert "no_such_field" in err
    assert not (tmp_path / "output").exists() and not list(tmp_path.glob(".output*"))


@pytest.mark.parametrize("where", ["forked", "here"])
def test_a_book_template_error_in_one_volume_only_is_found(where, make_site, run_cli, find_problem, tmp_path, monkeypatch):
    """book.html is rendered for every volume: an error that shows only in the last one (2021; the
    volumes are 2022 and 2021) is still found, whether the book is rendered in a forked process beside
    the site (two cores or more) or in this one."""
    import os

    from yearbook import parallel, pipeline

    real = pipeline.book_problems
    pids = tmp_path / "pids"

    def book_problems(*args):
        with open(pids, "a") as stream:
            stream.write(f"{os.getpid()}\n")
        return real(*args)

    monkeypatch.setattr(pipeline, "book_problems", book_problems)
    if where == "here":
        monkeypatch.setattr(parallel, "worker_count", lambda: 1)
    make_site(theme="broken")
    line = broken_theme(tmp_path, "book.html", "{% for chapter in volume.chapters %}",
                        "{{ (1 // 0) if volume.name == '2021' else '' }}\n{% for chapter in volume.chapters %}")
    code, _, err = run_cli("check", "--content", "content")
    assert code == 1, err
    find_problem(err, f"{line}: ", "ZeroDivisionError")
    assert "1 error(s)." in err
    ran_in = pids.read_text().split()
    assert ran_in == ([str(os.getpid())] if where == "here" else [p for p in ran_in if p != str(os.getpid())]), ran_in
    assert len(ran_in) == 1


def test_content_page_and_template_problems_all_come_at_once(make_site, run_cli, article, find_problem, find_line, tmp_path):
    bad = article(date="2021年12月")
    make_site({"articles/a.md": bad, "pages/p.md": "---\norder: 1\n---\n\n正文。\n"}, theme="broken")
    site = broken_theme(tmp_path, "home.html", "{%", "{% for %}{%")
    book = broken_theme(tmp_path, "book/_indexes.html", "{%", "{% if %}{% endif %}{%")
    code, _, err = run_cli("check", "--content", "content")
    assert code == 1
    find_problem(err, f"{PATH}/a.md:{find_line(bad, 'date:')}: ", "is not a date")
    find_problem(err, "content/pages/p.md:2: ", "a page needs a 'title'")
    find_problem(err, f"{site}: ", "template error")
    find_problem(err, f"{book}: ", "template error")
    assert "4 error(s)." in err


def test_check_passes_where_build_passes(make_site, run_cli, tmp_path):
    make_site({"pages/a.md": PAGE})
    code, out, err = run_cli("check", "--content", "content")
    assert code == 0, err
    assert "ok: 3 articles" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content"]  # nothing written, no lock, no cache
