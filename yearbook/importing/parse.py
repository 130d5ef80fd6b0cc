"""Raw report lines → :class:`Structure`, in passes:

1. furniture (line by line, furniture.py's catalogue): web-page lines dropped, meta lines and a
   newspaper's masthead read for their date, source and authors, a photo's file name kept as the place
   of a picture, the end of the page (上一篇, 相关文章, 热门评论 …) cut off, a tag line noted;
2. page markers, 完, a date line the catalogue did not take;
3. the signature block or closing date line at the end (the report's own date, and who signed it);
4. the head: the headline wherever it sits among the lines above the text (site and column names,
   duplicates and captions set aside), its kicker or subtitle, a speech's speaker and date line;
5. lines broken inside a sentence joined;
6. the body: 关键词 blocks, headings (numbered, 【…】 entry heads, Word styles, short lines between
   paragraphs), figures (a picture and its caption), tables, bylines (whole lines, a news paragraph's
   opening 本报讯（记者 …）, a closing （记者 …）), paragraphs.

What cannot be decided is listed in ``Structure.undecided`` rather than guessed silently."""
from __future__ import annotations

import re

from ..content.model import Byline
from .bylines import (is_organization, is_person_name, leading_byline, parse_byline, parse_credit_line, people_of, speaker_line,
                      trailing_byline)
from .dates import date_line, find_dates, leading_date, leading_month_day
from .furniture import DOCUMENT_NUMBER, breadcrumb_parts, classify, paper_header, parse_meta, strip_inline, tag_line
from .reading import PLACEHOLDER, Picture, ReportText
from .structure import (CAPTION_MARK, DATE_LINE, END_MARK, KEYWORD, LEAD_IS, OBSERVATION, PAGE_LINE, PAGE_MARK, SCENE, SHORT,
                        SITE_NAME, TERMINAL, Block, RawKeyword, Structure, Unit, is_caption_like, join_lines,
                        make_units, numbered_level)
from .typography import normalize_punctuation

EDGE = 6  # footers and date lines are looked for among this many units at each end
HEAD_UNITS = 12  # the headline is looked for among this many units at the top
KICKER_END = ("——", "—", "--")
SUBTITLE_START = ("——", "—", "--", "－－")
ENTRY_HEAD = re.compile(r"^[【〖](?P<head>[^【】〖〗\s，。：；、！？\d]{2,12})[】〗]\s*(?P<rest>.*)$")
BROWSER_TITLE = re.compile(r"^(?P<title>.{6,}?)\s*(?:_|\||｜|\s[-–—]\s|——)\s*(?P<site>[\u4e00-\u9fff]{2,24}(?:网|网站|政府|科协|"
                           r"科学技术协会|协会|门户|平台|公众号))$")
SPEECH_TITLE = re.compile(r"(?:讲话|致辞|致词|发言|讲稿|工作报告|主题报告)(?:（[^）]*）)?$|在.{2,40}(?:上|时|之际)的")
SALUTATION = re.compile(r"^(?:同志们|各位|尊敬的|亲爱的|老师们|同学们|女士们|朋友们)[^。]{0,40}[：:]$")
SITE_NAME_LINE = re.compile(r"(?:网|网站|门户网站|门户|政府|人民政府|政府网|首页|官网|公众号|客户端)$")
COLUMN_NAME = re.compile(r"^[\u4e00-\u9fff]{2,6}(?:动态|要闻|新闻|公告|通知|资讯|园地|之窗|信息|专题|快讯|频道|栏目|工作)$")


def parse_report(report: ReportText) -> Structure:
    result = Structure(notes=list(report.notes))
    lines = _strip_furniture(report, result)
    units = make_units(report, lines)
    units = _drop_chrome(units, result)
    units = _take_signature(units, result)
    units = _take_header(units, result, report)
    units = _join_broken(units, result)
    _sort_body(units, result, report)
    return result


# --- pass 1: web-page furniture -----------------------------------------------------------------------

def _prose(line: str) -> bool:
    """A line that reads as the report's text (not furniture)."""
    if not line or line.startswith(PLACEHOLDER):
        return False
    stripped, _ = strip_inline(line)
    return (len(stripped) > SHORT or bool(re.search(r"[。！？]", stripped))) and classify(stripped, False) is None \
        and parse_meta(stripped) is None


def _strip_furniture(report: ReportText, result: Structure) -> list[str]:
    """The report's lines with every furniture line blanked (a photo's file name becomes the place of a
    picture); what the meta lines, the masthead and the credits below the text say goes into ``result``."""
    lines = list(report.lines)
    prose = [index for index, line in enumerate(lines) if _prose(line)]
    first_text, last_text = (prose[0], prose[-1]) if prose else (len(lines), -1)
    cut = next((i for i in range(first_text + 1, len(lines)) if lines[i] and (kind := classify(lines[i], True))
                and kind.scope == "end"), len(lines))
    crumbs: set[str] = set()
    for index in range(min(cut, len(lines))):
        text = lines[index]
        if not text or index in report.tables or index in report.pictures:
            continue
        stripped, removed = strip_inline(text)
        for name in removed:
            result.notes.append(f"removed the {name} from line {index + 1}")
        if not stripped:
            lines[index] = ""
            continue
        edge = index < first_text or index > last_text
        lines[index] = stripped
        if _take_meta(stripped, index, edge, index > last_text, result):
            lines[index] = ""
            continue
        kind = classify(stripped, edge)
        if kind is not None:
            if kind.name == "photo file name":
                report.pictures[index] = Picture(None, stripped.rsplit(".", 1)[-1].lower(), stripped)
                stamp = re.search(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})", stripped)
                if stamp and 1 <= int(stamp.group(2)) <= 12 and 1 <= int(stamp.group(3)) <= 31:
                    result.photo_years.append(int(stamp.group(1)))
                lines[index] = f"{PLACEHOLDER}picture"
                result.notes.append(f"the photo {stripped} (line {index + 1}) is not in the report: its caption is kept "
                                    "as a figure without a picture")
                continue
            if kind.name == "aggregator preamble":
                result.aggregator = True
            if kind.name == "breadcrumb":
                crumbs.update(breadcrumb_parts(stripped))
            if kind.name == "site footer":
                site = SITE_NAME.search(stripped)
                if site and not result.site_name:
                    result.site_name = site.group(1)
            result.notes.append(f"dropped web-page furniture ({kind.name}, line {index + 1}): {stripped[:50]}")
            lines[index] = ""
            continue
        if DOCUMENT_NUMBER.match(stripped) and index < first_text:
            result.sources.append(stripped)
            result.notes.append(f"took the document number (line {index + 1}) into the source: {stripped}")
            lines[index] = ""
            continue
        tags = tag_line(stripped)
        if tags:
            result.notes.append(f"dropped the tag line (line {index + 1}), which is not a 关键词 section: {stripped}")
            lines[index] = ""
    for index in range(min(first_text, cut)):  # column names repeated above the headline
        if lines[index] and lines[index] in crumbs and lines[index] not in ("首页", "正文"):
            result.notes.append(f"dropped web-page furniture (column name, line {index + 1}): {lines[index]}")
            lines[index] = ""
    if cut < len(lines):
        result.notes.append(f"dropped the end of the web page from line {cut + 1} ({lines[cut][:20]}): links to other "
                            "pages, comments and sharing buttons")
        for index in range(cut, len(lines)):
            text = normalize_punctuation(lines[index])
            credit = parse_credit_line(text) if text else None
            if credit is not None:
                result.add_bylines(credit.bylines)
                result.sources += credit.organizations
            elif text:
                _take_meta(text, index, True, True, result)
            lines[index] = ""
    return lines


def _take_meta(text: str, index: int, edge: bool, below: bool, result: Structure) -> bool:
    """Read a meta line or a masthead (at the top, or below the text); True when the line was one."""
    if not edge:
        return False
    paper = paper_header(text)
    if paper and not below:
        name, written = paper
        result.sources.append(f"{name} {written}")
        found = find_dates(written)
        if found and result.own_date is None:
            result.own_date, result.own_date_kind = found[0], "the newspaper's date"
        result.notes.append(f"took the newspaper's masthead (line {index + 1}) as the source: {text}")
        return True
    if below and _signature_line(text):
        return False
    meta = parse_meta(text)
    if meta is None:
        return False
    for label, value in meta.dates:
        if not result.date_text:
            found = find_dates(value)
            result.date_text = f"{label} {value}".strip().replace("：", ":")
            result.date_parts = (found[0].year, found[0].month, found[0].day) if found else None
    result.sources += [s for s in meta.sources if s not in result.sources]
    for label, value in meta.authors:
        people = people_of(label, value)
        result.add_bylines(people)
        if not people and is_organization(value) and value not in result.sources:
            result.sources.append(value)
    result.notes.append(f"took the page's meta line (line {index + 1}) for the date, source and authors: {text[:60]}")
    return True


def _signature_line(text: str) -> bool:
    """灵璧县科学技术协会 2024年1月8日 on one line."""
    dates = find_dates(text)
    return bool(dates) and dates[-1].end == len(text) and is_organization(text[:dates[-1].start].strip())


# --- pass 2: page markers and 完 ----------------------------------------------------------------------

def _drop_chrome(units: list[Unit], result: Structure) -> list[Unit]:
    kept: list[Unit] = []
    for position, unit in enumerate(units):
        if unit.is_object:
            kept.append(unit)
            continue
        text = unit.text
        near_edge = position < EDGE or position >= len(units) - EDGE
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


# --- pass 3: the signature block ------------------------------------------------------------------

def _signer(text: str) -> bool:
    return len(text) <= 40 and not re.search(r"[。！？；，]", text) and (is_organization(text) or speaker_line(text) is not None)


def _take_signature(units: list[Unit], result: Structure) -> list[Unit]:
    """The date (and signer) that close a report: ``灵璧县科学技术协会 / 2024年1月8日``, a closing date line,
    ``凤阳县科学技术协会 2023年12月20日`` on one line. Bylines after it stay where they are."""
    end = len(units)
    while end > 0 and not units[end - 1].is_object and parse_credit_line(units[end - 1].text) is not None:
        end -= 1
    if end == 0 or units[end - 1].is_object:
        return units
    last = units[end - 1]
    lines = list(last.lines)
    date = date_line(lines[-1])
    signer = ""
    if date is None and _signature_line(lines[-1]):
        found = find_dates(lines[-1])[-1]
        date, signer = found, lines[-1][:found.start].strip()
        lines = lines[:-1]
    elif date is not None:
        lines = lines[:-1]
    if date is None:
        return units
    drop = {end - 1}
    if lines and all(_signer(line) for line in lines):
        signer = signer or lines[0]
        lines = []
    elif not lines and not signer and end >= 2 and not units[end - 2].is_object and units[end - 2].is_short \
            and all(_signer(line) for line in units[end - 2].lines):
        signer = units[end - 2].lines[0]
        drop.add(end - 2)
    if lines:  # the date closes a unit that holds more than a signature: keep the rest
        units = units[:end - 1] + [Unit(lines, last.gap, last.line)] + units[end:]
    else:
        units = [unit for index, unit in enumerate(units) if index not in drop]
    for line in ([signer] if signer else []):
        speaker = speaker_line(line)
        if speaker is not None:
            result.add_bylines([speaker])
        else:
            result.signed_by = line
    if date.month is not None:  # a year alone is no date line (date_line never gives one)
        result.own_date = date
        result.own_date_kind = "the signature" if signer else "the closing date line"
    result.notes.append(f"took the report's date {date.iso()} from {'the signature' if signer else 'the closing date line'}"
                        f"{f' ({signer})' if signer else ''}")
    return units


# --- pass 4: title, kicker, subtitle, speaker --------------------------------------------------------

def _title_like(unit: Unit) -> bool:
    text = unit.text
    entry = ENTRY_HEAD.match(text)
    if entry and entry.group("rest") and not re.search("[。！？]", entry.group("rest")):
        text = entry.group("rest")  # 【科普进社区】宿松县科协… : a column's tag before the headline
    elif entry:
        return False
    if text.endswith(("！", "？")) and len(text) <= 30:  # 科普进万家 幸福你我他！
        text = text[:-1]
    return not unit.is_object and 2 <= len(text) <= 100 and not text.endswith(("。", "！", "？", "；", "，", "、", "：", ":")) \
        and parse_byline(text) is None and not KEYWORD.match(text) and not re.search("[。！？]", text) \
        and not numbered_level(text) and not CAPTION_MARK.match(text)


def _special_line(line: str) -> bool:
    return bool(CAPTION_MARK.match(line) or speaker_line(line) or date_line(line) or parse_credit_line(line) or line.startswith(SUBTITLE_START)
                or line.endswith(KICKER_END) or re.search(r"[：:]$", line))


def _head(units: list[Unit]) -> int:
    """How many units at the top can hold the headline and what stands with it."""
    end = 0
    while end < min(len(units), HEAD_UNITS):
        unit = units[end]
        text = unit.text
        if unit.is_object or _title_like(unit) or date_line(text) or speaker_line(text) or parse_credit_line(text) \
                or (text.endswith(KICKER_END) and len(text) > 10):
            end += 1
            continue
        if text.endswith(("：", ":")) and len(text) <= 20 and not SALUTATION.match(text) and end + 1 < len(units) \
                and _title_like(units[end + 1]):  # 阜阳市科协： + headline
            end += 1
            continue
        break
    return end


def _explode(units: list[Unit]) -> list[Unit]:
    """Head units whose lines have roles of their own (a subtitle, a speaker, a date line) as one unit a line."""
    out = []
    for unit in units:
        if len(unit.lines) > 1 and any(_special_line(line) for line in unit.lines):
            out += [Unit([line], unit.gap if n == 0 else 0, unit.line + n) for n, line in enumerate(unit.lines)]
        else:
            out.append(unit)
    return out


def _take_header(units: list[Unit], result: Structure, report: ReportText) -> list[Unit]:
    size = _head(units)
    head, rest = _explode(units[:size]), units[size:]
    kept: list[tuple[int, Unit]] = []  # (position in head, unit) that may be the headline or stand with it
    body_before: list[Unit] = []  # pictures and their captions above the headline
    for position, unit in enumerate(head):
        text = unit.text
        speaker = speaker_line(text) if not unit.is_object else None
        date = date_line(text) if not unit.is_object else None
        credit = parse_credit_line(text) if not unit.is_object else None
        if speaker is not None and kept:
            result.speech = True
            result.add_bylines([speaker])
            result.notes.append(f"took the speaker under the title (line {unit.line}): {text}")
        elif date is not None and kept:
            if date.month is not None:
                result.own_date, result.own_date_kind = date, "the date line under the title"
            result.notes.append(f"took the date line under the title (line {unit.line}): {text}")
        elif date is not None:  # a date above the headline: the page's stamp, not a headline
            if not result.date_text and date.day is not None:
                result.date_text, result.date_parts = text, (date.year, date.month, date.day)
            result.notes.append(f"took the date above the title (line {unit.line}) as the page's date: {text}")
        elif credit is not None and credit.bylines:
            result.add_bylines(credit.bylines)
        elif unit.is_object:
            body_before.append(unit)
        elif body_before and body_before[-1].is_object and unit.gap <= 1:
            body_before.append(unit)  # the caption of a picture above the headline
        else:
            kept.append((position, unit))
    dropped: list[Unit] = []
    if not any(_title_like(u) for _, u in kept):  # a picture above the headline: the line under it is no caption then
        line = next((u for u in body_before if not u.is_object and _title_like(u)), None)
        if line is not None:
            body_before.remove(line)
            kept.insert(0, (head.index(line), line))
    title_units = _choose_title(kept, result, dropped)
    kept = [(p, u) for p, u in kept if all(u is not d for d in dropped)]
    if title_units is None:
        result.title_is_guess = True
        return body_before + [u for _, u in kept] + rest
    used = {id(u) for u in title_units}
    chosen_at = next((p for p, u in kept if id(u) == id(title_units[0])), 0)
    leftover = []
    for position, unit in kept:
        if id(unit) in used:
            continue
        if position < chosen_at and unit.is_short:
            result.blocks.append(Block("caption", join_lines(unit.lines)))  # short lines above the headline: captions
        elif re.sub(r"\s", "", unit.text) == re.sub(r"\s", "", result.title):
            result.notes.append(f"dropped the headline repeated on line {unit.line}")
        else:
            leftover.append(unit)
    if SPEECH_TITLE.search(result.title):
        result.speech = True
    return body_before + leftover + rest  # pictures in the head go to the body with their captions


def _site_or_column(text: str) -> bool:
    return bool(SITE_NAME_LINE.search(text) or COLUMN_NAME.match(text)
                or re.fullmatch(r"[\u4e00-\u9fff]{2,16}(?:科学技术协会|科协)(?:网|网站|门户)?", text))


def _choose_title(kept: list[tuple[int, Unit]], result: Structure, dropped: list[Unit]) -> list[Unit] | None:
    """The units that make the headline (kicker and subtitle recorded in ``result``), or None; site and
    column names set aside go to ``dropped``."""
    units = [u for _, u in kept]
    if not units:
        return None
    for index, unit in enumerate(units[:-1]):  # 引题 ending in a dash, then the headline
        if unit.text.endswith(KICKER_END) and len(unit.text) > 10 and _title_like(units[index + 1]):
            result.kicker = unit.text
            result.title = " ".join(units[index + 1].lines)
            return [unit, units[index + 1]] + _subtitle(units, index + 1, result)
    for index, unit in enumerate(units[:-1]):  # 阜阳市科协： + headline
        if unit.text.endswith(("：", ":")) and len(unit.text) <= 20 and _title_like(units[index + 1]):
            result.title = unit.text.rstrip(":：") + "：" + " ".join(units[index + 1].lines)
            return [unit, units[index + 1]] + _subtitle(units, index + 1, result)
    candidates = [u for u in units if _title_like(u) and not u.text.startswith(SUBTITLE_START)]
    for unit in candidates:  # the browser's title bar: 标题_某某县人民政府
        browser = BROWSER_TITLE.match(unit.text)
        if browser and any(_bare(o.text) == _bare(browser.group("title")) for o in candidates if o is not unit):
            dropped.append(unit)
            _site_source(browser.group("site"), result)
            result.notes.append(f"dropped the browser's title bar (line {unit.line}): {unit.text}")
    candidates = [u for u in candidates if all(u is not d for d in dropped)]
    units = [u for u in units if all(u is not d for d in dropped)]
    if len(candidates) > 1:  # a site's or a column's name is not the headline when there is another line
        real = [u for u in candidates if not _site_or_column(u.text)]
        for unit in candidates:
            if unit not in real and real:
                browser = BROWSER_TITLE.match(unit.text)
                if browser or not COLUMN_NAME.match(unit.text):
                    _site_source(browser.group("site") if browser else unit.text, result)
                result.notes.append(f"dropped web-page furniture (site or column name, line {unit.line}): {unit.text}")
        if real:
            dropped += [u for u in candidates if u not in real]
            units = [u for u in units if all(u is not d for d in dropped)]
            candidates = real
    if not candidates:
        return None
    distinct = []
    for unit in candidates:
        if all(_bare(unit.text) != _bare(other.text) for other in distinct):
            distinct.append(unit)
    speech = [u for u in distinct if SPEECH_TITLE.search(u.text)]
    for unit in distinct[1:]:  # a name alone under the headline: the speaker, or the author
        if is_person_name(unit.text) and len(unit.lines) == 1:
            result.add_bylines([Byline("", unit.text)])
            result.notes.append(f"took the name under the title (line {unit.line}) as a byline: {unit.text}")
            dropped.append(unit)
    distinct = [u for u in distinct if all(u is not d for d in dropped)]
    units = [u for u in units if all(u is not d for d in dropped)]
    plain = [u for u in distinct if not is_caption_like(u)]  # captions of photos above the headline are not it
    chosen = speech[0] if speech else plain[0] if plain else distinct[-1]
    if len(plain) > 1 and not speech:
        others = "; ".join(u.text for u in plain if u is not chosen)
        result.title_note = f"title: chose the first of several lines above the text ({chosen.text}); the others: {others}"
    result.title = " ".join(chosen.lines)
    entry = ENTRY_HEAD.match(result.title)
    if entry and entry.group("rest"):
        result.title = entry.group("rest").strip()
        result.notes.append(f"dropped the column tag 【{entry.group('head')}】 before the headline")
    return [chosen] + _subtitle(units, units.index(chosen), result)


def _bare(text: str) -> str:
    """A headline without spaces and without a column's tag (【科协动态】), to compare with another."""
    entry = ENTRY_HEAD.match(text)
    return re.sub(r"\s", "", entry.group("rest") if entry and entry.group("rest") else text)


def _site_source(name: str, result: Structure) -> None:
    """A site's name above the headline (蚌埠市科学技术协会, 宿松县人民政府) tells where the page is from."""
    name = re.sub(r"(?:网站|门户网站|门户|官网|网)$", "", name)
    if not result.site_name:
        result.site_name = name
    elif name not in result.sources and name != result.site_name:
        result.sources.append(name)


def _subtitle(units: list[Unit], index: int, result: Structure) -> list[Unit]:
    """A subtitle (副题) right under the headline: ——在…上的讲话."""
    if index + 1 < len(units) and units[index + 1].text.startswith(SUBTITLE_START):
        sub = units[index + 1].text.lstrip("—–-－ ")
        result.title = f"{result.title}——{sub}"
        return [units[index + 1]]
    return []


def propose_title(result: Structure) -> None:
    """No headline in the report: propose the first sentence of the text, and say so."""
    first = next((b.text for b in result.blocks if b.kind == "paragraph"), "")
    sentence = re.split(r"(?<=[。！？])", first, maxsplit=1)[0].rstrip("。！？")
    result.title = sentence or "（标题待定）"
    result.undecided.append("title: the report has no headline; proposed its first sentence — write the title")


# --- pass 5: lines broken inside a sentence ---------------------------------------------------------

def _joinable(a: Unit, b: Unit) -> bool:
    if a.is_object or b.is_object or len(a.text) <= SHORT or a.text.endswith(TERMINAL) or b.gap > 1:
        return False
    if numbered_level(b.text) or KEYWORD.match(b.text) or SCENE.match(b.text) or OBSERVATION.match(b.text) \
            or ENTRY_HEAD.match(b.text):
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


# --- pass 6: the body -------------------------------------------------------------------------------

def _sort_body(units: list[Unit], result: Structure, report: ReportText) -> None:
    keyword: RawKeyword | None = None
    target: list[str] | None = None  # where paragraphs go: a keyword's scene/observation, or None for the body
    index = 0
    while index < len(units):
        unit = units[index]
        text = unit.text
        credit = parse_credit_line(text) if not unit.is_object else None
        match = KEYWORD.match(text) if not unit.is_object else None
        if credit is not None:
            result.add_bylines(credit.bylines)
            for organization in credit.organizations:
                result.sources.append(organization)
                result.notes.append(f"took the credit line (line {unit.line}) as the source: {text}")
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
        elif target is not None and not unit.is_object and not _is_heading(units, index, report):
            target.append(_credits_off(text, result, unit.line))
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
    return unit.line - 1 in report.heading_lines or bool(numbered_level(unit.text)) or bool(ENTRY_HEAD.match(unit.text))


def _credits_off(text: str, result: Structure, line: int) -> str:
    """A paragraph without the credits it opens or closes with (本报讯（记者 …）…, …（记者 …））."""
    if not any(b.kind == "paragraph" for b in result.blocks):
        lead = leading_byline(text)
        if lead is not None:
            credit, rest = lead
            result.add_bylines(credit.bylines)
            if credit.source:
                result.notes.append(f"removed the news credit '{credit.source}' that opened the text (line {line})")
            text = rest
        if result.dateline is None:
            result.dateline = leading_month_day(text)
            result.dateline_year = leading_date(text).year if leading_date(text) else None
    tail = trailing_byline(text)
    if tail is not None:
        credit, text = tail
        result.add_bylines(credit.bylines)
        result.sources += [o for o in credit.organizations if o not in result.sources]
        result.notes.append(f"moved the credit at the end of the paragraph on line {line} to the bylines")
    return text


def _body_unit(units: list[Unit], index: int, result: Structure, report: ReportText) -> int:
    """Sort the unit at ``index`` (and a run of short units from it) into blocks; return the next index."""
    unit = units[index]
    if unit.table is not None:
        result.blocks.append(Block("table", "", rows=unit.table))
        return index + 1
    if CAPTION_MARK.match(unit.text) and not unit.is_object:
        result.blocks.append(Block("caption", _credits_off(CAPTION_MARK.sub("", join_lines(unit.lines)), result, unit.line)))
        return index + 1
    if unit.picture is not None:
        caption = ""
        following = units[index + 1] if index + 1 < len(units) else None
        if following is not None and not following.is_object and following.gap <= 1 and _caption_shaped(following):
            caption = _credits_off(CAPTION_MARK.sub("", join_lines(following.lines)), result, following.line)
            index += 1
        if unit.picture.data is not None or caption:
            result.blocks.append(Block("caption", caption, unit.picture if unit.picture.data is not None else None))
        return index + 1
    if unit.line - 1 in report.heading_lines:
        level = report.heading_lines[unit.line - 1]
        result.blocks.append(Block(f"heading{level}", " ".join(unit.lines)))
        return index + 1
    entry = ENTRY_HEAD.match(unit.text)
    if entry:
        result.blocks.append(Block("heading2", entry.group("head")))
        rest = entry.group("rest").strip()
        if rest:
            result.blocks.append(Block("paragraph", _bold_lead(_credits_off(rest, result, unit.line))))
        return index + 1
    level = numbered_level(unit.text)
    if level:
        result.blocks.append(Block(f"heading{level}", unit.text))
        return index + 1
    following = units[index + 1] if index + 1 < len(units) else None
    if following is not None and following.table is not None and unit.is_short and following.gap <= 1:
        result.blocks.append(Block("paragraph", join_lines(unit.lines)))  # the caption of the table under it
        return index + 1
    if unit.line - 1 in report.bold_lines and unit.is_short and len(unit.lines) == 1:
        result.blocks.append(Block("heading2", unit.text))
        return index + 1
    if not unit.is_short:
        result.blocks.append(Block("paragraph", _bold_lead(_credits_off(unit.text, result, unit.line))))
        return index + 1
    run_end = index
    while run_end < len(units) and not units[run_end].is_object and units[run_end].is_short \
            and not numbered_level(units[run_end].text) and parse_byline(units[run_end].text) is None \
            and not KEYWORD.match(units[run_end].text) and not ENTRY_HEAD.match(units[run_end].text) \
            and units[run_end].line - 1 not in report.heading_lines:
        run_end += 1
    run = units[index:run_end]
    followed_by_text = run_end < len(units) and not units[run_end].is_object and not units[run_end].is_short
    tail = 0  # the last one or two units of the run are a heading, when text follows and they are not captions
    if followed_by_text:
        while tail < min(2, len(run)) and not is_caption_like(run[len(run) - 1 - tail]) and len(run[len(run) - 1 - tail].lines) == 1:
            tail += 1
    for item in run[:len(run) - tail]:  # captions of photos the copy lost, or short lines of text
        kind = "caption" if is_caption_like(item) else "paragraph"
        result.blocks.append(Block(kind, _credits_off(join_lines(item.lines), result, item.line)))
    if tail:
        result.blocks.append(Block("heading2", " ".join(u.text for u in run[len(run) - tail:])))
    return max(run_end, index + 1)


def _caption_shaped(unit: Unit) -> bool:
    """The line under a picture is its caption when it is short and is not a heading."""
    text = unit.text
    if CAPTION_MARK.match(text):
        return True
    return len(text) <= 80 and not numbered_level(text) and not ENTRY_HEAD.match(text) and not KEYWORD.match(text) \
        and (unit.is_short or bool(re.search(r"[（(][^（）()]*摄[)）]$", text)) or not re.search(r"[。！？；]", text))


def _bold_lead(text: str) -> str:
    """一是…。rest → **一是…**。rest (the lead sentence of an enumerated paragraph in bold)."""
    match = LEAD_IS.match(text)
    return f"**{match.group(1)}**{match.group(2)}{match.group(3)}" if match else text


def _drop_repeated_captions(result: Structure) -> None:
    seen: set[str] = set()
    kept = []
    for block in result.blocks:
        if block.kind == "caption" and block.picture is None:
            key = re.sub(r"\s", "", block.text)
            if key in seen:
                result.notes.append(f"dropped a repeated photo caption: {block.text}")
                continue
            seen.add(key)
        kept.append(block)
    result.blocks = kept
