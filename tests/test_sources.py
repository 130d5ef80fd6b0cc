"""Reading article files: encodings and line ends editors' files come in, and files that are not
articles at all."""
from __future__ import annotations

import pytest

ROUND_TRIP_TITLE = "刘䶮科普讲座走进通州“镕堃”社区"  # 䶮 is in GB18030 but not in GBK
ARTICLE_TEXT = f"""\
---
title: {ROUND_TRIP_TITLE}
organization: 通州区科协
region: 江苏省/南通市/通州区
date: 2021-05
topics: [科普]
---

第一段正文：科普讲座走进社区。

## 第二部分

第二段正文。
"""


def gbk(text: str) -> bytes:
    return text.replace("䶮", "岩").encode("gbk")


ENCODINGS = {
    "utf-8": lambda text: text.encode("utf-8"),
    "utf-8 with BOM": lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
    "GBK": gbk,
    "GB18030": lambda text: text.encode("gb18030"),
    "CRLF line ends": lambda text: text.replace("\n", "\r\n").encode("utf-8"),
    "lone CR line ends": lambda text: text.replace("\n", "\r").encode("utf-8"),
    "GBK with CRLF line ends": lambda text: gbk(text.replace("\n", "\r\n")),
}


@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_article_is_read_right_whatever_its_encoding_and_line_ends(encoding, make_site, build_html, article_page):
    data = ENCODINGS[encoding](ARTICLE_TEXT)
    make_site({"articles/jiangzuo-2021.md": data})

    code, out, err = build_html()

    assert code == 0, err
    page = article_page("jiangzuo-2021")
    expected_title = ROUND_TRIP_TITLE.replace("䶮", "岩") if encoding.startswith("GBK") else ROUND_TRIP_TITLE
    assert expected_title in page
    assert "第一段正文：科普讲座走进社区。" in page
    assert "第二部分" in page
    assert "\r" not in page


def test_gbk_article_keeps_its_front_matter_fields(make_site, build_html, article_page):
    make_site({"articles/jiangzuo-2021.md": gbk(ARTICLE_TEXT)})

    code, _, err = build_html()

    assert code == 0, err
    page = article_page("jiangzuo-2021")
    assert "通州区科协" in page


def test_binary_file_is_a_clear_error_naming_the_file(make_site, run_cli, find_problem):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
    make_site({"articles/photo.md": png})

    code, _, err = run_cli("check")

    assert code == 1
    line, hint = find_problem(err, "content/articles/photo.md: ")
    assert "not a text file" in line
    assert "UTF-8" in hint
    assert "Traceback" not in err


def test_utf8_bom_file_with_invalid_bytes_is_a_clear_error_not_a_crash(make_site, run_cli, find_problem):
    # A file saved with a UTF-8 BOM and then GBK text pasted into it.
    data = b"\xef\xbb\xbf" + ARTICLE_TEXT.encode("utf-8") + "追加的文字".encode("gbk")
    make_site({"articles/mixed.md": data})

    code, _, err = run_cli("check")

    assert code == 1
    find_problem(err, "content/articles/mixed.md")
    assert "Traceback" not in err


def test_empty_file_is_reported_as_empty(make_site, run_cli, find_problem):
    make_site({"articles/empty.md": b""})

    code, _, err = run_cli("check")

    assert code == 1
    find_problem(err, "content/articles/empty.md:1: the file is empty")


def test_file_of_only_blank_lines_is_reported_as_empty(make_site, run_cli, find_problem):
    make_site({"articles/blank.md": "\n  \n\n"})

    code, _, err = run_cli("check")

    assert code == 1
    find_problem(err, "content/articles/blank.md:1: the file is empty")


def test_front_matter_never_closed_is_reported_at_line_1_with_a_hint(make_site, run_cli, find_problem):
    text = ARTICLE_TEXT.replace("---\n\n第一段", "\n第一段", 1)
    assert text.count("---") == 1
    make_site({"articles/unclosed.md": text})

    code, _, err = run_cli("check")

    assert code == 1
    line, hint = find_problem(err, "content/articles/unclosed.md:1: ")
    assert "never closed" in line
    assert "'---'" in hint


def test_file_without_front_matter_is_an_error_at_line_1(make_site, run_cli, find_problem):
    make_site({"articles/plain.md": "科普讲座走进社区。\n\n第二段。\n"})

    code, _, err = run_cli("check")

    assert code == 1
    line, hint = find_problem(err, "content/articles/plain.md:1: ")
    assert "no front matter" in line
    assert "---" in hint


def test_markdown_files_in_hidden_folders_are_not_articles(make_site, build_html, tmp_path):
    make_site({"articles/.trash/broken.md": "not an article"})

    code, _, err = build_html()

    assert code == 0, err
    assert not (tmp_path / "output" / "site" / "articles" / "broken").exists()
