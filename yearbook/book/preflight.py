"""Before the PDF is laid out: what the book could not print, as content problems at their lines.

- **Characters no installed font has** (CJK Extension B and later such as 𠀀 𪚥 𪜀, emoji without an
  emoji font): WeasyPrint would set an empty box, and the PDF's text layer would read another
  character. Coverage is fontconfig's, the very list Pango falls back through when the book's fonts
  lack a character (``fc-list``'s charsets: no WeasyPrint API, private or public).
- **Tables wider than the page**: WeasyPrint does not shrink a table below the width of its narrowest
  columns, and what is wider than the text block is cut off at the page's edge. A column is at least
  one character of the table's type and its cell padding wide (print.css), so a table of more columns
  than the text block holds cannot fit; one of fewer always does (cells break anywhere, print.css).

Both are checked on what the book prints: the articles of the volumes, the front-matter pages, the
config's titles and the names of topics and regions."""
from __future__ import annotations

import bisect
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..content.markup import plain_text
from ..content.model import Yearbook
from ..content.pages import BookPage
from ..content.sources import read_text
from ..errors import Problem, SourceLocation
from ..i18n import Listing, N_, _, ngettext
from .geometry import page_geometry

# --- fonts ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """The characters the installed fonts have, as sorted, merged code-point ranges."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]  # inclusive
    families: tuple[str, ...]  # every installed family, in fontconfig's order

    def covers(self, char: str) -> bool:
        code = ord(char)
        index = bisect.bisect_right(self.starts, code) - 1
        return index >= 0 and code <= self.ends[index]


def installed_coverage() -> Coverage | None:
    """What fontconfig's fonts cover, or None where there is no fontconfig (Windows, macOS without
    it: the check is then left to the system)."""
    if shutil.which("fc-list") is None:
        return None
    listed = subprocess.run(["fc-list", "--format", "%{family[0]}\\t%{charset}\\n"], capture_output=True, check=False)
    ranges: list[tuple[int, int]] = []
    families: dict[str, None] = {}
    for line in listed.stdout.decode("utf-8", "replace").splitlines():
        family, _tab, charset = line.partition("\t")
        if family:
            families[family] = None
        for part in charset.split():
            first, _dash, last = part.partition("-")
            try:
                ranges.append((int(first, 16), int(last or first, 16)))
            except ValueError:
                continue
    ranges.sort()
    starts: list[int] = []
    ends: list[int] = []
    for first, last in ranges:
        if starts and first <= ends[-1] + 1:
            ends[-1] = max(ends[-1], last)
        else:
            starts.append(first)
            ends.append(last)
    return Coverage(tuple(starts), tuple(ends), tuple(families))


# Characters that print as nothing, or change the one before them, and are no font's business to draw:
# format characters (ZWJ, ZWSP, soft hyphen, BOM …), variation selectors, tags, and white space.
IGNORABLE = re.compile("[\\s\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180b-\\u180f\\u200b-\\u200f\\u202a-\\u202e"
                       "\\u2060-\\u206f\\u3164\\ufe00-\\ufe0f\\ufeff\\uffa0\\ufff0-\\ufff8\\U0001bca0-\\U0001bca3"
                       "\\U0001d173-\\U0001d17a\\U000e0000-\\U000e0fff]")


def missing_characters(text: str, coverage: Coverage) -> set[str]:
    return {char for char in set(text) if not coverage.covers(char) and not IGNORABLE.match(char)}


def character_name(char: str) -> str:
    """'𠀀' (U+20000, CJK Extension B)."""
    code = ord(char)
    block = next((name for first, last, name in BLOCKS if first <= code <= last), "")
    if block:
        return _("'{char}' (U+{code}, {block})", char=char, code=f"{code:04X}", block=_(block))
    return f"'{char}' (U+{code:04X})"


BLOCKS = [
    (0x3400, 0x4DBF, N_("CJK Extension A")), (0x20000, 0x2A6DF, N_("CJK Extension B")),
    (0x2A700, 0x2B73F, N_("CJK Extension C")), (0x2B740, 0x2B81F, N_("CJK Extension D")),
    (0x2B820, 0x2CEAF, N_("CJK Extension E")), (0x2CEB0, 0x2EBEF, N_("CJK Extension F")),
    (0x2EBF0, 0x2EE5F, N_("CJK Extension I")), (0x30000, 0x3134F, N_("CJK Extension G")),
    (0x31350, 0x323AF, N_("CJK Extension H")), (0x2F800, 0x2FA1F, N_("CJK compatibility ideograph")),
    (0xE000, 0xF8FF, N_("private use")), (0xF0000, 0x10FFFF, N_("private use")),
    (0x1F000, 0x1FAFF, N_("emoji and pictographs")), (0x2600, 0x27BF, N_("symbols")),
]


def font_families(css: str) -> list[str]:
    """The names of a CSS font-family list: '"Noto Serif CJK SC", SimSun, serif' → [Noto Serif CJK SC, SimSun, serif]."""
    return [part.strip().strip("'\"") for part in css.split(",") if part.strip().strip("'\"")]


def _fonts_hint(yearbook: Yearbook, coverage: Coverage, chars: set[str]) -> str:  # a Message
    pdf = yearbook.config.pdf
    asked = list(dict.fromkeys(font_families(pdf.body_font) + font_families(pdf.heading_font)))
    installed = [name for name in asked if name in coverage.families]
    others = [name for name in coverage.families if name not in installed]
    tried = Listing(installed) if installed else _("none of the book's fonts is installed")
    codes = [ord(char) for char in chars]
    if any(0x20000 <= code <= 0x323AF or 0x2F800 <= code <= 0x2FA1F for code in codes):
        what = _("a font with the rarer CJK characters (Extension B and later), e.g. the Debian package fonts-hanazono")
    elif any(0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF for code in codes):
        what = _("a font that has these symbols, e.g. an emoji font")
    else:
        what = _("a font that has it")
    if others:
        return _("fonts tried: {tried} and then every other installed font ({count}: {others}). Install {what} "
                 "(fontconfig must list it: fc-list), or write the character another way (a common variant, or a "
                 "picture of it)", tried=tried, count=len(others),
                 others=", ".join(others[:6]) + (", …" if len(others) > 6 else ""), what=what)
    return _("fonts tried: {tried}. Install {what} (fontconfig must list it: fc-list), or write the character "
             "another way (a common variant, or a picture of it)", tried=tried, what=what)


# --- tables --------------------------------------------------------------------------------------------

# The narrowest a table column can be in print.css: one character of the table's type (0.85rem), its
# cell's padding (2 mm on each side) and a rule (0.5 pt); and how far print.css sets a table in from
# the text block's edges, in body characters (em), by the blocks it is inside.
TABLE_FONT_SCALE = 0.85
TABLE_CELL_PADDING_MM = 4.0
TABLE_RULE_MM = 0.5 * 25.4 / 72
BLOCK_NAMES = {"blockquote": N_("blockquote"), "list": N_("list"), "observation": N_("observation"),
               "summary": N_("summary"), "figure": N_("figure"), "scene": N_("scene")}  # what a table is set in
INDENT_EM = {"blockquote": 4.0, "list": 3.5, "observation": 2.0, "summary": 3.0, "figure": 0.0, "scene": 0.0}


def max_table_columns(yearbook: Yearbook, containers: tuple[str, ...] = ()) -> int:
    """How many columns fit across the text block, for a table inside ``containers``."""
    geometry = page_geometry(yearbook.config.pdf)
    column = geometry.font_size_mm * TABLE_FONT_SCALE + TABLE_CELL_PADDING_MM + TABLE_RULE_MM
    width = geometry.text_width - sum(INDENT_EM.get(name, 4.0) for name in containers) * geometry.font_size_mm
    return max(1, int((width - TABLE_RULE_MM) // column))


# --- the check ------------------------------------------------------------------------------------------


def _article_text(article) -> str:
    parts = [article.title, article.kicker, article.organization, article.region_note, article.summary_text, article.source,
             plain_text(article.body_html), " ".join(region.name for region in article.region_path),
             " ".join(topic.name for topic in article.topics)]
    for keyword in article.keywords:
        parts += [keyword.title, plain_text(keyword.scene_html), plain_text(keyword.observation_html)]
    for byline in article.bylines:
        parts += [byline.role, byline.name]
    return "\n".join(parts)


def _lines_with(path: Path, chars: set[str]) -> list[tuple[int, list[str]]]:
    """(file line, the characters of ``chars`` on it, in order) for the lines of ``path`` that have any."""
    try:
        text, _ = read_text(path)
    except Exception:  # the file was readable when it was loaded; if it is not now, the whole file is meant
        return []
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        here = [char for char in dict.fromkeys(line) if char in chars]
        if here:
            found.append((number, here))
    return found


def preflight(yearbook: Yearbook, pages: list[BookPage] = (), coverage: Coverage | None = None) -> list[Problem]:
    """The problems that would make the PDF print less than the content (see the module's docstring).
    ``coverage``: the installed fonts (default: fontconfig's; None without fontconfig skips the fonts)."""
    problems: list[Problem] = []
    geometry = page_geometry(yearbook.config.pdf)
    for path, tables in [(article.source_path, article.tables) for article in yearbook.articles] + \
                        [(page.path, page.tables) for page in pages]:
        for table in tables:
            limit = max_table_columns(yearbook, table.containers)
            if table.columns > limit:
                inside = [name for name in table.containers if INDENT_EM.get(name, 4.0)]
                fields = dict(columns=table.columns, limit=limit, width=geometry.text_width,
                              characters=geometry.chars_per_line)
                message = _("the table has {columns} columns; the page of the book holds at most {limit} set in as "
                            "it is ({blocks}) (a text block {width:.0f} mm, {characters} characters wide), so the PDF "
                            "would cut the others off", blocks=Listing(_(BLOCK_NAMES.get(name, name)) for name in inside),
                            **fields) if inside else \
                    _("the table has {columns} columns; the page of the book holds at most {limit} (a text block "
                      "{width:.0f} mm, {characters} characters wide), so the PDF would cut the others off", **fields)
                problems.append(Problem(
                    message, SourceLocation(path, table.line),
                    _("split it into tables of at most {limit} columns, or turn it round (its rows as columns)", limit=limit)))
    coverage = installed_coverage() if coverage is None else coverage
    if coverage is None or not coverage.covers("中"):  # no fontconfig, or no CJK font: render.check_cjk_font says so
        return problems
    sources: list[tuple[Path, str]] = [(article.source_path, _article_text(article)) for article in yearbook.articles]
    sources += [(page.path, page.title + "\n" + plain_text(page.body_html)) for page in pages]
    config = yearbook.config
    config_text = "\n".join([config.title, config.subtitle, config.publisher] + [volume.name for volume in yearbook.volumes])
    sources.append((config.path, config_text))
    topics_text = "\n".join(name for entry in yearbook.topic_entries for name in (entry.topic.name, *entry.topic.aliases))
    sources.append((config.content_dir / "topics.yml", topics_text))
    for path, text in sources:
        missing = missing_characters(text, coverage)
        if not missing:
            continue
        hint = _fonts_hint(yearbook, coverage, missing)
        lines = _lines_with(path, missing)
        shown = set()
        for number, chars in lines:
            shown.update(chars)
            problems.append(Problem(
                ngettext("the character {names} is in no installed font: the PDF would print an empty box",
                         "the characters {names} are in no installed font: the PDF would print an empty box",
                         len(chars), names=Listing(character_name(char) for char in chars)),
                SourceLocation(path, number), hint))
        rest = sorted(missing - shown)
        if rest:  # printed, but not written in the file (a region's name from the national table)
            problems.append(Problem(_("the book would print {names}, which no installed font has",
                                      names=Listing(character_name(char) for char in rest)), SourceLocation(path), hint))
    return problems
