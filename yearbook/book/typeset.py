"""Chinese typesetting for the print book, done with markup because WeasyPrint has no CJK
typesetting of its own: it does not compress punctuation, knows no spacing between Chinese and Latin
and breaks lines only where Unicode's rules let it. The text of an HTML fragment (never its tags or
attributes) gets:

* 标点挤压: in a run of adjacent punctuation the mark whose blank half faces its neighbour is set
  half-width with the font's ``halt`` feature (``。”`` takes 1.5 em, not 2): ``<span class="pz">``.
* Latin words and digits next to Han characters: ``<span class="lt">`` with a space on each Han
  side whose width book.html sets (``pdf.latin_spacing``, ⅛ em by default; clreq 3.2.2); a break
  may fall at the space before the word, and after it unless the word is a number: a number and the
  unit or measure word after it (``87家``, ``2021年``), and 第 and the number after it, are joined by
  a no-break space and never split over two lines. A space typed between a Chinese character and a
  Latin word is that gap (``check`` warns: the typesetting sets it); a space typed after a section
  number that opens a heading (``1 突出凝心铸魂``) is the editors' and is set as a 一字空.
* ——, …… (and other doubled dashes and ellipses) never split: ``<span class="nb">``.
* An interpunct (间隔号 ·, and ・ ‧) neither starts a line nor ends one (GB/T 15834: it joins the
  parts of a name or a phrase, 深化共建·助企业发展): with the character on each side of it, in a
  ``<span class="nb">`` (Unicode's line breaking takes U+00B7 for a letter and breaks on both sides
  of it next to a Han character).
* In justified text only (``justify=True``), break points where Unicode's line breaking gives
  none although Chinese typesetting has one: a space before an opening quotation mark and after a
  closing one (“ ” ‘ ’ are neither opening nor closing for Unicode, which breaks on no side of them).
  The paragraph's negative ``word-spacing`` (book.html, measured for the body font) makes these
  spaces zero-width; justification shares a short line's room among all the gaps between its
  characters (weasy.install_cjk_justification), and the text layer leaves them out (textlayer.py).
  A space typed between two Han characters becomes an ideographic space (一字空), which keeps the
  character grid.
* In justified paragraphs (``<p>`` inside a justified fragment), the last three Han characters and
  what follows them are kept on one line, so that no paragraph ends on a line of one or two
  characters (孤字): when the break would leave fewer, the line before gives up one or two
  characters and is justified over all its gaps (a fortieth of an em or so each).

Pure Chinese lines need none of this: the text block is a whole number of characters wide
(geometry.page_geometry). None of the spans adds a break opportunity before a closing mark or
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
CJK_MARKS = PUNCT + "·—…"
OPENING_QUOTES = "“‘"  # Unicode breaks on no side of a quotation mark: a break point goes beside them
CLOSING_QUOTES = "”’"
TAG_OR_TEXT = re.compile(r"(<[^>]*>)")
RAW_ELEMENTS = ("script", "style")
NBSP = "\u00a0"
INTERPUNCTS = "·・‧"  # 间隔号: joins the parts of a name or phrase, starts no line and ends none
LATIN = r"[A-Za-z0-9](?:[A-Za-z0-9.,:%/+'’&°· \-–]*[A-Za-z0-9%°])?"

TOKEN = re.compile(
    rf"(?P<dash>[—⸺]{{2,}}|…{{2,}})"
    rf"|(?P<punct>[{PUNCT}]{{2,}})"
    rf"|(?P<pause>[{CLOSING_QUOTES}])(?=[{HAN}A-Za-z0-9{OPENING}])"
    rf"|(?<=[^\s{OPENING}])(?P<opening>[{OPENING_QUOTES}])"
    rf"|(?P<interpunct>[{HAN}{CLOSING}]?[{INTERPUNCTS}]+[{HAN}{OPENING}]?)"
    rf"|(?P<latin>{LATIN})"
    rf"|(?<=[{HAN}])(?P<space>[ \t]+)(?=[{HAN}])"
)
# a space typed between Chinese (a character or a mark) and a Latin word or number, or beside a
# Chinese mark: the typesetting sets that gap (or none), so the space goes
TYPED_GAP = re.compile(rf"(?<=[{HAN}{CJK_MARKS}])[ \t]+(?=[A-Za-z0-9{CJK_MARKS}])"
                       rf"|(?<=[A-Za-z0-9%°{CJK_MARKS}])[ \t]+(?=[{HAN}{CJK_MARKS}])")
# a heading's section number and the space after it: 1 突出…, 2.1 …, 一、…, （一）…
SECTION_NUMBER = re.compile(rf"^(\s*(?:[0-9]+(?:[.．][0-9]+)*[.．]?|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十0-9]+[)）]))[ \t]+(?=[{HAN}{OPENING}])")
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
TAIL_HAN = 3  # Han characters kept together at a justified paragraph's end


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
        if justify and following in OPENING_QUOTES and following != "" and mark not in OPENING:
            out.append(" ")  # between a closing or pause mark and an opening quote: a break point
    return "".join(out)


def _tail_start(text: str) -> int | None:
    """Where the last TAIL_HAN Han characters of ``text`` begin (None when it has fewer)."""
    found = 0
    for index in range(len(text) - 1, -1, -1):
        if _is_han(text[index]):
            found += 1
            if found == TAIL_HAN:
                return index
    return None


def typeset_text(text: str, justify: bool = True, *, heading: bool = False, tail: bool = False,
                 tail_class: str = "nb") -> str:
    """Plain text → HTML with the typographic spans (the text is escaped). ``heading``: the text
    opens a heading (a section number keeps the space after it, as a 一字空); ``tail``: the text
    ends a justified paragraph (its last Han characters are kept on one line, in a span of class
    ``tail_class``; with another class than nb, a text of fewer Han characters is kept whole)."""
    section = ""
    if heading:
        found = SECTION_NUMBER.match(text)
        if found:
            section, text = found.group(1) + "\u3000", text[found.end():]
    text = TYPED_GAP.sub("", text)
    start = _tail_start(text) if tail else None
    if tail and start is None and tail_class != "nb":
        start = 0
    matches = list(TOKEN.finditer(text))
    for match in matches:  # only an interpunct's span holds Han characters: the tail starts before it
        if start and match.group("interpunct") and match.start() <= start < match.end():
            start = match.start()
    out: list[str] = [typeset_text(section, justify) if section else ""]
    position = 0
    if start == 0:  # the whole text is the tail
        out.append(f'<span class="{tail_class}">')

    def plain(until: int) -> None:
        if start and position <= start <= until:
            out.append(html_lib.escape(text[position:start], quote=False) + f'<span class="{tail_class}">'
                       + html_lib.escape(text[start:until], quote=False))
        else:
            out.append(html_lib.escape(text[position:until], quote=False))

    for match in matches:
        plain(match.start())
        position = match.end()
        token = match.group(0)
        after = text[match.end()] if match.end() < len(text) else ""
        before = text[match.start() - 1] if match.start() else ""
        if match.group("dash") or match.group("interpunct"):
            out.append(f'<span class="nb">{html_lib.escape(token, quote=False)}</span>')
        elif match.group("punct"):
            if justify and token[0] in OPENING_QUOTES and before and not before.isspace() and before not in OPENING:
                out.append(" ")
            out.append(_compressed_run(token, justify))
            if justify and token[-1] in CLOSING_QUOTES and _starts_word(after):
                out.append(" ")
        elif match.group("pause"):
            out.append(html_lib.escape(token, quote=False) + (" " if justify else ""))
        elif match.group("opening"):
            out.append((" " if justify else "") + token)
        elif match.group("space"):
            out.append("\u3000")
        else:
            number = token[0].isdigit()
            lead = (NBSP if before == "第" and number else " ") if _is_han(before) else ""
            trail = (NBSP if number else " ") if _is_han(after) else ""
            word = html_lib.escape(token, quote=False)
            if " " in token:  # Latin words keep their own spaces, not the gap's width
                word = f'<span class="lw">{word}</span>'
            out.append(f'<span class="lt">{lead}{word}{trail}</span>' if lead or trail else word)
    plain(len(text))
    if start is not None:
        out.append("</span>")
    return "".join(out)


# Headlines: where a part of a headline (the editors' spaces cut it into parts) too long for one
# line may be broken. Words come from jieba's dictionary and tagger (rjieba); a break never falls
# inside a word, nor next to a conjunction (智慧 / 和力量), after a preposition (为 / 建设), before a
# particle (的, 了) or a measure word; it is best before a verb or after a comma-like mark, and as
# near the middle as it can be.
NO_BREAK_AFTER = ("p", "c", "m")
NO_BREAK_BEFORE = ("c", "u", "y", "q", "f")
PHRASE_START = ("v", "p")
NOUNS = ("n", "j", "vn", "f", "s")
# verbs that open the phrases of report headlines, which the tagger takes for nouns (贡献力量)
HEADLINE_VERBS = frozenset("贡献 建设 打造 推进 提升 凝聚 发挥 服务 助推 助力 开创 彰显 突出 扩大 健全 增强 坚持 构建 "
                           "聚焦 引进 推动 深化 实施 强化 展现 优化 丰富 全面 持续 积极 努力 加快 促进".split())
OFF_PHRASE = 4  # characters of imbalance a break that opens no phrase is worth avoiding
IN_COMPOUND = 9  # … and one between two nouns (中心 / 城市)


def title_pieces(part: str, capacity: int) -> list[str]:
    """``part`` of a headline cut at phrase boundaries into pieces of at most ``capacity``
    characters (as few as it takes, as even as they can be); [part] when it fits or cannot be cut."""
    if len(part) <= capacity or capacity < 4:
        return [part]
    import rjieba  # the dictionary loads in a second or two: only when a headline needs it

    words = [(word, "v" if word in HEADLINE_VERBS else tag) for word, tag in rjieba.tag(part)]
    cuts = []  # (offset, cost beyond imbalance)
    offset = 0
    for (word, tag), (following, next_tag) in zip(words, words[1:]):
        offset += len(word)
        if word[-1] in OPENING or following[0] in PUNCT and following[0] not in OPENING:
            continue  # a mark stays with its word
        if tag.startswith(NO_BREAK_AFTER) or next_tag.startswith(NO_BREAK_BEFORE):
            continue
        if next_tag.startswith(PHRASE_START) or word[-1] in PAUSE or following[0] in OPENING:
            cuts.append((offset, 0))
        else:
            cuts.append((offset, IN_COMPOUND if tag.startswith(NOUNS) and next_tag.startswith(NOUNS) else OFF_PHRASE))
    best = None
    for offset, cost in cuts:
        head, rest = part[:offset], part[offset:]
        if len(head) > capacity:
            continue
        pieces = [head] + title_pieces(rest, capacity)
        score = (len(pieces), cost + max(map(len, pieces)) - min(map(len, pieces)))
        if best is None or score < best[0]:
            best = (score, pieces)
    return best[1] if best is not None else [part]


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
    """An HTML fragment with its text nodes typeset (tags, attributes and raw elements untouched).
    The first text of a heading may keep a section number's space; in justified text, the last
    text of a paragraph keeps its last Han characters on one line."""
    parts = TAG_OR_TEXT.split(str(fragment))
    raw = None
    # the last text node of each paragraph (a <p>'s text before its </p>, no other block between)
    tails: set[int] = set()
    if justify:
        last_text = None
        for index, part in enumerate(parts):
            if index % 2:
                name = re.match(r"<(/?)\s*([a-zA-Z0-9]+)", part)
                if name and name.group(2).lower() == "p":
                    if name.group(1) and last_text is not None:
                        tails.add(last_text)
                    last_text = None
            elif part.strip():
                last_text = index
    heading = False
    for index, part in enumerate(parts):
        if index % 2:  # a tag
            name = re.match(r"<(/?)\s*([a-zA-Z0-9]+)", part)
            if name:
                tag = name.group(2).lower()
                if tag in RAW_ELEMENTS:
                    raw = None if name.group(1) else tag
                if tag in HEADINGS:
                    heading = not name.group(1)
            continue
        if part and raw is None:
            parts[index] = typeset_text(html_lib.unescape(part), justify, heading=heading and bool(part.strip()),
                                        tail=index in tails)
            if part.strip():
                heading = False
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

    def title_pieces(self, part: str, capacity: int) -> list[str]:
        """:func:`title_pieces`, answered from the memo when there is one."""
        memo = self.memo
        if memo is None or len(part) <= capacity:
            return title_pieces(part, capacity)
        key = memo.key(f"\0title {capacity}\0{part}", False)
        found = memo.results.get(key, memo.new.get(key))
        if found is None:
            found = "\n".join(title_pieces(part, capacity))
            memo.new[key] = found
        else:
            memo.used.add(key)
        return found.split("\n")

    def filter(self, value, justify: bool = False, tail: bool = False) -> Markup:
        """The jinja filter for headings, 目录 and index lines (not justified): plain strings are
        escaped first, Markup is treated as HTML. ``tail``: the last Han characters of a plain
        string stay on one line, in a span of class ``nb toc-end`` (a 目录 entry's leader is drawn
        after it, so that it does not wrap to a line of its own)."""
        if hasattr(value, "__html__"):
            return self.html(str(value.__html__()), justify)
        return Markup(typeset_text(str(value), justify, tail=tail, tail_class="nb toc-end"))
