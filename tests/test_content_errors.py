"""Problems across the content tree: all of them in one run, each at ``path:line``; duplicate slugs."""
from __future__ import annotations

import re

import pytest


def test_three_broken_articles_are_all_reported_in_one_run(make_site, build_html, article, find_line, find_problem, tmp_path):
    bad_date = article(date="2021年12月")
    bad_topic = article(topics="[不存在的主题]")
    bad_region = article(region="通州区")
    make_site({"articles/bad-date.md": bad_date, "articles/bad-topic.md": bad_topic, "articles/bad-region.md": bad_region})

    code, _, err = build_html()

    assert code == 1
    find_problem(err, f"content/articles/bad-date.md:{find_line(bad_date, 'date:')}: ")
    find_problem(err, f"content/articles/bad-topic.md:{find_line(bad_topic, 'topics:')}: ")
    find_problem(err, f"content/articles/bad-region.md:{find_line(bad_region, 'region:')}: ")
    assert err.rstrip().endswith("3 error(s); nothing was written.")
    assert not (tmp_path / "output").exists()


def test_errors_in_config_topics_and_articles_are_reported_together(make_site, run_cli, article, find_line, find_problem):
    topics = "- slug: kexue-puji\n  name: 科学普及\n- slug: Bad_Slug\n  name: 坏主题\n"
    text = article(date="2021/12")
    make_site({"topics.yml": topics, "articles/x.md": text})

    code, _, err = run_cli("check")

    assert code == 1
    find_problem(err, f"content/topics.yml:{find_line(topics, 'Bad_Slug')}: ")
    find_problem(err, f"content/articles/x.md:{find_line(text, 'date:')}: ")


def test_every_problem_starts_with_the_file_and_the_line(make_site, run_cli, article):
    files = {
        "articles/a.md": article(organization=None),
        "articles/b.md": article(keywords="\n  - title: 只有标题"),
        "articles/c.md": article(topics="[科普, 乡村振兴2]"),
        "articles/d.md": article(region="淮安"),
        "articles/e.md": article(body="![缺图](../images/none.jpg)\n"),
        "articles/f.md": article(excerpt="{part: 3, of: 2}"),
        "articles/g.md": article(draft="maybe"),
    }
    make_site(files)

    code, _, err = run_cli("check")

    assert code == 1
    problems = [line for line in err.splitlines() if line and not line.startswith("    hint: ")][:-1]
    assert len(problems) == len(files)
    for line, name in zip(sorted(problems), sorted(files)):
        assert re.match(rf"content/{re.escape(name)}:\d+: \S", line), line


# --- duplicate slugs ---------------------------------------------------------------------------

def test_duplicate_slug_names_both_files(make_site, run_cli, article):
    make_site({"articles/a.md": article(slug="same-slug"), "articles/b.md": article(slug="same-slug", title="另一篇")})

    code, _, err = run_cli("check")

    assert code == 1
    problem = next(line for line in err.splitlines() if "duplicate slug 'same-slug'" in line)
    assert "articles/a.md" in problem
    assert "articles/b.md" in problem


def test_same_file_name_in_two_folders_is_a_duplicate_slug(make_site, run_cli, article):
    make_site({"articles/2021/huaian.md": article(), "articles/2022/huaian.md": article(date="2022")})

    code, _, err = run_cli("check")

    assert code == 1
    problem = next(line for line in err.splitlines() if "duplicate slug 'huaian'" in line)
    assert "articles/2021/huaian.md" in problem
    assert "articles/2022/huaian.md" in problem


def test_slug_field_equal_to_another_file_name_is_a_duplicate(make_site, run_cli, article):
    make_site({"articles/x.md": article(slug="fuyang-kexie-2022")})

    code, _, err = run_cli("check")

    assert code == 1
    problem = next(line for line in err.splitlines() if "duplicate slug 'fuyang-kexie-2022'" in line)
    assert "articles/fuyang-kexie-2022.md" in problem
    assert "articles/x.md" in problem


def test_duplicate_slug_is_reported_at_the_slug_line(make_site, run_cli, article, find_line, find_problem):
    text = article(slug="same-slug", title="另一篇")
    make_site({"articles/a.md": article(slug="same-slug"), "articles/b.md": text})

    code, _, err = run_cli("check")

    assert code == 1
    find_problem(err, f"content/articles/b.md:{find_line(text, 'slug:')}: ", containing="duplicate slug")


def test_a_draft_with_a_published_articles_slug_is_an_error_at_its_slug_line(make_site, build_html, article, find_line,
                                                                            find_problem):
    # serve shows a draft at its slug's URL, and publishing it would take that URL: one slug, one article
    draft = article(slug="same-slug", title="草稿", draft="true")
    make_site({"articles/a.md": article(slug="same-slug", title="正式稿"), "articles/b.md": draft})

    code, _, err = build_html()

    assert code == 1
    find_problem(err, f"content/articles/b.md:{find_line(draft, 'slug:')}: ", containing="duplicate slug 'same-slug'")
