"""The Markdown body as readers see it on the article page, and image/link problems reported at the
line of the paragraph that holds them."""
from __future__ import annotations

import os
import re

import pytest

PATH = "content/articles/x.md"


def build_article(make_site, build_html, text: str, files: dict | None = None):
    make_site({"articles/x.md": text, **(files or {})})
    return build_html()


# --- what readers see --------------------------------------------------------------------------

def test_raw_html_is_shown_as_text_not_run(make_site, build_html, article, article_page):
    body = '<script>alert("x")</script>\n\n段落里的<b>粗体</b>标签。\n'

    code, _, err = build_article(make_site, build_html, article(body=body))

    assert code == 0, err
    page = article_page("x")
    assert "&lt;script&gt;alert" in page
    assert "<script>alert" not in page
    assert "&lt;b&gt;粗体&lt;/b&gt;" in page


@pytest.mark.parametrize("target", ["javascript:alert(1)", "JavaScript:alert(1)", "vbscript:msgbox(1)"])
def test_script_links_are_not_emitted_as_links(target, make_site, build_html, article, article_page):
    code, _, err = build_article(make_site, build_html, article(body=f"[点这里]({target})看看。\n"))

    assert code == 0, err
    page = article_page("x")
    assert "点这里" in page
    assert not re.search(r"href=[\"']?\s*(javascript|vbscript):", page, re.I)


def test_soft_line_break_between_chinese_characters_adds_no_space(make_site, build_html, article, article_page):
    code, _, err = build_article(make_site, build_html, article(body="科协组织专家\n深入企业调研。\n"))

    assert code == 0, err
    assert "科协组织专家深入企业调研。" in article_page("x")


def test_soft_line_break_between_latin_words_stays_a_space(make_site, build_html, article, article_page):
    code, _, err = build_article(make_site, build_html, article(body="science\npopularization\n"))

    assert code == 0, err
    assert re.search(r"science\s+popularization", article_page("x"))


def test_soft_line_break_between_chinese_quotation_marks_adds_no_space(make_site, build_html, article, article_page):
    body = "被授予“全国科普日活动优秀组织单位”\n“科普中国信息员队伍建设优秀组织单位”等荣誉。\n"

    code, _, err = build_article(make_site, build_html, article(body=body))

    assert code == 0, err
    assert "优秀组织单位”“科普中国" in article_page("x")


def test_figure_with_only_a_caption_is_a_caption_only_figure(make_site, build_html, article, article_page):
    body = "::: figure\n通州区科协深入开展党史学习教育\n:::\n"

    code, _, err = build_article(make_site, build_html, article(body=body))

    assert code == 0, err
    assert re.search(r'<figure class="figure figure-caption-only">\s*<figcaption>通州区科协深入开展党史学习教育</figcaption>\s*</figure>',
                     article_page("x"))


def test_figure_with_a_photo_shows_the_photo_and_its_caption(make_site, build_html, article, article_page, tmp_path):
    body = "::: figure\n![科技馆](../images/photo.jpg)\n参观创想机器人科技馆\n:::\n"

    code, _, err = build_article(make_site, build_html, article(body=body), {"images/photo.jpg": b"\xff\xd8\xff\xe0fake"})

    assert code == 0, err
    page = article_page("x")
    assert re.search(r'<figure class="figure">\s*<img src="\.\./\.\./media/images/photo\.jpg" alt="科技馆"\s*/?>'
                     r'\s*<figcaption>参观创想机器人科技馆</figcaption>\s*</figure>', page)
    assert (tmp_path / "output/site/media/images/photo.jpg").read_bytes() == b"\xff\xd8\xff\xe0fake"


def test_link_to_another_article_file_becomes_a_link_to_its_page(make_site, build_html, article, article_page):
    body = "详见[通州区的报告](2021/tongzhou-kexie-2021.md)。\n"

    code, _, err = build_article(make_site, build_html, article(body=body))

    assert code == 0, err
    assert re.search(r'<a href="(\.\./)+articles/tongzhou-kexie-2021/">通州区的报告</a>', article_page("x"))


# --- image and link problems -------------------------------------------------------------------

def test_image_path_that_leaves_the_content_dir_is_an_error(make_site, build_html, article, find_line, find_problem, tmp_path):
    (tmp_path / "secret.jpg").write_bytes(b"secret")
    text = article(body="前文。\n\n![机密](../../secret.jpg)\n")

    code, _, err = build_article(make_site, build_html, text)

    assert code == 1
    line, hint = find_problem(err, f"{PATH}:{find_line(text, '![机密]')}: ")
    assert "outside the content directory" in line
    assert not (tmp_path / "output").exists()


def test_absolute_image_path_is_an_error(make_site, run_cli, article, find_line, find_problem):
    text = article(body="![系统文件](/etc/hostname)\n")
    make_site({"articles/x.md": text})

    code, _, err = run_cli("check")

    assert code == 1
    find_problem(err, f"{PATH}:{find_line(text, '![系统文件]')}: ", containing="outside the content directory")


@pytest.mark.parametrize("src", ["https://example.com/a.jpg", "//example.com/a.jpg", "data:image/png;base64,iVBORw0KGgo="])
def test_remote_image_is_an_error_with_a_hint_to_download_it(src, make_site, run_cli, article, find_line, find_problem):
    text = article(body=f"第一段。\n\n![远程图片]({src})\n")
    make_site({"articles/x.md": text})

    code, _, err = run_cli("check")

    assert code == 1
    line, hint = find_problem(err, f"{PATH}:{find_line(text, '![远程图片]')}: ")
    assert "remote image" in line
    assert "content/images/" in hint


def test_missing_image_is_an_error_naming_the_path_looked_for(make_site, run_cli, article, find_line, find_problem):
    text = article(body="第一段。\n\n::: figure\n![合影](../images/missing.jpg)\n合影留念\n:::\n")
    make_site({"articles/x.md": text})

    code, _, err = run_cli("check")

    assert code == 1
    line, _ = find_problem(err, f"{PATH}:{find_line(text, '![合影]')}: ")
    assert "content/images/missing.jpg" in line


def test_missing_image_in_a_keyword_scene_is_reported_at_the_scene_line(make_site, run_cli, article, find_line, find_problem):
    keywords = ("\n  - title: 关键词\n    scene: 现场照片 ![现场](../images/none.jpg)\n    observation: 记者观察。")
    text = article(keywords=keywords)
    make_site({"articles/x.md": text})

    code, _, err = run_cli("check")

    assert code == 1
    find_problem(err, f"{PATH}:{find_line(text, 'scene:')}: ", containing="content/images/none.jpg")


@pytest.mark.parametrize("name", ["合影留念.jpg", "my photo.jpg"])
def test_image_whose_file_name_has_chinese_characters_or_spaces_is_found(name, make_site, build_html, article, tmp_path):
    text = article(body=f"![合影](<../images/{name}>)\n")

    code, _, err = build_article(make_site, build_html, text, {f"images/{name}": b"jpeg"})

    assert code == 0, err
    assert (tmp_path / "output/site/media/images" / name).read_bytes() == b"jpeg"


def test_image_that_is_a_symlink_out_of_the_content_dir_is_refused(make_site, build_html, article, tmp_path):
    outside = tmp_path / "private.txt"
    outside.write_text("private", encoding="utf-8")
    content = make_site()
    (content / "images").mkdir()
    os.symlink(outside, content / "images" / "photo.jpg")

    code, _, err = build_article(make_site, build_html, article(body="![照片](../images/photo.jpg)\n"))

    assert code == 1
    assert not (tmp_path / "output").exists()


def test_link_to_a_draft_article_is_an_error(make_site, run_cli, article, find_problem):
    files = {
        "articles/draft-one.md": article(draft="true"),
        "articles/x.md": article(body="见[草稿](draft-one.md)。\n"),
    }
    make_site(files)

    code, _, err = run_cli("check")

    assert code == 1
    find_problem(err, f"{PATH}", containing="articles/draft-one.md")


def test_link_to_a_draft_article_is_reported_at_its_line(make_site, run_cli, article, find_line, find_problem):
    text = article(body="第一段。\n\n见[草稿](draft-one.md)。\n")
    make_site({"articles/draft-one.md": article(draft="true"), "articles/x.md": text})

    code, _, err = run_cli("check")

    assert code == 1
    find_problem(err, f"{PATH}:{find_line(text, '[草稿]')}: ")
