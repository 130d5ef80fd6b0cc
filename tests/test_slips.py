"""The editors' common slips get messages that say what happened and the fix, at the line: an image path
with a space (an error bare, working in angle brackets on the site and in the book's HTML), a list
written with full-width commas, a colon inside a value, a year outside every volume."""
from __future__ import annotations

import io

from PIL import Image


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    return buffer.getvalue()


def test_an_image_path_with_a_space_is_an_error_at_its_line_and_works_in_angle_brackets(
        make_site, article, run_cli, build_html, tmp_path, find_line):
    bare = article(body="正文。\n\n![第二张](../images/IMG 001.jpg)\n")
    content = make_site({"articles/a.md": bare, "images/IMG 001.jpg": jpeg()})
    code, _out, err = run_cli("check", "--content", content)
    assert code == 1
    assert (f"content/articles/a.md:{find_line(bare, '![第二张]')}: the image '![第二张](../images/IMG 001.jpg)' is not "
            "shown: its path has a space") in err
    assert "hint: write the path in angle brackets, ![第二张](<../images/IMG 001.jpg>)" in err
    make_site({"articles/a.md": article(body="正文。\n\n![第二张](<../images/IMG 001.jpg>)\n")})
    code, _out, err = build_html()
    assert code == 0, err
    page = (tmp_path / "output" / "site" / "articles" / "a" / "index.html").read_text(encoding="utf-8")
    assert 'src="../../media/images/IMG%20001.jpg"' in page and "![第二张]" not in page
    assert (tmp_path / "output" / "site" / "media" / "images" / "IMG 001.jpg").read_bytes() == jpeg()
    code, _out, err = run_cli("check", "--content", content)  # check renders book.html too
    assert code == 0, err


def test_a_prose_bracket_with_a_space_is_not_taken_for_a_link(make_site, article, run_cli):
    content = make_site({"articles/a.md": article(body="见[注释](下文 说明)。\n")})
    code, _out, err = run_cli("check", "--content", content)
    assert code == 0, err


def test_topics_separated_by_full_width_commas_say_so_and_how_to_write_them(make_site, article, run_cli, find_line):
    text = article(topics="[kexue-puji，xiangcun-zhenxing]")
    content = make_site({"articles/a.md": text})
    code, _out, err = run_cli("check", "--content", content)
    assert code == 1
    assert (f"content/articles/a.md:{find_line(text, 'topics:')}: the topics 'kexue-puji，xiangcun-zhenxing' are separated "
            "by '，'") in err
    assert "hint: separate them with an ASCII comma and a space: topics: [kexue-puji, xiangcun-zhenxing]" in err
    assert "did you mean" not in err


def test_a_colon_inside_a_value_says_so_and_quotes_it_as_the_fix(make_site, article, run_cli, find_line):
    text = article(summary="主题: 科技创新")
    content = make_site({"articles/a.md": text})
    code, _out, err = run_cli("check", "--content", content)
    assert code == 1
    assert f"content/articles/a.md:{find_line(text, 'summary:')}: the value of 'summary' contains a colon" in err
    assert 'summary: "主题: 科技创新"' in err and "indentation" not in err


def test_a_year_outside_every_volume_is_a_warning_naming_them_and_an_error_with_strict(make_site, article, run_cli, find_line):
    text = article(date="2019-05-01")
    content = make_site({"articles/a.md": text}, volumes='- {name: "2021—2023", years: [2021, 2022, 2023]}')
    code, _out, err = run_cli("check", "--content", content)
    assert code == 0, err
    line = find_line(text, "date:")
    assert f"content/articles/a.md:{line}: warning: the year 2019 is in none of the volumes of yearbook.yml (2021—2023)" in err
    assert "add 2019 to that volume's 'years'" in err
    code, _out, err = run_cli("check", "--content", content, "--strict")
    assert code == 1
