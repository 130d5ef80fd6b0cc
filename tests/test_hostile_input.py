"""A catalogue of bad and hostile input. Each case writes a few files into the valid tiny tree
(tests/conftest.py), then runs ``build --only html`` over the output of a good build. Every case must
end with exit 1 and a ``path:line: message`` naming the file and the line (or exit 0 for input that is
accepted, such as GBK or CRLF files), never a traceback or an internal error; a rejected build leaves
every file of the previous output byte-identical.

The cases are data (:data:`CASES`); add one with :func:`case`. ``A`` is the article most cases write."""
from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import unquote

import pytest

from conftest import REPO, article_md, line_of, write_site

A = "articles/x.md"
A_PATH = "content/" + A


@dataclass
class Case:
    id: str
    files: dict[str, str | bytes | None]
    where: str | Callable[[Path], str]  # start of the problem line: 'content/articles/x.md:7' (or made from the tree)
    message: str  # a fragment of that line
    code: int = 1
    hint: str = ""  # a fragment of its hint
    args: tuple[str, ...] = ()
    prepare: Callable[[Path], None] | None = None  # more set-up in the tree's root
    check: Callable[[Path], None] | None = None  # for accepted input: look at the new output


CASES: list[Case] = []


def case(id: str, files: dict, where: str, message: str, **kwargs) -> None:
    CASES.append(Case(id, files, where, message, **kwargs))


def at(text: str, needle: str, path: str = A_PATH) -> str:
    """``path:line`` of the first line of ``text`` that contains ``needle``."""
    return f"{path}:{line_of(text, needle)}"


def front(yaml: str, body: str = "正文。\n") -> str:
    """An article file whose front matter is exactly ``yaml``."""
    return f"---\n{yaml.rstrip(chr(10))}\n---\n\n{body}"


VALID_YAML = "title: 测试标题\norganization: 测试市科协\nregion: 淮安市\ndate: 2021-12-27\ntopics: [kexue-puji]\n"


def page_shows(slug: str, *texts: str) -> Callable[[Path], None]:
    def check(root: Path) -> None:
        page = (root / "output/site/articles" / slug / "index.html").read_text(encoding="utf-8")
        for text in texts:
            assert text in page, f"{text!r} is not on the page of {slug}"
    return check


# --- YAML syntax ---------------------------------------------------------------------------------

t = article_md(keywords="\n\t- title: 标题\n\t  scene: 场景\n\t  observation: 观察")
case("yaml-tab-indentation", {A: t}, at(t, "\t- title"), "YAML syntax error", hint="tab")
t = article_md(title='"淮安市科协聚焦绿色高地')
case("yaml-unclosed-double-quote", {A: t}, at(t, "title:"), "YAML syntax error", hint="quotation mark")
t = article_md(organization="'淮安市科协", source="其他")
case("yaml-unclosed-single-quote", {A: t}, at(t, "organization:"), "YAML syntax error")
t = "---\n" + VALID_YAML + "\n正文没有结束的 --- 行。\n"
case("front-matter-never-closed", {A: t}, f"{A_PATH}:1", "the front matter is never closed", hint="add a line '---'")
t = "---"
case("front-matter-only-an-opening-fence", {A: t}, f"{A_PATH}:1", "never closed")
t = "标题：测试\n\n正文。\n"
case("no-front-matter", {A: t}, f"{A_PATH}:1", "no front matter")
t = front(VALID_YAML + "...\nkicker: 第二个文档\n")
case("yaml-second-document", {A: t}, at(t, "kicker:"), "YAML syntax error")
t = front(VALID_YAML + "source: !!python/object/apply:os.system ['touch pwned-by-yaml']\n")
case("yaml-python-object-tag-is-not-constructed", {A: t}, at(t, "source:"), "YAML syntax error",
     check=None)
t = front(VALID_YAML + "kicker: !include /etc/passwd\n")
case("yaml-unknown-tag", {A: t}, at(t, "kicker:"), "YAML syntax error")
t = front(VALID_YAML.replace("title: 测试标题", "title: !!binary 5rWL6K+V"))
case("yaml-binary-value", {A: t}, at(t, "title:"), "'title' must be text")
t = front(VALID_YAML + "? [a, b]\n: 列表作键\n")
case("yaml-list-as-key", {A: t}, at(t, "? [a, b]"), "YAML syntax error")
t = front(VALID_YAML + "kicker: 响铃\x07字符\n")
case("yaml-control-character", {A: t}, at(t, "kicker:"), "character YAML does not allow")
t = front(VALID_YAML + "kicker: " + "[" * 3000 + "]" * 3000 + "\n")
case("yaml-deep-nesting", {A: t}, at(t, "kicker:"), "nested more than")
t = front(VALID_YAML + "summary: |\n" + ("  " + "长" * 1000 + "\n") * 2100)
case("yaml-front-matter-over-2-mb", {A: t}, f"{A_PATH}:2", "larger than 2 MB", hint="Markdown body")
BOMB = "\n".join(["a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]"]
                 + [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
                    f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]" for i in range(8)])
t = front(VALID_YAML + BOMB + "\n")
case("yaml-alias-bomb", {A: t}, at(t, "a: &a"), "anchors and aliases")
t = front(VALID_YAML + "kicker:\n  " + "- " * 200000 + "深\n")
case("yaml-deep-block-nesting", {A: t}, at(t, "  - - -"), "nested more than")

# a key given twice: an error at the second one (YAML itself would keep the last value silently)
t = front(VALID_YAML + "title: 第二个标题\n")
case("yaml-duplicate-title", {A: t}, at(t, "title: 第二个标题"), "duplicate key 'title': it is already set on line 2",
     hint="keep one of the two")
t = article_md(keywords="\n  - title: 关键词\n    scene: 场景\n    scene: 又一个场景\n    observation: 观察")
case("yaml-duplicate-key-inside-a-keyword", {A: t}, at(t, "又一个场景"), f"duplicate key 'scene': it is already set on line {line_of(t, 'scene: 场景')}")
t = article_md(bylines="[{role: 记者, name: 李蓉, name: 李亚强}]")
case("yaml-duplicate-key-in-a-flow-mapping", {A: t}, at(t, "bylines:"), "duplicate key 'name'")
t = front(VALID_YAML.replace("title: 测试标题\n", "title: 测试标题\nkicker: 引题\n") + "kicker: 又一个引题\nkicker: 第三个\n")
case("yaml-key-given-three-times-is-two-problems", {A: t}, at(t, "kicker: 第三个"), "duplicate key 'kicker': it is already set on line 3")

# --- wrong types ---------------------------------------------------------------------------------

t = article_md(date="2021年12月")
case("date-written-in-chinese", {A: t}, at(t, "date:"), "'date' '2021年12月' is not a date", hint="write it as 2021-12")
t = article_md(date="2021-02-30")
case("date-impossible-day", {A: t}, at(t, "date:"), "has no day 30")
t = article_md(date="[2021, 12]")
case("date-as-a-list", {A: t}, at(t, "date:"), "is not a date")
t = article_md(date=".inf")
case("date-infinite", {A: t}, at(t, "date:"), "is not a date")
t = article_md(date="0000-01-01")
case("date-year-zero", {A: t}, at(t, "date:"), "is not a date")
t = article_md(date="2021-12-27 25:61:00")
case("date-impossible-time", {A: t}, at(t, "date:"), "is not a date")
t = article_md(keywords="\n  - title: 只有标题\n    observation: 观察")
case("keyword-without-scene", {A: t}, at(t, "- title: 只有标题"), "keyword 1 has no scene")
t = article_md(keywords="一段文字")
case("keywords-not-a-list", {A: t}, at(t, "keywords:"), "'keywords' must be a list")
t = article_md(keywords="\n  - title: {a: 1}\n    scene: 场景\n    observation: 观察")
case("keyword-title-is-a-mapping", {A: t}, at(t, "- title:"), "keyword 1 has no title")
t = article_md(keywords="\n  - 只是一行字")
case("keyword-is-text", {A: t}, at(t, "- 只是一行字"), "keyword 1 must be a mapping")
t = article_md(title="{a: 1}")
case("title-is-a-mapping", {A: t}, at(t, "title:"), "'title' must be text")
t = article_md(title="[一, 二]")
case("title-is-a-list", {A: t}, at(t, "title:"), "'title' must be text")
t = article_md(topics="{a: b}")
case("topics-is-a-mapping", {A: t}, at(t, "topics:"), "'topics' must be a list")
t = article_md(topics="[~]")
case("topics-holds-null", {A: t}, at(t, "topics:"), "'topics' must be a list")
t = article_md(region="3.14")
case("region-is-a-number-with-a-point", {A: t}, at(t, "region:"), "region")
t = article_md(region="[淮安市]")
case("region-is-a-list", {A: t}, at(t, "region:"), "'region' must be a region name")
t = article_md(year="true")
case("year-is-a-boolean", {A: t}, at(t, "year:"), "'year' must be the year")
t = article_md(year="99999999999999999999999999")
case("year-is-a-huge-number", {A: t}, at(t, "year:"), "'year' must be the year")
t = article_md(volume="true")
case("old-name-volume-is-a-boolean", {A: t}, at(t, "volume:"), "'volume' must be the year")
t = article_md(excerpt="{part: true, of: 2}")
case("excerpt-part-is-a-boolean", {A: t}, at(t, "excerpt:"), "'excerpt' must be {part: N, of: M}")
t = article_md(excerpt="节选")
case("excerpt-is-text", {A: t}, at(t, "excerpt:"), "'excerpt' must be {part: N, of: M}")
t = article_md(bylines="李蓉")
case("bylines-is-text", {A: t}, at(t, "bylines:"), "'bylines' must be a list")
t = article_md(bylines="\n  - {role: 记者, name: [甲, 乙]}")
case("byline-name-is-a-list", {A: t}, at(t, "- {role: 记者"), "byline 1 has no name")
t = article_md(draft="maybe")
case("draft-is-not-a-boolean", {A: t}, at(t, "draft:"), "'draft' must be true or false")
t = article_md(title=None)
case("required-field-missing", {A: t}, f"{A_PATH}:2", "required field 'title' is missing")

# --- files and encodings -------------------------------------------------------------------------

case("empty-file", {A: b""}, f"{A_PATH}:1", "the file is empty")
case("file-of-blank-lines", {A: "\n\n  \n"}, f"{A_PATH}:1", "the file is empty")
case("binary-file-with-nul-bytes", {A: b"\x7fELF\x02\x01\x01\x00\x00\x00"}, A_PATH, "not a text file")
case("png-named-md", {A: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"}, A_PATH, "not a text file")
case("utf16-file", {A: "\ufeff".encode("utf-16-le") + article_md().encode("utf-16-le")}, A_PATH, "this is a UTF-16 file",
     hint="UTF-8")
t = article_md().encode("utf-8").replace("测试标题".encode(), b"\xff\xfe\xfd")
case("bytes-that-are-neither-utf8-nor-gbk", {A: t}, f"{A_PATH}:2", "cannot decode")
t = b"\xef\xbb\xbf" + article_md().encode("utf-8").replace("测试标题".encode(), "测试".encode("gbk"))
case("utf8-bom-then-gbk-bytes", {A: t}, f"{A_PATH}:2", "byte-order mark")
case("directory-named-like-an-article", {}, "content/articles/dir.md", "cannot read",
     prepare=lambda root: (root / "content/articles/dir.md").mkdir())
t = article_md(title="淮安市科协编码测试", body="第一段。\n").encode("gbk")
case("gbk-file-is-accepted", {A: t}, "", "", code=0, check=page_shows("x", "淮安市科协编码测试", "第一段。"))
t = article_md(title="罕见字𠀀𪚥测试", body="正文。\n").encode("gb18030")
case("gb18030-file-is-accepted", {A: t}, "", "", code=0, check=page_shows("x", "罕见字𠀀𪚥测试"))
t = b"\xef\xbb\xbf" + article_md(title="带BOM的文件").encode("utf-8")
case("utf8-bom-file-is-accepted", {A: t}, "", "", code=0, check=page_shows("x", "带BOM的文件"))
t = article_md(title="Windows换行", body="第一段。\n\n## 小节\n\n第二段。\n").replace("\n", "\r\n").encode()
case("crlf-file-is-accepted", {A: t}, "", "", code=0, check=page_shows("x", "Windows换行", "小节</h2>", "第二段。"))
t = article_md(title="老式Mac换行", body="第一段。\n\n第二段。\n").replace("\n", "\r").encode()
case("cr-only-file-is-accepted", {A: t}, "", "", code=0, check=page_shows("x", "老式Mac换行", "第二段。"))
t = article_md(date="2021年12月")
case("crlf-file-error-is-at-the-right-line", {A: t.replace("\n", "\r\n")}, at(t, "date:"), "is not a date")
case("gbk-file-error-is-at-the-right-line", {A: t.encode("gbk")}, at(t, "date:"), "is not a date")
big = "大" * 1000 + "\n\n"
t = article_md(title="五兆字节的文章", body=big * 1700)
case("5-mb-article-is-accepted", {A: t}, "", "", code=0, check=page_shows("x", "五兆字节的文章"))
case("9-mb-article-is-refused", {A: article_md(body="大" * 3_200_000)}, A_PATH, "the limit is 8 MB")

# --- keys ----------------------------------------------------------------------------------------

t = front(VALID_YAML.replace("title: ", "title：") + "kicker: 引题\n")
case("full-width-colon-after-a-key", {A: t}, at(t, "title："), "YAML syntax error", hint="ASCII colon ':'")
t = article_md(titel="错拼的键")
case("unknown-key-is-a-warning", {A: t}, at(t, "titel:"), "warning: unknown front-matter key 'titel'", code=0,
     hint="did you mean 'title'?")
case("unknown-key-fails-with-strict", {A: t}, at(t, "titel:"), "warning: unknown front-matter key 'titel'",
     args=("--strict",))

# --- slugs, links, images ------------------------------------------------------------------------

t = article_md(slug="fuyang-kexie-2022")
case("duplicate-slug", {A: t}, at(t, "slug:"), "duplicate slug 'fuyang-kexie-2022'")
for name, value in (("dotdot", "../../etc"), ("absolute", "/etc/passwd"), ("backslash", "'..\\..\\x'"),
                    ("too-long", "a" * 121), ("uppercase", "Huaian")):
    t = article_md(slug=value)
    case(f"slug-{name}", {A: t}, at(t, "slug:"), "is not allowed")
case("file-name-that-is-not-a-slug", {"articles/淮安 科协.md": article_md()}, "content/articles/淮安 科协.md",
     "is not a valid slug")
for name, target, fragment in (
        ("dotdot-past-the-root", "../../../secret.md", "points outside the content directory"),
        ("absolute", "/etc/passwd", "points outside the content directory"),
        ("percent-encoded-dotdot", "%2e%2e/%2e%2e/%2e%2e/etc/passwd", "points outside the content directory"),
        ("file-url", "file:///etc/passwd", "is not allowed"),
        ("data-url", "data:text/html;base64,PHNjcmlwdD4=", "is not allowed"),
        ("missing-article", "other.md", "does not exist")):
    t = article_md(body=f"见[另一篇]({target})。\n")
    case(f"link-{name}", {A: t}, at(t, "见["), fragment)
for name, target, fragment in (
        ("dotdot-past-the-root", "../../secret.jpg", "points outside the content directory"),
        ("absolute", "/etc/passwd", "points outside the content directory"),
        ("percent-encoded-dotdot", "..%2F..%2F..%2Fetc%2Fpasswd", "points outside the content directory"),
        ("file-url", "file:///etc/passwd", "is not allowed"),
        ("file-url-upper-case", "FILE:///etc/passwd", "is not allowed"),
        ("http-url", "http://example.com/a.jpg", "remote image"),
        ("protocol-relative", "//example.com/a.jpg", "remote image"),
        ("data-url", "data:image/png;base64,iVBORw0KGgo=", "is not allowed"),
        ("windows-drive", "C:/secret.jpg", "is not allowed"),
        ("missing", "../images/none.jpg", "does not exist")):
    t = article_md(body=f"前文。\n\n![图]({target})\n")
    case(f"image-{name}", {A: t}, at(t, "![图]"), fragment)
t = article_md(summary="'![图](/etc/passwd)'")
case("image-outside-in-the-summary", {A: t}, at(t, "summary:"), "points outside the content directory")


def _symlinked_article(root: Path) -> None:
    outside = root / "outside-secret.md"
    outside.write_text(article_md(title="不应发布的秘密"), encoding="utf-8")
    (root / "content/articles/secret.md").symlink_to(outside)


def _secret_not_published(root: Path) -> None:
    assert not (root / "output/site/articles/secret").exists()
    assert not any("不应发布的秘密" in p.read_text(encoding="utf-8", errors="replace")
                   for p in (root / "output/site").rglob("*.html"))


case("article-symlinked-from-outside-is-skipped", {}, "", "", code=0, prepare=_symlinked_article,
     check=_secret_not_published)

# --- Markdown that is pathological -----------------------------------------------------------------

t = article_md(body="## \n\n正文。\n")
case("empty-heading", {A: t}, at(t, "## "), "a heading has no text")
case("deeply-nested-quotes", {A: article_md(title="深层引用", body=">" * 5000 + " 深\n")}, "", "", code=0,
     check=page_shows("x", "深层引用"))
case("deeply-nested-lists", {A: article_md(title="深层列表", body="".join("  " * i + "- 项\n" for i in range(500)))}, "", "",
     code=0, check=page_shows("x", "深层列表"))
case("many-open-brackets", {A: article_md(title="很多括号", body="[" * 50000 + "\n")}, "", "", code=0,
     check=page_shows("x", "很多括号"))
case("nested-figures", {A: article_md(title="套娃图", body="::: figure\n::: figure\n::: figure\n说明\n:::\n:::\n:::\n")},
     "", "", code=0, check=page_shows("x", "套娃图"))

# --- the other content files -----------------------------------------------------------------------

Y = "content/yearbook.yml"
case("config-tab-indentation", {"yearbook.yml": "title: 年鉴\npdf:\n\tpage_size: A4\n"}, f"{Y}:3", "YAML syntax error")
case("config-binary", {"yearbook.yml": b"\x00\x01\x02"}, Y, "not a text file")
case("config-is-a-list", {"yearbook.yml": "- title\n- 年鉴\n"}, f"{Y}:1", "must be a mapping")
case("config-title-is-a-list", {"yearbook.yml": "title: [a, b]\n"}, f"{Y}:1", "'title' must be text")
case("config-volumes-is-a-number", {"yearbook.yml": "title: 年鉴\nvolumes: 5\n"}, f"{Y}:2", "'volumes' must be a list")
case("config-two-volumes-with-one-slug", {"yearbook.yml": 'title: 年鉴\nvolumes:\n  - {name: "甲", years: [2021], slug: v}\n'
                                                          '  - {name: "乙", years: [2022], slug: v}\n'},
     f"{Y}:4", "volume slug 'v' is taken")
case("config-volume-slug-dotdot", {"yearbook.yml": 'title: 年鉴\nvolumes:\n  - {name: "甲", years: [2021], slug: ../../../escape}\n'},
     f"{Y}:3", "is not allowed")
case("config-markdown-switch-not-boolean", {"yearbook.yml": "title: 年鉴\nmarkdown:\n  raw_html: yes please\n"}, f"{Y}:3",
     "'markdown.raw_html' must be true or false")
case("config-duplicate-key", {"yearbook.yml": "title: 年鉴\npdf:\n  page_size: A4\n  page_size: 16开\n"}, f"{Y}:4",
     "duplicate key 'page_size': it is already set on line 3")
case("config-cover-image-missing", {"yearbook.yml": "title: 年鉴\npdf:\n  cover_image: images/none.jpg\n"}, f"{Y}:3",
     "the cover image 'images/none.jpg' is not a file inside content/")
case("config-cover-image-outside", {"yearbook.yml": "title: 年鉴\npdf:\n  cover_image: ../../etc/passwd\n"}, f"{Y}:3",
     "is not a file inside content/")
case("config-icc-profile-missing", {"yearbook.yml": "title: 年鉴\npdf:\n  edition: print\n  icc_profile: none.icc\n"}, f"{Y}:4",
     "the ICC profile 'none.icc' does not exist")
case("config-theme-outside", {"yearbook.yml": "title: 年鉴\ntheme: ../../../../../../etc\n"}, Y, "theme")
T = "content/topics.yml"
case("topics-not-a-list", {"topics.yml": "kexue-puji: 科学普及\n"}, f"{T}:1", "list")
case("topic-without-slug", {"topics.yml": "- name: 科学普及\n"}, f"{T}:1", "slug")
case("topic-is-text", {"topics.yml": "- 科学普及\n"}, f"{T}:1", "needs a 'slug' and a 'name'")
case("topics-duplicate-key", {"topics.yml": "- slug: kexue-puji\n  name: 科学普及\n  name: 科普\n"}, f"{T}:3",
     "duplicate key 'name': it is already set on line 2")
case("topics-tab", {"topics.yml": "- slug: a\n\tname: b\n"}, f"{T}:2", "YAML syntax error")
R = "content/regions.yml"
case("regions-order-is-a-number", {"regions.yml": "order: 5\n"}, f"{R}:1", "order")
case("regions-order-holds-a-list", {"regions.yml": "order: [[江苏省]]\n"}, f"{R}:1", "a region must be a name, a path or a 6-digit code")
case("regions-entries-are-numbers", {"regions.yml": "entries: [1, 2]\n"}, f"{R}:1", "entr")
case("regions-entry-with-a-bad-code", {"regions.yml": "entries:\n  - {code: abc, name: 某区, parent_code: 1, level: 9}\n"},
     f"{R}:", "'code' must be a 6-digit GB/T 2260 code")
case("regions-duplicate-key", {"regions.yml": "order: [江苏省]\nentries: []\norder: [安徽省]\n"}, f"{R}:3",
     "duplicate key 'order': it is already set on line 1")
case("regions-is-a-list", {"regions.yml": "- 江苏省\n"}, f"{R}:1", "order")

# --- a theme with a broken template ----------------------------------------------------------------


def _broken_theme(template: str, text: str) -> Callable[[Path], None]:
    def prepare(root: Path) -> None:
        theme = root / "themes/broken"
        shutil.copytree(REPO / "themes/default", theme)
        path = theme / "templates" / template
        source = path.read_text(encoding="utf-8")
        block = source.index("\n", source.index("{% block main %}")) + 1
        path.write_text(source[:block] + text + "\n" + source[block:], encoding="utf-8")
    return prepare


def _template_line(template: str, text: str) -> Callable[[Path], str]:
    def where(root: Path) -> str:
        path = root / "themes/broken/templates" / template
        return f"themes/broken/templates/{template}:{line_of(path.read_text(encoding='utf-8'), text)}"
    return where


for name, template, text in (("syntax-error", "article.html", "{% if %}"),
                             ("undefined-variable", "article.html", "{{ no_such_thing.title }}"),
                             ("runtime-error", "home.html", "{{ 1 // 0 }}"),
                             ("missing-include", "home.html", "{% include 'no-such-part.html' %}")):
    case(f"theme-template-{name}", {"yearbook.yml": "title: 年鉴\ntheme: broken\n"}, _template_line(template, text),
         "template", prepare=_broken_theme(template, text))


# --- issue 16: nothing lost silently, nothing shown that should not be ------------------------------
# (the PDF's own cases, the machine's faults and unreadable files: test_hostile_faults.py)

t = front(VALID_YAML.replace("title: 测试标题", 'title: "控制\\x01字符\\0"'))
case("yaml-escape-writes-a-control-character-in-the-title", {A: t}, at(t, "title:"), "control characters U+0000, U+0001")
t = front(VALID_YAML + 'kicker: "响铃\\a与退格\\b"\n')
case("yaml-escape-writes-a-bell-in-the-kicker", {A: t}, at(t, "kicker:"), "control characters U+0007, U+0008 (backspace)",
     hint="remove the escape")
t = front(VALID_YAML + 'bylines:\n  - {role: 记者, name: "李\\x1b[31m蓉"}\n')
case("yaml-escape-writes-a-terminal-escape-in-a-byline", {A: t}, at(t, "- {role: 记者"), "U+001B (escape)")
t = front(VALID_YAML + 'summary: "摘要\\uFFFE"\n')
case("yaml-escape-writes-a-non-character", {A: t}, at(t, "summary:"), "U+FFFE")
c = "title: 年鉴\nsubtitle: \"副标题\\x02\"\n"
case("config-yaml-escape-writes-a-control-character", {"yearbook.yml": c}, f"{Y}:2", "control character U+0002")
t = article_md(body="第一段。\n\n第二段里有\x0b竖向制表和\x0c换页。\n")
case("control-characters-in-the-body", {A: t}, at(t, "第二段"), "control characters U+000B (vertical tab), U+000C (form feed)",
     hint="delete the invisible character")
t = article_md(body="正文。\n\nC1 控制字符\x85在这里。\n")
case("c1-control-character-in-the-body", {A: t}, at(t, "C1"), "U+0085 (next line)")
t = article_md(body="正\t文里的制表符可以。\n")
case("tab-in-the-body-is-accepted", {A: t}, "", "", code=0, check=page_shows("x", "正\t文里的制表符可以"))

KW = "".join(f"\n  - title: 关键{n}\n    scene: 场景{n}\n    observation: 观察{n}" for n in range(1, 111))
t = article_md(keywords=KW)
case("110-keywords-are-over-the-limit", {A: t}, at(t, "keywords:"), "the article has 110 keywords (关键词); the limit is 99")
t = article_md(keywords="".join(f"\n  - title: 关键{n}\n    scene: 场景{n}\n    observation: 观察{n}" for n in range(1, 100)))
case("99-keywords-are-numbered-up-to-jiushijiu", {A: t}, "", "", code=0,
     check=page_shows("x", "关键词十一", "关键词二十", "关键词二十一", "关键词九十九"))
t = article_md(title="长" * 121)
case("title-over-120-characters", {A: t}, at(t, "title:"), "'title' is 121 characters long; the limit is 120")
t = article_md(title="长" * 120)
case("title-of-120-characters-is-accepted", {A: t}, "", "", code=0, check=page_shows("x", "长" * 120))
t = article_md(title="长" * 500, draft="true")
case("long-title-of-a-draft-is-a-warning", {A: t}, at(t, "title:"), "warning: 'title' is 500 characters long", code=0)
t = article_md(organization="机" * 61 + "科协")
case("organization-over-60-characters", {A: t}, at(t, "organization:"), "'organization' is 63 characters long; the limit is 60")
t = article_md(bylines="\n  - {role: 记者, name: " + "名" * 41 + "}")
case("byline-name-over-40-characters", {A: t}, at(t, "- {role: 记者"), "the name of byline 1 is 41 characters long; the limit is 40")


def _one_page_for(name_nfc: str) -> Callable[[Path], None]:
    def check(root: Path) -> None:
        people = root / "output/site/people"
        pages = [p for p in people.rglob("index.html") if p.parent != people]
        named = [p for p in pages if name_nfc in p.read_text(encoding="utf-8")]
        assert len(named) == 1, [p.relative_to(people).as_posix() for p in named]
        assert "Mu\u0308ller" not in (people / "index.html").read_text(encoding="utf-8")
    return check


NFC, NFD = "Jos\u00e9 M\u00fcller", "Jose\u0301 Mu\u0308ller"
case("a-name-in-nfc-and-in-nfd-is-one-person",
     {A: article_md(bylines=f"\n  - {{role: 记者, name: {NFD}}}"),
      "articles/y.md": article_md(title="另一篇", date="2021-05-01", bylines=f"\n  - {{role: 通讯员, name: {NFC}}}")},
     "", "", code=0, check=_one_page_for(NFC))
t = article_md(title="兼容汉字\uf900不被改写", body="正文里的\uf901。\n")
case("cjk-compatibility-ideographs-stay-as-written", {A: t}, "", "", code=0,
     check=page_shows("x", "兼容汉字\uf900不被改写", "正文里的\uf901。"))
case("nfd-image-file-name-found-from-nfc-text", {A: article_md(body="![照片](../images/Mu\u0308ller.png)\n"),
                                                 "images/Mu\u0308ller.png": b"\x89PNG\r\n\x1a\nnfd"},
     "", "", code=0, check=lambda root: (root / "output/site/media/images/Mu\u0308ller.png").is_file() or
     (_ for _ in ()).throw(AssertionError("the NFD-named image was not copied")))


def _image_src_escaped(root: Path) -> None:
    page = (root / "output/site/articles/x/index.html").read_text(encoding="utf-8")
    sources = re.findall(r'<img src="([^"]+)"', page)
    assert sources and all(src == "../../media/images/图%20片%201%23%25.png" for src in sources), sources
    target = root / "output/site/articles/x" / unquote(sources[0])
    assert target.resolve().is_file(), target  # where a browser (or a static server) looks for it


case("image-named-with-space-hash-and-percent-gets-an-escaped-src",
     {A: article_md(body="![图](../images/%E5%9B%BE%20%E7%89%87%201%23%25.png)\n\n![图二](<../images/图 片 1#%.png>)\n"),
      "images/图 片 1#%.png": b"\x89PNG\r\n\x1a\nimage"},
     "", "", code=0, check=_image_src_escaped)
SVG_SCRIPT = (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10" '
              b'onload="alert(1)"><script>alert(2)</script><a xlink:href="javascript:alert(3)"><rect width="10" height="10" '
              b'fill="red"/></a><foreignObject><div xmlns="http://www.w3.org/1999/xhtml" onclick="alert(4)">x</div>'
              b'</foreignObject><image href="http://127.0.0.1:9/track.png"/></svg>')


def _svg_is_drawing_only(root: Path) -> None:
    copy = (root / "output/site/media/images/evil.svg").read_bytes()
    for needle in (b"alert", b"script", b"onload", b"javascript", b"foreignObject", b"127.0.0.1"):
        assert needle not in copy, (needle, copy)
    assert b'<rect width="10" height="10" fill="red"/>' in copy


t = article_md(body="前文。\n\n![图](../images/evil.svg)\n")
case("svg-with-a-script-is-published-as-drawing-only", {A: t, "images/evil.svg": SVG_SCRIPT}, at(t, "![图]"),
     "warning: image content/images/evil.svg is an SVG that could run a script", code=0, check=_svg_is_drawing_only)
case("svg-with-a-script-fails-with-strict", {A: t, "images/evil.svg": SVG_SCRIPT}, at(t, "![图]"),
     "the event handler onload, the <script> element", args=("--strict",))
t = article_md(body="见[图纸](../images/evil.svg)。\n")
case("svg-linked-not-shown-is-made-safe-too", {A: t, "images/evil.svg": SVG_SCRIPT}, at(t, "见[图纸]"),
     "warning: image content/images/evil.svg is an SVG", code=0, check=_svg_is_drawing_only)
SVG_CLEAN = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><!-- mine --><circle r="2"/></svg>'
case("clean-svg-is-copied-byte-for-byte", {A: article_md(body="![图](../images/ok.svg)\n"), "images/ok.svg": SVG_CLEAN},
     "", "", code=0, check=lambda root: (root / "output/site/media/images/ok.svg").read_bytes() == SVG_CLEAN or
     (_ for _ in ()).throw(AssertionError("the clean SVG was changed")))
t = article_md(body="![图](../images/broken.svg)\n")
case("svg-that-is-not-xml", {A: t, "images/broken.svg": b"<svg xmlns='http://www.w3.org/2000/svg'><g></svg>"}, at(t, "![图]"),
     "image content/images/broken.svg cannot be shown: the SVG is not well-formed XML: mismatched tag (line 1")
BOMB_SVG = (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><svg xmlns="http://www.w3.org/2000/svg"><text>&c;</text></svg>')
case("svg-entity-bomb", {A: t, "images/broken.svg": BOMB_SVG}, at(t, "![图]"), "the SVG declares the entity 'b'")
EXTERNAL_SVG = b'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>'
case("svg-external-entity", {A: t, "images/broken.svg": EXTERNAL_SVG}, at(t, "![图]"), "the SVG declares the entity 'x'")
case("html-named-svg", {A: t, "images/broken.svg": b"<html><script>alert(1)</script></html>"}, at(t, "![图]"),
     "the file is not an SVG image")
t = article_md(summary="|\n  摘要第一段。\n\n  ![图](/etc/passwd)")
case("image-in-a-block-scalar-summary-is-reported-at-its-line", {A: t}, at(t, "![图]"), "points outside the content directory")
t = article_md(keywords="\n  - title: 关键\n    scene: 场景\n    observation: >-\n      见[别处](../../../x.md)，\n      观察的文字。")
case("link-in-a-folded-observation-is-reported-at-its-line", {A: t}, at(t, "见[别处]"), "points outside the content directory")
case("image-in-the-summary-is-published", {A: article_md(summary="'![摘要图](../images/s.png) 摘要。'"), "images/s.png": b"\x89PNG\r\n\x1a\ns"},
     "", "", code=0, check=lambda root: (root / "output/site/media/images/s.png").is_file() or
     (_ for _ in ()).throw(AssertionError("the summary's image was not copied")))
case("organization-whose-pinyin-is-longer-than-a-file-name", {A: article_md(organization="庄" * 58 + "科协"),
                                                              "articles/y.md": article_md(title="另一", organization="庄" * 57 + "科协")},
     "", "", code=0, check=page_shows("x", "庄" * 58 + "科协"))
case("byline-whose-pinyin-is-longer-than-a-file-name", {A: article_md(bylines="\n  - {role: 记者, name: " + "双" * 40 + "}")},
     "", "", code=0, check=lambda root: any(("双" * 40) in p.read_text(encoding="utf-8")
                                            for p in (root / "output/site/people").rglob("index.html")) or
     (_ for _ in ()).throw(AssertionError("no page names the person")))


def _fifo(name: str) -> Callable[[Path], None]:
    return lambda root: os.mkfifo(root / "content" / name)


case("named-pipe-named-like-an-article", {}, "content/articles/pipe.md", "it is a named pipe, not a file",
     prepare=_fifo("articles/pipe.md"))
case("named-pipe-as-the-config", {"yearbook.yml": None}, Y, "it is a named pipe, not a file", prepare=_fifo("yearbook.yml"))
case("named-pipe-named-like-an-image", {A: article_md(body="![图](../images/pipe.png)\n"), "images/keep.png": b"x"}, at(article_md(body="![图](../images/pipe.png)\n"), "![图]"),
     "image '../images/pipe.png' is not a plain file", prepare=_fifo("images/pipe.png"))


# --- the runner ----------------------------------------------------------------------------------

def snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def good_tree(tmp_path_factory):
    """The tiny valid tree and the output of a good HTML build, made once and copied per case."""
    from yearbook import cli

    root = tmp_path_factory.mktemp("good")
    write_site(root)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        assert cli.main(["build", "--only", "html", "--quiet"]) == 0
    finally:
        os.chdir(cwd)
    return root


def test_the_catalogue_has_the_cases_of_the_issue():
    ids = {c.id for c in CASES}
    assert len(ids) == len(CASES), "case ids must be unique"
    for needed in ("yaml-tab-indentation", "yaml-unclosed-double-quote", "front-matter-never-closed", "date-written-in-chinese",
                   "keyword-without-scene", "empty-file", "binary-file-with-nul-bytes", "gbk-file-is-accepted",
                   "gb18030-file-is-accepted", "utf8-bom-file-is-accepted", "crlf-file-is-accepted",
                   "full-width-colon-after-a-key", "unknown-key-is-a-warning", "duplicate-slug", "slug-dotdot",
                   "slug-absolute", "link-dotdot-past-the-root", "link-absolute", "image-missing", "5-mb-article-is-accepted",
                   "yaml-alias-bomb", "theme-template-syntax-error", "yaml-duplicate-title", "config-duplicate-key"):
        assert needed in ids


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_a_clear_error_and_the_output_is_untouched(case: Case, good_tree, tmp_path, run_cli):
    shutil.copytree(good_tree / "content", tmp_path / "content", symlinks=True)
    shutil.copytree(good_tree / "output", tmp_path / "output")
    before = snapshot(tmp_path / "output")
    write_site(tmp_path, case.files)
    if case.prepare:
        case.prepare(tmp_path)

    code, out, err = run_cli("build", "--only", "html", "--quiet", *case.args)

    assert "Traceback" not in out + err
    assert "internal error" not in err, err
    assert code == case.code, err
    where = case.where(tmp_path) if callable(case.where) else case.where
    if where:
        problems = [line for line in err.splitlines() if line.startswith(where + ("" if where.endswith(":") else ":"))]
        assert problems, f"no problem at {where}:\n{err}"
        line = next((p for p in problems if case.message in p), None)
        assert line is not None, f"no problem at {where} says {case.message!r}:\n{err}"
        if where.endswith(":"):  # the line number is not known in advance, but there must be one
            assert line[len(where):].split(":", 1)[0].isdigit(), line
        if case.hint:
            hint = err.split(line, 1)[1].split("\n")[1]
            assert hint.startswith("    hint: ") and case.hint in hint, f"{line}\n{hint}"
    if code == 1:
        assert err.rstrip().endswith("nothing was written."), err
        assert snapshot(tmp_path / "output") == before
    else:
        assert (tmp_path / "output/.yearbook-output").is_file()
        assert (tmp_path / "output/site/index.html").is_file()
        if case.check:
            case.check(tmp_path)
    assert not list(tmp_path.glob(".output-*")), "a staging folder was left beside the output"
    assert not (tmp_path / "pwned-by-yaml").exists()
