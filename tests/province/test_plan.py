"""The plan file: the shipped Yunnan schedule, good files and every kind of bad one."""

from __future__ import annotations

import pytest

from analysis.plan import read_plan, short_name, yunnan_plan
from analysis.tables import InputRefused


def test_yunnan_plan_matches_the_seed_schedule():
    # 云政教督〔2022〕2号 附件 进度表: "规划“通过”县数" per year, 129 in all.
    plan = yunnan_plan()
    expected = {2022: 4, 2023: 5, 2024: 9, 2025: 15, 2026: 11, 2027: 11, 2028: 21, 2029: 10}
    expected |= {2030: 17, 2031: 5, 2032: 10, 2033: 7, 2034: 4, 2035: 0}
    assert plan.planned_by_year() == expected
    assert len(plan.counties) == 129
    yanshan = next(c for c in plan.counties if c.county == "砚山县")
    assert (yanshan.prefecture, yanshan.planned_year) == ("文山壮族苗族自治州", 2024)
    # 2025 milestone: 20% of 129 counties, rounded up.
    assert plan.required(0.20) == 26 and plan.required(1.0) == 129


@pytest.mark.parametrize(
    ("full", "short"),
    [
        ("石林彝族自治县", "石林县"),
        ("双江拉祜族佤族布朗族傣族自治县", "双江县"),
        ("文山壮族苗族自治州", "文山州"),
        ("维西傈僳族自治县", "维西县"),
        ("云县", "云县"),
        ("香格里拉市", "香格里拉市"),
        (" 砚山县 ", "砚山县"),
    ],
)
def test_short_names(full, short):
    assert short_name(full) == short


def test_a_good_file_with_chinese_headers_and_codes():
    data = "州市,县,规划年份,行政区划代码\n昆明市,石林彝族自治县,２０２３,530126\n文山州,砚山县,2024年,\n"
    plan = read_plan(data.encode("utf-8"))
    assert [(c.county, c.planned_year, c.code) for c in plan.counties] == [
        ("石林彝族自治县", 2023, "530126"),
        ("砚山县", 2024, None),
    ]
    assert plan.counties[0].key == ("昆明市", "石林县")


def test_a_bad_file_is_refused_whole_with_every_problem_by_row():
    data = (
        "prefecture,county,planned_year,code\n"
        "昆明市,石林县,2023,530126\n"
        ",安宁市,2025,\n"  # 3: blank 州市
        "昆明市,石林彝族自治县,2024,\n"  # 4: the same county as row 2, by its short name
        "曲靖市,沾益区,2021,\n"  # 5: before 2022
        "曲靖市,马龙区,2036,\n"  # 6: after 2035
        "曲靖市,罗平县,二〇二六,\n"  # 7: not a number
        "玉溪市,红塔区,2022,530126\n"  # 8: code of row 2
        "玉溪市,江川区,2022,5301\n"  # 9: not six digits
    )
    with pytest.raises(InputRefused) as refused:
        read_plan(data.encode("utf-8"))
    found = {(p.row, p.column): p.message for p in refused.value.problems}
    assert found == {
        (3, "prefecture"): "不能为空",
        (4, "county"): "石林彝族自治县与第2行重复",
        (5, "planned_year"): "2021 不在 2022–2035 年之间",
        (6, "planned_year"): "2036 不在 2022–2035 年之间",
        (7, "planned_year"): "“二〇二六”不是年份",
        (8, "code"): "行政区划代码与第2行重复",
        (9, "code"): "“5301”不是六位行政区划代码",
    }


def test_missing_columns_and_a_total_row():
    with pytest.raises(InputRefused) as refused:
        read_plan("州市,县\n昆明市,石林县\n合计,1\n".encode())
    messages = [str(p) for p in refused.value.problems]
    assert "第1行，“planned_year”列：缺少此列" in messages
    assert "第3行是合计行，请删除后重新上传" in messages


def test_gb18030_file():
    plan = read_plan("州市,县,规划年份\n昆明市,石林县,2023\n".encode("gb18030"))
    assert plan.counties[0].county == "石林县"
