"""Shared fixtures: a tiny valid content tree in a temporary directory, and ways to run the CLI on it.

``make_site`` writes the tree and returns its ``content`` directory; ``run_cli`` runs
``yearbook.cli.main`` in-process (fast) or ``python build.py`` in a subprocess (exactly what an editor
runs), and returns ``(exit_code, stdout, stderr)``. Builds in these tests are HTML-only.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# The suite reads yearbook's messages in English, whatever the machine's locale: the sample trees are
# Chinese (yearbook.yml's language, zh-CN by default), which would make every message Chinese
# (yearbook.i18n.choose_language). Set for the whole run, so that the CLI, serve's builder and
# background processes and every `python build.py` child say the same; tests of the Chinese messages
# (tests/test_i18n.py) ask for them with --lang zh or their own YEARBOOK_LANG.
os.environ["YEARBOOK_LANG"] = "en"

YEARBOOK_YML = """\
title: 测试年鉴
subtitle: 测试用的小年鉴
publisher: 测试编辑部
theme: default
"""

TOPICS_YML = """\
- slug: kexue-puji
  name: 科学普及
  description: 科普活动与品牌
  aliases: [科普, 科普工作]

- slug: dangjian-yinling
  name: 党建引领
  description: 科协党组织建设

- slug: xiangcun-zhenxing
  name: 乡村振兴
  description: 科技助力乡村振兴
"""

REGIONS_YML = """\
order: [江苏省, 安徽省]
entries: []
"""

# Field order of the generated front matter; other keys follow in the order they are given.
BASE_FIELDS = {
    "title": "测试标题",
    "organization": "测试市科协",
    "region": "淮安市",
    "date": "2021-12-27",
    "topics": "[kexue-puji]",
}


def article_md(body: str = "正文第一段。\n", **fields: str | None) -> str:
    """A valid article: front matter from BASE_FIELDS with ``fields`` replacing, adding (raw YAML
    after ``key: ``) or, with None, removing keys; then ``body``."""
    merged: dict[str, str | None] = dict(BASE_FIELDS)
    merged.update(fields)
    lines = ["---"]
    lines += [f"{key}: {value}" for key, value in merged.items() if value is not None]
    lines += ["---", ""]
    return "\n".join(lines) + "\n" + body


HUAIAN = """\
---
title: 淮安市科协聚焦绿色高地
organization: 淮安市科协
region: 淮安市
date: 2021-12-27
topics: [kexue-puji, 党建引领]
summary: 党建引领科建项目再升级。
keywords:
  - title: 打造党建引领科建模式升级版
    scene: 从起初的0.6万亩发展到如今的66.5万亩。
    observation: 王晓鹏是盱眙县科协委员。
  - title: 全面推进科普资源共建共享
    scene: 本次比赛采用现场记分制。
    observation: 今年以来，市科协全面推进科普资源共建共享。
bylines:
  - {role: 融媒体记者, name: 李蓉}
  - {role: 通讯员, name: 李亚强}
---

党建引领科建项目再升级、科普工作再发力。

## 交流合作再加强

市科协广泛对接海外高端科技资源。
"""

TONGZHOU = """\
---
title: 努力开创党建带科建工作新局面
organization: 通州区科协
region: 江苏省/南通市/通州区
date: 2021
topics: [dangjian-yinling, 科普]
bylines:
  - {role: "", name: 姜小国}
---

::: figure
参观创想机器人科技馆
:::

近年来，通州区科协坚持以党建带群建为抓手。
"""

FUYANG = """\
---
title: 阜阳市科协推进乡村振兴
organization: 阜阳市科协
region: 阜阳市
date: 2022-03
topics: [xiangcun-zhenxing]
---

阜阳市科协组织农技专家下乡。
"""

BASE_FILES: dict[str, str] = {
    "yearbook.yml": YEARBOOK_YML,
    "topics.yml": TOPICS_YML,
    "regions.yml": REGIONS_YML,
    "articles/huaian-kexie-2021.md": HUAIAN,
    "articles/2021/tongzhou-kexie-2021.md": TONGZHOU,
    "articles/fuyang-kexie-2022.md": FUYANG,
}

# Slug → title of every article of the base tree.
BASE_TITLES = {
    "huaian-kexie-2021": "淮安市科协聚焦绿色高地",
    "tongzhou-kexie-2021": "努力开创党建带科建工作新局面",
    "fuyang-kexie-2022": "阜阳市科协推进乡村振兴",
}


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line of ``text`` that contains ``needle``."""
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} is not in the fixture text")


def _yaml_settings(text: str, overrides: dict[str, str | None]) -> str:
    """``text`` (flat 'key: value' YAML) with the top-level keys of ``overrides`` replaced, added, or
    (None) removed. A multi-line value is written as an indented block under its key."""
    lines = [line for line in text.splitlines() if line.split(":", 1)[0] not in overrides]
    for key, value in overrides.items():
        if value is None:
            continue
        value = textwrap.dedent(value).strip("\n")
        if "\n" in value or value.startswith("- "):
            lines.append(f"{key}:\n" + textwrap.indent(value, "  "))
        else:
            lines.append(f"{key}: {value}")
    return "\n".join(lines) + "\n"


def write_site(root: Path, files: dict[str, str | bytes | None] | None = None, **overrides: str) -> Path:
    """Write the base tree (with ``files`` added/replaced/deleted and ``overrides`` as yearbook.yml
    settings, raw YAML values) under ``root/content``; return the content directory."""
    content = root / "content"
    merged: dict[str, str | bytes | None] = dict(BASE_FILES)
    merged["yearbook.yml"] = _yaml_settings(YEARBOOK_YML, overrides) if overrides else YEARBOOK_YML
    merged.update(files or {})
    for rel, data in merged.items():
        path = content / rel
        if data is None:
            if path.exists():
                path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_bytes(data.encode("utf-8"))
    return content


@pytest.fixture
def make_site(tmp_path):
    """``make_site(files=None, **overrides)`` → the content dir of a tiny valid tree in tmp_path.

    ``files`` maps content-relative paths to text (written as UTF-8), bytes (written as they are) or
    None (deleted). ``overrides`` are yearbook.yml settings given as raw YAML values, e.g.
    ``make_site(volumes='- {name: "2021—2022", years: [2021, 2022]}')``. Calling it again rewrites the
    base files (files added by an earlier call stay unless given as None), so a test can build, break
    the content and build again."""
    def make(files: dict[str, str | bytes | None] | None = None, **overrides: str) -> Path:
        return write_site(tmp_path, files, **overrides)
    return make


@pytest.fixture
def article():
    """``article(body=..., **fields)``: text of a valid article with some fields changed (see article_md)."""
    return article_md


@pytest.fixture
def find_line():
    """``find_line(text, needle)``: the 1-based line of ``text`` where ``needle`` first appears."""
    return line_of


@pytest.fixture
def run_cli(tmp_path, capsys, monkeypatch):
    """``run_cli(*args, cwd=tmp_path, subprocess=False)`` → (exit_code, stdout, stderr).

    In-process it calls ``yearbook.cli.main(list(args))`` in ``cwd`` (usage errors exit through
    argparse's SystemExit, whose code is returned). With ``subprocess=True`` it runs
    ``python build.py *args`` from the repository in a child process, as an editor would."""
    from yearbook import cli

    def run(*args: str, cwd: Path | None = None, subprocess: bool = False) -> tuple[int, str, str]:
        cwd = Path(cwd or tmp_path)
        args = [str(a) for a in args]
        if subprocess:
            return _run_build_py(args, cwd)
        capsys.readouterr()
        with monkeypatch.context() as patch:
            patch.chdir(cwd)
            try:
                code = cli.main(args)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    return run


def _run_build_py(args: list[str], cwd: Path) -> tuple[int, str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONIOENCODING"] = "utf-8"
    proc = subprocess.run([sys.executable, str(REPO / "build.py"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture
def build_html(run_cli):
    """``build_html(*extra_args)``: ``build --content content --output output --only html`` in tmp_path."""
    def build(*extra: str, **kwargs) -> tuple[int, str, str]:
        return run_cli("build", "--content", "content", "--output", "output", "--only", "html", *extra, **kwargs)
    return build


def page_of(root: Path, slug: str) -> str:
    """Text of the built site page of the article ``slug`` (output under ``root/output``)."""
    return (root / "output" / "site" / "articles" / slug / "index.html").read_text(encoding="utf-8")


@pytest.fixture
def article_page(tmp_path):
    """``article_page(slug)``: the HTML of output/site/articles/<slug>/index.html."""
    return lambda slug: page_of(tmp_path, slug)


def parse_problems(stderr: str) -> list[tuple[str, str]]:
    """The problems the CLI printed: (first line, hint or '') for each."""
    problems: list[tuple[str, str]] = []
    for line in stderr.splitlines():
        if line.startswith("    hint: "):
            assert problems, f"a hint without a problem: {line!r}"
            problems[-1] = (problems[-1][0], line.removeprefix("    hint: "))
        elif line.strip():
            problems.append((line, ""))
    return problems


@pytest.fixture
def find_problem():
    """``find_problem(stderr, prefix, containing='')`` → (line, hint) of the first problem whose line
    starts with ``prefix`` (e.g. ``content/articles/x.md:5: ``) and contains ``containing``; fails the
    test if there is none."""
    def find(stderr: str, prefix: str, containing: str = "") -> tuple[str, str]:
        for line, hint in parse_problems(stderr):
            if line.startswith(prefix) and containing in line:
                return line, hint
        raise AssertionError(f"no problem starting with {prefix!r} (containing {containing!r}) in stderr:\n{stderr}")
    return find
