"""Load ``content/yearbook.yml`` into a frozen :class:`Config`, reporting every problem at once;
unknown keys are warnings with a suggestion."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ContentError, ProblemLog, SourceLocation
from .urls import is_valid_slug
from .yamlfile import LineMap, load_yaml_file

CONFIG_NAME = "yearbook.yml"
PAGE_SIZES = {"大16开": "210mm 285mm", "16开": "185mm 260mm", "A4": "210mm 297mm"}


@dataclass(frozen=True)
class VolumeGroup:
    """A volume made of the articles of some report years (config ``volumes``)."""

    name: str
    years: tuple[int, ...]
    slug: str


@dataclass(frozen=True)
class PdfConfig:
    """Print settings (``pdf:`` in the config)."""

    page_size: str = "210mm 285mm"  # 大16开
    body_font: str = '"Noto Serif CJK SC", "Source Han Serif SC", "Songti SC", SimSun, serif'
    heading_font: str = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", SimHei, sans-serif'
    font_size: str = "10.5pt"


@dataclass(frozen=True)
class Config:
    """Site and book settings; field names are the YAML keys and what templates see."""

    content_dir: Path
    title: str = "科协工作年鉴"
    slug: str = "nianjian"  # file-name stem of the PDFs: nianjian-2021.pdf
    subtitle: str = ""
    publisher: str = ""
    language: str = "zh-CN"
    base_url: str = ""
    theme: str = "default"
    latest_count: int = 10
    volumes: tuple[VolumeGroup, ...] = ()
    pdf: PdfConfig = field(default_factory=PdfConfig)

    @property
    def path(self) -> Path:
        return self.content_dir / CONFIG_NAME


TOP_KEYS = {f.name for f in fields(Config)} - {"content_dir"}
PDF_KEYS = {f.name for f in fields(PdfConfig)}


def suggest(word: str, choices: set[str] | list[str]) -> str | None:
    """The closest known name to ``word``, if any is close enough."""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return match[0] if match else None


def _unknown_keys(data: dict, known: set[str], prefix: str, lines: LineMap, path: Path, log: ProblemLog) -> None:
    for key in data:
        if key not in known:
            close = suggest(str(key), known)
            where = SourceLocation(path, 1 + (lines.line(*prefix, key) or 0))
            log.warning(
                f"unknown setting '{'.'.join((*prefix, str(key)))}' is ignored",
                where,
                f"did you mean '{close}'?" if close else f"known settings: {', '.join(sorted(known))}",
            )


def _volume_groups(raw: Any, lines: LineMap, path: Path, log: ProblemLog) -> tuple[VolumeGroup, ...]:
    from .urls import slugify_ascii

    if raw in (None, []):
        return ()
    where = SourceLocation(path, 1 + (lines.line("volumes") or 0))
    if not isinstance(raw, list):
        log.error("'volumes' must be a list of {name, years}", where)
        return ()
    groups = []
    claimed: dict[int, str] = {}
    for index, item in enumerate(raw):
        loc = SourceLocation(path, 1 + (lines.line("volumes", index) or 0))
        if not isinstance(item, dict) or "name" not in item or not isinstance(item.get("years"), list):
            log.error("each volume needs a 'name' and a list of 'years'", loc, 'e.g. - {name: "2021", years: [2021]}')
            continue
        years = item["years"]
        if not all(isinstance(y, int) and 1900 < y < 2200 for y in years):
            log.error("'years' must be four-digit years", loc)
            continue
        name = str(item["name"])
        twice = [y for y in years if y in claimed]
        if twice:
            log.error(f"year {twice[0]} is already in volume '{claimed[twice[0]]}'", loc,
                      "list each report year in one volume only")
            continue
        claimed.update({y: name for y in years})
        slug = str(item.get("slug") or slugify_ascii(name) or f"volume-{index + 1}")
        groups.append(VolumeGroup(name=name, years=tuple(years), slug=slug))
    return tuple(groups)


def _pdf_config(raw: Any, lines: LineMap, path: Path, log: ProblemLog) -> PdfConfig:
    if raw is None:
        return PdfConfig()
    if not isinstance(raw, dict):
        log.error("'pdf' must be a mapping of print settings", SourceLocation(path, 1 + (lines.line("pdf") or 0)))
        return PdfConfig()
    _unknown_keys(raw, PDF_KEYS, ("pdf",), lines, path, log)
    values = {k: str(v) for k, v in raw.items() if k in PDF_KEYS and v is not None}
    if "page_size" in values:
        values["page_size"] = PAGE_SIZES.get(values["page_size"], values["page_size"])
    return PdfConfig(**values)


def load_config(content_dir: Path, log: ProblemLog) -> Config:
    """Read ``content/yearbook.yml``; problems go to ``log`` (a missing file is an error)."""
    path = content_dir / CONFIG_NAME
    if not content_dir.is_dir():
        raise ContentError(f"content directory {content_dir} does not exist", None, "pass --content DIR")
    if not path.is_file():
        log.error("the config file is missing", SourceLocation(path), f"create {CONFIG_NAME} with at least 'title:'")
        return Config(content_dir=content_dir)
    try:
        data, lines = load_yaml_file(path)
    except ContentError as exc:
        log.add(exc)
        return Config(content_dir=content_dir)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        log.error("the config must be a mapping of 'key: value' settings", SourceLocation(path, 1))
        return Config(content_dir=content_dir)
    _unknown_keys(data, TOP_KEYS, (), lines, path, log)
    values: dict[str, Any] = {}
    if "slug" in data and not is_valid_slug(str(data["slug"])):
        log.error("'slug' must be lowercase letters, digits and '-'", SourceLocation(path, 1 + (lines.line("slug") or 0)))
        data = {k: v for k, v in data.items() if k != "slug"}
    for key in ("title", "slug", "subtitle", "publisher", "language", "base_url", "theme"):
        if key in data and data[key] is not None:
            if not isinstance(data[key], (str, int, float)):
                log.error(f"'{key}' must be text", SourceLocation(path, 1 + (lines.line(key) or 0)))
                continue
            values[key] = str(data[key])
    if "latest_count" in data:
        if isinstance(data["latest_count"], int) and data["latest_count"] > 0:
            values["latest_count"] = data["latest_count"]
        else:
            log.error("'latest_count' must be a positive whole number", SourceLocation(path, 1 + (lines.line("latest_count") or 0)))
    if values.get("base_url") and not values["base_url"].endswith("/"):
        values["base_url"] += "/"
    values["volumes"] = _volume_groups(data.get("volumes"), lines, path, log)
    values["pdf"] = _pdf_config(data.get("pdf"), lines, path, log)
    return Config(content_dir=content_dir, **values)
