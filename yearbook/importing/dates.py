"""Dates as reports write them: 2024-01-08, 2024/1/8, 2024.01.08, 2024年1月8日, ２０２４年１月８日, 二〇二四年一月八日,
with or without a time (09:12, 14:52:08); a line that is nothing but a date (a signature's or a speech's:
``2024年1月8日``, ``（2023年3月2日）``); the month and day a news item starts with (its dateline:
``6月10日，…``)."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
HAN_DIGITS = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
HAN_YEAR = "[〇○零Ｏ一二三四五六七八九]"
HAN_SMALL = "[一二三四五六七八九十]{1,3}"
TIME = r"(?:\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?"
ARABIC = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?!\d)|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日)" + TIME)
HAN = re.compile(f"({HAN_YEAR}{{4}})年({HAN_SMALL})月({HAN_SMALL})日")
YEAR_MONTH = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月(?!\s*\d{1,2}\s*日)")
MONTH_DAY = re.compile(r"(?<![\d年])(\d{1,2})月(\d{1,2})(?:日|号)")
WEEKDAY = r"(?:\s*(?:星期|周)[一二三四五六日天])?"
BRACKETS = "（(【[〔"


@dataclass(frozen=True)
class FoundDate:
    year: int
    month: int | None
    day: int | None
    start: int
    end: int

    def iso(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def as_date(self) -> dt.date | None:
        return dt.date(self.year, self.month, self.day) if self.month and self.day else None


def _han_number(text: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十一 → 21, 三十 → 30."""
    if "十" not in text:
        return HAN_DIGITS.get(text, 0)
    tens, _, ones = text.partition("十")
    return (HAN_DIGITS.get(tens, 0) if tens else 1) * 10 + (HAN_DIGITS.get(ones, 0) if ones else 0)


def _valid(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return 1900 <= year <= 2100


def find_dates(text: str) -> list[FoundDate]:
    """Every full date in ``text`` (year, month and day), in order."""
    text = text.translate(FULL_WIDTH_DIGITS)
    found = []
    for match in ARABIC.finditer(text):
        year = int(match.group(1))
        month, day = (int(match.group(2)), int(match.group(3))) if match.group(2) else (int(match.group(4)), int(match.group(5)))
        if _valid(year, month, day):
            found.append(FoundDate(year, month, day, match.start(), match.end()))
    for match in HAN.finditer(text):
        year = int("".join(str(HAN_DIGITS[c]) for c in match.group(1)))
        month, day = _han_number(match.group(2)), _han_number(match.group(3))
        if _valid(year, month, day):
            found.append(FoundDate(year, month, day, match.start(), match.end()))
    return sorted(found, key=lambda d: d.start)


def date_line(text: str) -> FoundDate | None:
    """The date of a line that is nothing but a date (brackets, 于, a weekday allowed): 2024年1月8日, （2023年3月2日）."""
    stripped = text.strip().translate(FULL_WIDTH_DIGITS)
    inner = stripped
    if inner[:1] in BRACKETS and inner[-1:] in "）)】]〕":
        inner = inner[1:-1].strip()
    inner = re.sub(r"^于\s*", "", inner)
    dates = find_dates(inner)
    if len(dates) == 1 and dates[0].start == 0 and re.fullmatch(WEEKDAY, inner[dates[0].end:].strip()):
        return dates[0]
    match = YEAR_MONTH.fullmatch(inner)
    if match and 1 <= int(match.group(2)) <= 12:
        return FoundDate(int(match.group(1)), int(match.group(2)), None, 0, len(inner))
    return None


def leading_date(text: str) -> FoundDate | None:
    """The full date a news paragraph starts with (within its first clause): 2024年5月20日，… ."""
    head = re.split(r"[，。,]", text, maxsplit=1)[0][:30]
    found = find_dates(head)
    return found[0] if found else None


def leading_month_day(text: str) -> tuple[int, int] | None:
    """The month and day a news paragraph starts with (within its first clause): 6月10日，… → (6, 10);
    also of a full date (2024年6月10日，…)."""
    head = re.split(r"[，。,]", text, maxsplit=1)[0][:30]
    full = leading_date(head)
    if full is not None:
        return full.month, full.day
    match = MONTH_DAY.search(head)
    if match and 1 <= int(match.group(1)) <= 12 and 1 <= int(match.group(2)) <= 31:
        return int(match.group(1)), int(match.group(2))
    return None


def years_named(text: str) -> list[int]:
    """The years a text names (2019年, 2020—2024年), in order."""
    text = text.translate(FULL_WIDTH_DIGITS)
    return [int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d{2})(?=\s*年)", text)]
