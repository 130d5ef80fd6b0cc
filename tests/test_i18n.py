"""Messages in the editors' language: the catalogue holds every message of the code, each in Chinese with
the same fields, compiled into the committed .mo; a Chinese yearbook's check, build, new and import speak
Chinese (``path:line:`` still first on every problem line), English when asked.

The suite runs in English (conftest sets YEARBOOK_LANG=en): these tests clear it or pass --lang."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from yearbook.i18n import ENV_OVERRIDE, LOCALE_VARIABLES, Translator, _, choose_language, field_names
from yearbook.serve.server import overlay_labels

REPO = Path(__file__).resolve().parents[1]
LOCALE = REPO / "yearbook" / "locale"
PO = LOCALE / "zh_CN" / "LC_MESSAGES" / "yearbook.po"
MO = PO.with_suffix(".mo")

# English words that a Chinese message line would only show if some text were left untranslated
# (paths, field names, values and commands such as `yearbook new` are not among them)
ENGLISH_WORDS = re.compile(r"\b(the|is|not|unknown|did you|mean|error|errors|warning|hint|must|write|check|"
                           r"missing|already|articles|volume)\b")

SAID_AS_THEY_ARE = {"book.html", "pip install python-docx"}  # a template's file name, a command to type


def code_messages() -> dict[str, str | None]:
    """msgid → plural of every message the package's code marks (as `bash tasks.sh messages` extracts them)."""
    found = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(REPO / "yearbook"), method_map=[("**.py", "python")], keywords=DEFAULT_KEYWORDS):
        if isinstance(message, tuple):
            found[message[0]] = message[1]
        else:
            found[message] = None
    return found


def fields(template: str) -> set[str] | str:
    """The str.format fields of a message, or the message itself when it is no format string (a message of
    PyYAML's such as "did not find expected ',' or '}'" is looked up as it is)."""
    try:
        return field_names(template)
    except ValueError:
        return "literal"


def catalogue():
    with PO.open("rb") as handle:
        return read_po(handle, locale="zh_CN")


def test_every_message_of_the_code_has_chinese_with_the_same_fields():
    code, po = code_messages(), catalogue()
    assert len(code) > 400  # the extraction read the package
    entries = {(m.id[0] if isinstance(m.id, tuple) else m.id): m for m in po if m.id}
    missing = sorted(set(code) - set(entries))
    assert not missing, f"not in {PO.relative_to(REPO)} (run bash tasks.sh messages): {missing[:10]}"
    problems = []
    for msgid, message in entries.items():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(f"no Chinese: {msgid!r}")
            continue
        for text in strings:
            if fields(text) != fields(msgid):
                problems.append(f"fields differ: {msgid!r} → {text!r}")
            if sorted(re.findall(r"%\(\w+\)\w|%[sr]", text)) != sorted(re.findall(r"%\(\w+\)\w|%[sr]", msgid)):
                problems.append(f"argparse fields differ: {msgid!r} → {text!r}")
            prose = re.findall(r"\b[a-z]{2,}\b", re.sub(r"\{[^{}]*\}|%\(\w+\)\w", "", msgid))
            if msgid not in SAID_AS_THEY_ARE and len(prose) >= 2 and not re.search(r"[\u4e00-\u9fff]", text):  # English words left as they were
                problems.append(f"not Chinese: {msgid!r} → {text!r}")
    assert not problems, "\n".join(problems)
    obsolete = sorted(set(entries) - set(code))
    assert not obsolete, f"messages no longer in the code (bash tasks.sh messages drops them): {obsolete[:10]}"


def test_the_committed_mo_is_the_po_compiled():
    compiled = io.BytesIO()
    write_mo(compiled, catalogue())
    assert MO.read_bytes() == compiled.getvalue(), "run bash tasks.sh messages and commit the .mo"


def test_a_message_is_english_text_and_is_said_in_chinese_with_its_fields_translated():
    inner = _("the headline")
    message = _("title: chose the first of several lines above the text ({chosen}); the others: {others}",
                chosen="甲", others=inner)
    assert message == "title: chose the first of several lines above the text (甲); the others: the headline"
    said = Translator("zh")(message)
    assert said.startswith("title：") and "甲" in said and "标题" in said and not ENGLISH_WORDS.search(said)
    assert Translator("en")(message) == str(message)


@pytest.mark.parametrize("option, env, content, expected", [
    (None, {}, "zh-CN", "zh"),  # a Chinese yearbook
    (None, {}, None, "en"),  # no yearbook.yml, no locale
    (None, {"LANG": "zh_CN.UTF-8"}, "en", "zh"),  # an English yearbook on a Chinese desktop
    (None, {"LANG": "en_US.UTF-8"}, "en", "en"),
    (None, {ENV_OVERRIDE: "en"}, "zh-CN", "en"),  # YEARBOOK_LANG decides over the content
    ("zh", {ENV_OVERRIDE: "en"}, "en", "zh"),  # --lang decides over everything
    ("en", {}, "zh-CN", "en"),
    (None, {"LANGUAGE": "zh_CN:en", "LANG": "en_US.UTF-8"}, None, "zh"),  # LANGUAGE first, as gettext
])
def test_the_language_of_a_run(option, env, content, expected):
    assert choose_language(option, content, env) == expected


@pytest.fixture
def chinese(monkeypatch):
    """The run's language left to the content and the locale (as on an editor's machine with no settings)."""
    for name in (ENV_OVERRIDE, *LOCALE_VARIABLES):
        monkeypatch.delenv(name, raising=False)


def problem_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if re.match(r"\S+\.(md|yml):\d+: ", line)]


def test_check_of_a_chinese_yearbook_speaks_chinese_with_path_and_line_first(chinese, make_site, article, run_cli, find_line):
    text = article(region="淮安", date="2021年12月")
    content = make_site({"articles/a.md": text})
    code, out, err = run_cli("check", "--content", content)
    assert code == 1
    lines = problem_lines(err)
    assert f"content/articles/a.md:{find_line(text, 'region:')}: 未知的地区 '淮安'" in err
    assert f"content/articles/a.md:{find_line(text, 'date:')}: “date” '2021年12月' 不是日期" in err
    assert len(lines) == 2 and "    提示：请写成 2021-12" in err and "2 个错误" in err
    for line in err.splitlines():
        assert not ENGLISH_WORDS.search(line.split(": ", 1)[-1]), line
    code, _out, err = run_cli("check", "--content", content, "--lang", "en")
    assert f"content/articles/a.md:{find_line(text, 'region:')}: unknown region '淮安'" in err
    assert "hint: write it as 2021-12" in err and "2 error(s)" in err


def test_build_new_and_import_speak_chinese(chinese, make_site, run_cli, tmp_path):
    content = make_site()
    code, out, err = run_cli("build", "--content", content, "--output", tmp_path / "output", "--only", "html")
    assert code == 0, err
    assert "已构建 3 篇文章到" in out and not ENGLISH_WORDS.search(out)
    code, out, err = run_cli("new", "--content", content, "--title", "测试新文章", "--region", "淮安市",
                             "--themes", "kexue-puji", "--slug", "ce-shi")
    assert code == 0, err
    assert "已创建" in out + err and "今天" in out + err  # no --date off a terminal: dated today, and said so
    made = (content / "articles" / "ce-shi.md").read_text(encoding="utf-8")
    assert "（导语：用一两段话写清这篇报告讲了什么。）" in made and "## 小节标题" in made
    report = tmp_path / "来稿.txt"
    report.write_text("当前位置：首页 > 工作动态\n淮安市科协召开科普工作会议\n发布时间：2025-05-20 09:12 浏览次数：128\n"
                      "5月19日，淮安市科协召开全市科普工作会议，部署全年科普工作。\n", encoding="utf-8")
    code, out, err = run_cli("import", "--content", content, report)
    assert code == 0, err
    assert "（草稿）" in out + err
    draft = next(p for p in (content / "articles").glob("*.md") if "draft: true" in p.read_text(encoding="utf-8"))
    head = draft.read_text(encoding="utf-8").split("\ntitle:")[0]
    assert "由 `yearbook import` 于" in head and "导入的草稿" in head and not ENGLISH_WORDS.search(head)


def test_new_leaves_placeholders_that_check_warns_about_at_their_lines(chinese, make_site, run_cli, find_line):
    content = make_site()
    code, _out, err = run_cli("new", "--content", content, "--title", "测试新文章", "--region", "淮安市",
                              "--themes", "kexue-puji", "--slug", "ce-shi")  # the template in Chinese
    assert code == 0, err
    path = content / "articles" / "ce-shi.md"
    text = path.read_text(encoding="utf-8")
    code, _out, err = run_cli("check", "--content", content, "--lang", "en")
    assert code == 0, err
    warned = {int(m.group(1)) for m in re.finditer(r"^content/articles/ce-shi\.md:(\d+): ", err, re.M)}
    assert {find_line(text, "date:"), find_line(text, "（导语"), find_line(text, "## 小节标题")} <= warned, err
    code, _out, err = run_cli("check", "--content", content, "--strict", "--lang", "en")
    assert code == 1


def test_the_serve_overlay_and_its_pages_speak_the_runs_language():
    labels = overlay_labels(Translator("zh"))
    assert labels == {"heading": "yearbook：内容有错误；本页显示的是上一次成功的构建。", "close": "关闭"}
    assert overlay_labels(Translator("en"))["close"] == "close"


SCRIPTED_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)">'
                b'<script>alert(2)</script><rect width="10" height="10"/></svg>')


def test_the_hostile_input_problems_speak_chinese_with_their_fields(chinese, make_site, article, run_cli, find_line):
    """The messages of the content's limits, control characters and SVGs (written as f-strings before):
    every line of a Chinese check in Chinese, the names of the characters and what an SVG loses included."""
    text = article(body="正文第一段。\n\n第二段\x0c有换页符。\n\n![](../images/a.svg)\n", title="长" * 130)
    content = make_site({"articles/a.md": text, "images/a.svg": SCRIPTED_SVG})
    code, _out, err = run_cli("check", "--content", content)
    assert code == 1, err
    assert f"content/articles/a.md:{find_line(text, 'title:')}: “title”有 130 个字，上限是 120 个字" in err
    assert f"content/articles/a.md:{find_line(text, '有换页符')}: 文字中有控制字符 U+000C（换页符）" in err
    svg_line = next(line for line in err.splitlines() if "content/images/a.svg" in line and "警告" in line)
    assert "事件处理属性 onload" in svg_line and "<script> 元素" in svg_line and "、" in svg_line, svg_line
    assert "没有替代文字" in err  # the image without alt text
    for line in err.splitlines():
        assert not ENGLISH_WORDS.search(line.split(": ", 1)[-1]), line
    code, _out, err = run_cli("check", "--content", content, "--lang", "en")
    assert "'title' is 130 characters long; the limit is 120" in err
    assert "the control character U+000C (form feed), which" in err
    assert "the site shows it without the event handler onload, the <script> element" in err


def test_the_machines_errors_are_said_in_the_runs_language(tmp_path):
    import errno

    from yearbook.cli import environment_problem, output_dir_problem

    output = tmp_path / "site"
    full = OSError(errno.ENOSPC, "No space left on device", str(tmp_path / ".site-new-x" / "index.html"))
    problem = environment_problem(full, tmp_path / "content", output)
    zh = problem.format(tmp_path, Translator("zh"))
    assert "无法写入新的输出" in zh and "磁盘已满" in zh and ".site-cache/" in zh and not ENGLISH_WORDS.search(zh), zh
    assert "cannot write the new output" in problem.format(tmp_path) and "the disk is full" in problem.format(tmp_path)
    (tmp_path / "a-file").write_text("x")
    problem = output_dir_problem(tmp_path / "a-file" / "site")
    zh = problem.format(tmp_path, Translator("zh"))
    assert "是文件，不是文件夹" in zh and not ENGLISH_WORDS.search(zh), zh


def test_a_listing_is_said_as_the_language_writes_a_list():
    from yearbook.i18n import Listing
    import pickle

    message = _("the book would print {names}, which no installed font has", names=Listing([_("symbols"), "X"]))
    assert message == "the book would print symbols, X, which no installed font has"
    assert Translator("zh")(message) == "书中会印出 符号、X，但已安装的字体都没有这些字符"
    assert Translator("zh")(pickle.loads(pickle.dumps(message))) == Translator("zh")(message)


def test_a_file_outside_the_output_is_refused_with_its_message(tmp_path):
    """stage_changed said its refusal through ``_`` while unpacking into a local ``_``: an UnboundLocalError
    (a traceback) instead of the message."""
    from yearbook.errors import OutputError
    from yearbook.output import RenderedFile, stage_changed

    with pytest.raises(OutputError) as caught:
        stage_changed(tmp_path / "site", [RenderedFile("../outside.html", b"x")])
    assert "it is outside the output folder" in str(caught.value)
    assert not (tmp_path / "outside.html").exists()
