"""The editors' typographic normalisation of web copy, applied to every imported line: ASCII punctuation
inside Chinese text becomes the full-width form (, → ，  : → ：  ; → ；  ! → ！  ? → ？  ( ) → （ ）
"…" → “…”), while decimal points, times (14:52), thousands (1,000), the ASCII - and +, and URLs stay."""
from __future__ import annotations

import re

HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
URL = re.compile(r"https?://\S+|www\.\S+")
BETWEEN_DIGITS = {",": "，", ":": "："}
SIMPLE = {";": "；", "!": "！", "?": "？"}


def _fix_segment(text: str) -> str:
    out = []
    for index, ch in enumerate(text):
        before = text[index - 1] if index else ""
        after = text[index + 1] if index + 1 < len(text) else ""
        if ch in BETWEEN_DIGITS and not (before.isdigit() and after.isdigit()):
            ch = BETWEEN_DIGITS[ch]
        elif ch in SIMPLE:
            ch = SIMPLE[ch]
        elif ch == "(":
            ch = "（"
        elif ch == ")":
            ch = "）"
        out.append(ch)
    return "".join(out)


def _fix_quotes(text: str) -> str:
    """Straight double quotes become “ ” in turn."""
    parts = text.split('"')
    if len(parts) == 1:
        return text
    out = [parts[0]]
    for index, part in enumerate(parts[1:]):
        out.append("“" if index % 2 == 0 else "”")
        out.append(part)
    return "".join(out)


def normalize_punctuation(line: str) -> str:
    """Full-width punctuation in a line that holds Chinese text; other lines are left as they are."""
    if not HAN.search(line):
        return line
    pieces, last = [], 0
    for match in URL.finditer(line):
        pieces.append(_fix_segment(line[last:match.start()]))
        pieces.append(match.group(0))
        last = match.end()
    pieces.append(_fix_segment(line[last:]))
    return _fix_quotes("".join(pieces))
