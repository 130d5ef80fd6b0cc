"""`yearbook new`: an article from a template, its front matter from the options, checked before writing."""
from __future__ import annotations

import datetime as dt

import yaml

from yearbook.scaffold import slug_from_title


def front_matter(path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("\n---\n", 1)[0].removeprefix("---\n"))


def test_new_fills_the_front_matter_from_the_options_and_builds(make_site, run_cli, build_html, tmp_path):
    content = make_site()
    code, out, err = run_cli("new", "--content", "content", "--title", "盱眙县科协开展科技下乡", "--region", "盱眙县",
                             "--themes", "kexue-puji,乡村振兴", "--date", "2022-05-01")
    assert code == 0, err
    path = content / "articles" / "xu-yi-xian-ke-xie-kai-zhan-ke-ji-xia-xiang.md"
    assert f"created {path.relative_to(tmp_path)}" in out or str(path) in out
    fields = front_matter(path)
    assert fields == {"title": "盱眙县科协开展科技下乡", "organization": "盱眙县科协", "region": "盱眙县",
                      "date": dt.date(2022, 5, 1), "topics": ["kexue-puji", "xiangcun-zhenxing"]}
    code, _, err = build_html()
    assert code == 0, err
    assert (tmp_path / "output/site/articles/xu-yi-xian-ke-xie-kai-zhan-ke-ji-xia-xiang/index.html").is_file()


def test_the_date_defaults_to_today(make_site, run_cli):
    content = make_site()
    code, _, err = run_cli("new", "--content", "content", "--title", "今日报道", "--region", "淮安市", "--themes", "科普")
    assert code == 0, err
    assert front_matter(content / "articles" / "jin-ri-bao-dao.md")["date"] == dt.date.today()


def test_new_refuses_to_overwrite_an_existing_article(make_site, run_cli):
    content = make_site()
    args = ("new", "--content", "content", "--title", "重复的标题", "--region", "淮安市", "--themes", "科普")
    assert run_cli(*args)[0] == 0
    path = content / "articles" / "chong-fu-de-biao-ti.md"
    path.write_text(path.read_text(encoding="utf-8") + "编辑写的正文。\n", encoding="utf-8")
    before = path.read_bytes()
    code, _, err = run_cli(*args)
    assert code == 1
    assert "already exists; refusing to overwrite it" in err
    assert path.read_bytes() == before


def test_a_slug_used_by_another_article_is_refused(make_site, run_cli):
    make_site()  # articles/2021/tongzhou-kexie-2021.md exists
    code, _, err = run_cli("new", "--content", "content", "--title", "新文章", "--slug", "tongzhou-kexie-2021",
                           "--region", "淮安市", "--themes", "科普")
    assert code == 1
    assert "slug 'tongzhou-kexie-2021' is already used by" in err and "tongzhou-kexie-2021-2" in err


def test_an_unknown_region_or_theme_is_refused_with_a_suggestion(make_site, run_cli):
    content = make_site()
    code, _, err = run_cli("new", "--content", "content", "--title", "标题", "--region", "淮安", "--themes", "科普")
    assert code == 1 and "did you mean 淮安市?" in err
    code, _, err = run_cli("new", "--content", "content", "--title", "标题", "--region", "淮安市", "--themes", "科学普")
    assert code == 1 and "unknown topic '科学普'" in err and "did you mean" in err
    assert not (content / "articles" / "biao-ti.md").exists()


def test_without_region_and_themes_the_article_is_a_draft_that_checks(make_site, run_cli):
    content = make_site()
    code, out, err = run_cli("new", "--content", "content", "--title", "待定稿件", "--organization", "某市科协")
    assert code == 0, err
    assert "note:" in out
    fields = front_matter(content / "articles" / "dai-ding-gao-jian.md")
    assert fields["draft"] is True and fields["region"] == "未详" and fields["topics"] == []
    code, _, err = run_cli("check", "--content", "content")
    assert code == 0, err
    assert "warning: the draft has no topic" in err


def test_slugs_from_long_titles_stay_short():
    slug = slug_from_title("淮安市科协：聚焦“绿色高地、枢纽新城” 为建设长三角北部现代化中心城市贡献科协系统智慧和力量")
    assert len(slug) <= 60 and slug.startswith("huai-an-shi-ke-xie-ju-jiao") and not slug.endswith("-")
