"""What ``yearbook new`` writes for the editor to replace, and how ``check`` finds what is left of it.

The template's pieces are messages (the editor's language decides the words ``new`` writes); a piece
left in an article, in any of the languages, is a warning at its line, so that ``（导语：…）`` or
``## 小节标题`` never reaches the book unnoticed. The date ``new`` fills in when none was given is marked
with a comment on its line, which is a warning too until the editor writes the report's own date."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..i18n import N_, Message, Translator, _, all_translations

LEAD = N_("(Lead: one or two paragraphs that say what this report is about.)")
SECTION = N_("Section heading")
TEXT = N_("(Text. Write a photo caption like this:)")
CAPTION = N_("Caption of the photo")
TODAY_MARK = N_("today's date, filled in by `yearbook new`: write the report's date")


def body_template(translate: Translator) -> str:
    """The body ``new`` writes: a lead, a section with its text and a figure, in the editor's language."""
    return (f"{translate.gettext(LEAD)}\n\n## {translate.gettext(SECTION)}\n\n{translate.gettext(TEXT)}\n\n"
            f"::: figure\n{translate.gettext(CAPTION)}\n:::\n")


@dataclass(frozen=True)
class Placeholder:
    line: int  # 0-based line in the text searched
    text: str  # the line as written
    hint: Message


def _forms(msgid: str) -> set[str]:
    return {_squash(text) for text in all_translations(msgid)}


def _squash(text: str) -> str:
    """``text`` without its white space (str.split's white space is the regular expressions' ``\\s``)."""
    return "".join(text.split())


HEADING = re.compile(r"^#{1,6}(.*)$")


def placeholders_in_body(body: str) -> list[Placeholder]:
    """Lines of ``body`` that are still a piece of ``new``'s template."""
    hints = [(_forms(LEAD), _("write the lead in its place: what the report is about, in a paragraph or two")),
             (_forms(TEXT), _("write the section's text in its place")),
             (_forms(CAPTION), _("write the photo's caption, with the picture above it: ![说明](../images/照片.jpg)"))]
    sections = _forms(SECTION)
    found = []
    for number, line in enumerate(body.split("\n")):
        text = _squash(line)
        if not text:
            continue
        heading = HEADING.match(text)
        if heading and heading.group(1).strip("#") in sections:
            found.append(Placeholder(number, line.strip(), _("write the section's own heading in its place")))
            continue
        for forms, hint in hints:
            if text in forms:
                found.append(Placeholder(number, line.strip(), hint))
                break
    return found


def today_marks(front_matter: str) -> list[int]:
    """0-based lines of ``front_matter`` whose comment says ``new`` filled in today's date."""
    marks = [_squash(text) for text in all_translations(TODAY_MARK)]
    return [number for number, line in enumerate(front_matter.split("\n"))
            if "#" in line and any(mark in _squash(line.split("#", 1)[1]) for mark in marks)]
