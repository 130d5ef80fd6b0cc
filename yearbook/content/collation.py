"""汉语拼音 collation: sort keys and initial letters for index entries.

Readings come from an explicit ``reading`` (the regions table, or an entry's ``sort_as``) when one is
given, else from pypinyin with its phrase dictionary (银行 = yin hang, 重庆 = chong qing).
Entries that start with a Latin letter or a digit sort in a group before A. Characters of the same
syllable and tone sort by stroke count (笔画数, Unihan kTotalStrokes: ``data/strokes.tsv``, built by
``tools/build_strokes.py``), then by code point; what still ties keeps the caller's order (book order,
so the earlier page first). Personal names read their surname with the surname reading
(:func:`person_reading`: 单 shàn, 曾 zēng, 解 xiè …)."""
from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources import files

from ..parallel import frozen_heap, ignore_ctrl_c, start_method, worker_count

SYLLABLE = re.compile(r"^([a-zü]+?)([1-5])?$")


MAYBE_HAN = re.compile("[\u3000-\U0010ffff]")  # pypinyin reads nothing below U+3007 (〇) as Han
_known: dict[str, tuple[str, ...]] = {}  # readings worked out in another process (ReadingsProcess)


@lru_cache(maxsize=65536)
def reading_of(text: str) -> tuple[str, ...]:
    """Tone-numbered syllables (``zhong4``) for Han characters; other characters are kept as they are."""
    known = _known.get(text)
    if known is not None:
        return known
    if not MAYBE_HAN.search(text):
        return tuple(text)  # what pypinyin gives for a text without Han characters, without loading it
    return _pypinyin_reading(text)


def _pypinyin_reading(text: str) -> tuple[str, ...]:
    from pypinyin import Style, lazy_pinyin  # imported on first use: its dictionaries take 0.5 s and 60 MB

    return tuple(
        lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True, errors=lambda chars: list(chars))
    )


class ReadingsProcess:
    """pypinyin in a forked process of its own, for a large build: its dictionaries (60 MB, half a
    second to load) are loaded there while the articles are read, and never in the build's process,
    which asks for the readings it will need in one go (:meth:`fetch`). A text it did not ask for is
    still read, by pypinyin in this process."""

    def __init__(self, conn, process):
        self.conn, self.process = conn, process

    @classmethod
    def start(cls) -> "ReadingsProcess | None":
        """The process, or None where forking is not safe or there is one core."""
        import multiprocessing


        if start_method() != "fork" or worker_count() < 2:
            return None
        context = multiprocessing.get_context("fork")
        conn, child_conn = context.Pipe()
        process = context.Process(target=_serve_readings, args=(child_conn,), daemon=True)
        with frozen_heap():
            process.start()
        child_conn.close()
        return cls(conn, process)

    def fetch(self, texts) -> None:
        """Work out the readings of ``texts`` there; :func:`reading_of` then answers from them."""
        wanted = [t for t in dict.fromkeys(texts) if t not in _known and MAYBE_HAN.search(t)]
        try:
            self.conn.send(wanted)
            _known.update(zip(wanted, self.conn.recv()))
        except (OSError, EOFError):  # the process is gone: pypinyin here, when asked
            pass

    def close(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.conn.close()
        self.process.join(5)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()


def _serve_readings(conn) -> None:

    ignore_ctrl_c()  # Ctrl-C is the build's to handle: it closes the pipe, this ends
    _pypinyin_reading("汉字")  # load the dictionaries before the first request
    while True:
        try:
            texts = conn.recv()
        except (EOFError, OSError):
            return
        if texts is None:
            return
        conn.send([_pypinyin_reading(text) for text in texts])


def _syllable_key(syllable: str) -> tuple:
    match = SYLLABLE.match(syllable.lower().replace("v", "ü"))
    if match:
        return (match.group(1).replace("ü", "v{"), int(match.group(2) or 5))
    return (syllable.lower(), 0)


@lru_cache(maxsize=1)
def _stroke_table() -> dict[str, int]:
    rows = files(__package__).joinpath("data/strokes.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return {chr(int(code[2:], 16)): int(count) for code, count in (row.split("\t") for row in rows)}


def stroke_count(char: str) -> int:
    """Total strokes of a Han character (0 when unknown or not Han)."""
    return _stroke_table().get(char, 0)


@lru_cache(maxsize=65536)  # serve asks again for every name on every rebuild
def sort_key(text: str, reading: str | None = None) -> tuple:
    """A key that orders ``text`` in 汉语拼音 order: Latin/digit headings first, then character by
    character by syllable, tone and stroke count."""
    syllables = tuple(reading.split()) if reading else reading_of(text)
    first = text[:1]
    group = 0 if first.isascii() and first.isalnum() else 1
    chars = [c for c in text if not c.isspace()] if reading else list(text)
    if len(chars) == len(syllables):
        return (group, tuple(_syllable_key(s) + (stroke_count(c), c) for s, c in zip(syllables, chars)), text)
    # a reading that does not go syllable for character (``sort_as: kepu gongzuo``): no stroke order
    return (group, tuple(_syllable_key(s) + (0, "") for s in syllables), text)


# Surnames whose reading differs from the character's everyday one (GB/T 28039 names in pinyin).
COMPOUND_SURNAMES = {"长孙": "zhang3 sun1", "尉迟": "yu4 chi2", "万俟": "mo4 qi2", "单于": "chan2 yu2",
                     "澹台": "tan2 tai2", "令狐": "ling2 hu2", "东方": "dong1 fang1", "皇甫": "huang2 fu3"}
SURNAMES = {"单": "shan4", "曾": "zeng1", "解": "xie4", "仇": "qiu2", "区": "ou1", "查": "zha1", "朴": "piao2",
            "盖": "ge3", "覃": "qin2", "缪": "miao4", "召": "shao4", "乐": "yue4", "员": "yun4", "纪": "ji3",
            "任": "ren2", "过": "guo1", "秘": "bi4", "种": "chong2", "繁": "po2", "黑": "he4", "尉": "wei4",
            "宓": "fu2", "阚": "kan4", "句": "gou1", "燕": "yan1", "翟": "zhai2", "祭": "zhai4", "相": "xiang4",
            "折": "she2", "能": "nai4", "那": "na1", "谌": "chen2", "朝": "chao2", "重": "chong2", "长": "chang2",
            "藏": "zang4", "哈": "ha3", "华": "hua4", "沈": "shen3", "石": "shi2", "薄": "bo2", "柏": "bai3",
            "蔺": "lin4", "卜": "bu3", "冼": "xian3", "隗": "wei3", "眭": "sui1", "瞿": "qu2", "粘": "nian2"}


def person_reading(name: str, sort_as: str | None = None) -> str | None:
    """The reading of a personal name with its surname read as a surname; None when the name is not
    written in Han characters (it then sorts by its letters)."""
    if sort_as:
        return sort_as
    if not name or not re.match(r"[\u3400-\u9fff]", name[0]):
        return None
    for surname, reading in COMPOUND_SURNAMES.items():
        if name.startswith(surname) and len(name) > 2:
            return " ".join((reading, *reading_of(name[2:])))
    if name[0] in SURNAMES:
        return " ".join((SURNAMES[name[0]], *reading_of(name[1:])))
    return " ".join(reading_of(name))


def initial_letter(text: str, reading: str | None = None) -> str:
    """The index group of ``text``: 'A'–'Z', or '0-9' / 'A-Z' style '#'-group for Latin and digits."""
    first = text[:1]
    if first.isascii() and first.isalnum():
        return "#"
    syllables = reading.split() if reading else reading_of(text)
    letter = syllables[0][:1].upper() if syllables else ""
    return letter if "A" <= letter <= "Z" else "#"


@lru_cache(maxsize=65536)
def plain_pinyin(text: str, reading: str | None = None) -> str:
    """Toneless pinyin without spaces, for slugs: 李蓉 → lirong."""
    syllables = reading.split() if reading else reading_of(text)
    out = "".join(s[:-1] if SYLLABLE.match(s) and s[-1].isdigit() and len(s) > 1 else s for s in syllables)
    out = out.lower().replace("ü", "v")
    return re.sub(r"[^a-z0-9]+", "", out)
