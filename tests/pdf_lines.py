"""Read the lines of a PDF as a proofreader sees them: each line's page, baseline, left and right
edges and text (poppler's ``pdftotext -bbox``: every word's box, grouped by baseline), and each text
run's start (pypdf), to check line starts and ends, right edges and punctuation widths."""
from __future__ import annotations

import html
import re
import shutil
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

FORBIDDEN_STARTS = set("，。、；：？！）》」』”")
FORBIDDEN_ENDS = set("（《「『“")
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


@dataclass
class Line:
    page: int  # 1-based
    baseline: float  # yMax of its words, from the top of the page, in pt
    left: float
    right: float
    text: str
    height: float  # the words' box height (font size)
    widest_gap: float = 0.0  # the widest blank between two of its words, in pt (a line spread out)


def has_pdftotext() -> bool:
    return shutil.which("pdftotext") is not None


def pdf_lines(pdf_path: Path) -> list[Line]:
    """Every text line of the PDF, page by page, top to bottom."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf_path), "-"], capture_output=True, text=True, check=True).stdout
    lines: list[Line] = []
    for number, page in enumerate(out.split("<page ")[1:], start=1):
        rows: dict[int, list] = defaultdict(list)
        for match in WORD.finditer(page):
            x0, y0, x1, y1 = (float(v) for v in match.group(1, 2, 3, 4))
            rows[round(y1 * 2)].append((x0, x1, y1 - y0, html.unescape(match.group(5))))
        for key in sorted(rows):
            words = sorted(rows[key])
            gaps = [b[0] - a[1] for a, b in zip(words, words[1:])]
            lines.append(Line(number, key / 2, words[0][0], max(w[1] for w in words),
                              "".join(w[3] for w in words), max(w[2] for w in words), max(gaps, default=0.0)))
    return lines


def forbidden_breaks(lines: list[Line]) -> list[str]:
    """Lines that start with a closing mark or end with an opening one, and split —— or ……."""
    problems = []
    for index, line in enumerate(lines):
        if line.text[:1] in FORBIDDEN_STARTS:
            problems.append(f"page {line.page}: line starts with {line.text[:1]}: {line.text[:30]}")
        if line.text[-1:] in FORBIDDEN_ENDS:
            problems.append(f"page {line.page}: line ends with {line.text[-1:]}: {line.text[-30:]}")
        following = lines[index + 1] if index + 1 < len(lines) else None
        if following and following.page == line.page:
            for mark in "—…":
                if line.text.endswith(mark) and not line.text.endswith(mark * 2) and following.text.startswith(mark):
                    problems.append(f"page {line.page}: {mark * 2} split across lines: {line.text[-10:]} / {following.text[:10]}")
    return problems


def ragged_lines(lines: list[Line], min_height: float, max_height: float) -> tuple[int, list[str]]:
    """Lines of justified text (of this box height) that are not a paragraph's last and do not end at
    the right edge of the text block; returns (lines checked, descriptions of the ragged ones).

    The edge is the right edge most lines share, on rectos and versos apart. A line ending with a
    mark set half-width (halt) reads 0.5 em longer than it is: pdftotext gives the glyph its full
    width, not the advance the PDF positions it by."""
    from collections import Counter

    body = [line for line in lines if min_height < line.height < max_height and len(line.text) >= 10]
    edge, left = {}, {}
    for parity in (0, 1):
        side = [line for line in body if line.page % 2 == parity]
        if side:
            edge[parity] = Counter(round(line.right, 1) for line in side).most_common(1)[0][0]
            left[parity] = min(line.left for line in side)
    checked, ragged = 0, []
    for line, following in zip(body, body[1:]):
        parity = line.page % 2
        if following.page != line.page or following.baseline - line.baseline > 1.9 * line.height:
            continue  # the last line of a page or of a block
        if following.left > left[parity] + line.height or line.left < left[parity] - 0.5:
            continue  # a paragraph's last line: the next one is indented
        checked += 1
        short = edge[parity] - line.right
        half_width_end = line.text[-1:] in "，。、；：？！）》」』”’（《「『“‘" and abs(short + line.height / 15.1 * 5.25) < 0.3
        # 0.5 pt (0.05 em, 0.18 mm): a line whose many marks are set half-width may end up to 0.4 pt past
        # the edge (the justification's rounding over the compressed marks, measured in the stress text);
        # a ragged line is off by a character's gap or more
        if abs(short) > 0.5 and not half_width_end:
            ragged.append(f"page {line.page}: {short:.1f}pt short: …{line.text[-15:]}")
    return checked, ragged
