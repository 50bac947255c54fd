"""SPEC §2 (eligibility, §2.2 items 3–5, §2.3 9.k, §2.4 vetoes) and the §3 county file,
through `renke verdict`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ._helpers import Run, cli, county_csv, county_rows, school_row, schools_csv, write

BASE_SCHOOLS = [school_row("A", primary=400), school_row("B", "初中", junior=600)]
VETO_TITLES = [
    "存在以考试方式招生",
    "存在违规择校行为",
    "存在重点学校或重点班",
    "存在“有编不补”或长期聘用编外教师的情况",
    "教育系统存在重大安全责任事故和严重违纪违规事件",
    "有弄虚作假行为",
]


def run_verdict(
    tmp_path: Path,
    schools: list[dict[str, Any]] | None = None,
    county: list[list[str]] | None = None,
    *extra: str,
    fmt: str = "json",
) -> Run:
    s = write(tmp_path / "schools.csv", schools_csv(schools or BASE_SCHOOLS))
    c = write(tmp_path / "county.csv", county_csv(county if county is not None else county_rows()))
    return cli(
        "verdict", "--schools", s, "--county", c, "--approval", "0.9", "--format", fmt, *extra
    )


def item(data: dict[str, Any], aspect: str, item_id: str) -> dict[str, Any]:
    for entry in data[aspect]["items"]:
        if entry["id"] == item_id:
            return entry
        for sub in entry["sub"]:
            if sub["id"] == item_id:
                return sub
    raise KeyError(item_id)


def ok(run: Run) -> dict[str, Any]:
    assert run.code in (0, 1), run.err
    return run.json()


def refused(run: Run) -> str:
    # SPEC §3: 2 input refused (every problem on standard error; nothing on standard output)
    assert run.code == 2, (run.out, run.err)
    assert run.out == ""
    return run.err


def test_base_is_certified(tmp_path: Path) -> None:
    data = ok(run_verdict(tmp_path))
    assert data["certified"] is True, data["reasons"]


# --- eligibility (第四条) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("basic", "monitoring", "eligible"),
    [
        ("2020", "达标", True),  # "三年以上" includes three
        ("2021", "达标", False),
        ("2019", "不达标", False),
        ("", "达标", None),  # one missing, the other does not fail: null
        ("2019", "", None),
        ("", "不达标", False),  # one missing, the other fails: false
        ("2022", "", False),
    ],
)
def test_eligibility(tmp_path: Path, basic: str, monitoring: str, eligible: bool | None) -> None:
    rows = county_rows(basic=basic, year="2023", monitoring=monitoring)
    rows = [
        r
        for r in rows
        if not (
            r[0] == "基本情况"
            and (
                (r[1] == "基本均衡认定年份" and not basic)
                or (r[1] == "年度监测" and not monitoring)
            )
        )
    ]
    data = ok(run_verdict(tmp_path, county=rows))
    assert data["eligible"] is eligible
    # only true allows certification
    assert data["certified"] is (eligible is True)


# --- 政府保障 items 3–5, computed from the school file --------------------------------------


@pytest.mark.parametrize(
    ("overrides", "passed"),
    [
        ({"班级数": 24, "音乐专用教室数": 2, "美术专用教室数": 2}, True),
        ({"班级数": 25, "音乐专用教室数": 2, "美术专用教室数": 3}, False),  # ceil(25/12) = 3
        ({"班级数": 25, "音乐专用教室数": 3, "美术专用教室数": 3}, True),
        ({"音乐专用教室最小面积": 96, "美术专用教室最小面积": 90}, True),
        ({"音乐专用教室最小面积": 95.9}, False),
        ({"美术专用教室最小面积": 89.9}, False),
    ],
)
def test_item_3_special_rooms(tmp_path: Path, overrides: dict[str, Any], passed: bool) -> None:
    schools = [school_row("A", primary=1000, **overrides), school_row("B", "初中", junior=600)]
    data = ok(run_verdict(tmp_path, schools))
    assert item(data, "government", "3")["passed"] is passed
    assert data["certified"] is passed


@pytest.mark.parametrize(
    ("school", "passed"),
    [
        (school_row("C", primary=2000), True),
        (school_row("C", primary=2001), False),
        (school_row("C", "初中", junior=2001), False),
        (school_row("C", "九年一贯制", primary=1500, junior=1000), True),  # ≤ 2500
        (school_row("C", "九年一贯制", primary=1500, junior=1001), False),
        (
            school_row("C", "十二年一贯制", primary=1500, junior=1000, senior=900),
            True,
        ),  # compulsory part
        (school_row("C", "完全中学", junior=2000, senior=1500), True),  # its 初中部
        (school_row("C", "完全中学", junior=2001, senior=100), False),
    ],
)
def test_item_4_school_size(tmp_path: Path, school: dict[str, Any], passed: bool) -> None:
    data = ok(run_verdict(tmp_path, [*BASE_SCHOOLS, school]))
    assert item(data, "government", "4")["passed"] is passed


@pytest.mark.parametrize(
    ("overrides", "passed"),
    [
        ({"小学最大班额": 45, "初中最大班额": 50}, True),
        ({"小学最大班额": 46}, False),
        ({"初中最大班额": 51}, False),
    ],
)
def test_item_5_class_size(tmp_path: Path, overrides: dict[str, Any], passed: bool) -> None:
    school = school_row("C", "九年一贯制", primary=300, junior=300, **overrides)
    data = ok(run_verdict(tmp_path, [*BASE_SCHOOLS, school]))
    assert item(data, "government", "5")["passed"] is passed


def test_items_3_to_5_ignore_excluded_schools(tmp_path: Path) -> None:
    small = school_row(
        "P", "教学点", primary=30, 小学最大班额=60, 音乐专用教室数=0, 美术专用教室数=0
    )
    special = school_row("S", "特殊教育学校", primary=2600, 小学最大班额=60)
    data = ok(run_verdict(tmp_path, [*BASE_SCHOOLS, small, special]))
    # "Items 3–5 of §2.2 apply to the schools that remain"
    for number in ("3", "4", "5"):
        assert item(data, "government", number)["passed"] is True


@pytest.mark.parametrize("number", ["3", "4", "5"])
def test_county_rows_for_items_3_to_5_are_refused(tmp_path: Path, number: str) -> None:
    rows = county_rows(replace={("政府保障", number): ("", "达标", "")})
    err = refused(run_verdict(tmp_path, county=rows))
    assert "编号" in err


# --- the county file ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "judgement"),
    [
        (("政府保障", "7"), "5000", "达标"),
        (("政府保障", "13.2"), "96%", "不达标"),
        (("教育质量", "1"), "90%", "达标"),
    ],
)
def test_judgement_contradicting_value_refused(
    tmp_path: Path, key: tuple[str, str], value: str, judgement: str
) -> None:
    rows = county_rows(replace={key: (value, judgement, "")})
    refused(run_verdict(tmp_path, county=rows))


@pytest.mark.parametrize(
    ("key", "value", "passed"),
    [
        (("政府保障", "7"), "6000", True),  # ≥ 6000 元
        (("政府保障", "7"), "5,999", False),
        (("政府保障", "9"), "100", True),  # = 100%
        (("政府保障", "9"), "99.9%", False),
        (("政府保障", "11.1"), "10%", True),
        (("政府保障", "11.1"), "9.9", False),
        (("政府保障", "11.2"), "20", True),
        (("政府保障", "13.2"), "95", True),
        (("政府保障", "13.2"), "94.9%", False),
        (("政府保障", "14.1"), "49.9%", False),
        (("政府保障", "15.2"), "85%", True),
        (("教育质量", "1"), "95%", True),
        (("教育质量", "2"), "94.99", False),
        (("教育质量", "4"), "5%", True),
        (("教育质量", "4"), "4.9%", False),
    ],
)
def test_quantitative_items_decided_by_value(
    tmp_path: Path, key: tuple[str, str], value: str, passed: bool
) -> None:
    rows = county_rows(replace={key: (value, "", "")})
    data = ok(run_verdict(tmp_path, county=rows))
    aspect = "government" if key[0] == "政府保障" else "quality"
    assert item(data, aspect, key[1])["passed"] is passed
    assert data["certified"] is passed


def test_percent_written_with_and_without_sign(tmp_path: Path) -> None:
    for text in ("96.5%", "96.5"):
        rows = county_rows(replace={("政府保障", "13.2"): (text, "", "")})
        data = ok(run_verdict(tmp_path, county=rows))
        # "96.5%" and "96.5" both mean 96.5%
        assert item(data, "government", "13.2")["value"] == pytest.approx(96.5)


def test_bare_value_at_most_one_is_a_percent_with_a_warning(tmp_path: Path) -> None:
    rows = county_rows(replace={("政府保障", "13.2"): ("0.965", "", "")})
    run = run_verdict(tmp_path, county=rows)
    data = ok(run)
    # a bare value ≤ 1 is read as a percent (0.965%), with the warning "是否以小数填报?"
    assert item(data, "government", "13.2")["passed"] is False
    assert "是否以小数填报?" in run.err + "".join(data.get("warnings", []))


def test_county_figure_never_prints_as_its_standard(tmp_path: Path) -> None:
    # SPEC §2.1 display rule: "so that no printed figure contradicts the verdict" — a 值 of
    # 94.99996% fails 不低于 95% and must not print as "95%" (4 decimals round it up);
    # 5 decimals are needed to tell it from 95. Likewise 5999.99996 元 against 6000 元
    # and a 校际差异率 of 0.1499996 (passes 低于 0.15; 7 decimals tell it from 0.15).
    rows = county_rows(
        replace={
            ("政府保障", "13.2"): ("94.99996%", "", ""),
            ("政府保障", "7"): ("5999.99996", "", ""),
            ("教育质量", "9.1"): ("0.1499996", "达标", "数学"),
        }
    )
    data = ok(run_verdict(tmp_path, county=rows))
    expected = "政府保障第 13.2 项（初中就近划片入学比例）未达标：94.99996%，标准为不低于 95%"
    assert expected in data["reasons"]
    assert any("5,999.99996 元，标准为不低于 6,000 元" in r for r in data["reasons"])
    table = run_verdict(tmp_path, county=rows, fmt="table").out
    [line_13_2] = [line for line in table.splitlines() if line.split()[:1] == ["13.2"]]
    [line_7] = [
        line
        for line in table.splitlines()
        if line.split()[:3] == ["7", "不达标", "特殊教育学校生均公用经费"]
    ]
    [line_9_1] = [line for line in table.splitlines() if line.split()[:1] == ["9.1"]]
    assert line_13_2.endswith("94.99996%")
    assert line_7.split()[-1] == "5,999.99996"
    assert "0.1499996" in line_9_1


def test_county_figure_in_the_table_is_not_in_scientific_notation(tmp_path: Path) -> None:
    # the table prints 值 as written (thousands grouped, as in the reasons), never
    # "1.23457e+06"
    rows = county_rows(replace={("政府保障", "7"): ("1,234,567.5", "", "")})
    table = run_verdict(tmp_path, county=rows, fmt="table").out
    [line] = [
        line
        for line in table.splitlines()
        if line.split()[:3] == ["7", "达标", "特殊教育学校生均公用经费"]
    ]
    assert line.split()[-1] == "1,234,567.5"


def test_contradiction_message_shows_the_figure_as_written(tmp_path: Path) -> None:
    # 94.99996% with 达标 is refused; the message must not say "与值 95% 不符（标准：不低于 95%）"
    rows = county_rows(replace={("政府保障", "13.2"): ("94.99996%", "达标", "")})
    err = refused(run_verdict(tmp_path, county=rows))
    assert "判定“达标”与值 94.99996% 不符（标准：不低于 95%）" in err


def test_percent_typed_into_an_excel_cell_is_a_percent(tmp_path: Path) -> None:
    # SPEC §3: "a percentage may be written 96.5%", and real Excel files are accepted as
    # officials make them. Typing 97.2% into an Excel cell stores 0.972 with the number
    # format "0.0%": it is 97.2%, not a bare 0.972 (0.972%, "是否以小数填报?").
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["类别", "编号", "值", "判定", "说明"])
    for category, number, value, judgement, note in county_rows():
        cell: object = value or None
        if (category, number) == ("教育质量", "1"):
            cell = 0.972
        if (category, number) == ("政府保障", "13.2"):
            cell = 0.964
        if (category, number) == ("教育质量", "9.1"):
            cell = 0.12  # a 校际差异率 formatted as 12%: 0.12
        sheet.append([category, number, cell, judgement or None, note or None])
        if isinstance(cell, float):
            sheet.cell(sheet.max_row, 3).number_format = "0.0%"
    path = tmp_path / "county.xlsx"
    book.save(path)
    schools = write(tmp_path / "schools.csv", schools_csv(BASE_SCHOOLS))
    run = cli("verdict", "--schools", schools, "--county", path, "--approval", "0.9",
              "--format", "json")  # fmt: skip
    data = ok(run)
    assert item(data, "quality", "1")["value"] == pytest.approx(97.2)
    assert item(data, "government", "13.2")["value"] == pytest.approx(96.4)
    assert item(data, "quality", "9.1")["value"] == pytest.approx(0.12)
    assert data["certified"] is True
    assert "是否以小数填报?" not in run.err


def test_plain_row_stands_for_the_whole_item(tmp_path: Path) -> None:
    rows = county_rows(
        replace={
            ("政府保障", "8.1"): None,
            ("政府保障", "8.2"): None,
            ("政府保障", "8"): ("", "达标", ""),
        }
    )
    data = ok(run_verdict(tmp_path, county=rows))
    assert item(data, "government", "8")["passed"] is True
    assert data["certified"] is True


@pytest.mark.parametrize(
    "replace",
    [
        {("政府保障", "11"): ("", "达标", ""), ("政府保障", "11.1"): ("8%", "", "")},
        {("政府保障", "8"): ("", "不达标", "")},  # 8.1 and 8.2 both 达标
        {("政府保障", "15"): ("", "达标", ""), ("政府保障", "15.1"): ("", "不达标", "")},
    ],
)
def test_plain_row_and_sub_rows_disagreeing_refused(
    tmp_path: Path, replace: dict[tuple[str, str], tuple[str, str, str]]
) -> None:
    refused(run_verdict(tmp_path, county=county_rows(replace=replace)))


def test_sub_item_failing_fails_the_item(tmp_path: Path) -> None:
    rows = county_rows(replace={("政府保障", "14.2"): ("", "不达标", "")})
    data = ok(run_verdict(tmp_path, county=rows))
    assert item(data, "government", "14")["passed"] is False
    assert data["government"]["passed"] is False and data["certified"] is False


def test_not_applicable_needs_a_note_and_counts_as_passed(tmp_path: Path) -> None:
    rows = county_rows(replace={("政府保障", "6"): ("", "不适用", "")})
    refused(run_verdict(tmp_path, county=rows))
    rows = county_rows(replace={("政府保障", "6"): ("", "不适用", "本县无村小和教学点")})
    run = run_verdict(tmp_path, county=rows)
    data = ok(run)
    entry = item(data, "government", "6")
    assert entry["passed"] is True and data["certified"] is True
    # ... and is listed as 不适用
    assert "不适用" in str(entry)
    assert "不适用" in run_verdict(tmp_path, county=rows, fmt="table").out


@pytest.mark.parametrize(
    ("value", "judgement", "passed"),
    [
        ("0.149", "达标", True),
        ("0.15", "达标", False),
        ("0.10", "不达标", False),
        ("14%", "达标", True),
    ],
)
def test_quality_9k_needs_both_parts(
    tmp_path: Path, value: str, judgement: str, passed: bool
) -> None:
    rows = county_rows(replace={("教育质量", "9.1"): (value, judgement, "数学")})
    rows.append(["教育质量", "9.2", "0.12", "达标", "语文"])
    data = ok(run_verdict(tmp_path, county=rows))
    # 9.k: 值 is the 校际差异率 (< 0.15) and 判定 decides the level-III part (both must hold)
    assert item(data, "quality", "9.1")["passed"] is passed
    assert item(data, "quality", "9")["passed"] is passed


def test_quality_9_not_applicable(tmp_path: Path) -> None:
    rows = county_rows(
        replace={("教育质量", "9.1"): None, ("教育质量", "9"): ("", "不适用", "本周期未被抽中")}
    )
    data = ok(run_verdict(tmp_path, county=rows))
    assert item(data, "quality", "9")["passed"] is True and data["certified"] is True


@pytest.mark.parametrize(
    ("category", "number"), [("政府保障", "10"), ("政府保障", "11.2"), ("教育质量", "3")]
)
def test_missing_item_is_null_and_blocks_certification(
    tmp_path: Path, category: str, number: str
) -> None:
    rows = county_rows(replace={(category, number): None})
    data = ok(run_verdict(tmp_path, county=rows))
    aspect = "government" if category == "政府保障" else "quality"
    # a missing item is reported as missing (passed null) and blocks certification
    assert item(data, aspect, number)["passed"] is None
    assert data["certified"] is False
    assert data["reasons"]


def test_missing_veto_is_null_and_blocks_certification(tmp_path: Path) -> None:
    rows = county_rows(replace={("否决", "3"): None})
    data = ok(run_verdict(tmp_path, county=rows))
    assert data["vetoes"][2]["present"] is None
    assert data["certified"] is False


@pytest.mark.parametrize("number", range(1, 7))
def test_vetoes_in_order_and_wording(tmp_path: Path, number: int) -> None:
    rows = county_rows(replace={("否决", str(number)): ("", "是", "经核查属实")})
    run = run_verdict(tmp_path, county=rows)
    data = ok(run)
    assert run.code == 1 and data["certified"] is False
    assert [v["present"] for v in data["vetoes"]] == [k == number for k in range(1, 7)]
    # vetoes in this order, worded as in the seed
    assert any(VETO_TITLES[number - 1] in reason for reason in data["reasons"])
    assert [v.get("title") for v in data["vetoes"]] == VETO_TITLES


def test_without_county_file_nothing_county_level_passes(tmp_path: Path) -> None:
    s = write(tmp_path / "schools.csv", schools_csv(BASE_SCHOOLS))
    run = cli("verdict", "--schools", s, "--approval", "0.9", "--format", "json")
    data = ok(run)
    assert run.code == 1
    assert data["eligible"] is None and data["certified"] is False
    assert all(v["present"] is None for v in data["vetoes"])
    assert item(data, "government", "1")["passed"] is None
    assert item(data, "government", "3")["passed"] is True  # computed from the school file


def test_county_total_row_refused(tmp_path: Path) -> None:
    rows = [*county_rows(), ["合计", "", "", "", ""]]
    err = refused(run_verdict(tmp_path, county=rows))
    assert f"第{len(rows) + 1}行是合计行，请删除后重新上传" in err
