"""The search index's bigram keys (search_index.bigram_keys) stand for exactly the bigrams a reader's
query is matched against (search_index.bigrams_of, the rule search.js mirrors), whatever the text."""
import random

from yearbook.site import search as si


def bigrams_by_key(text: str) -> set[str]:
    return {b for b in map(si.bigram_of_key, si.bigram_keys(text)) if b is not None}


def test_keys_of_every_basic_plane_character_are_its_bigrams():
    chars = "".join(chr(c) for c in range(1, 0x10000) if not 0xD800 <= c < 0xE000)
    for start in range(0, len(chars), 4096):
        text = chars[start:start + 4096]
        assert bigrams_by_key(text) == si.bigrams_of(text)
        shuffled = list(text)
        random.Random(start).shuffle(shuffled)
        assert bigrams_by_key("".join(shuffled)) == si.bigrams_of("".join(shuffled))


def test_keys_of_mixed_texts_are_their_bigrams():
    pieces = ["科协", "ＡＢＣ", "Ｘ市", "abc", "ABC", "2021", "１２", "，", "。", " ", "\n", "_", "＿", "·", "—", "〇",
              "\x00", "ǅ", "Ⅻ", "½", "𠀀", "𝐀", "😀", "é", "e\u0301", "ﬁ", "ｶ", "Ω"]
    rng = random.Random(6)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 12)))
        assert bigrams_by_key(text) == si.bigrams_of(text), text


def test_short_texts():
    for text in ["", "a", "科", "，", "科协", "a，b", "ＡＢ"]:
        assert bigrams_by_key(text) == si.bigrams_of(text), text


# --- the index's parts, made in runs of chunks as the two processes of a build make them --------------------

def _yearbook(make_site, article):
    from yearbook.pipeline import BuildReport, load_yearbook

    bodies = ["科普大篷车走进乡村学校。", "院士专家工作站，ＡＩ与2021年的数字科协。", "学会服务站；科技志愿服务队。"]
    files = {f"articles/more/extra-{n:02d}.md": article(f"第{n}篇正文，{bodies[n % 3]}\n", title=f"第{n}篇报道{bodies[n % 2][:4]}",
                                                        date=f"2022-0{1 + n % 9}") for n in range(14)}
    return load_yearbook(make_site(files).resolve(), BuildReport())


def test_index_from_two_ends_in_one_process_is_the_index_made_at_once(make_site, article):
    """The front end's chunks joined one by one as they are made (pipeline's forked part), the back end's
    made last first and joined at the end, as parallel.TwoEndedRange hands them out."""
    import pickle

    yearbook = _yearbook(make_site, article)
    whole = si.build_search_files(yearbook)
    count = len(si.SearchBuilder(yearbook).articles)
    for chunk in (1, 2, 3, 5, count):
        for meet in range(count + 1):
            builder = si.SearchBuilder(yearbook)
            front: tuple = ([], [], {})
            for start in range(0, meet, chunk):
                builder.extend(front, builder.part(range(start, min(start + chunk, meet))))
            other = si.SearchBuilder(yearbook)  # the other process
            backs = [other.part(range(max(stop - chunk, meet), stop)) for stop in range(count, meet, -chunk)]
            back = other.joined(backs[::-1])
            front = pickle.loads(pickle.dumps(front))  # as it comes back from the forked process
            assert builder.files([front, back]) == whole, (chunk, meet)


def test_index_from_parts_joined_in_any_grouping_is_the_index_made_at_once(make_site, article):
    import pickle

    yearbook = _yearbook(make_site, article)
    whole = si.build_search_files(yearbook)
    builder = si.SearchBuilder(yearbook)
    count = len(builder.articles)
    ups = [builder.part(range(a, min(a + 3, count))) for a in range(0, count, 3)]
    assert builder.files([builder.joined(ups[:2]), builder.joined(ups[2:])]) == whole
    assert builder.files([builder.joined([pickle.loads(pickle.dumps(p)) for p in ups])]) == whole
    downs = [builder.part(range(max(stop - 4, 0), stop)) for stop in range(count, 0, -4)][::-1]
    assert builder.files([builder.joined(downs[:1]), builder.joined(downs[1:])]) == whole
    assert builder.files([builder.joined([pickle.loads(pickle.dumps(p)) for p in downs])]) == whole
    assert builder.files([builder.joined(downs)]) == whole
    assert builder.files([builder.joined(ups)]) == whole, "an earlier run's parts are unchanged by later runs"


def test_small_varints_are_the_varints():
    assert si.SMALL_VARINTS == [si._make_varint(n) for n in range(4096)]
    assert [si.decode_postings(si.encode_postings([n], 10**6)) for n in (0, 31, 32, 1023, 1024, 4095, 4096)] == \
        [[0], [31], [32], [1023], [1024], [4095], [4096]]


def test_posting_lists_are_gaps_as_varints_or_a_bitmap():
    """encode_postings: the gaps less one as varints when that is no longer than the bitmap, whatever the gaps."""
    import math
    from array import array

    def reference(ids, count):
        delta = "".join(si._make_varint(b - a - 1) for a, b in zip([-1, *ids], ids))
        cells = math.ceil(count / 6)
        if len(ids) <= 1 + cells and len(delta) <= 1 + cells:
            return delta
        bits = [0] * cells
        for n in ids:
            bits[n // 6] |= 1 << n % 6
        return "~" + "".join(si.ALPHABET[b] for b in bits)

    rng = random.Random(8)
    for _ in range(3000):
        count = rng.choice([1, 7, 100, 1000, 5000, 100000])
        ids = array("I", sorted(rng.sample(range(count), rng.randrange(1, min(count, 400) + 1))))
        assert si.encode_postings(ids, count) == reference(ids, count)
        assert si.decode_postings(si.encode_postings(ids, count)) == list(ids)


def test_separator_windows_are_every_window_the_sample_index_drops_and_no_other():
    """The sample index appends no window with U+0000 among its first three units (it would drop it):
    separator_windows must give every such window of the text, and none that the index keeps. The
    windows here are cut from the string, one by one, as the sample index's four casts see them."""
    import sys

    rng = random.Random(15)
    pieces = ["科", "协", "普", "a", "1", "，", " ", "。", "Ｘ", "——"]
    for _ in range(4000):
        keyed = si.keyed_text("".join(rng.choice(pieces) for _ in range(rng.randrange(0, 18))))
        padded = keyed + "\x00" * 4  # the sample index's data: the text and four units of U+0000
        windows = {padded[start:start + 4] for start in range(len(keyed) + 1)}
        given = {key.to_bytes(8, sys.byteorder).decode(si.KEY_CODEC) for key in si.separator_windows(keyed)}
        assert {w for w in windows if "\x00" in w[:3]} <= given, keyed
        assert all(len(w) == 4 and "\x00" in w[:3] for w in given), keyed
