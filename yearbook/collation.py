"""汉语拼音 collation: sort keys and initial letters for index entries.

Readings come from an explicit ``reading`` (the regions table, or an entry's ``sort_as``) when one is
given, else from pypinyin with its phrase dictionary (银行 = yin hang, 重庆 = chong qing).
Entries that start with a Latin letter or a digit sort in a group before A."""
from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

SYLLABLE = re.compile(r"^([a-zü]+?)([1-5])?$")


@lru_cache(maxsize=65536)
def reading_of(text: str) -> tuple[str, ...]:
    """Tone-numbered syllables (``zhong4``) for Han characters; other characters are kept as they are."""
    return tuple(
        lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True, errors=lambda chars: list(chars))
    )


def _syllable_key(syllable: str) -> tuple:
    match = SYLLABLE.match(syllable.lower().replace("v", "ü"))
    if match:
        return (match.group(1).replace("ü", "v{"), int(match.group(2) or 5))
    return (syllable.lower(), 0)


def sort_key(text: str, reading: str | None = None) -> tuple:
    """A key that orders ``text`` in 汉语拼音 order: Latin/digit headings first, then by syllable and tone."""
    syllables = tuple(reading.split()) if reading else reading_of(text)
    first = text[:1]
    group = 0 if first.isascii() and first.isalnum() else 1
    return (group, tuple(_syllable_key(s) for s in syllables), text)


def initial_letter(text: str, reading: str | None = None) -> str:
    """The index group of ``text``: 'A'–'Z', or '0-9' / 'A-Z' style '#'-group for Latin and digits."""
    first = text[:1]
    if first.isascii() and first.isalnum():
        return "#"
    syllables = reading.split() if reading else reading_of(text)
    letter = syllables[0][:1].upper() if syllables else ""
    return letter if "A" <= letter <= "Z" else "#"


def plain_pinyin(text: str, reading: str | None = None) -> str:
    """Toneless pinyin without spaces, for slugs: 李蓉 → lirong."""
    syllables = reading.split() if reading else reading_of(text)
    out = "".join(s[:-1] if SYLLABLE.match(s) and s[-1].isdigit() and len(s) > 1 else s for s in syllables)
    out = out.lower().replace("ü", "v")
    return re.sub(r"[^a-z0-9]+", "", out)
