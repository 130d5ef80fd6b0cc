"""Property-based tests (hypothesis): whatever an editor's file holds, the readers give a result or the
project's own content error (ContentError / ContentErrors), never another exception; sanitized raw HTML
never carries a script, an event handler or a javascript: URL."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import article_md, write_site
from yearbook.errors import ContentError, ProblemLog
from yearbook.content.frontmatter import parse_front_matter
from yearbook.content.markup import render_markdown
from yearbook.content.sources import SourceFile, decode_bytes, split_front_matter
from yearbook.content.yamlfile import load_yaml

PATH = Path("content/articles/x.md")
# In CI the examples are derandomized so that a run can be repeated; locally each run explores new ones.
SETTINGS = settings(max_examples=200, deadline=None, database=None, derandomize=bool(os.environ.get("CI")),
                    suppress_health_check=[HealthCheck.too_slow])

# Characters that mean something to YAML and Markdown, some CJK and full-width ones, and line ends.
SIGNIFICANT = list("-:[]{}&*!|>'\"#%@`,?~=<>/\\().\n\n\n\t ") + ["---", "...", "：", "，", "测", "科协", "\r\n", "\r",
                                                                "title", "date", "keywords", "scene", "2021-12",
                                                                "!!python/object:os.system", "&a", "*a", "<<", "\x07", "\ufeff"]
yamlish = st.lists(st.sampled_from(SIGNIFICANT) | st.text(max_size=3), max_size=60).map("".join)
anything = st.text(max_size=400) | yamlish


def _front_matter_file(front: str, body: str = "正文。\n") -> str:
    return f"---\n{front}\n---\n{body}"


def _read(text: str) -> None:
    """What the build does with an article's text: split it, then check its front matter."""
    front, front_line, body, body_line = split_front_matter(text, PATH)
    source = SourceFile(PATH, Path("articles/x.md"), "utf-8", front, front_line, body, body_line)
    log = ProblemLog()
    parse_front_matter(source, log)
    for problem in log.problems:
        assert problem.location is None or problem.location.path == PATH
        assert problem.location is None or problem.location.line is None or problem.location.line >= 1


@SETTINGS
@given(anything)
@example("---\n" + "[" * 100000 + "\n---\n")
@example("---\n" + "- " * 100000 + "x\n---\n")
@example("---\na: &a [1]\nb: [*a, *a]\n---\n")
@example("---\ntitle: !!python/object/apply:os.system ['true']\n---\n")
def test_any_text_is_read_or_is_a_content_error(text):
    try:
        _read(text)
    except ContentError:
        pass


@SETTINGS
@given(yamlish)
def test_any_front_matter_is_read_or_is_a_content_error(front):
    try:
        _read(_front_matter_file(front))
    except ContentError:
        pass


@SETTINGS
@given(st.dictionaries(st.sampled_from(["title", "date", "topics", "keywords", "bylines", "excerpt", "volume", "slug",
                                        "draft", "region", "summary", "titel"]),
                       st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                                    max_leaves=8), max_size=8))
def test_any_typed_value_in_any_field_is_a_problem_not_an_exception(fields):
    import yaml

    front = yaml.safe_dump(fields, allow_unicode=True)
    try:
        _read(_front_matter_file(front))
    except ContentError:
        pass


@SETTINGS
@given(st.binary(max_size=400) | anything.map(lambda t: t.encode("utf-8")) | anything.map(
    lambda t: t.encode("gb18030", errors="ignore")) | st.binary(max_size=50).map(lambda b: b"\xef\xbb\xbf" + b))
def test_any_bytes_decode_or_are_a_content_error(data):
    try:
        text, encoding = decode_bytes(data, PATH)
    except ContentError as exc:
        assert exc.problem.location.path == PATH
        return
    assert encoding in ("utf-8", "utf-8-sig", "gb18030")
    if encoding == "utf-8":
        assert text == data.decode("utf-8")


@SETTINGS
@given(anything)
def test_yaml_loader_gives_data_or_a_content_error(text):
    try:
        load_yaml(text, PATH, 2)
    except ContentError as exc:
        assert exc.problem.location.path == PATH


MARKDOWN = list("*_[]()!<>`#-+=|:~\\\n\n ") + ["::: figure\n", ":::\n", "![a](", "](", "javascript:", "file:///", "data:",
                                               "../", "http://e.org/a.png", "<script>", "<img src=x onerror=alert(1)>",
                                               "<a href='javascript:alert(1)'>", "<svg onload=alert(1)>", "&#x6a;avascript:",
                                               "<iframe>", "style=", "科协", "\x00"]
markdownish = st.lists(st.sampled_from(MARKDOWN) | st.text(max_size=3), max_size=60).map("".join)
BAD_URL = re.compile(r"^(javascript|vbscript|data|file):", re.I)


def dangerous_parts(html: str) -> list[str]:
    """Tags and attributes of ``html`` that could run script or read local files, as a browser parses them."""
    from html.parser import HTMLParser

    found: list[str] = []

    class Scan(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag in ("script", "iframe", "svg", "object", "embed", "style", "link", "meta", "base", "form", "math"):
                found.append(f"<{tag}>")
            for name, value in attrs:
                url = re.sub(r"[\x00-\x20]", "", value or "")
                if name.startswith("on") or name == "style" and "url(" in (value or "") or \
                        name in ("href", "src", "action", "formaction", "xlink:href") and BAD_URL.match(url):
                    found.append(f"<{tag} {name}={value!r}>")

    Scan(convert_charrefs=True).feed(html)
    return found


@SETTINGS
@given(markdownish | st.text(max_size=300), st.booleans(), st.booleans())
def test_any_markdown_renders_and_raw_html_never_carries_script(text, raw_html, remote_images):
    text = text.replace("\x00", "")  # sources.decode_bytes refuses NUL before Markdown is read
    markup = render_markdown(text, "articles/x.md", Path("content"), "x-", raw_html=raw_html, remote_images=remote_images)
    assert isinstance(markup.html, str)
    assert dangerous_parts(markup.html) == [], markup.html
    for problem in markup.problems:
        assert problem.line is None or problem.line >= 0


# --- the importer ----------------------------------------------------------------------------------

importing = pytest.importorskip("yearbook.importing")


@pytest.fixture(scope="module")
def content_dir(tmp_path_factory):
    return write_site(tmp_path_factory.mktemp("import"))


REPORT = ["淮安市科协：聚焦绿色高地\n", "（2021年12月27日）\n", "关键词一：科普\n", "现场回放\n", "记者观察\n", "融媒体记者 李蓉\n",
          "通讯员：李亚强\n", "## 小节\n", "---\n", "title: x\n", "　\n", "\ufeff", "\u200b", "\r\n", "第1页\n", "图为", "：", "\t"]
reportish = st.lists(st.sampled_from(REPORT) | st.text(max_size=6), max_size=40).map("".join)


@SETTINGS
@given(data=st.binary(max_size=300) | reportish.map(lambda t: t.encode("utf-8")) | reportish.map(
    lambda t: t.encode("gb18030", errors="ignore")) | reportish.map(lambda t: t.encode("utf-16")), suffix=st.sampled_from([".txt", ".md"]))
@example(data=b"\xff\xfe\x00", suffix=".txt")
@example(data=b"\xfe\xff\xd8\x00", suffix=".txt")
def test_any_report_imports_or_is_a_content_error_and_its_draft_reads_back(content_dir, data, suffix, tmp_path_factory):
    path = tmp_path_factory.getbasetemp() / f"report{suffix}"
    path.write_bytes(data)
    try:
        report = importing.import_report(path, content_dir)
    except ContentError:
        return
    front, front_line, body, body_line = split_front_matter(report.text, PATH)  # the draft is an article file
    data_read, _ = load_yaml(front, PATH, front_line)
    assert isinstance(data_read, dict) and data_read.get("draft") is True


def test_a_real_looking_report_imports(content_dir, tmp_path):
    path = tmp_path / "report.txt"
    path.write_text("".join(REPORT[:8]) + "正文第一段。\n", encoding="utf-8")
    report = importing.import_report(path, content_dir)
    assert "draft: true" in report.text


def test_article_md_reads(tmp_path):
    _read(article_md())
