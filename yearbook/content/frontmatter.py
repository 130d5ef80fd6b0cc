"""Front matter YAML → typed :class:`ArticleMeta`, checking every field and reporting each problem
at its line with a fix. Unknown keys are warnings with a suggestion."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from .config import suggest
from ..errors import ContentError, ProblemLog
from ..i18n import Message, _
from .model import Byline, Excerpt, PartialDate
from .sources import SourceFile
from .slugs import is_valid_slug
from .yamlfile import LineMap, load_yaml

REQUIRED = ("title", "organization", "region", "date", "topics")
OPTIONAL = ("kicker", "region_note", "year", "volume", "summary", "keywords", "bylines", "source", "excerpt", "slug", "draft")
KNOWN = set(REQUIRED) | set(OPTIONAL)
KEYWORD_KEYS = {"title", "scene", "observation"}
BYLINE_KEYS = {"role", "name", "sort_as"}
PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")
CHINESE_DATE = re.compile(r"^(\d{4})\s*年(?:\s*(\d{1,2})\s*月)?(?:\s*(\d{1,2})\s*日)?$")
SLASH_DATE = re.compile(r"^(\d{4})[/.](\d{1,2})(?:[/.](\d{1,2}))?")
# The longest a field may be, in characters: a headline is a few lines of the page, a name is a name.
# Anything longer is text pasted into the wrong field (it would fill the 目录 and the index pages).
MAX_LENGTH = {"title": 120, "kicker": 120, "organization": 60, "region_note": 200}
MAX_NAME = 40  # a byline's name or role
MAX_KEYWORDS = 99  # 关键词一 … 关键词九十九


@dataclass
class RawKeyword:
    title: str
    scene: str
    observation: str
    line: int | None


@dataclass
class ArticleMeta:
    """Checked front matter of one article; ``lines`` maps keys to YAML lines for later messages."""

    source: SourceFile
    lines: LineMap
    title: str = ""
    organization: str = ""
    region: str = ""
    date: PartialDate | None = None
    topics: list[str] = field(default_factory=list)
    kicker: str = ""
    region_note: str = ""
    year: int | None = None  # the year reported on (front matter 'year'; 'volume' is its old name)
    summary: str = ""
    keywords: list[RawKeyword] = field(default_factory=list)
    bylines: list[Byline] = field(default_factory=list)
    source_text: str = ""
    excerpt: Excerpt | None = None
    slug: str = ""
    draft: bool = False

    def location(self, *key: Any):
        return self.source.location(self.lines.line(*key))


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def parse_date(value: Any) -> PartialDate | None:
    """Accept 2021-12-27 (a YAML date), 2021-12, 2021, or a string of those forms."""
    if isinstance(value, dt.datetime):
        return PartialDate(value.year, value.month, value.day)
    if isinstance(value, dt.date):
        return PartialDate(value.year, value.month, value.day)
    if isinstance(value, int) and 1900 < value < 2200:
        return PartialDate(value)
    if isinstance(value, str):
        match = PARTIAL_DATE.match(value.strip())
        if match:
            year, month, day = (int(g) if g else None for g in match.groups())
            try:
                if month:
                    dt.date(year, month, day or 1)
            except ValueError:
                return None
            return PartialDate(year, month, day)
    return None


def _date_problem(value: Any) -> Message | None:
    """Why a date of the right shape is impossible ('month must be 1–12'), or None."""
    match = PARTIAL_DATE.match(str(value).strip())
    if not match:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    if month is not None and not 1 <= month <= 12:
        return _("month must be 1–12, not {month}", month=month)
    if day is not None:
        try:
            dt.date(year, month, day)
        except ValueError:
            return _("{year}-{month:02d} has no day {day}", year=year, month=month, day=day)
    return None


def date_message(value: Any) -> Message:
    """'date' … is not a date, and why when the shape is right but the day is impossible."""
    problem = _date_problem(value)
    if problem is None:
        return _("'date' {value!r} is not a date", value=str(value))
    return _("'date' {value!r} is not a date: {problem}", value=str(value), problem=problem)


def date_hint(value: Any) -> Message:
    text = str(value).strip()
    for pattern in (CHINESE_DATE, SLASH_DATE):
        match = pattern.match(text)
        if match:
            parts = [g for g in match.groups() if g]
            fixed = "-".join([parts[0]] + [f"{int(p):02d}" for p in parts[1:]])
            return _("write it as {date}", date=fixed)
    return _("write it as YYYY-MM-DD (2021-12-27), YYYY-MM (2021-12) or YYYY (2021)")


def _check_keywords(raw: Any, meta: ArticleMeta, log: ProblemLog) -> None:
    if not isinstance(raw, list):
        log.error(_("'keywords' must be a list of {{title, scene, observation}}"), meta.location("keywords"))
        return
    if len(raw) > MAX_KEYWORDS:
        log.error(_("the article has {count} keywords (关键词); the limit is {limit}", count=len(raw), limit=MAX_KEYWORDS),
                  meta.location("keywords"),
                  _("split the report into several articles, or make the smaller items sections (## headings) of the text"))
        return
    for index, item in enumerate(raw):
        where = meta.location("keywords", index)
        if not isinstance(item, dict):
            log.error(_("keyword {number} must be a mapping with title, scene and observation", number=index + 1), where)
            continue
        for key in item:
            if key not in KEYWORD_KEYS:
                close = suggest(str(key), KEYWORD_KEYS)
                log.warning(_("unknown key '{key}' in keyword {number} is ignored", key=key, number=index + 1),
                            meta.location("keywords", index, key),
                            _("did you mean '{suggestion}'?", suggestion=close) if close else
                            _("a keyword has title, scene (现场回放) and observation (记者观察)"))
        values = {key: _text(item.get(key)) for key in KEYWORD_KEYS}
        missing = [key for key in ("title", "scene", "observation") if not values[key]]
        if missing:
            names = {"title": "title", "scene": "scene (现场回放)", "observation": "observation (记者观察)"}
            log.error(_("keyword {number} has no {fields}", number=index + 1, fields=", ".join(names[m] for m in missing)), where,
                      _("every keyword needs a title, a scene and an observation, each as text"))
            continue
        meta.keywords.append(RawKeyword(values["title"], values["scene"], values["observation"], meta.lines.line("keywords", index)))


def _check_bylines(raw: Any, meta: ArticleMeta, log: ProblemLog) -> None:
    if not isinstance(raw, list):
        log.error(_("'bylines' must be a list of {{role, name}}"), meta.location("bylines"), _("e.g. - {{role: 融媒体记者, name: 李蓉}}"))
        return
    for index, item in enumerate(raw):
        where = meta.location("bylines", index)
        if isinstance(item, dict):
            name, role = _text(item.get("name")), _text(item.get("role")) or ""
            unknown = [k for k in item if k not in BYLINE_KEYS]
            if unknown:
                log.warning(_("unknown key '{key}' in byline {number} is ignored", key=unknown[0], number=index + 1), where,
                            _("a byline has role and name"))
        elif isinstance(item, str):
            role, _space, name = item.strip().rpartition(" ")
            name = name or None
        else:
            name, role = None, ""
        if not name:
            log.error(_("byline {number} has no name", number=index + 1), where, _("e.g. - {{role: 通讯员, name: 李亚强}}"))
            continue
        if len(name) > MAX_NAME or len(role) > MAX_NAME:
            message = (_("the name of byline {number} is {length} characters long; the limit is {limit}",
                         number=index + 1, length=len(name), limit=MAX_NAME) if len(name) > MAX_NAME else
                       _("the role of byline {number} is {length} characters long; the limit is {limit}",
                         number=index + 1, length=len(role), limit=MAX_NAME))
            log.error(message, where, _("a byline is one person: write each name as a byline of its own, "
                                        "e.g. - {{role: 通讯员, name: 李亚强}}"))
            continue
        meta.bylines.append(Byline(role=role.strip("：: "), name=name, sort_as=(_text(item.get("sort_as")) if isinstance(item, dict) else None) or ""))


def _check_scalars(data: dict, meta: ArticleMeta, log: ProblemLog) -> None:
    for key in ("title", "organization", "kicker", "region_note", "summary", "source"):
        if key not in data or data[key] is None:
            continue
        value = _text(data[key])
        if value is None:
            log.error(_("'{key}' must be text", key=key), meta.location(key))
            continue
        if key in MAX_LENGTH and len(value) > MAX_LENGTH[key]:  # a draft (a fresh import) is told, not stopped
            (log.warning if data.get("draft") is True else log.error)(_("'{key}' is {length} characters long; the limit is {limit}", key=key, length=len(value), limit=MAX_LENGTH[key]),
                      meta.location(key),
                      _("this is usually text pasted into the wrong field: keep the field short and put the rest "
                        "in the summary or the article's text"))
        setattr(meta, "source_text" if key == "source" else key, value)
    region = data.get("region")
    if region is not None:
        if isinstance(region, int) or (isinstance(region, str) and region.strip()):
            meta.region = str(region).strip()
        else:
            log.error(_("'region' must be a region name, path or code"), meta.location("region"), _("e.g. region: 淮安市"))


def _check_fields(data: dict, meta: ArticleMeta, log: ProblemLog) -> None:
    _check_scalars(data, meta, log)
    if "date" in data:
        meta.date = parse_date(data["date"])
        if meta.date is None:
            log.error(date_message(data["date"]), meta.location("date"), date_hint(data["date"]))
    topics = data.get("topics")
    if isinstance(topics, str):
        topics = [topics]
    if topics is not None:
        if not isinstance(topics, list) or not all(_text(t) for t in topics):
            log.error(_("'topics' must be a list of topic names or slugs from topics.yml"), meta.location("topics"))
        else:
            meta.topics = [_text(t) for t in topics]
            if not meta.topics and data.get("draft") is not True:
                log.error(_("'topics' is empty"), meta.location("topics"), _("give at least one topic from topics.yml"))
    key = "year" if "year" in data or "volume" not in data else "volume"
    if key == "volume":  # the old name: a volume (卷) is a book of several years, this is one year
        log.warning(_("'volume' is now called 'year' (the year reported on)"), meta.location("volume"),
                    _("write 'year: 2021'; a volume is the book of several years that yearbook.yml's 'volumes' makes"))
    if data.get(key) is not None:
        year = data[key]
        if isinstance(year, str) and year.strip().isdigit():
            year = int(year.strip())
        if isinstance(year, int) and not isinstance(year, bool) and 1900 < year < 2200:
            meta.year = year
        else:
            log.error(_("'{key}' must be the year reported on, e.g. 2021", key=key), meta.location(key))
    if data.get("keywords") is not None:
        _check_keywords(data["keywords"], meta, log)
    if data.get("bylines") is not None:
        _check_bylines(data["bylines"], meta, log)
    excerpt = data.get("excerpt")
    if excerpt is not None:
        if isinstance(excerpt, dict) and type(excerpt.get("part")) is int and type(excerpt.get("of")) is int \
                and 1 <= excerpt["part"] <= excerpt["of"]:
            meta.excerpt = Excerpt(excerpt["part"], excerpt["of"])
        else:
            log.error(_("'excerpt' must be {{part: N, of: M}}"), meta.location("excerpt"), _("e.g. excerpt: {{part: 2, of: 3}}"))
    if "draft" in data:
        if isinstance(data["draft"], bool):
            meta.draft = data["draft"]
        else:
            log.error(_("'draft' must be true or false"), meta.location("draft"))
    slug = data.get("slug")
    if slug is not None:
        slug = str(slug)
        if not is_valid_slug(slug):
            log.error(_("slug {slug!r} is not allowed", slug=slug), meta.location("slug"),
                      _("use lowercase letters a–z, digits and '-', e.g. huaian-kexie-2021 (no '/', '..' or spaces)"))
        else:
            meta.slug = slug


def parse_front_matter(source: SourceFile, log: ProblemLog) -> ArticleMeta | None:
    """Check one article's front matter; problems go to ``log``. None if it cannot be read at all."""
    try:
        data, lines = load_yaml(source.front_matter, source.path, source.front_matter_line)
    except ContentError as exc:
        log.add(exc)
        return None
    meta = ArticleMeta(source=source, lines=lines)
    if not isinstance(data, dict):
        log.error(_("the front matter must be 'key: value' fields"), source.location(0),
                  _("write e.g. 'title: …' on its own line, with an ASCII colon and a space"))
        return None
    for key in data:
        if key not in KNOWN:
            close = suggest(str(key), KNOWN)
            log.warning(_("unknown front-matter key '{key}' is ignored", key=key), meta.location(key),
                        _("did you mean '{suggestion}'?", suggestion=close) if close else
                        _("known keys: {keys}", keys=", ".join(sorted(KNOWN))))
    for key in REQUIRED:
        value = data.get(key)
        if value is None or value == [] or (isinstance(value, str) and not value.strip()):
            if key == "topics" and data.get("draft") is True:  # a draft (a fresh import) may wait for its themes
                log.warning(_("the draft has no topic"), meta.location(key) if key in data else source.location(0),
                            _("add at least one topic from topics.yml under 'topics' before publishing"))
                continue
            log.error(_("required field '{key}' is missing", key=key), source.location(0), _("add '{key}: …' to the front matter", key=key))
    _check_fields(data, meta, log)
    if not meta.slug:
        stem = source.path.stem
        if is_valid_slug(stem):
            meta.slug = stem
        else:
            log.error(_("the file name {name!r} is not a valid slug", name=source.path.name), source.location(None),
                      _("rename the file to lowercase letters, digits and '-' (e.g. huaian-kexie-2021.md), or add 'slug: …'"))
    return meta
