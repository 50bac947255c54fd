"""SPEC §2.1 资源配置 (units, per-school rule, CV, exclusions), through `renke verdict --format json`."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

import analysis

from ._helpers import cli, county_csv, county_rows, school_row, schools_csv, write


def verdict(
    tmp_path: Path, rows: list[dict[str, Any]], *extra: str | Path
) -> tuple[int, dict[str, Any], str]:
    schools = write(tmp_path / "schools.csv", schools_csv(rows))
    county = write(tmp_path / "county.csv", county_csv(county_rows()))
    run = cli(
        "verdict",
        "--schools",
        schools,
        "--county",
        county,
        "--approval",
        "0.9",
        "--format",
        "json",
        *extra,
    )
    assert run.code in (0, 1), run.err
    return run.code, run.json(), run.err


def units(data: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(s["code"], s["section"]): s for s in data["resource"]["schools"]}


def test_a_passing_county_is_certified(tmp_path: Path) -> None:
    rows = [
        school_row("A", primary=400),
        school_row("B", "初中", junior=600),
        school_row("C", "九年一贯制", primary=300, junior=200),
    ]
    code, data, _ = verdict(tmp_path, rows)
    # SPEC §5: 0 certified
    assert code == 0 and data["certified"] is True and data["eligible"] is True
    assert data["reasons"] == []
    # SPEC §5 verdict JSON keys
    assert {
        "certified",
        "eligible",
        "reasons",
        "resource",
        "government",
        "quality",
        "approval",
        "vetoes",
    } <= set(data)
    assert {"passed", "cv", "schools"} <= set(data["resource"])
    assert set(data["resource"]["cv"]) >= {"primary", "junior"}
    unit = data["resource"]["schools"][0]
    assert {"code", "name", "section", "values", "met", "below", "passed"} <= set(unit)
    assert {"cv", "threshold", "passed", "note"} <= set(
        data["resource"]["cv"]["primary"]["teachers_qualified"]
    )
    item = data["government"]["items"][0]
    assert {"id", "passed", "value", "note", "sub"} <= set(item)
    assert {"approval", "ci", "met", "certainty"} <= set(data["approval"])
    assert [v["id"] for v in data["vetoes"]] == ["1", "2", "3", "4", "5", "6"]
    assert {"id", "present", "note"} <= set(data["vetoes"][0])
    # --approval: ci and certainty are null
    assert data["approval"]["ci"] is None and data["approval"]["certainty"] is None
    assert data["approval"]["approval"] == pytest.approx(0.9) and data["approval"]["met"] is True


def test_student_weighted_cv(tmp_path: Path) -> None:
    # three 小学 with different 骨干 rates per 100 students
    students = [100, 300, 600]
    backbone = [1.0, 3.0, 6.0]  # teachers
    rows = [
        school_row(code, primary=p, 小学县级以上骨干教师数=b)
        for code, p, b in zip("XYZ", students, backbone, strict=True)
    ]
    _, data, _ = verdict(tmp_path, rows)
    # 1.0 per hundred in each: X̄ = ΣP_iX_i / P, S = sqrt(Σ(P_i/P)(X_i − X̄)²), CV = S/X̄ -> all equal: 0
    cv = data["resource"]["cv"]["primary"]["teachers_backbone"]
    assert cv["cv"] == pytest.approx(0.0, abs=1e-12)
    # now unequal: 1.0, 2.0, 4.0 per hundred
    rows[1]["小学县级以上骨干教师数"] = 6.0
    rows[2]["小学县级以上骨干教师数"] = 24.0
    _, data, _ = verdict(tmp_path, rows)
    x = [1.0, 2.0, 4.0]
    total = sum(students)
    mean = sum(p * v for p, v in zip(students, x, strict=True)) / total
    s = math.sqrt(sum(p / total * (v - mean) ** 2 for p, v in zip(students, x, strict=True)))
    cv = data["resource"]["cv"]["primary"]["teachers_backbone"]
    assert cv["cv"] == pytest.approx(s / mean, rel=1e-12)  # 0.3803…, not the unweighted 0.4518
    assert cv["threshold"] == 0.50 and cv["passed"] is True
    assert units(data)[("Z", "primary")]["values"]["teachers_backbone"] == pytest.approx(4.0)


def test_section_without_unit_has_null_cvs_that_pass(tmp_path: Path) -> None:
    _, data, _ = verdict(tmp_path, [school_row("A", primary=400), school_row("B", primary=500)])
    junior = data["resource"]["cv"]["junior"]
    assert len(junior) == 7
    for entry in junior.values():
        # SPEC §2.1: a 学段 with no unit has null CVs that pass, with the note "无该学段学校"
        assert entry["cv"] is None and entry["passed"] is True and entry["note"] == "无该学段学校"
    assert data["certified"] is True


def test_cv_with_mean_zero_is_null_and_fails(tmp_path: Path) -> None:
    rows = [school_row(c, primary=400, 小学县级以上骨干教师数=0) for c in "AB"]
    _, data, _ = verdict(tmp_path, rows)
    cv = data["resource"]["cv"]["primary"]["teachers_backbone"]
    # SPEC §2.1: a CV whose mean is 0 is null with the reason and fails
    assert cv["cv"] is None and cv["passed"] is False and cv["note"]
    assert data["resource"]["passed"] is False and data["certified"] is False


@pytest.mark.parametrize(
    ("half_spread", "shown", "passed"),
    [
        (0.5004, "0.5004", False),
        (0.4996, "0.4996", True),
        (0.4994, "0.499", True),
        (0.5120, "0.512", False),
    ],
)
def test_cv_display_and_decision_on_the_unrounded_value(
    tmp_path: Path, half_spread: float, shown: str, passed: bool
) -> None:
    # two equal-sized units with X = m(1 ± c): the weighted CV is exactly c
    m = 5000.0
    rows = [
        school_row("A", primary=100, 教学仪器设备值=100 * m * (1 + half_spread)),
        school_row("B", primary=100, 教学仪器设备值=100 * m * (1 - half_spread)),
    ]
    _, data, _ = verdict(tmp_path, rows)
    cv = data["resource"]["cv"]["primary"]["equipment_value"]
    assert cv["cv"] == pytest.approx(half_spread, rel=1e-9)
    # SPEC §2.1: decide on the unrounded value (0.5004 fails although "0.500" would not)
    assert cv["passed"] is passed
    # display 3 decimals, and 4 where the 3-decimal figure equals the threshold
    table = cli(
        "verdict",
        "--schools",
        tmp_path / "schools.csv",
        "--county",
        tmp_path / "county.csv",
        "--approval",
        "0.9",
    )
    assert shown in table.out
    if not passed:
        assert any(shown in r and "0.50" in r for r in data["reasons"])  # "0.5004，大于 0.50"


def test_per_school_rule_six_of_seven_and_85_percent(tmp_path: Path) -> None:
    # sports space: standard 7.5 ㎡; 85% = 6.375. 400 students
    rows = [
        school_row("A", primary=400, 体育运动场馆面积=400 * 6.375),  # exactly 85%: passes
        school_row("B", primary=400, 体育运动场馆面积=400 * 6.37),  # below 85%: fails
        school_row(
            "C", primary=400, 体育运动场馆面积=400 * 7.0, 教学仪器设备值=400 * 1900
        ),  # two below: fails
    ]
    _, data, _ = verdict(tmp_path, rows)
    got = units(data)
    assert got[("A", "primary")]["met"] == 6 and got[("A", "primary")]["below"] == ["sports_space"]
    assert got[("A", "primary")]["passed"] is True
    assert got[("B", "primary")]["passed"] is False
    assert got[("C", "primary")]["met"] == 5 and got[("C", "primary")]["passed"] is False
    assert set(got[("C", "primary")]["below"]) == {"sports_space", "equipment_value"}
    assert data["resource"]["passed"] is False


def test_split_166_and_210_share_23226(tmp_path: Path) -> None:
    row = school_row("J", "九年一贯制", primary=166, junior=210, 教学仪器设备值=23226 * 200)
    _, data, _ = verdict(tmp_path, [row])
    got = units(data)
    # SPEC §2.1: 166 小学生 and 210 初中生 share 23226 books as 9711.6 : 13514.4 (here ×200 元)
    primary = got[("J", "primary")]["values"]["equipment_value"] * 166 / 200
    junior = got[("J", "junior")]["values"]["equipment_value"] * 210 / 200
    assert round(primary, 1) == 9711.6 and round(junior, 1) == 13514.4
    assert primary == pytest.approx(23226 * 166 / (166 + 1.1 * 210), rel=1e-12)
    assert primary + junior == pytest.approx(23226)
    # teacher counts are per 学段 (not split)
    assert got[("J", "junior")]["values"]["teachers_qualified"] == pytest.approx(6.0)


def test_split_twelve_year_and_complete_middle_school(tmp_path: Path) -> None:
    rows = [
        school_row(
            "T", "十二年一贯制", primary=500, junior=400, senior=300, 体育运动场馆面积=100000
        ),
        school_row("W", "完全中学", junior=600, senior=500, 体育运动场馆面积=100000),
    ]
    _, data, _ = verdict(tmp_path, rows)
    got = units(data)
    # 小学生 : 初中生 : 高中生 = 1 : 1.1 : 1.32, 高中 left out
    weighted = 500 + 1.1 * 400 + 1.32 * 300
    assert got[("T", "primary")]["values"]["sports_space"] == pytest.approx(100000 / weighted)
    assert got[("T", "junior")]["values"]["sports_space"] == pytest.approx(100000 * 1.1 / weighted)
    # 完全中学 初中 : 高中 = 1 : 1.2, keeps its 初中部 only
    assert got[("W", "junior")]["values"]["sports_space"] == pytest.approx(
        100000 / (600 + 1.2 * 500)
    )
    assert ("W", "primary") not in got and ("T", "senior") not in got


def test_indoor_gym_subtracted_from_teaching_space(tmp_path: Path) -> None:
    row = school_row("A", primary=400, 教学及辅助用房面积=3000, 室内体育用房面积=600)
    _, data, _ = verdict(tmp_path, [row])
    # subtract_indoor_gym (default on): (3000 − 600)/400
    assert units(data)[("A", "primary")]["values"]["teaching_space"] == pytest.approx(6.0)


def test_section_with_zero_students_makes_no_unit(tmp_path: Path) -> None:
    row = school_row("J", "九年一贯制", primary=300, junior=0)
    _, data, _ = verdict(tmp_path, [row])
    assert [s["section"] for s in data["resource"]["schools"]] == ["primary"]


def test_teaching_points_and_special_schools(tmp_path: Path) -> None:
    rows = [
        school_row("A", primary=400),
        school_row("B", primary=500),
        # a 教学点 of 49: excluded, its (failing) figures not added anywhere
        school_row("P49", "教学点", primary=49, 小学县级以上骨干教师数=0, 所属学校代码="A"),
        # a 教学点 of 50 is a 小学 unit
        school_row("P50", "教学点", primary=50),
        school_row("S", "特殊教育学校", primary=80, 小学县级以上骨干教师数=0),
    ]
    _, data, _ = verdict(tmp_path, rows)
    codes = {s["code"] for s in data["resource"]["schools"]}
    assert codes == {"A", "B", "P50"}
    assert units(data)[("A", "primary")]["values"]["teachers_backbone"] == pytest.approx(1.5)
    assert data["certified"] is True


def test_small_teaching_points_merge_setting(tmp_path: Path) -> None:
    shipped = Path(analysis.__file__).parent / "standards" / "yunnan-2022.toml"
    text = shipped.read_text(encoding="utf-8")
    assert 'small_teaching_points = "exclude"' in text
    standard = write(
        tmp_path / "merge.toml",
        text.replace(
            'small_teaching_points = "exclude"', 'small_teaching_points = "merge"'
        ).encode(),
    )
    rows = [
        school_row("A", primary=400),
        school_row(
            "P",
            "教学点",
            primary=40,
            所属学校代码="A",
            小学县级以上骨干教师数=2.0,
            教学仪器设备值=40 * 1000,
        ),
    ]
    _, data, _ = verdict(tmp_path, rows, "--standard", standard)
    got = units(data)
    assert set(got) == {("A", "primary")}
    # the 教学点 is added to the 中心校 named in 所属学校代码: (6 + 2)/440 per hundred
    assert got[("A", "primary")]["values"]["teachers_backbone"] == pytest.approx(100 * 8.0 / 440)
    assert got[("A", "primary")]["values"]["equipment_value"] == pytest.approx(
        (400 * 2600 + 40000) / 440
    )


@pytest.mark.parametrize(
    ("half_spread", "shown", "passed"),
    [(0.4504, "0.4504", False), (0.4496, "0.4496", True), (0.451, "0.451", False)],
)
def test_junior_cv_threshold_0_45(
    tmp_path: Path, half_spread: float, shown: str, passed: bool
) -> None:
    m = 6000.0
    rows = [
        school_row("A", "初中", junior=200, 教学仪器设备值=200 * m * (1 + half_spread)),
        school_row("B", "初中", junior=200, 教学仪器设备值=200 * m * (1 - half_spread)),
    ]
    _, data, _ = verdict(tmp_path, rows)
    cv = data["resource"]["cv"]["junior"]["equipment_value"]
    # SPEC §2.1: 初中 CV ≤ 0.45; decide unrounded; 4 decimals where 3 would print 0.450
    assert cv["threshold"] == 0.45
    assert cv["cv"] == pytest.approx(half_spread, rel=1e-9) and cv["passed"] is passed
    table = cli(
        "verdict",
        "--schools",
        tmp_path / "schools.csv",
        "--county",
        tmp_path / "county.csv",
        "--approval",
        "0.9",
    )
    assert shown in table.out
