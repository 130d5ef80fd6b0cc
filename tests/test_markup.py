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
    assert re.search(r'<figure class="figure">\s*<img src="\.\./\.\./media/images/photo\.jpg"[^>]* alt="科技馆"\s*/?>'
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


# --- the plain-line fast path ----------------------------------------------------------------------

def test_a_plain_line_is_rendered_as_markdown_it_renders_it(monkeypatch):
    """markup.PLAIN_PARAGRAPH skips markdown-it for one line it could not act on: random short texts of
    Chinese, punctuation, spaces and every ASCII mark give the same Markup either way."""
    import random

    from yearbook.content import markup

    alphabet = list("科普中国，。、“”：；（）—…《》 \u3000\t\n\"'abcAB019.)-+=*_#>|:~`[]!<&\\/@$%^{}?") + \
        ["\xa0", "\u2028", "\x85", "\x1c", "\ufeff", "𠀀", "&amp;", "1. ", "- ", "    "]
    rng = random.Random(3)
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 10))) for _ in range(20_000)]
    texts += ["2017年以来，市科协“三长”制度落地。", '他说"好"', "1.5万亩", "10)", "3.", "+1", "-", "a  b"]
    plain = markup.PLAIN_PARAGRAPH
    assert sum(bool(plain.fullmatch(text)) for text in texts) > 2_000, "the fast path is taken"
    fast = [(text, markup.render_markdown(text)) for text in texts]
    monkeypatch.setattr(markup, "PLAIN_PARAGRAPH", re.compile(r"(?!)"))  # never: markdown-it every time
    assert [(text, markup.render_markdown(text)) for text, _ in fast] == fast


BLOCKS = [
    "科协开展科普活动，惠及群众。", "第二行继续。", "abc def", "科普\"大篷车\"进村", "2017年以来，成效显著。", "5.2万亩",
    "## 一、总体情况", "# 标题", "###### 小标题", "##  两个空格", "#没有空格", "## 标题 ##", "### a\"b",
    "- 列表项", "1. 第一", "2) 第二", "  - 嵌套", "* 星号", "+ 加号",
    "> 引用", ">引用", "    代码块", "\t制表", "  缩进两格", "\u3000全角空格开头",
    "::: figure\n![图](../images/a.jpg)\n图片说明\n:::", "::: figure\n![图](../images/missing.jpg)\n:::",
    "::: figure", ":::", "::: figure\n仅说明文字\n:::", ":::: figure", "::::",
    "[另一篇](other.md)", "[坏链接](nope.md)", "**一是**加强领导。", "_强调_", "`代码`",
    "a | b\n--|--\n1 | 2", "文字\n---", "文字\n===", "---", "***", "___",
    "```\n代码\n\n更多\n```", "~~~", "[ref]: http://example.com", "见[ref]。",
    "<div>html</div>", "&amp; 实体", "行尾两个空格  ", "行尾反斜杠\\", "a\\*b", "! 感叹", "![图](../images/a.jpg)",
    "<http://example.com>", "中文\n中文", "abc\ndef", "中文\nabc", "abc\n中文",
]


def test_texts_split_into_plain_blocks_and_markdown_it_runs_render_as_markdown_it_renders_them(tmp_path, monkeypatch):
    """markup.plain_blocks: random texts made of plain paragraphs and headings mixed with every other kind
    of block (lists, quotes, code, ``:::`` figures with blank lines inside, tables, fences, references,
    bad images and links) give the same Markup — HTML, headings, images, links and problem lines — as
    markdown-it given the whole text."""
    import random

    from yearbook.content import markup

    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.jpg").write_bytes(b"x")
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "other.md").write_text("---\ntitle: t\n---\n", encoding="utf-8")
    rng = random.Random(5)
    texts = []
    for _ in range(3000):
        parts = [rng.choice(BLOCKS) for _ in range(rng.randint(1, 8))]
        text = parts[0]
        for part in parts[1:]:
            text += rng.choice(["\n", "\n\n", "\n\n", "\n  \n", "\n\t\n", "\n\n\n"]) + part
        texts.append(("\n" if rng.random() < 0.2 else "") + text + ("\n" if rng.random() < 0.3 else ""))
    assert sum(markup.plain_blocks(text) is not None for text in texts) > 500, "texts are split"
    render = lambda text: markup.render_markdown(text, "articles/x.md", tmp_path, "x-")  # noqa: E731
    split = [render(text) for text in texts]
    monkeypatch.setattr(markup, "PLAIN_PARAGRAPH", re.compile(r"(?!)"))
    monkeypatch.setattr(markup, "plain_blocks", lambda text: None)
    for text, result in zip(texts, split):
        assert render(text) == result, text
