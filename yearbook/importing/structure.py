"""The structure of a raw report, read from its lines: title, kicker, date line, page marker, 关键词 blocks
(现场回放 / 记者观察), section headings (1 …, 一、…, （一）…, 一是…, and short unpunctuated lines
between paragraphs), photo captions, bylines and site footers; lines broken inside a sentence are joined.

The lines are first grouped into *units*: a paragraph (one line, or lines broken inside a sentence), or
a run of short lines without blank lines between them (a caption or heading written over several lines).
Each unit remembers how many blank lines came before it: web copy leaves a gap where a photo was."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..content.model import Byline
from .bylines import parse_byline
from .dates import FoundDate
from .reading import PLACEHOLDER, Picture, ReportText
from .typography import normalize_punctuation

SHORT = 40  # characters: longer lines are paragraphs
GENERIC_ROLES = ("", "作者")
SENTENCE_PUNCT = re.compile(r"[。！？；]")
TERMINAL = tuple("。！？；：…—”’」』）)》!?;:")
FOOTER = re.compile(r"copyright|版权所有|ICP\s*备|备案号|浏览本网站|建议使用|分辨率|技术支持|主办单位|承办单位|"
                    r"联系电话|联系我们|网站地图|all rights reserved|任何人不得|本网站|当前位置|打印本页|关闭窗口", re.I)
SITE_NAME = re.compile(r"([\u4e00-\u9fff]{2,24}?)(?:网站)?版权所有")
DATE_LINE = re.compile(r"^(发表日期|发布日期|发布时间|发表时间|日期|时间|更新时间)\s*[：:]?\s*"
                       r"((\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})日?(?:\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?)")
PAGE_MARK = re.compile(r"\s*[（(]\s*第\s*(\d+)\s*[/／]\s*(\d+)\s*页\s*[)）]\s*|\s*第\s*(\d+)\s*页\s*[，,]?\s*共\s*(\d+)\s*页\s*")
PAGE_LINE = re.compile(r"^(?:[-—－]\s*\d+\s*[-—－]|第\s*\d+\s*[/／]\s*\d+\s*页|第\s*\d+\s*页(?:\s*[，,]?\s*共\s*\d+\s*页)?)$")
END_MARK = re.compile(r"^[（(【\[]?\s*完\s*[)）】\]]?$")
KEYWORD = re.compile(r"^【?关键词\s*([一二三四五六七八九十\d]+)\s*】?\s*[：:]?\s*(.*)$")
SCENE = re.compile(r"^【?现场回放】?\s*[：:]?\s*(.*)$")
OBSERVATION = re.compile(r"^【?记者观察】?\s*[：:]?\s*(.*)$")
NUMBERED = [  # (pattern, heading level); a match is a heading only when the line is short and has no 。
    (re.compile(r"^\d{1,2}(?:[、.．]\s*|\s+)\S"), 2),
    (re.compile(r"^[一二三四五六七八九十]{1,3}、\s*\S"), 2),
    (re.compile(r"^[（(][一二三四五六七八九十]{1,3}[)）]\s*\S"), 3),
    (re.compile(r"^[一二三四五六七八九十]{1,3}是\S"), 3),
    (re.compile(r"^第[一二三四五六七八九十]{1,3}(?:部分|章|篇)\s*\S"), 2),
    (re.compile(r"^[（(]\d{1,2}[)）]\s*\S"), 3),
]
CAPTION_MARK = re.compile(r"^[▲△↑]\s*")  # ▲会议现场: a caption, as WeChat posts mark them
LEAD_IS = re.compile(r"^([一二三四五六七八九十]{1,3}是[^。！？]{2,60}?)([。！？])(.*)$")
CAPTION_ENDINGS = ("仪式", "开幕式", "闭幕式", "活动", "现场", "合影", "留影", "揭牌", "颁奖", "启动", "发布会", "座谈会",
                   "参观", "调研", "教育", "演出", "比赛", "大赛", "培训", "讲座", "剪彩", "签约", "会议", "科技馆")


@dataclass
class Unit:
    lines: list[str]
    gap: int  # blank lines before it
    line: int  # 1-based line of the report where it starts
    table: list[list[str]] | None = None  # the unit is a table (its rows)
    picture: Picture | None = None  # the unit is a picture (or the place of one)

    @property
    def is_object(self) -> bool:
        return self.table is not None or self.picture is not None

    @property
    def text(self) -> str:
        return "".join(self.lines)

    @property
    def is_short(self) -> bool:
        return all(is_short_line(line) for line in self.lines)


def is_short_line(line: str) -> bool:
    return len(line) <= SHORT and not SENTENCE_PUNCT.search(line) and not line.endswith(("，", "、", "：", ",")) \
        and not line.startswith(PLACEHOLDER)


@dataclass
class Block:
    """One piece of the body: kind is paragraph, heading2, heading3, caption (a figure block: its
    picture, when there is one, and its caption), or table (its rows)."""

    kind: str
    text: str
    picture: Picture | None = None
    rows: list[list[str]] | None = None


@dataclass
class RawKeyword:
    title: str
    scene: list[str] = field(default_factory=list)
    observation: list[str] = field(default_factory=list)


@dataclass
class Structure:
    title: str = ""
    title_is_guess: bool = False
    title_note: str = ""  # why the title is uncertain, when it was chosen among several
    kicker: str = ""
    date_text: str = ""  # the meta line's date, as written (a site's publication or upload stamp)
    date_parts: tuple[int, int, int] | None = None
    own_date: FoundDate | None = None  # the report's own date: signature, closing date line, speech's date line
    own_date_kind: str = ""  # what gave it: signature, closing date line, speech date line, newspaper
    dateline: tuple[int, int] | None = None  # the month and day the first paragraph starts with
    dateline_year: int | None = None  # … and its year, when it is written with one (2024年5月20日，…)
    site_name: str = ""
    sources: list[str] = field(default_factory=list)  # 来源：…, a newspaper's name, a credited organization
    signed_by: str = ""  # the organization of the signature block
    speech: bool = False
    aggregator: bool = False  # the page was an essay-aggregator's (小编…): its date is an upload stamp
    photo_years: list[int] = field(default_factory=list)  # years in photos' file names (QQ图片20170919.jpg)
    excerpt: tuple[int, int] | None = None
    blocks: list[Block] = field(default_factory=list)
    keywords: list[RawKeyword] = field(default_factory=list)
    bylines: list[Byline] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the importer changed or dropped
    undecided: list[str] = field(default_factory=list)  # what an editor must decide

    def add_bylines(self, bylines) -> None:
        """Add bylines not already there; a person named with a role (记者) replaces the same person with
        none or only 作者 (a site's meta line)."""
        for byline in bylines:
            same = [b for b in self.bylines if b.name == byline.name]
            if any(b.role == byline.role for b in same):
                continue
            if byline.role in GENERIC_ROLES and same:
                continue
            self.bylines = [b for b in self.bylines if b.name != byline.name or b.role not in GENERIC_ROLES]
            self.bylines.append(byline)

    @property
    def text(self) -> str:
        """All the words of the report (for guessing organisation, region, date and themes)."""
        parts = [self.title, self.kicker] + [b.text for b in self.blocks if b.kind != "table"]
        parts += [" ".join(cell for row in b.rows for cell in row) for b in self.blocks if b.rows]
        for keyword in self.keywords:
            parts += [keyword.title] + keyword.scene + keyword.observation
        return "\n".join(parts)


def make_units(report: ReportText, lines: list[str] | None = None) -> list[Unit]:
    """Units of ``lines`` (default: the report's lines; the importer passes them with the furniture blanked)."""
    units: list[Unit] = []
    gap = 0
    for index, raw in enumerate(report.lines if lines is None else lines):
        line = normalize_punctuation(raw)
        if not line:
            gap += 1
            continue
        if index in report.tables or index in report.pictures:
            units.append(Unit([line], gap, index + 1, report.tables.get(index), report.pictures.get(index)))
            gap = 0
            continue
        heading = index in report.heading_lines
        previous = units[-1] if units else None
        if previous is not None and gap == 0 and not heading and not previous.is_object and previous.is_short and is_short_line(line) \
                and not _is_special(line) and not _is_special(previous.text) and (index - 1) not in report.heading_lines:
            previous.lines.append(line)
        else:
            units.append(Unit([line], gap, index + 1))
        gap = 0
    return units


def _is_special(text: str) -> bool:
    """A line with a meaning of its own: heading number, label, byline, date or footer."""
    return bool(numbered_level(text) or KEYWORD.match(text) or CAPTION_MARK.match(text) or SCENE.match(text) or OBSERVATION.match(text)
                or parse_byline(text) or DATE_LINE.match(text) or FOOTER.search(text) or PAGE_LINE.match(text))


def numbered_level(text: str) -> int:
    """2 or 3 when ``text`` is a short numbered heading (1 …, 一、…, （一）…, 一是…), else 0."""
    if len(text) > SHORT or SENTENCE_PUNCT.search(text):
        return 0
    for pattern, level in NUMBERED:
        if pattern.match(text):
            return level
    return 0


def is_caption_like(unit: Unit) -> bool:
    text = unit.text
    return len(unit.lines) > 1 or text.endswith(CAPTION_ENDINGS) or bool(re.match(r"^(?:图为|[▲△↑]|图\d)", text))


def join_lines(lines: list[str]) -> str:
    """Lines of one caption or heading: a space between words, none after punctuation."""
    out = lines[0] if lines else ""
    for line in lines[1:]:
        out += ("" if re.search(r"[\u3000-\u303f\uff00-\uffef“”‘’《》]$", out) else " ") + line
    return out
