"""Load ``content/yearbook.yml`` into a frozen :class:`Config`, reporting every problem at once;
unknown keys are warnings with a suggestion."""
from __future__ import annotations

import os
import difflib
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ..errors import ContentError, ProblemLog, SourceLocation
from ..i18n import _
from .slugs import is_valid_slug, safe_content_path, slugify_ascii
from .yamlfile import LineMap, load_yaml_file

CONFIG_NAME = "yearbook.yml"
PAGE_SIZES = {"大16开": "210mm 285mm", "16开": "185mm 260mm", "A4": "210mm 297mm"}
EDITIONS = ("screen", "print", "archive")  # see render_pdf / print_layout
ARCHIVE_VARIANTS = ("pdf/a-3b", "pdf/a-2b")


@dataclass(frozen=True)
class VolumeGroup:
    """A volume made of the articles of some report years (config ``volumes``)."""

    name: str
    years: tuple[int, ...]
    slug: str


@dataclass(frozen=True)
class PdfConfig:
    """Print settings (``pdf:`` in the config); the defaults suit a Chinese yearbook.

    Lengths are CSS lengths (``22mm``, ``10.5pt``). The text block (版心) is always a whole number of
    body characters wide: ``chars_per_line`` when given, else as many as fit between the margins,
    whose leftover is shared out so that the inner margin stays the wider one."""

    page_size: str = "210mm 285mm"  # 大16开; named: 大16开, 16开, A4; or a CSS size "185mm 260mm"
    body_font: str = '"Noto Serif CJK SC", "Source Han Serif SC", "Songti SC", STSong, SimSun, serif'
    heading_font: str = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", SimHei, sans-serif'
    font_size: str = "10.5pt"  # 五号
    margin_top: str = "22mm"
    margin_bottom: str = "20mm"
    margin_inner: str = "25mm"  # at the spine
    margin_outer: str = "20mm"
    chars_per_line: int = 0  # 0: as many as fit between the margins
    latin_spacing: str = "1/8"  # between Chinese and Latin words or digits: 1/8 or 1/4 (em), as clreq allows
    edition: tuple[str, ...] = ("screen",)  # screen, print, archive (a list builds several)
    bleed: str = "3mm"  # print edition
    cover_image: str = ""  # content-relative path of a cover picture (full bleed)
    icc_profile: str = ""  # CMYK ICC profile (content-relative or absolute) for the print edition
    archive_variant: str = "pdf/a-3b"  # or pdf/a-2b
    min_dpi: int = 300  # images printing below this resolution are reported
    index_opening: str = "right"  # every index opens on a recto ("right"), or follows on ("any")
    slug: str = "10mm"  # print edition: the slug around the bleed, where crop and registration marks go
    pad_pages: int = 4  # print edition: blank pages added at the end to a multiple of this (1, 2, 4, 8, 16)


@dataclass(frozen=True)
class MarkdownConfig:
    """How article Markdown is read (``markdown:`` in the config); both switches are off by default."""

    raw_html: bool = False  # HTML written in articles is kept (sanitized: no scripts, handlers, javascript: URLs)
    remote_images: bool = False  # http(s) images are shown from where they are (the PDF fetches exactly those)


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
    markdown: MarkdownConfig = field(default_factory=MarkdownConfig)

    @property
    def path(self) -> Path:
        return self.content_dir / CONFIG_NAME


TOP_KEYS = {f.name for f in fields(Config)} - {"content_dir"}
PDF_KEYS = {f.name for f in fields(PdfConfig)}
MARKDOWN_KEYS = {f.name for f in fields(MarkdownConfig)}


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
                _("unknown setting '{key}' is ignored", key=".".join((*prefix, str(key)))),
                where,
                _("did you mean '{suggestion}'?", suggestion=close) if close else
                _("known settings: {keys}", keys=", ".join(sorted(known))),
            )


def _volume_groups(raw: Any, lines: LineMap, path: Path, log: ProblemLog) -> tuple[VolumeGroup, ...]:

    if raw in (None, []):
        return ()
    where = SourceLocation(path, 1 + (lines.line("volumes") or 0))
    if not isinstance(raw, list):
        log.error(_("'volumes' must be a list of {{name, years}}"), where)
        return ()
    groups = []
    claimed: dict[int, str] = {}
    for index, item in enumerate(raw):
        loc = SourceLocation(path, 1 + (lines.line("volumes", index) or 0))
        if not isinstance(item, dict) or "name" not in item or not isinstance(item.get("years"), list):
            log.error(_("each volume needs a 'name' and a list of 'years'"), loc, _('e.g. - {{name: "2021", years: [2021]}}'))
            continue
        years = item["years"]
        if not all(isinstance(y, int) and 1900 < y < 2200 for y in years):
            log.error(_("'years' must be four-digit years"), loc)
            continue
        name = str(item["name"])
        twice = [y for y in years if y in claimed]
        if twice:
            log.error(_("year {year} is already in volume '{volume}'", year=twice[0], volume=claimed[twice[0]]), loc,
                      _("list each report year in one volume only"))
            continue
        claimed.update({y: name for y in years})
        slug = str(item.get("slug") or slugify_ascii(name) or f"volume-{index + 1}")
        if not is_valid_slug(slug) or slug in {group.slug for group in groups}:
            log.error(_("volume slug {slug!r} is taken by another volume", slug=slug) if is_valid_slug(slug) else
                      _("volume slug {slug!r} is not allowed", slug=slug), loc,
                      _("give each volume its own 'slug:' of lowercase letters, digits and '-'"))
            continue
        groups.append(VolumeGroup(name=name, years=tuple(years), slug=slug))
    return tuple(groups)


def _markdown_config(raw: Any, lines: LineMap, path: Path, log: ProblemLog) -> MarkdownConfig:
    if raw is None:
        return MarkdownConfig()
    if not isinstance(raw, dict):
        log.error(_("'markdown' must be a mapping such as {{raw_html: false}}"), SourceLocation(path, 1 + (lines.line("markdown") or 0)))
        return MarkdownConfig()
    _unknown_keys(raw, MARKDOWN_KEYS, ("markdown",), lines, path, log)
    values = {}
    for key in MARKDOWN_KEYS & set(raw):
        if isinstance(raw[key], bool):
            values[key] = raw[key]
        else:
            log.error(_("'markdown.{key}' must be true or false", key=key), SourceLocation(path, 1 + (lines.line("markdown", key) or 0)))
    return MarkdownConfig(**values)


def _pdf_config(raw: Any, lines: LineMap, path: Path, log: ProblemLog) -> PdfConfig:
    if raw is None:
        return PdfConfig()
    if not isinstance(raw, dict):
        log.error(_("'pdf' must be a mapping of print settings"), SourceLocation(path, 1 + (lines.line("pdf") or 0)))
        return PdfConfig()
    _unknown_keys(raw, PDF_KEYS, ("pdf",), lines, path, log)

    def where(key: str) -> SourceLocation:
        return SourceLocation(path, 1 + (lines.line("pdf", key) or lines.line("pdf") or 0))

    values: dict[str, Any] = {k: str(v) for k, v in raw.items()
                              if k in PDF_KEYS and v is not None and not isinstance(v, (list, dict, bool))}
    if "page_size" in values:
        values["page_size"] = PAGE_SIZES.get(values["page_size"], values["page_size"])
    if values.get("index_opening", "right") not in ("right", "any"):
        log.error(_("'pdf.index_opening' must be right (every index on a recto) or any"), where("index_opening"))
        values.pop("index_opening")
    if "pad_pages" in raw and raw["pad_pages"] not in (1, 2, 4, 8, 16):
        log.error(_("'pdf.pad_pages' must be 1, 2, 4, 8 or 16 (the print edition's page count is a multiple of it)"),
                  where("pad_pages"))
        values.pop("pad_pages", None)
    elif "pad_pages" in raw:
        values["pad_pages"] = raw["pad_pages"]
    for key in ("chars_per_line", "min_dpi"):
        if key in raw and raw[key] is not None:
            if isinstance(raw[key], int) and not isinstance(raw[key], bool) and 0 <= raw[key] <= 2400:
                values[key] = raw[key]
            else:
                values.pop(key, None)
                log.error(_("'pdf.{key}' must be a whole number", key=key), where(key))
    if raw.get("edition") is not None:
        editions = raw["edition"] if isinstance(raw["edition"], list) else str(raw["edition"]).split(",")
        editions = [str(e).strip() for e in editions if str(e).strip()]
        wrong = [e for e in editions if e not in EDITIONS]
        if wrong or not editions:
            values.pop("edition", None)
            log.error(_("unknown PDF edition '{edition}'", edition=wrong[0] if wrong else ""), where("edition"),
                      _("choose from {editions} (or a list of them)", editions=", ".join(EDITIONS)))
        else:
            values["edition"] = tuple(dict.fromkeys(editions))
    if "latin_spacing" in values and values["latin_spacing"].replace(" ", "") not in LATIN_SPACINGS:
        log.error(_("'pdf.latin_spacing' must be one of {values}", values=", ".join(LATIN_SPACINGS)), where("latin_spacing"),
                  _("the gap between Chinese and Latin or digits: 1/8 (of an em, the default) or 1/4"))
        values.pop("latin_spacing")
    elif "latin_spacing" in values:
        values["latin_spacing"] = values["latin_spacing"].replace(" ", "")
    if values.get("archive_variant", ARCHIVE_VARIANTS[0]).lower() not in ARCHIVE_VARIANTS:
        log.error(_("'pdf.archive_variant' must be one of {variants}", variants=", ".join(ARCHIVE_VARIANTS)), where("archive_variant"))
        values.pop("archive_variant")
    elif "archive_variant" in values:
        values["archive_variant"] = values["archive_variant"].lower()
    for key in ("font_size", "margin_top", "margin_bottom", "margin_inner", "margin_outer", "bleed", "slug"):
        if key in values and css_length_mm(values[key]) is None:
            log.error(_("'pdf.{key}' must be a length such as 20mm or 10.5pt", key=key), where(key))
            values.pop(key)
    if "page_size" in values and page_size_mm(values["page_size"]) is None:
        log.error(_("'pdf.page_size' {size!r} is not a page size", size=values["page_size"]), where("page_size"),
                  _("use one of {sizes} or two lengths such as '185mm 260mm'", sizes=", ".join(PAGE_SIZES)))
        values.pop("page_size")
    content_dir = path.parent  # the files the PDF reads: checked here, so that `check` reports them as `build` does
    cover = values.get("cover_image", "")
    if cover and (safe_content_path(cover) is None or not (content_dir / cover).is_file()):
        log.error(_("the cover image {path!r} is not a file inside content/", path=cover), where("cover_image"),
                  _("give pdf.cover_image as a path relative to content/, e.g. images/cover.jpg"))
    icc = values.get("icc_profile", "")
    if icc and not (Path(icc) if Path(icc).is_absolute() else content_dir / icc).is_file():
        log.error(_("the ICC profile {path!r} does not exist", path=icc), where("icc_profile"),
                  _("give the path of a CMYK profile (.icc), relative to content/ or absolute"))
    return PdfConfig(**values)


LATIN_SPACINGS = {"1/8": 0.125, "1/4": 0.25}  # em: clreq 3.2.2 (no more than a quarter of a character)


def latin_spacing_em(pdf: PdfConfig) -> float:
    """The gap between Chinese and Latin or digits, in em."""
    return LATIN_SPACINGS.get(pdf.latin_spacing, 0.125)


_UNITS_MM = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72, "pc": 25.4 / 6, "px": 25.4 / 96, "q": 0.25}


def css_length_mm(text: str) -> float | None:
    """``'22mm'`` → 22.0, ``'10.5pt'`` → 3.704; None for anything that is not an absolute length."""
    import re

    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(mm|cm|in|pt|pc|px|q)\s*", text.lower())
    return float(match.group(1)) * _UNITS_MM[match.group(2)] if match else None


def page_size_mm(text: str) -> tuple[float, float] | None:
    """``'210mm 285mm'`` (or a named size) → (210.0, 285.0)."""
    parts = PAGE_SIZES.get(text, text).split()
    sizes = [css_length_mm(part) for part in parts]
    if len(sizes) != 2 or None in sizes:
        return None
    return sizes[0], sizes[1]


LANGUAGE_LINE = re.compile(r"^language[ \t]*:[ \t]*['\"]?([A-Za-z_-]*)", re.M)


def content_language(content_dir: Path) -> str | None:
    """The content's language as yearbook.yml gives it (``language:``), read without YAML so that a config
    with mistakes in it still tells the language its messages should be in; the default ``zh-CN`` when it
    does not say, None when there is no yearbook.yml."""
    path = content_dir / CONFIG_NAME
    try:
        if not path.is_file():  # a named pipe would block the run before it starts: load_config says what it is
            return Config.language if os.path.lexists(path) else None
        with open(path, "rb") as stream:
            data = stream.read(MAX_PEEK)
    except OSError:
        return None
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    if "\ufffd" in text:
        text = data.decode("gb18030", errors="replace")
    match = LANGUAGE_LINE.search(text)
    return match.group(1) if match and match.group(1) else Config.language


MAX_PEEK = 64 * 1024


def load_config(content_dir: Path, log: ProblemLog) -> Config:
    """Read ``content/yearbook.yml``; problems go to ``log`` (a missing file is an error)."""
    path = content_dir / CONFIG_NAME
    if not content_dir.is_dir():
        raise ContentError(_("content directory {path} does not exist", path=str(content_dir)), None, _("pass --content DIR"))
    if not os.path.lexists(path):  # there but not a file (a folder, a pipe): read_text says so
        log.error(_("the config file is missing"), SourceLocation(path), _("create {name} with at least 'title:'", name=CONFIG_NAME))
        return Config(content_dir=content_dir)
    try:
        data, lines = load_yaml_file(path)
    except ContentError as exc:
        log.add(exc)
        return Config(content_dir=content_dir)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        log.error(_("the config must be a mapping of 'key: value' settings"), SourceLocation(path, 1))
        return Config(content_dir=content_dir)
    _unknown_keys(data, TOP_KEYS, (), lines, path, log)
    values: dict[str, Any] = {}
    if "slug" in data and not is_valid_slug(str(data["slug"])):
        log.error(_("'slug' must be lowercase letters, digits and '-'"), SourceLocation(path, 1 + (lines.line("slug") or 0)))
        data = {k: v for k, v in data.items() if k != "slug"}
    for key in ("title", "slug", "subtitle", "publisher", "language", "base_url", "theme"):
        if key in data and data[key] is not None:
            if not isinstance(data[key], (str, int, float)):
                log.error(_("'{key}' must be text", key=key), SourceLocation(path, 1 + (lines.line(key) or 0)))
                continue
            values[key] = str(data[key])
    if "latest_count" in data:
        if isinstance(data["latest_count"], int) and data["latest_count"] > 0:
            values["latest_count"] = data["latest_count"]
        else:
            log.error(_("'latest_count' must be a positive whole number"), SourceLocation(path, 1 + (lines.line("latest_count") or 0)))
    if values.get("base_url") and not values["base_url"].endswith("/"):
        values["base_url"] += "/"
    values["volumes"] = _volume_groups(data.get("volumes"), lines, path, log)
    values["pdf"] = _pdf_config(data.get("pdf"), lines, path, log)
    values["markdown"] = _markdown_config(data.get("markdown"), lines, path, log)
    return Config(content_dir=content_dir, **values)
