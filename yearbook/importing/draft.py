"""Structure → a draft article: propose the organization (the headline's ``…科协：`` or the ``…市科协`` the
text names most), the region (from the organization's name, with the regions table; an ambiguous
name is settled only when the text names one candidate's province or city), the date, and themes
(from the words of topics.yml); write the Markdown body. Every guess is listed in ``undecided``."""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field

import yaml

from ..content.regions import Region, RegionLookupError, RegionTable
from ..content.topics import TopicTable
from ..content.slugs import slugify_ascii
from .structure import Structure

ORG_SUFFIX = re.compile(r"科学技术协会|科协")
TITLE_ORG = re.compile(r"^(.{2,20}?(?:科学技术协会|科协))[：:]")
REGION_END = "省市县区州盟旗"
NOT_PLACES = {"全市", "本市", "我市", "各市", "全区", "本区", "我区", "各区", "全县", "本县", "我县", "各县", "全省", "本省", "各省",
              "市", "区", "县", "省", "地市", "县区", "市区", "区县", "省市", "市县"}
PLACEHOLDER = re.compile(r"(?:XX|ＸＸ|××|某某|X{2,})(市|县|区)")


@dataclass
class Draft:
    fields: dict
    body: str
    slug: str
    undecided: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    region: Region | None = None


def _lookup(regions: RegionTable, name: str) -> list[Region]:
    """The regions a full name may mean: one, several (ambiguous), or none."""
    try:
        return [regions.resolve(name)]
    except RegionLookupError as exc:
        return list(exc.candidates) if "ambiguous" in exc.message else []


def organization_candidates(text: str, regions: RegionTable) -> list[str]:
    """``…市科协`` names in the text whose place is a region, most mentioned first."""
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for match in ORG_SUFFIX.finditer(text):
        start = match.start()
        for length in range(min(8, start), 1, -1):
            prefix = text[start - length:start]
            if not re.fullmatch(r"[\u4e00-\u9fff]+", prefix) or prefix[-1] not in REGION_END or prefix in NOT_PLACES:
                continue
            if _lookup(regions, prefix):
                org = prefix + match.group(0)
                counts[org] += 1
                first.setdefault(org, start)
                break
    return sorted(counts, key=lambda org: (-counts[org], first[org]))


def propose_organization(structure: Structure, regions: RegionTable, draft: Draft) -> str:
    match = TITLE_ORG.match(structure.title)
    if match:
        return match.group(1)
    found = organization_candidates(structure.text, regions)
    if found:
        if len(found) > 1:
            draft.notes.append(f"organization: the text names {', '.join(found[:4])}; took the most mentioned")
        return found[0]
    placeholder = PLACEHOLDER.search(structure.text)
    if placeholder and "科协" in structure.text:
        return f"XX{placeholder.group(1)}科协"
    draft.undecided.append("organization: no …科协 with a place name in the text — write it")
    return "（待定）"


def propose_region(organization: str, structure: Structure, regions: RegionTable, draft: Draft) -> Region | None:
    place = ORG_SUFFIX.sub("", organization).strip()
    placeholder = PLACEHOLDER.fullmatch(place)
    if placeholder:
        kind = {"市": "市名", "县": "县名", "区": "区名"}[placeholder.group(1)]
        draft.fields["region_note"] = f"原文隐去{kind}（{place}）"
        draft.undecided.append(f"region: the report withholds the place ({place}); the text alone does not tell which "
                               "— set the province if you know it (region is 未详 until then)")
        return None
    candidates = _lookup(regions, place) if place else []
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        text = structure.text
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
    draft.undecided.append(f"region: cannot tell the region of {organization!r} — write it (region is 未详 until then)")
    return None


def propose_date(structure: Structure, draft: Draft) -> str:
    if structure.date_parts:
        year, month, day = structure.date_parts
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            pass
    this_year = dt.date.today().year
    in_title = re.search(r"((?:19|20)\d{2})年", structure.title)
    if in_title:
        draft.undecided.append(f"date: no date line; {in_title.group(1)} is the year in the title — check it")
        return in_title.group(1)
    years = [int(y) for y in re.findall(r"((?:19|20)\d{2})年", structure.text) if int(y) <= this_year]
    if years:
        draft.undecided.append(f"date: no date line; {max(years)} is the latest year the text names — check it")
        return str(max(years))
    draft.undecided.append(f"date: no date in the report; {this_year} is only a placeholder — write the date")
    return str(this_year)


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
    """A paragraph that must not turn into a heading, list or quote."""
    if text.startswith("**") and len(text) > 2 and not text[2].isspace():
        return text  # the bold lead of an enumerated paragraph (parse._bold_lead)
    return "\\" + text if re.match(r"^(?:[#>*+\-=]|\d+[.)]\s)", text) else text


def body_markdown(structure: Structure) -> str:
    parts = []
    for block in structure.blocks:
        if block.kind == "paragraph":
            parts.append(escape_paragraph(block.text))
        elif block.kind == "heading2":
            parts.append("## " + block.text)
        elif block.kind == "heading3":
            parts.append("### " + block.text)
        else:
            parts.append(f"::: figure\n{escape_paragraph(block.text)}\n:::")
    return "\n\n".join(parts) + "\n"


def make_draft(structure: Structure, regions: RegionTable, topics: TopicTable) -> Draft:
    draft = Draft(fields={}, body="", slug="", undecided=list(structure.undecided), notes=list(structure.notes))
    title = structure.title + ("（节选）" if structure.excerpt and "节选" not in structure.title else "")
    organization = propose_organization(structure, regions, draft)
    region = propose_region(organization, structure, regions, draft)
    date = propose_date(structure, draft)
    lead = next((b.text for b in structure.blocks if b.kind == "paragraph"), "")
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
    source = "，".join(p for p in (f"{structure.site_name}网站" if structure.site_name else "", structure.date_text) if p)
    fields["source"] = source or None
    if structure.excerpt:
        fields["excerpt"] = {"part": structure.excerpt[0], "of": structure.excerpt[1]}
    fields["draft"] = True
    draft.fields = {k: v for k, v in fields.items() if v is not None}
    draft.region = region
    draft.body = body_markdown(structure)
    place = region.slug if region else (slugify_ascii(ORG_SUFFIX.sub("", organization)) or "")
    base = f"{place}-kexie-{date[:4]}" if place and organization != "（待定）" else slugify_ascii(title)[:50].strip("-")
    draft.slug = re.sub(r"-+", "-", base).strip("-") or "imported"
    return draft


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def render_draft(draft: Draft, source_name: str, today: dt.date | None = None) -> str:
    """The article file: front matter (with the undecided list as comments), then the body."""
    lines = ["---", f"# Draft imported by `yearbook import` from {source_name} on {(today or dt.date.today()).isoformat()}."]
    if draft.undecided:
        lines.append("# Undecided — check before publishing (then remove `draft: true`):")
        lines += [f"#   - {item}" for item in draft.undecided]
    if draft.notes:
        lines.append("# What the importer changed:")
        lines += [f"#   - {item}" for item in draft.notes]
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
    lines += ["---", "", draft.body]
    return "\n".join(lines)
