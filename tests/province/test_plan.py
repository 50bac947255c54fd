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


def test_the_certified_year_column_with_blank_cells_and_numbers_as_officials_type_them():
    """认定年份 (optional): the year a county passed 省级评估 before Renke; blank = not."""
    data = (
        "州市,县,规划年份,认定年份\n"
        "曲靖市,沾益区,2022,2023\n"
        "玉溪市,红塔区,2022,２０２４\n"  # full-width digits
        "玉溪市,江川区,2022,\n"  # blank: not certified before Renke
        '昆明市,石林县,2023,"2,023"\n'  # a thousands separator, as Excel may write it
        "迪庆州,德钦县,2022,2017年\n"  # the first year allowed (教督〔2017〕6号)
    )
    plan = read_plan(data.encode("utf-8"))
    assert [(c.county, c.certified_year) for c in plan.counties] == [
        ("沾益区", 2023),
        ("红塔区", 2024),
        ("江川区", None),
        ("石林县", 2023),
        ("德钦县", 2017),
    ]
    english = read_plan(b"prefecture,county,planned_year,certified_year\nA,B,2025,2024\n")
    assert english.counties[0].certified_year == 2024
    without = read_plan("州市,县,规划年份\n曲靖市,沾益区,2022\n".encode())
    assert without.counties[0].certified_year is None
    assert not any(c.clears_certified for c in (*plan.counties, *without.counties))


def test_无_in_the_certified_year_clears_a_year_recorded_before():
    data = "州市,县,规划年份,认定年份\n曲靖市,沾益区,2022,无\n玉溪市,红塔区,2022, 未认定 \n"
    plan = read_plan(data.encode())
    assert [(c.certified_year, c.clears_certified) for c in plan.counties] == [
        (None, True),
        (None, True),
    ]


def test_an_xlsx_plan_with_certified_years_as_numbers():
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["州市", "县", "规划年份", "认定年份"])
    sheet.append(["曲靖市", "沾益区", 2022, 2023])  # numbers, as Excel stores them
    sheet.append(["玉溪市", "江川区", 2022, None])
    buffer = io.BytesIO()
    book.save(buffer)
    plan = read_plan(buffer.getvalue(), name="plan.xlsx")
    assert [(c.county, c.certified_year) for c in plan.counties] == [
        ("沾益区", 2023),
        ("江川区", None),
    ]


def test_a_bad_certified_year_is_refused_whole_by_row_and_column():
    data = (
        "州市,县,规划年份,认定年份\n"
        "曲靖市,沾益区,2022,2023\n"
        "曲靖市,马龙区,2023,2023.5\n"  # 3: not a whole number
        "曲靖市,罗平县,2024,2016\n"  # 4: before 教督〔2017〕6号
        "曲靖市,富源县,2025,2036\n"  # 5: after the plan's end
        "曲靖市,会泽县,2026,二〇二三\n"  # 6: not a number
        "曲靖市,师宗县,2021,2023\n"  # 7: the 规划年份 is refused too, both named
    )
    with pytest.raises(InputRefused) as refused:
        read_plan(data.encode("utf-8"))
    found = {(p.row, p.column): p.message for p in refused.value.problems}
    assert found == {
        (3, "certified_year"): "“2023.5”不是年份",
        (4, "certified_year"): "2016 不在 2017–2035 年之间",
        (5, "certified_year"): "2036 不在 2017–2035 年之间",
        (6, "certified_year"): "“二〇二三”不是年份",
        (7, "planned_year"): "2021 不在 2022–2035 年之间",
    }
    assert "第4行，“certified_year”列：2016 不在 2017–2035 年之间" in str(refused.value.describe())


def test_a_certified_year_still_to_come_is_refused_with_its_row_and_column():
    data = "州市,县,规划年份,认定年份\n曲靖市,沾益区,2022,2026\n玉溪市,红塔区,2022,2027\n"
    with pytest.raises(InputRefused) as refused:
        read_plan(data.encode("utf-8"), this_year=2026)
    assert [(p.row, p.column, p.message) for p in refused.value.problems] == [
        (3, "certified_year", "2027 年还未到来：认定年份不能晚于今年（2026 年）")
    ]
    this_year = read_plan(data.encode("utf-8"), this_year=2027)  # a year may be this year
    assert [c.certified_year for c in this_year.counties] == [2026, 2027]
