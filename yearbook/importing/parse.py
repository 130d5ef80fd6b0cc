"""Raw report lines → :class:`Structure`, in passes: drop what is not the report (site footers, page
markers, 完), take the date line, find the title (and kicker), join lines broken inside a sentence, then
sort every unit into 关键词 blocks, headings, captions, bylines and paragraphs. What cannot be decided
is listed in ``Structure.undecided`` rather than guessed silently."""
from __future__ import annotations

import re

from .bylines import parse_byline
from .reading import ReportText
from .structure import (DATE_LINE, END_MARK, FOOTER, KEYWORD, LEAD_IS, OBSERVATION, PAGE_LINE, PAGE_MARK, SCENE, SHORT,
                        SITE_NAME, TERMINAL, Block, RawKeyword, Structure, Unit, is_caption_like, join_lines,
                        make_units, numbered_level)

EDGE = 6  # footers and date lines are looked for among this many units at each end
KICKER_END = ("——", "—", "--")


def parse_report(report: ReportText) -> Structure:
    result = Structure(notes=list(report.notes))
    units = make_units(report)
    units = _drop_chrome(units, result)
    units = _take_header(units, result, report)
    units = _join_broken(units, result)
    _sort_body(units, result, report)
    return result


# --- pass 1: what is not the report ---------------------------------------------------------------

def _drop_chrome(units: list[Unit], result: Structure) -> list[Unit]:
    kept: list[Unit] = []
    for position, unit in enumerate(units):
        text = unit.text
        near_edge = position < EDGE or position >= len(units) - EDGE
        if near_edge and len(text) < 200 and FOOTER.search(text):
            site = SITE_NAME.search(text)
            if site and not result.site_name:
                result.site_name = site.group(1)
            result.notes.append(f"dropped a site footer (line {unit.line}): {text[:40]}")
            continue
        date = DATE_LINE.match(text) if near_edge else None
        if date and not result.date_text:
            result.date_text = f"{date.group(1)} {date.group(2)}".replace("：", ":")
            result.date_parts = (int(date.group(3)), int(date.group(4)), int(date.group(5)))
            rest = text[date.end():].strip(" ：:")
            if rest:
                unit = Unit([rest], unit.gap, unit.line)
            else:
                continue
        if PAGE_LINE.match(text) or END_MARK.match(text):
            result.notes.append(f"dropped '{text}' (line {unit.line})")
            continue
        marker = PAGE_MARK.search(text)
        if marker:
            part, of = (int(marker.group(1) or marker.group(3)), int(marker.group(2) or marker.group(4)))
            if of > 1 and result.excerpt is None:
                result.excerpt = (part, of)
            result.notes.append(f"removed the page marker '{marker.group(0).strip()}' (line {unit.line})")
            unit = Unit([PAGE_MARK.sub("", line) for line in unit.lines], unit.gap, unit.line)
            if not unit.text:
                continue
        kept.append(unit)
    return kept


# --- pass 2: title and kicker ------------------------------------------------------------------------

def _title_like(unit: Unit) -> bool:
    text = unit.text
    return 4 <= len(text) <= 80 and not text.endswith(("。", "！", "？", "；", "，")) and parse_byline(text) is None \
        and not KEYWORD.match(text) and len(re.findall("[。！？]", text)) == 0


def _take_header(units: list[Unit], result: Structure, report: ReportText) -> list[Unit]:
    head = units[:5]
    for index, unit in enumerate(head[:-1]):  # 引题 ending in a dash, then the headline
        if unit.text.endswith(KICKER_END) and len(unit.text) > 10 and _title_like(head[index + 1]):
            result.kicker = unit.text
            result.title = " ".join(head[index + 1].lines)
            for before in head[:index]:  # short lines above the kicker: captions of photos at the top
                result.blocks.append(Block("caption", join_lines(before.lines)))
            return units[index + 2:]
    if units and _title_like(units[0]):
        first = units[0]
        if first.text.endswith(("：", ":")) and len(first.text) <= 20 and len(units) > 1 and _title_like(units[1]):
            result.title = first.text.rstrip(":：") + "：" + " ".join(units[1].lines)
            return units[2:]
        if len(units) > 1 and (len(units[1].text) > SHORT or units[1].text.endswith("。")) or first.line - 1 in report.heading_lines:
            result.title = " ".join(first.lines)
            return units[1:]
    result.title_is_guess = True
    return units


def propose_title(result: Structure) -> None:
    """No headline in the report: propose the first sentence of the text, and say so."""
    first = next((b.text for b in result.blocks if b.kind == "paragraph"), "")
    sentence = re.split(r"(?<=[。！？])", first, maxsplit=1)[0].rstrip("。！？")
    result.title = sentence or "（标题待定）"
    result.undecided.append("title: the report has no headline; proposed its first sentence — write the title")


# --- pass 3: lines broken inside a sentence ---------------------------------------------------------

def _joinable(a: Unit, b: Unit) -> bool:
    if len(a.text) <= SHORT or a.text.endswith(TERMINAL) or b.gap > 1:
        return False
    if numbered_level(b.text) or KEYWORD.match(b.text) or SCENE.match(b.text) or OBSERVATION.match(b.text):
        return False
    if parse_byline(b.text) is not None or b.is_short and len(b.lines) == 1 and not b.text.endswith(TERMINAL):
        return len(b.text) > 8 and bool(re.search(r"[，、]", b.text))  # a short ending of a sentence
    return True


def _join_broken(units: list[Unit], result: Structure) -> list[Unit]:
    joined: list[Unit] = []
    for unit in units:
        if joined and _joinable(joined[-1], unit):
            previous = joined[-1]
            joined[-1] = Unit([previous.text + unit.text], previous.gap, previous.line)
            result.notes.append(f"joined a line broken inside a sentence (lines {previous.line} and {unit.line})")
        else:
            joined.append(unit)
    return joined


# --- pass 4: the body -------------------------------------------------------------------------------

def _sort_body(units: list[Unit], result: Structure, report: ReportText) -> None:
    keyword: RawKeyword | None = None
    target: list[str] | None = None  # where paragraphs go: a keyword's scene/observation, or None for the body
    index = 0
    while index < len(units):
        unit = units[index]
        text = unit.text
        bylines = parse_byline(text)
        match = KEYWORD.match(text)
        if bylines is not None:
            result.bylines.extend(b for b in bylines if b not in result.bylines)
            index += 1
            continue
        if match:
            keyword = RawKeyword(title=match.group(2).strip())
            result.keywords.append(keyword)
            target = None
        elif keyword is not None and (SCENE.match(text) or OBSERVATION.match(text)):
            label = SCENE.match(text) or OBSERVATION.match(text)
            target = keyword.scene if SCENE.match(text) else keyword.observation
            if label.group(1).strip():
                target.append(label.group(1).strip())
        elif target is not None and not _is_heading(units, index, report):
            target.append(text)
        else:
            keyword, target = None, None
            index = _body_unit(units, index, result, report)
            continue
        index += 1
    _drop_repeated_captions(result)
    if result.title_is_guess:
        propose_title(result)
    if result.blocks and result.blocks[-1].kind.startswith("heading"):
        result.undecided.append(f"the section '{result.blocks[-1].text}' has no text (it ends the report); "
                                "move it to where its text is, or remove it")


def _is_heading(units: list[Unit], index: int, report: ReportText) -> bool:
    unit = units[index]
    return unit.line - 1 in report.heading_lines or bool(numbered_level(unit.text))


def _body_unit(units: list[Unit], index: int, result: Structure, report: ReportText) -> int:
    """Sort the unit at ``index`` (and a run of short units from it) into blocks; return the next index."""
    unit = units[index]
    if unit.line - 1 in report.heading_lines:
        level = report.heading_lines[unit.line - 1]
        result.blocks.append(Block(f"heading{level}", " ".join(unit.lines)))
        return index + 1
    level = numbered_level(unit.text)
    if level:
        result.blocks.append(Block(f"heading{level}", unit.text))
        return index + 1
    if not unit.is_short:
        result.blocks.append(Block("paragraph", _bold_lead(unit.text)))
        return index + 1
    run_end = index
    while run_end < len(units) and units[run_end].is_short and not numbered_level(units[run_end].text) \
            and parse_byline(units[run_end].text) is None and not KEYWORD.match(units[run_end].text):
        run_end += 1
    run = units[index:run_end]
    followed_by_text = run_end < len(units) and not units[run_end].is_short
    tail = 0  # the last one or two units of the run are a heading, when text follows and they are not captions
    if followed_by_text:
        while tail < min(2, len(run)) and not is_caption_like(run[len(run) - 1 - tail]) and len(run[len(run) - 1 - tail].lines) == 1:
            tail += 1
    for item in run[:len(run) - tail]:
        result.blocks.append(Block("caption", join_lines(item.lines)))
    if tail:
        result.blocks.append(Block("heading2", " ".join(u.text for u in run[len(run) - tail:])))
    return run_end


def _bold_lead(text: str) -> str:
    """一是…。rest → **一是…**。rest (the lead sentence of an enumerated paragraph in bold)."""
    match = LEAD_IS.match(text)
    return f"**{match.group(1)}**{match.group(2)}{match.group(3)}" if match else text


def _drop_repeated_captions(result: Structure) -> None:
    seen: set[str] = set()
    kept = []
    for block in result.blocks:
        if block.kind == "caption":
            key = re.sub(r"\s", "", block.text)
            if key in seen:
                result.notes.append(f"dropped a repeated photo caption: {block.text}")
                continue
            seen.add(key)
        kept.append(block)
    result.blocks = kept
