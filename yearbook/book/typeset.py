"""Chinese typesetting for the print book, done with markup because WeasyPrint has no CJK
justification: it widens only spaces, does not compress punctuation and knows no 1/8 em spacing
between Chinese and Latin. The text of an HTML fragment (never its tags or attributes) gets:

* 标点挤压: in a run of adjacent punctuation the mark whose blank half faces its neighbour is set
  half-width with the font's ``halt`` feature (``。”`` takes 1.5 em, not 2): ``<span class="pz">``.
* Latin words and digits next to Han characters: ``<span class="lt">`` with a space on each Han
  side whose width book.html sets to 1/8 em (a break may fall there, as between Han and Latin
  anyway; at a line's end or start the space goes).
* ——, …… (and other doubled dashes and ellipses) never split: ``<span class="nb">``.
* In justified text only (``justify=True``), justification points: a space after each pause mark
  (，。、；：？！ and closing brackets, or a run of them) where a word or an opening mark follows,
  and before an opening mark that follows a word. Never between a mark and the quote or bracket it
  closes or opens with (。” stays together). The paragraph's negative ``word-spacing`` (book.html, measured for the
  body font by render_pdf) makes these spaces zero-width, so they change nothing until WeasyPrint
  justifies a line that its characters do not fill exactly (a mark pushed to the next line by the
  line-start rules, a Latin word, a compressed pair): then the line opens up after its punctuation,
  the way a compositor does. A space typed between two Han characters becomes an ideographic
  space (一字空), which keeps the character grid.

Pure Chinese lines need none of this: the text block is a whole number of characters wide
(print_layout.page_geometry). None of the spans adds a break opportunity before a closing mark or
after an opening one."""
from __future__ import annotations

import hashlib
import html as html_lib
import pickle
import re
from pathlib import Path

from markupsafe import Markup

from ..output import read_sealed, write_sealed

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
PAUSE = "，。、；：？！"
CLOSING = "）》」』”’〉】〕"
OPENING = "（《「『“‘〈【〔"
PUNCT = PAUSE + CLOSING + OPENING
TAG_OR_TEXT = re.compile(r"(<[^>]*>)")
RAW_ELEMENTS = ("script", "style")

TOKEN = re.compile(
    rf"(?P<dash>[—⸺]{{2,}}|…{{2,}})"
    rf"|(?P<punct>[{PUNCT}]{{2,}})"
    rf"|(?P<pause>[{PAUSE}{CLOSING}])(?=[{HAN}A-Za-z0-9{OPENING}])"
    rf"|(?<=[{HAN}A-Za-z0-9])(?P<opening>[{OPENING}])"
    rf"|(?P<latin>[A-Za-z0-9](?:[A-Za-z0-9.,:%/+'’&°· \-–]*[A-Za-z0-9%°])?)"
    rf"|(?<=[{HAN}])(?P<space>[ \t]+)(?=[{HAN}])"
)


def _is_han(char: str) -> bool:
    return bool(char) and re.match(f"[{HAN}]", char) is not None


def _word_end(char: str) -> bool:
    return _is_han(char) or char.isascii() and char.isalnum()


def _starts_word(char: str) -> bool:
    return char != "" and (_is_han(char) or char.isascii() and char.isalnum() or char in OPENING)


def _compressed_run(run: str, justify: bool) -> str:
    """Markup for two or more adjacent punctuation marks: a closing or pause mark before another
    mark loses its right blank; an opening mark after another opening mark loses its left blank."""
    out = []
    for index, mark in enumerate(run):
        following = run[index + 1] if index + 1 < len(run) else ""
        previous = run[index - 1] if index else ""
        squeeze = (following != "" and mark not in OPENING) or (previous != "" and mark in OPENING and previous in OPENING)
        out.append(f'<span class="pz">{mark}</span>' if squeeze else html_lib.escape(mark, quote=False))
        if justify and following != "" and following in OPENING and mark not in OPENING:
            out.append(" ")  # between a closing or pause mark and an opening one: a point, and a break
    return "".join(out)


def typeset_text(text: str, justify: bool = True) -> str:
    """Plain text → HTML with the typographic spans (the text is escaped)."""
    out: list[str] = []
    position = 0
    for match in TOKEN.finditer(text):
        out.append(html_lib.escape(text[position:match.start()], quote=False))
        position = match.end()
        token = match.group(0)
        after = text[match.end()] if match.end() < len(text) else ""
        if match.group("dash"):
            out.append(f'<span class="nb">{token}</span>')
        elif match.group("punct"):
            if justify and token[0] in OPENING and _word_end(text[match.start() - 1] if match.start() else ""):
                out.append(" ")
            out.append(_compressed_run(token, justify))
            if justify and token[-1] not in OPENING and _starts_word(after):
                out.append(" ")
        elif match.group("pause"):
            out.append(html_lib.escape(token, quote=False) + (" " if justify else ""))
        elif match.group("opening"):
            out.append((" " if justify else "") + token)
        elif match.group("space"):
            out.append("\u3000")
        else:
            before = text[match.start() - 1] if match.start() else ""
            lead = " " if _is_han(before) else ""
            trail = " " if _is_han(after) else ""
            word = html_lib.escape(token, quote=False)
            out.append(f'<span class="lt">{lead}{word}{trail}</span>' if lead or trail else word)
    out.append(html_lib.escape(text[position:], quote=False))
    return "".join(out)


class Memo:
    """Typeset fragments kept between builds (the split PDF render renders every part's HTML to
    find its cache key, and typesetting is most of that): digest of (fragment, justify) → result.
    Typesetting is a pure function of these, so a kept result is the result; the file is kept only
    with the code that made it (this module's source) and read only when its checksum holds."""

    def __init__(self) -> None:
        self.results: dict[bytes, str] = {}
        self.used: set[bytes] = set()
        self.new: dict[bytes, str] = {}

    @staticmethod
    def key(fragment: str, justify: bool) -> bytes:
        return hashlib.blake2b(fragment.encode("utf-8", "surrogatepass") + (b"\1" if justify else b"\0"), digest_size=16).digest()

    def load(self, path: Path) -> None:
        data = read_sealed(path)
        try:
            stored = pickle.loads(data) if data is not None else None
            self.results = stored["results"] if isinstance(stored, dict) and stored.get("version") == _memo_version() else {}
        except (pickle.PickleError, EOFError, ValueError, KeyError, TypeError, AttributeError, IndexError):
            self.results = {}

    def take(self) -> tuple[set[bytes], dict[bytes, str]]:
        """What this process used and made since the last call (for a worker's parent)."""
        used, new = self.used, self.new
        self.used, self.new = set(), {}
        return used, new

    def add(self, used: set[bytes], new: dict[bytes, str]) -> None:
        self.used |= used
        self.results.update(new)
        self.used |= set(new)

    def save(self, path: Path) -> None:
        """Keep what this build used (a memo never outgrows one build)."""
        self.results.update(self.new)
        self.used |= set(self.new)
        kept = {k: v for k, v in self.results.items() if k in self.used}
        try:
            write_sealed(path, pickle.dumps({"version": _memo_version(), "results": kept}, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            pass


def _memo_version() -> str:
    """This module's source: a kept result is used only with the code that made it."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def typeset_html(fragment: str, justify: bool = True) -> Markup:
    """An HTML fragment with its text nodes typeset (tags, attributes and raw elements untouched)."""
    parts = TAG_OR_TEXT.split(str(fragment))
    raw = None
    for index, part in enumerate(parts):
        if index % 2:  # a tag
            name = re.match(r"</?\s*([a-zA-Z0-9]+)", part)
            if name and name.group(1).lower() in RAW_ELEMENTS:
                raw = None if part.startswith("</") else name.group(1).lower()
            continue
        if part and raw is None:
            parts[index] = typeset_text(html_lib.unescape(part), justify)
    return Markup("".join(parts))


class Typesetter:
    """What book.html typesets with: :func:`typeset_html` for fragments and the ``typeset`` filter,
    answered from ``memo`` (a :class:`Memo`) when one is given."""

    def __init__(self, memo: Memo | None = None):
        self.memo = memo

    def html(self, fragment: str, justify: bool = True) -> Markup:
        memo = self.memo
        if memo is None:
            return typeset_html(fragment, justify)
        key = memo.key(str(fragment), justify)
        found = memo.results.get(key)
        if found is None:
            found = memo.new.get(key)
        if found is not None:
            memo.used.add(key)
            return Markup(found)
        result = typeset_html(fragment, justify)
        memo.new[key] = str(result)
        return result

    def filter(self, value, justify: bool = False) -> Markup:
        """The jinja filter for headings, 目录 and index lines (not justified): plain strings are
        escaped first, Markup is treated as HTML."""
        if hasattr(value, "__html__"):
            return self.html(str(value.__html__()), justify)
        return Markup(typeset_text(str(value), justify))
