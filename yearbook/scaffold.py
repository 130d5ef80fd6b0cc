"""``yearbook new``: a new article file from a template, its front matter filled from the options.

The slug is the pinyin of the title (淮安市科协聚焦绿色高地 → huai-an-shi-ke-xie-ju-jiao-lv-se-gao-di), cut at
a syllable to stay short. The region and the topics are checked against the content's tables before
anything is written, with the same suggestions as the build; an existing file, or an article that
already uses the slug, is never overwritten; every problem of the request is reported at once. Without
--region or --topics the article is created as a draft (checked, not published) with the missing fields
to fill in. Without --date it asks for the report's date (on a terminal), or dates the article today and
marks the line, which ``check`` warns about until the editor writes the report's date. The body is the
template of content/placeholders.py, in the editor's language; what is left of it is a warning too."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .content.collect import load_regions, volumes_description
from .content.config import load_config
from .content.frontmatter import date_hint, parse_date
from .content.placeholders import TODAY_MARK, body_template
from .content.regions import RegionLookupError
from .content.sources import find_article_paths
from .content.topics import load_topics
from .content.slugs import is_valid_slug, slug_from_title
from .errors import ContentError, ContentErrors, ProblemLog, SourceLocation
from .i18n import ENGLISH, Message, Translator, _

SLUG_LINE = re.compile(r"^slug:\s*['\"]?([a-z0-9-]+)", re.M)


@dataclass
class ArticleRequest:
    title: str
    region: str | None = None
    topics: list[str] = field(default_factory=list)
    organization: str | None = None
    date: str | None = None  # default: asked for (``ask``), else today, marked as such in the file
    kicker: str | None = None
    slug: str | None = None
    draft: bool = False


def yaml_value(value) -> str:
    """``value`` as one line of YAML (quoted when it needs to be)."""
    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=1 << 20)
    return text.strip().removesuffix("\n...").strip()


def used_slugs(content_dir: Path) -> dict[str, Path]:
    """Slug → file of every article (file stem, or its ``slug:`` line)."""
    found: dict[str, Path] = {}
    for path in find_article_paths(content_dir):
        found.setdefault(path.stem, path)
        try:
            head = path.read_text(encoding="utf-8", errors="replace")[:4000]
        except OSError:
            continue
        match = SLUG_LINE.search(head.split("\n---", 1)[0])
        if match:
            found[match.group(1)] = path
    return found


def _check_region(content_dir: Path, spec: str, log: ProblemLog):
    """The region and the table, or (None, table) with the problem in ``log``."""
    regions, _order = load_regions(content_dir, ProblemLog())
    try:
        return regions.resolve(spec), regions
    except RegionLookupError as exc:
        hint = _("did you mean --region {suggestion}?", suggestion=exc.suggestion) if exc.suggestion else None
        if exc.candidates and not hint:
            hint = _("write the path or the code: {listing}", listing="; ".join(
                f"{regions.path_name(r.code).replace(' ', '/')} ({r.code})" for r in exc.candidates))
        log.error(exc.message, None, hint)
        return None, regions


def _check_topics(content_dir: Path, names: list[str], log: ProblemLog) -> list[str]:
    table = load_topics(content_dir, ProblemLog())
    slugs = []
    for name in names:
        topic = table.resolve(name.strip())
        if topic is None:
            close = table.suggestion(name.strip())
            log.error(_("unknown topic {name!r}", name=name.strip()), None,
                      _("did you mean {suggestion!r}?", suggestion=close) if close else
                      _("use a slug or name from {path}", path=str(content_dir / "topics.yml")))
        elif topic.slug not in slugs:
            slugs.append(topic.slug)
    return slugs


def render_article(request: ArticleRequest, fields: dict, translate: Translator = ENGLISH, date_marked: bool = False) -> str:
    lines = ["---"]
    for key, value in fields.items():
        if value is None:
            continue
        if key == "topics":
            lines.append(f"topics: [{', '.join(value)}]")
        elif key == "date":
            lines.append(f"date: {value}" + (f"  # {translate.gettext(TODAY_MARK)}" if date_marked else ""))
        else:
            lines.append(f"{key}: {yaml_value(value)}")
    lines += ["---", "", body_template(translate)]
    return "\n".join(lines)


def _volume_note(content_dir: Path, year: int) -> Message | None:
    """A note when ``year`` is in none of the volumes yearbook.yml lists (it would make a volume of its own)."""
    config = load_config(content_dir, ProblemLog())
    if not config.volumes or any(year in group.years for group in config.volumes):
        return None
    return _("{year} is in none of the volumes of yearbook.yml ({volumes}): the article would make a volume of its own; "
             "check the date, or add {year} to a volume's years", year=year, volumes=volumes_description(config))


def create_article(content_dir: Path, request: ArticleRequest, today: dt.date | None = None,
                   translate: Translator = ENGLISH, ask=None) -> tuple[Path, list[Message]]:
    """Write ``content/articles/<slug>.md``; return its path and notes for the editor. Every problem of
    the request is found before anything is written and raised at once (ContentErrors). Without a date,
    ``ask(prompt)`` (the CLI's, on a terminal) asks for one; without that, or when the answer is empty,
    the article is dated today, with a comment on its date line that ``check`` warns about."""
    if not content_dir.is_dir():
        raise ContentError(_("content directory {path} does not exist", path=str(content_dir)), None, _("pass --content DIR"))
    log = ProblemLog()
    notes: list[Message] = []
    title = request.title.strip()
    if not title:
        log.error(_("the title is empty"), None, _("pass --title '…'"))
    today = today or dt.date.today()
    date_text, date_marked = request.date, False
    if date_text is None and ask is not None:
        date_text = ask(_("the report's date (YYYY-MM-DD, YYYY-MM or YYYY; Enter for today, {today}): ",
                          today=today.isoformat())).strip() or None
    if date_text is None:
        date_text, date_marked = today.isoformat(), True
        notes.append(_("no --date: the article is dated today ({today}); write the report's own date under 'date'",
                       today=date_text))
    date = parse_date(date_text)
    if date is None:
        log.error(_("--date {value!r} is not a date", value=date_text), None, date_hint(date_text))
    elif (note := _volume_note(content_dir, date.year)) is not None:
        notes.append(note)
    region_spec, organization, draft = "未详", request.organization, request.draft
    region = None
    if request.region:
        region, regions = _check_region(content_dir, request.region, log)
        if region is not None:
            region_spec = regions.unambiguous_spec(region)
            organization = organization or f"{region.name}科协"
    else:
        draft = True
        notes.append(_("no --region: region is 未详 and the article is a draft; set 'region' before publishing"))
    if not organization and not request.region:
        log.error(_("no organization"), None, _("pass --organization 某某市科协 (or --region, whose name + 科协 is the default)"))
    topics = _check_topics(content_dir, request.topics, log) if request.topics else []
    if not request.topics:
        draft = True
        notes.append(_("no --themes: the article is a draft; add at least one theme under 'topics' before publishing"))
    slug = request.slug or (slug_from_title(title) if title else "")
    path = content_dir / "articles" / f"{slug}.md"
    if slug and not is_valid_slug(slug):
        log.error(_("slug {slug!r} is not allowed", slug=slug), None, _("use lowercase letters a–z, digits and '-'"))
    elif slug and path.exists():
        log.error(_("{path} already exists; refusing to overwrite it", path=str(path)), SourceLocation(path),
                  _("choose another --slug, or edit the existing file"))
    elif slug:
        other = used_slugs(content_dir).get(slug)
        if other is not None:
            log.error(_("slug {slug!r} is already used by {path}", slug=slug, path=str(other)), None,
                      _("choose another --slug (e.g. {slug}-2)", slug=slug))
    if log.errors:
        raise ContentErrors(log.errors)
    fields = {"title": title, "kicker": request.kicker or None, "organization": organization, "region": region_spec,
              "date": date.iso(), "topics": topics, "draft": True if draft else None}
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as handle:  # "x": never overwrite, even in a race
        handle.write(render_article(request, fields, translate, date_marked))
    return path, notes
