"""Front matter of the common shape is read without libyaml's node tree (yamlfile._simple_yaml); what it
reads must be exactly what the full parser reads (the data, its types and every key's line), and
anything it is unsure of must be left to the full parser."""
from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yearbook.content import yamlfile
from yearbook.errors import ContentError


def full_parse(text: str):
    saved = yamlfile._simple_yaml
    yamlfile._simple_yaml = lambda text: None
    try:
        return yamlfile.load_yaml(text, Path("x.md"), 1)
    finally:
        yamlfile._simple_yaml = saved


def typed(value):
    if isinstance(value, dict):
        return {typed(k): typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    return (type(value).__name__, value)


def agrees(text: str) -> bool:
    """True when the fast reader read ``text`` (and read it as the full parser does); False when it left it."""
    fast = yamlfile._simple_yaml(text)
    try:
        data, lines = full_parse(text)
    except ContentError:
        assert fast is None, text
        return False
    if fast is None:
        return False
    assert typed(fast[0]) == typed(data), text
    assert list(fast[0]) == list(data), text
    assert fast[1].lines == lines.lines, text
    return True


FRONT_MATTER = """\
title: 南京市科协：打造“党建引领科建 助推社会治理”模式升级版
organization: 南京市科协
region: 南京市
date: 2023-04
topics:
- xuehui-zuzhi-jianshe
- fuwu-jingji-fazhan
summary: 按照“管行业必须管党建”要求，市科技社团党委成立7个功能型党支部……
keywords:
- title: 强化责任担当 展现科协力量
  scene: 作为阜阳市重大民生工程，阜阳市科技馆自2023年8月正式开放运行以来
  observation: 拓宽拓深科普宣传平台。
bylines:
- role: ''
  name: 白卿月
- role: 全媒体记者
  name: 黄瑶薇
source: 南京市科协网站
"""


def test_the_usual_front_matter_is_read_here():
    assert agrees(FRONT_MATTER)
    assert agrees(FRONT_MATTER.replace("\n- ", "\n  - ").replace("\n  scene", "\n    scene")
                  .replace("\n  observation", "\n    observation").replace("\n  name", "\n    name"))
    assert agrees("date: 2021-12-27\nvolume: 2021\ndraft: true\nslug: abc-2021\n")
    data, _ = yamlfile._simple_yaml("date: 2021-12-27\nvolume: 2021\ndraft: true\nregion: 320100\nx: 1.5\ny: null\nz:\n")
    assert data == {"date": dt.date(2021, 12, 27), "volume": 2021, "draft": True, "region": 320100, "x": 1.5, "y": None, "z": None}


@pytest.mark.parametrize("text", [
    "title: a # comment\n", "title: 'it''s'\n", "title: \"q\"\n", "title: [a, b]\n", "title: {a: 1}\n", "title: &a x\n",
    "title: *a\n", "title: !!str 1\n", "title: |\n  text\n", "title: >\n  text\n", "title: a\n  more\n", "title: a\n\n  more\n",
    "title: a: b\n", "title: a:b\n", "title:\n  nested: 1\n", "yes: 1\n", "null: 1\n", "2021: x\n", "title: a\ntitle: b\n",
    "- a\n- b\n", "just text\n", "", "\n\n", "---\ntitle: a\n", "title: a\n...\n", "title: a\tb\n", "title: a\x85b\n",
    "title: a\u2028b\n", "title: a\x01\n", "title: 'open\n", "title: 'a' b\n", "title: ~\n", "title: <<\n", "title: =\n",
    "topics:\n- a\n  more\n", "topics:\n- a\n - b\n", "topics:\n  - a\n - b\n", "topics:\n- - a\n", "topics:\n-\n- b\n",
    "topics:\n- a: 1\n  a: 2\n", "topics:\n- a: 1\n   b: 2\n", "topics:\n- a: 1\n b: 2\n", "topics:\n- a:\n    b: 1\n",
    "topics:\n- a: 1\n  - b\n", "topics:\n- a: x\n  b: y\n    c\n", "topics:\n- -1\n", "topics:\n- ? a\n", "key: -5\n",
    "key: 0o17\n", "key: 1_000\n", "key: .5\n", "key: 2021-13-45\n", "key: 2021-12-27 10:00\n", "key: off\n", "key: a \\ b\n",
    "a:\nb: 1\n", "a:   \nb:    x   \n", "a: x  \n", "a: '' \n", "a: ' x '\n", "a:\n\n- x\n\n- y\n\nb: 1\n", "a: x\n- y\n",
    "a:\n  - x\n  - y\nb: 1\n", "a:\n- x: 1\n\n  y: 2\n", "a: 1\n---\nb: 2\n", "a: 1\n...\n", "a:\n- ...\n- ---\n",
    "a: ...\n", "%YAML 1.1\n---\na: 1\n", "a: 1\n--- \n", "a:\n  - x\n...\n", "a: \u3000x\u3000\n", "a: x\xa0\n", "a: ｘ：ｙ\n", "a: 你好,世界\n",
])
def test_edge_cases_are_read_as_the_full_parser_reads_them_or_left_to_it(text):
    agrees(text)


KEYS = ["title", "region", "date", "topics", "a", "yes", "null", "No", "x_1", "_k", "2021", "on", "y", "n"]
VALUES = ["", " ", "科协", "南京市 科协", "x", "2021", "2021-12", "2021-12-27", "2021-02-30", "-3", "+3", "0x1F", "1e3", "3.",
          ".inf", "true", "False", "ON", "~", "null", "Null", "''", "'a''b'", "'a", "a'", "'", "a b  ", "a,b", ",a", "?a", ":a",
          "a:", "a: b", "a #b", "#a", "@a", "`a", "%a", "!a", "&a", "*a", "|", ">", "[a]", "{a}", "<<", "=", "\u3000", "\xa0",
          "\ufeff", "a\\b", "-", "- a", "-a", "1_000", "0o17", "012", "0b11", "1:30", "六", "\u2028", "...", "---", "--- a", ". . .",
          "%YAML 1.1", "a ... b"]
INDENTS = ["", " ", "  ", "   ", "    "]


@st.composite
def yaml_texts(draw):
    lines = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["key", "key", "item", "mapitem", "more", "blank"]))
        indent = draw(st.sampled_from(INDENTS))
        key, value = draw(st.sampled_from(KEYS)), draw(st.sampled_from(VALUES))
        if kind == "key":
            lines.append(f"{indent if draw(st.booleans()) else ''}{key}:{' ' * draw(st.integers(0, 2))}{value}")
        elif kind == "item":
            lines.append(f"{indent}- {value}")
        elif kind == "mapitem":
            lines.append(f"{indent}- {key}: {value}")
            for _ in range(draw(st.integers(0, 3))):
                extra = draw(st.sampled_from(["", " ", "  ", "   "]))
                lines.append(f"{indent}{'  ' if draw(st.booleans()) else extra}{draw(st.sampled_from(KEYS))}: {draw(st.sampled_from(VALUES))}")
        elif kind == "more":
            lines.append(f"{indent}{value}")
        else:
            lines.append(indent)
    return "\n".join(lines) + draw(st.sampled_from(["", "\n"]))


@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(yaml_texts())
def test_generated_texts_are_read_as_the_full_parser_reads_them_or_left_to_it(text):
    agrees(text)


def test_most_generated_usual_texts_are_read_here():
    """The generator above reaches the fast reader's paths (not only its refusals)."""
    rng = random.Random(3)
    read = 0
    for _ in range(500):
        lines = [f"{rng.choice(KEYS[:5])}{n}: {rng.choice(VALUES[2:8])}" for n in range(rng.randrange(1, 5))]
        lines += ["list:"] + [f"- {rng.choice(VALUES[2:8])}" for _ in range(rng.randrange(1, 3))]
        lines += ["maps:"] + [f"- a: {rng.choice(VALUES[2:8])}\n  b: {rng.choice(VALUES[2:8])}" for _ in range(rng.randrange(1, 3))]
        read += agrees("\n".join(lines) + "\n")
    assert read > 400


@st.composite
def usual_texts(draw):
    """Texts of the shape the fast reader takes, with odd values, keys, spacing and an odd line here and there."""
    value = st.sampled_from(VALUES[2:] + ["科协", "南京市 科协", "x", "2021", "2021-12", "2021-12-27", "''", "'a''b'", "a,b", "六"] * 12)
    keys = st.sampled_from(KEYS + ["title", "summary", "region", "a"] * 8)
    lines = []
    for number in range(draw(st.integers(1, 5))):
        key = draw(keys) + draw(st.sampled_from(["", str(number), str(number)]))  # mostly no repeated key
        shape = draw(st.sampled_from(["scalar", "scalar", "list", "maps"]))
        if shape == "scalar":
            lines.append(f"{key}:{' ' * draw(st.integers(1, 2))}{draw(value)}{' ' * draw(st.integers(0, 1))}")
            continue
        lines.append(f"{key}:{' ' * draw(st.integers(0, 1))}")
        indent = " " * draw(st.integers(0, 3))
        for _ in range(draw(st.integers(1, 3))):
            if draw(st.integers(0, 9)) == 0:
                lines.append("")
            gap = " " * draw(st.sampled_from([1, 1, 1, 2]))
            if shape == "list":
                lines.append(f"{indent}-{gap}{draw(value)}")
                continue
            lines.append(f"{indent}-{gap}{draw(keys)}: {draw(value)}")
            for other in range(draw(st.integers(0, 2))):
                shift = draw(st.sampled_from([0, 0, 0, 0, 1, -1]))
                lines.append(f"{' ' * (len(indent) + 1 + len(gap) + shift)}{draw(keys)}{draw(st.sampled_from(['', other, other]))}: {draw(value)}")
        if draw(st.integers(0, 14)) == 0:
            lines.append(draw(st.sampled_from(["  more", "   - x", "-", " x: 1", "x", "# c"])))
    return "\n".join(lines) + "\n"


@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(usual_texts())
def test_generated_usual_texts_are_read_as_the_full_parser_reads_them_or_left_to_it(text):
    agrees(text)
