"""Structure → a draft article: propose the organization, the region, the date and themes, write the
Markdown body (figures with their pictures, tables), and the slug. Every guess is listed in ``undecided``.

- Organization: the headline's ``…科协：``, else the signature's, else the one the evidence names most —
  the page's 来源, a speaker's title, ``<place>科协`` in the headline (three times the weight) and the text,
  and ``县科协``/``市科协``/``区科协`` written without a place, which stand for the county, city or district the
  text names most. ``…科学技术协会`` is written ``…科协``.
- Region: the organization's place, with the regions table: names run together (北京市通州区) are read
  as a path; an ambiguous name (通州区) is settled only when the text names one candidate's province or
  city; a development zone (蚌埠高新区) is filed under the city it lies in, flagged; a withheld place
  (XX市) stays 未详 with a ``region_note``.
- Date: the report's own (a signature, a closing date line, a speech's date line, a newspaper's date),
  else the page's date (a meta line) unless it reads as an upload stamp (an essay site's page, a date
  years after the years the report speaks of, or before its dateline), else a guess from the dateline
  and the years the text names — flagged.
- Slug: the title's pinyin; when the report has no headline, the organization's place and the year."""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePosixPath

import yaml

from ..content.regions import Region, RegionTable, zone_split
from ..content.slugs import slug_from_title, slugify_ascii
from ..content.topics import TopicTable
from .dates import years_named
from .reading import Picture
from .structure import Block, Structure

ORG_SUFFIX = re.compile(r"科学技术协会|科协")
TITLE_ORG = re.compile(r"^(.{2,20}?(?:科学技术协会|科协))[：:]")
NOT_PLACES = {"全市", "本市", "我市", "各市", "全区", "本区", "我区", "各区", "全县", "本县", "我县", "各县", "全省", "本省", "各省",
              "市", "区", "县", "省", "地市", "县区", "市区", "区县", "省市", "市县", "各级", "基层", "企业", "高校", "乡镇", "街道"}
PLACEHOLDER = re.compile(r"(?:XX|ＸＸ|××|某某|X{2,})(市|县|区)")
WEB_IMAGES = {"png", "jpg", "jpeg", "gif", "webp", "svg"}
TITLE_WEIGHT, SOURCE_WEIGHT = 3, 5
NOT_SOURCES = {"本站", "本网", "网站", "本网站", "原创", "本报", "admin"}
SALUTATION = re.compile(r"^[^。！？]{1,40}[：:]$")  # 同志们： — not a summary


@dataclass
class Draft:
    fields: dict
    body: str
    slug: str
    undecided: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    region: Region | None = None
    blocks: list[Block] = field(default_factory=list)
    pictures: list[Picture] = field(default_factory=list)  # the pictures of the body's figures, in order

    def picture_names(self, stem: str | None = None) -> list[str]:
        """File names for the pictures: <slug>-1.png, <slug>-2.jpg …"""
        return [f"{stem or self.slug}-{n}.{p.extension}" for n, p in enumerate(self.pictures, 1)]

    def render_body(self, picture_paths: list[str] | None = None) -> str:
        """The Markdown body, the figures' pictures at ``picture_paths`` (default: ../images/<slug>-N.ext)."""
        paths = picture_paths or [f"../images/{name}" for name in self.picture_names()]
        return body_markdown(self.blocks, dict(zip((id(p) for p in self.pictures), paths)))


# --- places -----------------------------------------------------------------------------------------

def _org_name(text: str) -> str:
    """…科学技术协会 → …科协 (the yearbook's form)."""
    return re.sub(r"科学技术协会$", "科协", text)


def _place_regions(place: str, regions: RegionTable) -> tuple[list[Region], bool]:
    """The regions a place name as written means, and whether it is a development zone (filed under its city)."""
    if not place or place in NOT_PLACES:
        return [], False
    found = regions.places_named(place)
    if found:
        return found, False
    if zone_split(place):
        zones = regions.zone_candidates(place)
        if zones:
            return zones, False
        prefix = zone_split(place)[0]
        return (regions.zone_places(prefix) if prefix else []), True
    return [], False


def named_organizations(text: str, regions: RegionTable) -> list[tuple[str, int]]:
    """``<place>科协`` in ``text``: (organization as the yearbook writes it, position), the longest place
    before each 科协 that is a region (or a zone) — 北京市通州区科协, 蚌埠高新区科协."""
    found = []
    for match in ORG_SUFFIX.finditer(text):
        start = match.start()
        for length in range(min(14, start), 1, -1):
            prefix = text[start - length:start]
            if not re.fullmatch(r"[\u4e00-\u9fff]+", prefix):
                continue
            places, _ = _place_regions(prefix, regions)
            if places:
                found.append((prefix + "科协", start - length))
                break
    return found


def place_mentions(text: str, regions: RegionTable) -> Counter[str]:
    """How often the text names each region by its full name (three characters or more: 宿松县, 蚌埠市; 宿松县
    inside 宿松县城 counts, 通州区 inside 北京市通州区 counts for both). When the text names no region of a
    kind (县, 市, 区) by its full name, the short names that only one region has count instead (蚌埠 → 蚌埠市)."""
    names, shorts = _place_names(regions)
    counts: Counter[str] = Counter()
    for name in names:
        count = text.count(name)
        if count:
            counts[name] = count
    for kind in "市县区":
        if any(name.endswith(kind) for name in counts):
            continue
        for short, name in shorts.get(kind, ()):
            count = text.count(short)
            if count >= 2:
                counts[name] = count
    return counts


@lru_cache(maxsize=4)
def _place_names(regions: RegionTable) -> tuple[list[str], dict[str, list[tuple[str, str]]]]:
    """The full names worth counting, and by kind the short names only one region has (short, full name)."""
    names = sorted({r.name for r in regions if len(r.name) >= 3 and not r.is_unspecified})
    short_count = Counter(r.short_name for r in regions)
    name_count = Counter(r.name for r in regions)
    shorts: dict[str, list[tuple[str, str]]] = {}
    for region in regions:
        kind = region.name[-1:]
        if kind in "市县区" and len(region.short_name) >= 2 and region.short_name != region.name \
                and short_count[region.short_name] == 1 and name_count[region.name] == 1:
            shorts.setdefault(kind, []).append((region.short_name, region.name))
    return names, shorts


@dataclass
class _Evidence:
    weight: int = 0
    forms: Counter = field(default_factory=Counter)
    why: list[str] = field(default_factory=list)


def propose_organization(structure: Structure, regions: RegionTable, draft: Draft) -> str:
    match = TITLE_ORG.match(structure.title)
    if match and named_organizations(match.group(1), regions):
        return _org_name(match.group(1))
    if structure.signed_by and ORG_SUFFIX.search(structure.signed_by):
        named = named_organizations(structure.signed_by, regions)
        if named:  # the signature names the body; the headline's name for the same body is the report's own form
            signed = {r.code for r in _place_regions(ORG_SUFFIX.sub("", named[0][0]), regions)[0]}
            for org, _ in named_organizations(structure.title, regions):
                if {r.code for r in _place_regions(ORG_SUFFIX.sub("", org), regions)[0]} & signed:
                    return _org_name(org)
            return named[0][0]
    evidence: dict[str, _Evidence] = {}

    def add(org: str, weight: int, why: str) -> None:
        place = ORG_SUFFIX.sub("", org)
        key = next((k for k in evidence if k == place or k.endswith(place) or place.endswith(k)), place)
        if key != place and len(place) > len(key):  # the longer form names the place more fully: keep it as the key
            evidence[place] = evidence.pop(key)
            key = place
        item = evidence.setdefault(key, _Evidence())
        item.weight += weight
        item.forms[org] += weight
        item.why.append(why)

    title, body = structure.title + "\n" + structure.kicker, structure.text
    for org, _ in named_organizations(title, regions):
        add(org, TITLE_WEIGHT, "the headline")
    for org, _ in named_organizations(body, regions):
        add(org, 1, "the text")
    for source in structure.sources + [b.role for b in structure.bylines]:
        for org, _ in named_organizations(source, regions):
            add(org, SOURCE_WEIGHT, f"'{source}'")
    mentions = place_mentions(body + "\n" + "\n".join(structure.sources + [structure.site_name]), regions)
    for kind in "市县区":
        generic = _generic_count(title, kind) * TITLE_WEIGHT + _generic_count(body, kind)
        generic += sum(SOURCE_WEIGHT for s in structure.sources + [b.role for b in structure.bylines]
                       if re.match(f"^{kind}科(?:协|学技术协会)", s))
        if not generic:
            continue
        place = _most_named(mentions, kind, evidence)
        if place:
            add(place + "科协", generic, f"'{kind}科协' in a text that names {place} most")
    if evidence:
        ranked = sorted(evidence.values(), key=lambda e: -e.weight)
        best = ranked[0]
        organization = _org_name(max(best.forms, key=lambda f: (best.forms[f], len(f))))
        if len(ranked) > 1 and ranked[1].weight == best.weight:
            other = _org_name(max(ranked[1].forms, key=ranked[1].forms.get))
            draft.undecided.append(f"organization: the text names {organization} and {other} as often; proposed "
                                   f"{organization}, the first — check it")
        elif len(ranked) > 1:
            others = ", ".join(_org_name(max(e.forms, key=e.forms.get)) for e in ranked[1:4])
            draft.notes.append(f"organization: {organization} is named most (also named: {others})")
        return organization
    placeholder = PLACEHOLDER.search(structure.text)
    if placeholder and "科协" in structure.text:
        return f"XX{placeholder.group(1)}科协"
    ranked = mentions.most_common(2)
    if "科协" in body and ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
        organization = ranked[0][0] + "科协"
        draft.undecided.append(f"organization: the text names no …科协 with its place; proposed {organization} from the place "
                               f"it names most ({ranked[0][0]}) — check it")
        return organization
    draft.undecided.append("organization: no …科协 with a place name in the text — write it")
    return "（待定）"


def _generic_count(text: str, kind: str) -> int:
    """县科协 (or 市科协, 区科协) written without a place before it."""
    count = 0
    for match in re.finditer(f"{kind}(?:科协|科学技术协会)", text):
        before = text[max(0, match.start() - 1):match.start()]
        if not before or not re.match(r"[\u4e00-\u9fff]", before) or before in "全本我各该":
            count += 1
    return count


def _most_named(mentions: Counter[str], kind: str, evidence: dict) -> str | None:
    """The region of that kind (县, 市, 区) the text names most, when one is named most."""
    ranked = [(count, name) for name, count in mentions.items() if name.endswith(kind)]
    for place in evidence:  # a named organization's place counts as named
        if place.endswith(kind) and all(place != name for _, name in ranked):
            ranked.append((1, place))
    ranked.sort(reverse=True)
    if not ranked or len(ranked) > 1 and ranked[0][0] == ranked[1][0]:
        return None
    return ranked[0][1]


def propose_region(organization: str, structure: Structure, regions: RegionTable, draft: Draft) -> Region | None:
    place = ORG_SUFFIX.sub("", organization).strip()
    placeholder = PLACEHOLDER.fullmatch(place)
    if placeholder:
        kind = {"市": "市名", "县": "县名", "区": "区名"}[placeholder.group(1)]
        draft.fields["region_note"] = f"原文隐去{kind}（{place}）"
        draft.undecided.append(f"region: the report withholds the place ({place}); the text alone does not tell which "
                               "— set the province if you know it (region is 未详 until then)")
        return None
    candidates, zone = _place_regions(place, regions)
    if zone and len(candidates) == 1:
        city = candidates[0]
        draft.undecided.append(f"region: {place} is a development zone, which the regions table does not list; "
                               f"proposed {regions.path_name(city.code)}, where it lies — to file it under its own name, "
                               f"add it to regions.yml (parent_code: \"{city.code}\")")
        return city
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        text = structure.text + "\n" + "\n".join(structure.sources)
        scores = []
        for region in candidates:
            above = regions.ancestors(region.code)[:-1]
            scores.append(sum(text.count(r.name) + (text.count(r.short_name) if r.short_name != r.name else 0) for r in above))
        best = max(scores)
        if best > 0 and scores.count(best) == 1:
            chosen = candidates[scores.index(best)]
            names = [r.short_name for r in regions.ancestors(chosen.code)[:-1]]
            draft.notes.append(f"region: {place} is ambiguous; chose {regions.path_name(chosen.code)} because the text "
                               f"names {'、'.join(names)}")
            return chosen
        listing = "; ".join(f"{regions.path_name(r.code)} ({r.code})" for r in candidates)
        draft.undecided.append(f"region: {place} is ambiguous ({listing}) and the text does not tell which")
        return None
    if organization != "（待定）":
        draft.undecided.append(f"region: cannot tell the region of {organization!r} — write it (region is 未详 until then)")
    else:
        draft.undecided.append("region: the report names no organization with a place — write the region (未详 until then)")
    return None


# --- the date -------------------------------------------------------------------------------------

def propose_date(structure: Structure, draft: Draft, today: dt.date | None = None) -> str:
    this_year = (today or dt.date.today()).year
    own = structure.own_date
    if own is not None and own.day is not None:
        return own.iso()
    stamp = _stamp(structure)
    if own is not None:  # signed with a year and month only: the page's date when it falls in that month
        return stamp.isoformat() if stamp and (stamp.year, stamp.month) == (own.year, own.month) else own.iso()
    doubt = _stamp_doubt(structure, stamp) if stamp else ""
    if stamp and not doubt:
        return stamp.isoformat()
    guess, how = _guess_date(structure, this_year, stamp)
    if stamp:
        draft.undecided.append(f"date: the page's date {stamp.isoformat()} looks like when it was put online, not the "
                               f"report's ({doubt}); proposed {guess} {how} — check it")
    else:
        draft.undecided.append(f"date: the report gives no date; proposed {guess} {how} — check it")
    return guess


def _stamp(structure: Structure) -> dt.date | None:
    if structure.date_parts:
        try:
            return dt.date(*structure.date_parts)
        except ValueError:
            return None
    return None


def _stamp_doubt(structure: Structure, stamp: dt.date) -> str:
    """Why a page's date is not the report's, or ''."""
    if structure.aggregator:
        return "the page is an essay site's, whose dates are upload dates"
    if structure.photo_years and max(structure.photo_years) < stamp.year - 1:
        return f"its photos were taken in {max(structure.photo_years)}"
    title_years = [y for y in years_named(structure.title) if y <= stamp.year]
    if title_years and stamp.year > max(title_years) + 1:
        return f"the headline names {max(title_years)}"
    years = [y for y in years_named(structure.text) if y <= stamp.year]
    if years and max(years) < stamp.year - 1:
        return f"the latest year the text names is {max(years)}"
    if structure.dateline:
        month, day = structure.dateline
        try:
            event = dt.date(stamp.year, month, day)
        except ValueError:
            return ""
        if event > stamp and (event - stamp).days > 2:
            event = dt.date(stamp.year - 1, month, day) if not (month == 2 and day == 29) else event
        if event > stamp or (stamp - event).days > 120:
            return f"the text starts with {month}月{day}日"
    return ""


def _guess_date(structure: Structure, this_year: int, stamp: dt.date | None) -> tuple[str, str]:
    """A date from the text alone: the dateline in the year the text (or its photos' names) names, or a
    year; else the page's date, else this year."""
    title_years = [y for y in years_named(structure.title) if 1950 <= y <= this_year]
    years = [y for y in years_named(structure.text) if 1950 <= y <= this_year]
    photo_years = [y for y in structure.photo_years if 1950 <= y <= this_year]
    year, named = ((structure.dateline_year, "the year of the date it starts with") if structure.dateline_year else
                   (max(title_years), "the year the headline names") if title_years else
                   (max(years), "the latest year the text names") if years else
                   (max(photo_years), "the year in its photos' file names") if photo_years else (None, ""))
    if structure.dateline and year:
        month, day = structure.dateline
        try:
            return dt.date(year, month, day).isoformat(), f"(the text's {month}月{day}日 in {year}, {named})"
        except ValueError:
            pass
    if title_years:
        return str(max(title_years)), "(the year in the headline)"
    if years:
        return str(max(years)), "(the latest year the text names)"
    if photo_years:
        return str(max(photo_years)), "(the year in its photos' file names)"
    if stamp:
        return stamp.isoformat(), "(the page's date, for want of another)"
    return str(this_year), "(only a placeholder: this year)"


# --- themes, body, slug ---------------------------------------------------------------------------

def propose_topics(text: str, topics: TopicTable, draft: Draft) -> list[str]:
    scores = []
    for topic in topics.topics:
        score = sum(text.count(word) for word in {topic.name, *topic.aliases} if len(word) >= 2)
        if score >= 2:
            scores.append((score, topic.slug))
    chosen = [slug for _, slug in sorted(scores, key=lambda s: -s[0])[:5]]
    if chosen:
        draft.undecided.append(f"topics: proposed from the words of the text ({', '.join(chosen)}) — check them")
    else:
        draft.undecided.append("topics: none proposed — add at least one theme from topics.yml")
    return chosen


def escape_paragraph(text: str) -> str:
    """A paragraph that must not turn into a heading, list, quote or table."""
    if text.startswith("**") and len(text) > 2 and not text[2].isspace():
        return text  # the bold lead of an enumerated paragraph (parse._bold_lead)
    return "\\" + text if re.match(r"^(?:[#>*+\-=|]|\d+[.)]\s|:::)", text) else text


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").strip() or " "


def table_markdown(rows: list[list[str]]) -> str:
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    lines = ["| " + " | ".join(_cell(c) for c in rows[0]) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows[1:]]
    return "\n".join(lines)


def body_markdown(blocks: list[Block], picture_paths: dict[int, str] | None = None) -> str:
    parts = []
    for block in blocks:
        if block.kind == "paragraph":
            parts.append(escape_paragraph(block.text))
        elif block.kind == "heading2":
            parts.append("## " + block.text)
        elif block.kind == "heading3":
            parts.append("### " + block.text)
        elif block.kind == "table":
            parts.append(table_markdown(block.rows))
        else:
            lines = []
            if block.picture is not None and picture_paths and id(block.picture) in picture_paths:
                alt = re.sub(r"[\[\]]", "", block.text)
                lines.append(f"![{alt}]({picture_paths[id(block.picture)]})")
            if block.text:
                lines.append(escape_paragraph(block.text))
            parts.append("::: figure\n" + "\n".join(lines) + "\n:::")
    return "\n\n".join(parts) + "\n"


def make_slug(structure: Structure, title: str, organization: str, region: Region | None, date: str) -> str:
    """The title's pinyin; with no headline, the organization's place and the year (never a body sentence)."""
    if not structure.title_is_guess:
        generic = re.match(r"^(?:市|县|区)(?:科协|科学技术协会)", title)  # 县科协开展… : the organization's place first
        slug = slug_from_title(organization + title[generic.end():] if generic and organization != "（待定）" else title)
        if slug != "article":
            return slug
    place = region.slug if region else (slugify_ascii(ORG_SUFFIX.sub("", organization)) if organization != "（待定）" else "")
    base = f"{place}-kexie-{date[:4]}" if place else f"imported-{date[:4]}"
    return re.sub(r"-+", "-", base).strip("-") or "imported"


def make_draft(structure: Structure, regions: RegionTable, topics: TopicTable, today: dt.date | None = None) -> Draft:
    draft = Draft(fields={}, body="", slug="", undecided=list(structure.undecided), notes=list(structure.notes))
    if structure.title_note:
        draft.undecided.append(structure.title_note)
    title = structure.title + ("（节选）" if structure.excerpt and "节选" not in structure.title else "")
    organization = propose_organization(structure, regions, draft)
    if structure.signed_by and organization != _org_name(structure.signed_by) and ORG_SUFFIX.search(structure.signed_by) is None:
        draft.notes.append(f"the report is signed by {structure.signed_by}")
    region = propose_region(organization, structure, regions, draft)
    date = propose_date(structure, draft, today)
    lead = next((b.text for b in structure.blocks if b.kind == "paragraph" and not SALUTATION.match(b.text)), "")
    fields = {"title": title, "kicker": structure.kicker or None, "organization": organization,
              "region": "/".join(r.name for r in regions.ancestors(region.code)) if region else "未详",
              "region_note": draft.fields.get("region_note"), "date": date,
              "topics": propose_topics(structure.text, topics, draft),
              "summary": lead if lead and len(lead) <= 400 else None}
    if structure.keywords:
        fields["keywords"] = [{"title": k.title, "scene": "\n\n".join(k.scene), "observation": "\n\n".join(k.observation)}
                              for k in structure.keywords]
        for number, k in enumerate(structure.keywords, 1):
            if not k.scene or not k.observation:
                draft.undecided.append(f"keyword {number} ({k.title}) has no {'现场回放' if not k.scene else '记者观察'}")
    if structure.bylines:
        fields["bylines"] = [{"role": b.role, "name": b.name} for b in structure.bylines]
    sources = [f"{structure.site_name}网站"] if structure.site_name else []
    sources += [s for s in structure.sources if s not in sources and s not in NOT_SOURCES]
    sources += [structure.date_text] if structure.date_text else []
    fields["source"] = "，".join(sources) or None
    if structure.excerpt:
        fields["excerpt"] = {"part": structure.excerpt[0], "of": structure.excerpt[1]}
    fields["draft"] = True
    draft.fields = {k: v for k, v in fields.items() if v is not None}
    draft.region = region
    draft.blocks = structure.blocks
    draft.pictures = [b.picture for b in structure.blocks if b.picture is not None and b.picture.data is not None]
    for number, picture in enumerate(draft.pictures, 1):
        if picture.extension not in WEB_IMAGES:
            draft.undecided.append(f"picture {number} is a .{picture.extension} file, which browsers and the PDF cannot "
                                   "show: open it and save it as PNG or JPEG under the same name with that extension")
    draft.slug = make_slug(structure, title, organization, region, date)
    draft.body = draft.render_body()
    return draft


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def render_draft(draft: Draft, source_name: str, today: dt.date | None = None, body: str | None = None) -> str:
    """The article file: front matter (with the undecided list as comments), then the body."""
    lines = ["---", f"# Draft imported by `yearbook import` from {source_name} on {(today or dt.date.today()).isoformat()}."]
    if draft.undecided:
        lines.append("# Undecided — check before publishing (then remove `draft: true`):")
        lines += [f"#   - {item}" for item in draft.undecided]
    if draft.notes:
        lines.append("# What the importer changed:")
        lines += [f"#   - {_comment(item)}" for item in draft.notes]
    data = dict(draft.fields)
    date = str(data.get("date", ""))
    if re.fullmatch(r"\d{4}", date):
        data["date"] = int(date)
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        data["date"] = dt.date.fromisoformat(date)
    for key, value in data.items():  # keywords in block style (long texts), the rest compact
        if isinstance(value, (list, dict)):
            text = yaml.dump({key: value}, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1 << 20,
                             default_flow_style=False if key == "keywords" else None)
        else:
            scalar = yaml.dump(value, Dumper=_Dumper, allow_unicode=True, width=1 << 20)
            text = f"{key}: " + scalar.removesuffix("\n").removesuffix("\n...").rstrip("\n")
        lines.append(text.rstrip("\n"))
    lines += ["---", "", draft.body if body is None else body]
    return "\n".join(lines)


def _comment(text: str) -> str:
    return text.replace("\n", " ")


def relative_path(target_dir: PurePosixPath, image: PurePosixPath) -> str:
    """The path of ``image`` from ``target_dir`` (both inside the content tree), with /."""
    up = len(target_dir.parts)
    common = 0
    while common < min(up, len(image.parts) - 1) and target_dir.parts[common] == image.parts[common]:
        common += 1
    return "/".join([".."] * (up - common) + list(image.parts[common:]))
