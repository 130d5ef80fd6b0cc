"""Checked front matter + Markdown body → :class:`Article`: resolve its region and topics, render its
body, summary and keywords, and report what does not fit at the right file line."""
from __future__ import annotations

import re
from pathlib import Path

from ..errors import ProblemLog, SourceLocation
from ..i18n import _
from .frontmatter import ArticleMeta
from .markup import Markup, plain_text, render_markdown
from .model import Article, Heading, Keyword, Table
from .punctuation import check_text
from .placeholders import placeholders_in_body, today_marks
from .review import undecided_items
from .regions import RegionLookupError, RegionTable
from .topics import TopicTable

CHINESE_NUMERALS = "零一二三四五六七八九十"
LIST_SEPARATORS = re.compile(r"\s*[，、；;]\s*|\s*,(?=\S)")  # full-width commas, 顿号, semicolons; ASCII commas without a space


def chinese_number(n: int) -> str:
    """The number as it is read: 1 → 一, 12 → 十二, 20 → 二十, 100 → 一百, 101 → 一百零一, 110 → 一百一十,
    1005 → 一千零五, 20300 → 二万零三百 (up to 99 999 999; larger numbers stay in digits)."""
    if n < 0 or n >= 10 ** 8:
        return str(n)
    if n <= 10:
        return CHINESE_NUMERALS[n]
    if n < 20:
        return "十" + CHINESE_NUMERALS[n - 10] * (n > 10)
    if n >= 10000:
        high, low = divmod(n, 10000)
        return chinese_number(high) + "万" + ((("零" if low < 1000 else "") + _below_10000(low)) if low else "")
    return _below_10000(n)


def _below_10000(n: int) -> str:
    """1 ≤ n ≤ 9999 with every place named (一十 inside a larger number: 一百一十)."""
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, n = divmod(n, value)
        if digit:
            out += ("零" if zero and out else "") + CHINESE_NUMERALS[digit] + unit
            zero = False
        else:
            zero = True
    return out


def _report_markup(markup: Markup, meta: ArticleMeta, first_line: int | None, log: ProblemLog) -> None:
    for problem in markup.problems:
        line = None if first_line is None else first_line + (problem.line or 0)
        report = log.warning if problem.severity == "warning" else log.error
        report(problem.message, SourceLocation(meta.source.path, line), problem.hint)


def _render_field(text: str, meta: ArticleMeta, key: tuple, content_dir: Path, log: ProblemLog, markdown=None) -> Markup:
    markup = render_markdown(text, meta.source.rel_path.as_posix(), content_dir, anchor_prefix=f"{meta.slug}-",
                             **_switches(markdown))
    _report_markup(markup, meta, field_line(meta, *key), log)
    return markup


BLOCK_SCALAR = re.compile(r":\s*[|>][-+0-9]*\s*(#.*)?$")


def field_line(meta: ArticleMeta, *key) -> int | None:
    """The file line where the text of a front-matter field starts: the key's line, or the next one for a
    block scalar (``summary: |``), whose text starts under its key."""
    line = meta.location(*key).line
    index = meta.lines.line(*key)
    if line is not None and index is not None:
        rows = meta.source.front_matter.split("\n")
        if index < len(rows) and BLOCK_SCALAR.search(rows[index]):
            return line + 1
    return line


ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t#]*$")
FENCE_LINE = re.compile(r"^ {0,3}(```|~~~)")


def warn_empty_sections(meta: ArticleMeta, log: ProblemLog) -> None:
    """Warn about a ``##`` heading with no text before the next heading of its level (or the end)."""
    headings: list[tuple[int, int, str]] = []  # (line index, level, text)
    content_after: dict[int, bool] = {}
    in_fence = False
    for index, line in enumerate(meta.source.body.split("\n")):
        if FENCE_LINE.match(line):
            in_fence = not in_fence
        match = None if in_fence else ATX_HEADING.match(line)
        if match:
            headings.append((index, len(match.group(1)), (match.group(2) or "").strip()))
            content_after[len(headings) - 1] = False
        elif line.strip() and headings:
            content_after[len(headings) - 1] = True
    for number, (index, level, text) in enumerate(headings):
        has_text = content_after[number]
        for later in range(number + 1, len(headings)):
            if headings[later][1] <= level:
                break
            has_text = has_text or content_after[later]
        if not has_text and text:
            line = meta.source.body_line + index if meta.source.body_line else None
            log.warning(_("the section '{heading}' is empty", heading=text), SourceLocation(meta.source.path, line),
                        _("write its text, move the heading, or remove it"))


def warn_placeholders(meta: ArticleMeta, log: ProblemLog) -> None:
    """What is left of ``new``'s template (placeholders.py), each at its line: a warning."""
    for line in today_marks(meta.source.front_matter):
        log.warning(_("the date is the day `yearbook new` made the file, not the report's"),
                    meta.source.location(line),
                    _("write the report's own date under 'date' and delete the comment after it"))
    for found in placeholders_in_body(meta.source.body):
        log.warning(_("the placeholder {text!r} left by `yearbook new` is still in the text", text=found.text),
                    SourceLocation(meta.source.path, meta.source.body_line + found.line), found.hint)


def check_punctuation(meta: ArticleMeta, log: ProblemLog) -> None:
    """Warn about the Chinese punctuation slips (punctuation.py) of the body and the text fields."""
    path = meta.source.path
    check_text(meta.source.body, path, meta.source.body_line, log)
    fields = [(("title",), meta.title, False), (("kicker",), meta.kicker, False), (("summary",), meta.summary, True)]
    for index, keyword in enumerate(meta.keywords):
        fields += [(("keywords", index, "title"), keyword.title, False), (("keywords", index, "scene"), keyword.scene, True),
                   (("keywords", index, "observation"), keyword.observation, True)]
    for key, text, markdown in fields:
        if not text:
            continue
        line = meta.location(*key).line
        if line is not None and "\n" in text.strip():
            line += 1  # a block scalar: its text starts on the line after the key
        check_text(text, path, line, log, markdown)


def resolve_region(meta: ArticleMeta, regions: RegionTable, log: ProblemLog):
    try:
        return regions.resolve(meta.region)
    except RegionLookupError as exc:
        hint = None  # the table's message already names the candidates or the suggestion
        if exc.candidates and "ambiguous" not in exc.message and not (exc.suggestion and exc.suggestion in exc.message):
            listing = "; ".join(f"{regions.path_name(r.code).replace(' ', '/')} ({r.code})" for r in exc.candidates)
            hint = _("write the path or the code of the one you mean: {listing}", listing=listing)
        log.error(exc.message, meta.location("region"), hint)
        return None


def resolve_topics(meta: ArticleMeta, topics: TopicTable, log: ProblemLog):
    found = []
    for index, name in enumerate(meta.topics):
        topic = topics.resolve(name)
        parts = [part.strip() for part in LIST_SEPARATORS.split(name) if part.strip()] if topic is None else []
        if len(parts) > 1:  # topics: [kexue-puji，xiangcun-zhenxing] is one item to YAML
            separator = LIST_SEPARATORS.search(name).group(0)
            unknown = [part for part in parts if topics.resolve(part) is None]
            log.error(_("the topics {name!r} are separated by {separator!r}, which YAML does not read as a separator, so "
                        "they are one unknown topic", name=name, separator=separator), meta.location("topics", index),
                      _("separate them with an ASCII comma and a space: topics: [{fixed}]", fixed=", ".join(parts)) if not unknown
                      else _("separate them with an ASCII comma and a space: topics: [{fixed}]; and {unknown} is not in "
                             "topics.yml", fixed=", ".join(parts), unknown=", ".join(unknown)))
            continue
        if topic is None:
            close = topics.suggestion(name)
            log.error(_("unknown topic {name!r}", name=name), meta.location("topics", index),
                      _("did you mean {suggestion!r}?", suggestion=close) if close else
                      _("add it to topics.yml or use a topic listed there"))
        elif topic not in found:
            found.append(topic)
    return found


def _switches(markdown) -> dict:
    """The config's ``markdown:`` switches (a MarkdownConfig, or None for the defaults) as render_markdown arguments."""
    return {"raw_html": markdown.raw_html, "remote_images": markdown.remote_images} if markdown is not None else {}


def build_article(meta: ArticleMeta, regions: RegionTable, topics: TopicTable, content_dir: Path, log: ProblemLog,
                  markdown=None) -> Article | None:
    """Make the Article of one checked front matter; None when a problem prevents it."""
    errors_before = len(log.errors)
    region = resolve_region(meta, regions, log) if meta.region else None
    article_topics = resolve_topics(meta, topics, log)
    body = render_markdown(meta.source.body, meta.source.rel_path.as_posix(), content_dir, anchor_prefix=f"{meta.slug}-",
                           **_switches(markdown))
    _report_markup(body, meta, meta.source.body_line, log)
    warn_empty_sections(meta, log)
    check_punctuation(meta, log)
    warn_placeholders(meta, log)
    if not meta.source.body.strip() and not meta.keywords:
        log.warning(_("the article has no text"), meta.location(None), _("write the article below the closing '---'"))
    summary = _render_field(meta.summary, meta, ("summary",), content_dir, log, markdown) if meta.summary else None
    keywords = []
    images = list(body.images)
    links = _link_lines(body, meta.source.body_line)
    tables = _table_lines(body, meta.source.body_line)
    if summary is not None:
        images += summary.images
        links += _link_lines(summary, field_line(meta, "summary"))
        tables += _table_lines(summary, field_line(meta, "summary"), "summary")
    for index, raw in enumerate(meta.keywords):
        scene = _render_field(raw.scene, meta, ("keywords", index, "scene"), content_dir, log, markdown)
        observation = _render_field(raw.observation, meta, ("keywords", index, "observation"), content_dir, log, markdown)
        images += scene.images + observation.images
        links += _link_lines(scene, field_line(meta, "keywords", index, "scene"))
        links += _link_lines(observation, field_line(meta, "keywords", index, "observation"))
        tables += _table_lines(scene, field_line(meta, "keywords", index, "scene"), "scene")
        tables += _table_lines(observation, field_line(meta, "keywords", index, "observation"), "observation")
        keywords.append(Keyword(number=index + 1, title=raw.title, scene_html=scene.html,
                                observation_html=observation.html, anchor=f"{meta.slug}-kw{index + 1}"))
    if len(log.errors) > errors_before or region is None or meta.date is None:
        return None
    return Article(
        slug=meta.slug, source_path=meta.source.path, title=meta.title, organization=meta.organization,
        region=region, date=meta.date, year=meta.year or meta.date.year, topics=article_topics,
        body_html=body.html, kicker=meta.kicker, region_note=meta.region_note,
        summary_html=summary.html if summary else "", summary_text=plain_text(summary.html) if summary else "",
        keywords=keywords, bylines=list(meta.bylines),
        headings=[Heading(level, text, anchor) for level, text, anchor in body.headings],
        source=meta.source_text, excerpt=meta.excerpt, images=sorted(set(images)), article_links=links,
        slug_line=meta.location("slug").line if ("slug",) in meta.lines.lines else None,
        year_line=meta.location("year" if ("year",) in meta.lines.lines else "volume" if ("volume",) in meta.lines.lines
                                else "date").line,
        draft=meta.draft, review=undecided_items(meta.source) if meta.draft else [],
        tables=tables,
    )


def _table_lines(markup: Markup, first_line: int | None, field: str = "") -> list[Table]:
    """The tables of a rendered fragment (of the front-matter ``field``, or the body) at their file lines."""
    return [Table(None if first_line is None or table.line is None else first_line + table.line, table.columns,
                  ((field,) if field else ()) + table.containers) for table in markup.tables]


def _link_lines(markup: Markup, first_line: int | None) -> list[tuple[str, int | None]]:
    """The article links of a rendered fragment with their file lines."""
    return [(rel, None if first_line is None or line is None else first_line + line) for rel, line in markup.article_links]
