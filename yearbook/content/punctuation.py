"""Chinese punctuation slips (GB/T 15834-2011) that can be told without guessing, reported by
``check`` and ``build`` as warnings at the file line, each with its fix:

* a hyphen for a range of numbers in Chinese text (``10月16-18日``): a range is written with a
  一字线 ``—`` or a 浪纹线 ``～`` (GB/T 15834 4.13, 4.14);
* an ASCII comma, semicolon, colon, question or exclamation mark between two Chinese characters,
  ASCII parentheses round Chinese text: the full-width marks (4.1);
* a pause or stop mark doubled (``。。``, ``，，``);
* an ellipsis written as ``...``, ``。。。`` or one ``…``: ``……`` (4.11);
* a dash written as ``--``: ``——`` (4.9);
* a space beside a Chinese punctuation mark (the mark's own blank is its spacing), and a space
  typed between a Chinese character and a Latin word or a number: the book sets that gap itself
  (book/typeset.py) and its text layer leaves a typed one out (book/textlayer.py). A space after a
  heading's section number (``## 1 突出凝心铸魂``) is the editors' and is kept.

Code (fenced blocks, inline code), link targets and HTML tags are not looked at."""
from __future__ import annotations

import re
from pathlib import Path

from ..errors import ProblemLog, SourceLocation
from ..i18n import _

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
MARKS = "，。、；：？！）》」』”’（《「『“‘"
FULL_WIDTH = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}

RANGE = re.compile(rf"(?<![\d.\-–－])(\d{{1,4}})[ \t]*[-–－][ \t]*(\d{{1,4}})(?![\d.\-–－])")
ASCII_MARK = re.compile(rf"(?<=[{HAN}])([,;:?!])(?=[{HAN}])")
ASCII_PARENS = re.compile(rf"(?<!\])\(([^()\n]*[{HAN}][^()\n]*)\)")
DOUBLED = re.compile(r"([，。、；：])\1+")
ELLIPSIS = re.compile(rf"(?<=[{HAN}{MARKS}])(?:\.{{3,}}|。{{3,}}|·{{3,}}|(?<!…)…(?!…))")
DASH = re.compile(rf"(?<=[{HAN}{MARKS}])(?:--+|－－+)(?=[{HAN}{MARKS}])")
SPACE_BY_MARK = re.compile(rf"[ \t]+(?=[，。、；：？！）》」』”’])|(?<=[，。、；：？！（《「『“‘])[ \t]+(?=\S)")
SPACE_BY_LATIN = re.compile(rf"(?<=[{HAN}])[ \t]+(?=[A-Za-z0-9])|(?<=[A-Za-z0-9%])[ \t]+(?=[{HAN}])")
HEADING_NUMBER = re.compile(rf"^ {{0,3}}#{{1,6}}[ \t]+(?:[0-9]+(?:[.．][0-9]+)*[.．]?|[（(][一二三四五六七八九十0-9]+[)）])[ \t]+(?=[{HAN}])")
FENCE = re.compile(r"^ {0,3}(```|~~~)")
NOT_TEXT = re.compile(r"`[^`\n]*`|\]\([^)\n]*\)|<[^>\n]*>|https?://\S+")


def _blank(match: re.Match) -> str:
    """What is not text, kept as wide (so positions stay) but matching nothing."""
    return "\0" * len(match.group(0))


def line_slips(line: str, heading_ok: bool = True) -> list[tuple[str, str]]:
    """The slips in one line of text: (message, hint) pairs, in the order found.

    Each pattern is tried only when the text holds what every match of it must hold (a range its
    hyphen, a doubled mark the two marks, a space slip its space, …): most lines of a report hold none
    of them, and trying all nine patterns on every line was a large part of the cost of reading an article.
    :func:`all_line_slips` is the plain path."""
    text = NOT_TEXT.sub(_blank, line) if ("`" in line or "](" in line or "<" in line or "http" in line) else line
    found: list[tuple[int, str, str]] = []
    if "-" in text or "–" in text or "－" in text:
        _ranges(text, found)
    if "," in text or ";" in text or ":" in text or "?" in text or "!" in text:
        _ascii_marks(text, found)
    if "(" in text:
        _ascii_parens(text, found)
    if "，，" in text or "。。" in text or "、、" in text or "；；" in text or "：：" in text:
        _doubled(text, found)
    if "..." in text or "。。。" in text or "···" in text or "…" in text:
        _ellipses(text, found)
    if "--" in text or "－－" in text:
        _dashes(text, found)
    if " " in text or "\t" in text:
        _spaces(line, text, heading_ok, found)
    return [(message, hint) for _position, message, hint in sorted(found, key=lambda item: item[0])]


def all_line_slips(line: str, heading_ok: bool = True) -> list[tuple[str, str]]:
    """:func:`line_slips` with every pattern tried on every line (the plain path, which tests compare it with)."""
    text = NOT_TEXT.sub(_blank, line)
    found: list[tuple[int, str, str]] = []
    _ranges(text, found)
    _ascii_marks(text, found)
    _ascii_parens(text, found)
    _doubled(text, found)
    _ellipses(text, found)
    _dashes(text, found)
    _spaces(line, text, heading_ok, found)
    return [(message, hint) for _position, message, hint in sorted(found, key=lambda item: item[0])]


def _ranges(text: str, found: list) -> None:
    for m in RANGE.finditer(text):
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end()] if m.end() < len(text) else ""
        if re.match(f"[{HAN}]", before or " ") or re.match(f"[{HAN}]", after or " "):
            a, b = m.group(1), m.group(2)
            found.append((m.start(), _("'{text}' uses a hyphen for a range of numbers in Chinese text", text=m.group(0)),
                          _("write the range with a 一字线 or a 浪纹线 (GB/T 15834): {a}—{b} or {a}～{b}", a=a, b=b)))


def _ascii_marks(text: str, found: list) -> None:
    for m in ASCII_MARK.finditer(text):
        found.append((m.start(), _("the ASCII '{mark}' stands between Chinese characters", mark=m.group(1)),
                      _("use the full-width mark {mark} (GB/T 15834)", mark=FULL_WIDTH[m.group(1)])))


def _ascii_parens(text: str, found: list) -> None:
    for m in ASCII_PARENS.finditer(text):
        found.append((m.start(), _("ASCII parentheses round Chinese text: '{text}'", text=m.group(0)),
                      _("use full-width parentheses: （{text}）", text=m.group(1))))


def _doubled(text: str, found: list) -> None:
    for m in DOUBLED.finditer(text):
        found.append((m.start(), _("the mark '{mark}' is doubled ('{text}')", mark=m.group(1), text=m.group(0)),
                      _("write one {mark}", mark=m.group(1))))


def _ellipses(text: str, found: list) -> None:
    for m in ELLIPSIS.finditer(text):
        found.append((m.start(), _("'{text}' is not a Chinese ellipsis", text=m.group(0)),
                      _("write the ellipsis as two ellipsis characters: …… (GB/T 15834)")))


def _dashes(text: str, found: list) -> None:
    for m in DASH.finditer(text):
        found.append((m.start(), _("'{text}' is not a Chinese dash", text=m.group(0)),
                      _("write the dash as two em dashes: —— (GB/T 15834)")))


def _spaces(line: str, text: str, heading_ok: bool, found: list) -> None:
    for m in SPACE_BY_MARK.finditer(text):
        found.append((m.start(), _("a space beside a Chinese punctuation mark"),
                      _("remove the space: a Chinese mark carries its own spacing")))
    keep = HEADING_NUMBER.match(line) if heading_ok else None
    for m in SPACE_BY_LATIN.finditer(text):
        if keep and m.start() < keep.end() <= m.end() + 1:
            continue  # the space after a heading's section number is the editors'
        left, right = text[m.start() - 1], text[m.end()]
        found.append((m.start(), _("a space typed between '{left}' and '{right}'", left=left, right=right),
                      _("remove it: the book sets the gap between Chinese and Latin or digits itself, "
                        "and the PDF's text leaves a typed space out")))


def check_text(text: str, path: Path, first_line: int | None, log: ProblemLog, markdown: bool = True) -> None:
    """Warn about the slips of ``text`` (a Markdown body, or a front-matter field) whose first line
    is ``first_line`` of ``path``."""
    in_fence = False
    for index, line in enumerate(text.split("\n")):
        if markdown and FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence or markdown and line.startswith(("    ", "\t")) and not line.strip().startswith(("-", "*", "+")):
            continue
        for message, hint in line_slips(line, heading_ok=markdown):
            log.warning(message, SourceLocation(path, None if first_line is None else first_line + index), hint)
