"""``yearbook new``: a new article file from a template, its front matter filled from the options.

The slug is the pinyin of the title (淮安市科协聚焦绿色高地 → huai-an-shi-ke-xie-ju-jiao-lv-se-gao-di), cut at
a syllable to stay short. The region and the topics are checked against the content's tables before
anything is written, with the same suggestions as the build; an existing file, or an article that
already uses the slug, is never overwritten. Without --region or --topics the article is created as a
draft (checked, not published) with the missing fields to fill in."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .content.collect import load_regions
from .errors import ContentError, ProblemLog, SourceLocation
from .content.frontmatter import parse_date
from .content.regions import RegionLookupError
from .content.sources import find_article_paths
from .content.topics import load_topics
from .content.slugs import is_valid_slug, slug_from_title

SLUG_LINE = re.compile(r"^slug:\s*['\"]?([a-z0-9-]+)", re.M)

BODY_TEMPLATE = """（导语：用一两段话写清这篇报告讲了什么。）

## 小节标题

（正文。照片说明写成：）

::: figure
照片说明文字
:::
"""


@dataclass
class ArticleRequest:
    title: str
    region: str | None = None
    topics: list[str] = field(default_factory=list)
    organization: str | None = None
    date: str | None = None  # default: today
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


def _fail(message: str, hint: str | None = None, where: Path | None = None) -> ContentError:
    return ContentError(message, SourceLocation(where) if where else None, hint)


def _check_region(content_dir: Path, spec: str):
    regions, _ = load_regions(content_dir, ProblemLog())
    try:
        return regions.resolve(spec), regions
    except RegionLookupError as exc:
        hint = f"did you mean --region {exc.suggestion}?" if exc.suggestion else None
        if exc.candidates and not hint:
            hint = "write the path or the code: " + "; ".join(
                f"{regions.path_name(r.code).replace(' ', '/')} ({r.code})" for r in exc.candidates)
        raise _fail(exc.message, hint) from exc


def _check_topics(content_dir: Path, names: list[str]) -> list[str]:
    log = ProblemLog()
    table = load_topics(content_dir, log)
    slugs = []
    for name in names:
        topic = table.resolve(name.strip())
        if topic is None:
            close = table.suggestion(name.strip())
            raise _fail(f"unknown topic {name.strip()!r}", f"did you mean {close!r}?" if close else
                        f"use a slug or name from {content_dir / 'topics.yml'}")
        if topic.slug not in slugs:
            slugs.append(topic.slug)
    return slugs


def render_article(request: ArticleRequest, fields: dict) -> str:
    lines = ["---"]
    for key, value in fields.items():
        if value is None:
            continue
        if key == "topics":
            lines.append(f"topics: [{', '.join(value)}]")
        elif key == "date":
            lines.append(f"date: {value}")
        else:
            lines.append(f"{key}: {yaml_value(value)}")
    lines += ["---", "", BODY_TEMPLATE]
    return "\n".join(lines)


def create_article(content_dir: Path, request: ArticleRequest, today: dt.date | None = None) -> tuple[Path, list[str]]:
    """Write ``content/articles/<slug>.md``; return its path and notes for the editor."""
    if not content_dir.is_dir():
        raise _fail(f"content directory {content_dir} does not exist", "pass --content DIR")
    title = request.title.strip()
    if not title:
        raise _fail("the title is empty", "pass --title '…'")
    notes: list[str] = []
    date_text = request.date or (today or dt.date.today()).isoformat()
    date = parse_date(date_text)
    if date is None:
        raise _fail(f"--date {date_text!r} is not a date", "write YYYY-MM-DD, YYYY-MM or YYYY")
    region_spec, organization, draft = "未详", request.organization, request.draft
    if request.region:
        region, regions = _check_region(content_dir, request.region)
        region_spec = regions.unambiguous_spec(region)
        organization = organization or f"{region.name}科协"
    else:
        draft = True
        notes.append("no --region: region is 未详 and the article is a draft; set 'region' before publishing")
    if not organization:
        raise _fail("no organization", "pass --organization 某某市科协 (or --region, whose name + 科协 is the default)")
    topics = _check_topics(content_dir, request.topics) if request.topics else []
    if not topics:
        draft = True
        notes.append("no --themes: the article is a draft; add at least one theme under 'topics' before publishing")
    slug = request.slug or slug_from_title(title)
    if not is_valid_slug(slug):
        raise _fail(f"slug {slug!r} is not allowed", "use lowercase letters a–z, digits and '-'")
    path = content_dir / "articles" / f"{slug}.md"
    if path.exists():
        raise _fail(f"{path} already exists; refusing to overwrite it", "choose another --slug, or edit the existing file", path)
    other = used_slugs(content_dir).get(slug)
    if other is not None:
        raise _fail(f"slug {slug!r} is already used by {other}", f"choose another --slug (e.g. {slug}-2)")
    fields = {"title": title, "kicker": request.kicker or None, "organization": organization, "region": region_spec,
              "date": date.iso(), "topics": topics, "draft": True if draft else None}
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as handle:  # "x": never overwrite, even in a race
        handle.write(render_article(request, fields))
    return path, notes
