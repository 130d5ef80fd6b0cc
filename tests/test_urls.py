"""Site URLs: relative links between pages, content paths that may not leave content/, ascii slugs."""
from __future__ import annotations

import posixpath

import pytest

from yearbook.content.slugs import is_valid_slug, safe_content_path, slugify_ascii
from yearbook.site.urls import output_file, relative_url


@pytest.mark.parametrize("from_page, to_url, expected", [
    ("", "articles/huaian/", "articles/huaian/"),
    ("articles/huaian/", "", "../../"),
    ("articles/huaian/", "themes/kepu/", "../../themes/kepu/"),
    ("articles/huaian/", "articles/tongzhou/", "../../articles/tongzhou/"),
    ("regions/jiangsu/nantong/tongzhou/", "static/site.css", "../../../../static/site.css"),
    ("people/", "people/lirong/", "../people/lirong/"),
    ("", "", "./"),
])
def test_relative_url_between_pages(from_page, to_url, expected):
    assert relative_url(from_page, to_url) == expected


PAGES = ["", "articles/huaian/", "regions/jiangsu/nantong/", "people/", "404.html"]
TARGETS = ["", "articles/huaian/", "themes/", "downloads/book-2021.pdf"]


@pytest.mark.parametrize("from_page", PAGES)
@pytest.mark.parametrize("to_url", TARGETS)
def test_relative_url_leads_from_the_page_to_the_target(from_page, to_url):
    page_dir = posixpath.dirname(output_file(from_page))
    href = relative_url(from_page, to_url)

    assert href != "", "an empty href links the page to itself"
    resolved = posixpath.normpath(posixpath.join(page_dir, href))
    assert resolved == (posixpath.normpath(to_url) if to_url else ".")


@pytest.mark.parametrize("reference", ["../x", "/etc/passwd", "C:\\x", "C:/x", "a/../../b", "..", "\\\\server\\share",
                                       "images\\..\\..\\x", ""])
def test_safe_content_path_rejects_paths_that_leave_the_content_tree(reference):
    assert safe_content_path(reference) is None


@pytest.mark.parametrize("reference, normal", [
    ("images/photo.jpg", "images/photo.jpg"),
    ("articles/../images/photo.jpg", "images/photo.jpg"),
    ("./images/photo.jpg", "images/photo.jpg"),
])
def test_safe_content_path_normalises_paths_inside_the_tree(reference, normal):
    assert safe_content_path(reference) == normal


@pytest.mark.parametrize("text, slug", [
    ("科普 工作", "ke-pu-gong-zuo"),
    ("科普工作", "ke-pu-gong-zuo"),
    ("2021—2022", "2021-2022"),
    ("AI科普", "ai-ke-pu"),
    ("绿色", "lv-se"),
    ("Huai'an 淮安", "huai-an-huai-an"),
])
def test_slugify_ascii(text, slug):
    assert slugify_ascii(text) == slug
    assert is_valid_slug(slug)


@pytest.mark.parametrize("slug", ["../../etc", "a/b", "Upper", "has space", "-lead", "trail-", "a--b", "淮安", "", "a" * 121])
def test_invalid_slugs_are_refused(slug):
    assert not is_valid_slug(slug)


def test_every_link_on_the_404_page_leads_somewhere_else(make_site, build_html, tmp_path):
    make_site()

    code, _, err = build_html()

    assert code == 0, err
    page = (tmp_path / "output/site/404.html").read_text(encoding="utf-8")
    assert 'href="./"' in page or 'href="index.html"' in page
    assert 'href=""' not in page
