"""The resource rules (办法 第六条): weighted CV, per-school rule, units and splits."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.resources import (
    NO_SECTION_NOTE,
    ZERO_MEAN_NOTE,
    assess_resources,
    display_cv,
    school_passes,
    unit_reason,
    weighted_cv,
)
from analysis.schools import Unit, build_units, facility_shares, read_schools
from analysis.standards import load_standard
from tests.verdict.factory import HEADERS, school, to_csv

STANDARD = load_standard()


def test_weighted_cv_hand_worked() -> None:
    # Three units, students P = (100, 300, 600), P = 1000, shares (0.1, 0.3, 0.6);
    # values X = (2, 4, 5):
    #   X̄ = 0.1·2 + 0.3·4 + 0.6·5 = 0.2 + 1.2 + 3.0 = 4.4
    #   deviations (−2.4, −0.4, 0.6), squared (5.76, 0.16, 0.36)
    #   S² = 0.1·5.76 + 0.3·0.16 + 0.6·0.36 = 0.576 + 0.048 + 0.216 = 0.84
    #   S = sqrt(0.84) = 0.9165151…, CV = 0.9165151 / 4.4 = 0.2082989…
    cv, mean = weighted_cv([100, 300, 600], [2.0, 4.0, 5.0])
    assert mean == pytest.approx(4.4, abs=1e-12)
    assert cv == pytest.approx(math.sqrt(0.84) / 4.4, rel=1e-12)
    assert cv == pytest.approx(0.2082989, abs=1e-7)


def test_weighted_cv_differs_from_unweighted() -> None:
    # unweighted: mean 11/3, the student weighting above gives 4.4
    cv, _ = weighted_cv([1, 1, 1], [2.0, 4.0, 5.0])
    assert cv != pytest.approx(math.sqrt(0.84) / 4.4)


def test_identical_units_have_cv_zero() -> None:
    cv, mean = weighted_cv([120, 450, 80], [3.25, 3.25, 3.25])
    assert mean == pytest.approx(3.25)
    assert cv == pytest.approx(0.0, abs=1e-15)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 3000), st.floats(0.1, 1e5, allow_nan=False)),
        min_size=1,
        max_size=30,
    ),
    st.floats(1e-3, 1e4),
)
def test_cv_unchanged_when_an_indicator_is_scaled(pairs: list[tuple[int, float]], k: float) -> None:
    students = [p for p, _ in pairs]
    values = [x for _, x in pairs]
    cv, _ = weighted_cv(students, values)
    scaled, _ = weighted_cv(students, [x * k for x in values])
    assert cv is not None and scaled is not None
    assert scaled == pytest.approx(cv, rel=1e-9, abs=1e-12)


def test_cv_with_mean_zero_is_null() -> None:
    assert weighted_cv([10, 20], [0.0, 0.0]) == (None, 0.0)


@pytest.mark.parametrize(
    ("cv", "threshold", "shown"),
    [
        (0.2083, 0.50, "0.208"),
        (0.5004, 0.50, "0.5004"),  # 3 decimals would print the threshold
        (0.4996, 0.50, "0.4996"),
        (0.50004, 0.50, "0.50004"),  # and 4 would too
        (0.45, 0.45, "0.4500"),  # equal: its 3-decimal figure is the threshold, so 4
        (0.45 + 1e-12, 0.45, "0.4500"),  # equal within the verdict's tolerance
        (0.4504, 0.45, "0.4504"),
    ],
)
def test_display_rule(cv: float, threshold: float, shown: str) -> None:
    assert display_cv(cv, threshold) == shown


def _unit(code: str, section: str = "primary", students: int = 100, **figures: float) -> Unit:
    base = {
        "teachers_qualified": 6.0,
        "teachers_backbone": 2.0,
        "teachers_pe_art": 1.0,
        "teaching_space": 600.0,
        "sports_space": 1100.0,
        "equipment_value": 300000.0,
        "multimedia_rooms": 3.0,
    }
    base.update(figures)
    scale = students / 100
    return Unit(
        code=code,
        name=f"学校{code}",
        section=section,  # type: ignore[arg-type]
        school_type="小学" if section == "primary" else "初中",
        row=2,
        students=students,
        **{key: value * scale for key, value in base.items()},
    )


def test_cv_that_rounds_to_its_threshold_is_decided_unrounded() -> None:
    # two 小学 units of equal size, values a and b: X̄ = (a + b)/2, S = |a − b|/2,
    # CV = |a − b|/(a + b). With a = 1.5004 and b = 0.4996: CV = 1.0008/2 = 0.5004 > 0.50
    # (it prints as 0.500 with 3 decimals; the verdict is on 0.5004, shown as "0.5004").
    units = [
        _unit("A", multimedia_rooms=1.5004 * 100),
        _unit("B", multimedia_rooms=0.4996 * 100),
    ]
    result = assess_resources(units, STANDARD)
    cv = result.cv_of("primary", "multimedia_rooms")
    assert cv.cv == pytest.approx(0.5004, abs=1e-12)
    assert cv.passed is False
    assert cv.display == "0.5004"
    assert "小学每百名学生拥有网络多媒体教室数差异系数 0.5004，大于 0.50" in result.reasons
    # and just inside: 0.4996 passes, printed with 4 decimals
    units = [
        _unit("A", multimedia_rooms=1.4996 * 100),
        _unit("B", multimedia_rooms=0.5004 * 100),
    ]
    cv = assess_resources(units, STANDARD).cv_of("primary", "multimedia_rooms")
    assert cv.passed is True
    assert cv.display == "0.4996"


def test_cv_zero_mean_fails_and_missing_section_passes() -> None:
    units = [_unit("A", teachers_backbone=0.0), _unit("B", teachers_backbone=0.0)]
    result = assess_resources(units, STANDARD)
    zero = result.cv_of("primary", "teachers_backbone")
    assert zero.cv is None and zero.passed is False and zero.note == ZERO_MEAN_NOTE
    junior = result.cv_of("junior", "equipment_value")
    assert junior.cv is None and junior.passed is True and junior.note == NO_SECTION_NOTE
    assert result.passed is False
    assert (
        "小学每百名学生拥有县级以上骨干教师数差异系数无法计算（均值为 0，无法计算差异系数），视为未达标"
        in result.reasons
    )


def _values(section: str = "junior", **changes: float) -> dict[str, float]:
    values = {
        indicator.key: indicator.threshold(section)  # type: ignore[arg-type]
        for indicator in STANDARD.indicators
    }
    values.update(changes)
    return values


def test_per_school_rule_at_exactly_85_percent_passes() -> None:
    # sports space standard for 初中 10.2 ㎡; 85% of it is 8.67 ㎡
    met, below, passed = school_passes(_values(sports_space=8.67), "junior", STANDARD)
    assert (met, below, passed) == (6, ("sports_space",), True)


def test_per_school_rule_just_below_85_percent_fails() -> None:
    met, below, passed = school_passes(_values(sports_space=8.669), "junior", STANDARD)
    assert (met, below, passed) == (6, ("sports_space",), False)


def test_per_school_rule_two_below_fails() -> None:
    values = _values(sports_space=10.0, equipment_value=2490.0)
    met, below, passed = school_passes(values, "junior", STANDARD)
    assert (met, below, passed) == (5, ("sports_space", "equipment_value"), False)


def test_85_percent_computed_from_counts() -> None:
    # 867 ㎡ for 100 students is 8.67 ㎡, exactly 85% of 10.2 ㎡; float arithmetic gives
    # 0.85 · 10.2 = 8.669999999999998 — the unit still passes, on the unrounded figure
    unit = _unit("J", "junior", students=100, sports_space=867.0)
    result = assess_resources([unit], STANDARD)
    assert result.units[0].passed is True


def test_reason_wording() -> None:
    unit = Unit(
        code="J1",
        name="平远镇中学",
        section="junior",
        school_type="初中",
        row=2,
        students=1000,
        teachers_qualified=60,
        teachers_backbone=15,
        teachers_pe_art=10,
        teaching_space=6000,
        sports_space=8100,
        equipment_value=2_600_000,
        multimedia_rooms=30,
    )
    result = assess_resources([unit], STANDARD)
    assert unit_reason(result.units[0], STANDARD) == (
        "平远镇中学（初中）生均体育运动场馆面积 8.1㎡，低于标准 10.2㎡ 的 85%"
    )
    two = Unit(**{**unit.__dict__, "equipment_value": 2_400_000.0})
    text = unit_reason(assess_resources([two], STANDARD).units[0], STANDARD)
    assert text == (
        "平远镇中学（初中）有 2 项指标未达标（生均体育运动场馆面积 8.1㎡，标准 10.2㎡；"
        "生均教学仪器设备值 2,400 元，标准 2,500 元），至多 1 项可未达标且不低于标准的 85%"
    )


def _read(*rows: dict[str, object], standard_name: str = "yunnan-2022"):  # type: ignore[no-untyped-def]
    return read_schools(to_csv(rows, HEADERS), standard=load_standard(standard_name)).schools


def test_split_166_and_210_sharing_23226() -> None:
    # 166 小学生 : 210 初中生 weigh 166 : 231 (1 : 1.1), so 23226 splits as
    # 23226·166/397 = 9711.63 and 23226·231/397 = 13514.37 (SPEC: 9711.6 : 13514.4)
    (row,) = _read(
        school("N1", "九年一贯制学校", "九年一贯制", primary=166, junior=210, 教学仪器设备值=23226)
    )
    shares = facility_shares(row, STANDARD)
    assert round(23226 * shares["primary"], 1) == 9711.6
    assert round(23226 * shares["junior"], 1) == 13514.4
    assert 23226 * shares["primary"] == pytest.approx(23226 * 166 / 397, rel=1e-12)
    units = build_units([row], STANDARD).units
    assert [u.section for u in units] == ["primary", "junior"]
    assert units[0].equipment_value == pytest.approx(9711.6, abs=0.05)
    assert units[1].equipment_value == pytest.approx(13514.4, abs=0.05)


def test_twelve_year_and_complete_middle_school_splits() -> None:
    rows = _read(
        school(
            "T",
            "十二年",
            "十二年一贯制",
            primary=100,
            junior=100,
            senior=100,
            体育运动场馆面积=3420,
        ),
        school("C", "完中", "完全中学", junior=100, senior=100, 体育运动场馆面积=2200),
    )
    units = build_units(rows, STANDARD).units
    # 1 : 1.1 : 1.32 → 100 : 110 : 132 of 342; 高中 left out
    assert [u.sports_space for u in units[:2]] == pytest.approx([1000.0, 1100.0])
    # 完全中学 初中 : 高中 = 1 : 1.2 → 100 : 120 of 220
    assert units[2].section == "junior" and units[2].sports_space == pytest.approx(1000.0)
    assert len(units) == 3


def test_a_section_with_no_students_makes_no_unit() -> None:
    (row,) = _read(school("N", "九年", "九年一贯制", primary=300, junior=0))
    units = build_units([row], STANDARD).units
    assert [u.section for u in units] == ["primary"]
    # all the facilities go to the only section
    assert units[0].equipment_value == row.figure("equipment_value")


def test_indoor_gym_is_subtracted() -> None:
    (row,) = _read(school("P", "小学", primary=100, 教学及辅助用房面积=800, 室内体育用房面积=200))
    (unit,) = build_units([row], STANDARD).units
    assert unit.teaching_space == 600


def test_exclusions_and_merge() -> None:
    rows = [
        school("P", "中心小学", primary=400),
        school("TP", "小教学点", "教学点", primary=30, 所属学校代码="P"),
        school("BIG", "大教学点", "教学点", primary=50),
        school("SP", "特校", "特殊教育学校", primary=30),
    ]
    excluded = build_units(_read(*rows), STANDARD)
    assert [u.code for u in excluded.units] == ["P", "BIG"]
    assert {e.code for e in excluded.excluded} == {"TP", "SP"}
    assert excluded.units[0].students == 400


def test_merge_setting_adds_small_teaching_points(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    text = Path("analysis/standards/yunnan-2022.toml").read_text(encoding="utf-8")
    custom = tmp_path / "merge.toml"
    custom.write_text(
        text.replace('small_teaching_points = "exclude"', 'small_teaching_points = "merge"'),
        encoding="utf-8",
    )
    standard = load_standard(custom)
    rows = [
        school("P", "中心小学", primary=400),
        school("TP", "小教学点", "教学点", primary=30, 所属学校代码="P"),
    ]
    schools = read_schools(to_csv(rows, HEADERS), standard=standard).schools
    units = build_units(schools, standard)
    (unit,) = units.units
    assert unit.students == 430 and unit.merged == ("TP",)
    assert unit.equipment_value == pytest.approx(
        schools[0].figure("equipment_value") + schools[1].figure("equipment_value")
    )
    # without a 所属学校代码 the file is refused under this standard
    from analysis.tables import InputRefused

    rows[1]["所属学校代码"] = ""
    with pytest.raises(InputRefused) as refused:
        read_schools(to_csv(rows, HEADERS), standard=standard)
    assert "所属学校代码" in str(refused.value)


def test_special_case_is_used_and_shown() -> None:
    from analysis.resources import SpecialCase

    unit = _unit("A", "junior", students=100, sports_space=800.0)
    plain = assess_resources([unit], STANDARD)
    assert plain.units[0].passed is False
    case = SpecialCase(
        "A", "junior", "sports_space", 10.5, "租用 10 分钟步行范围内的县体育场", "租用协议.pdf"
    )
    result = assess_resources([unit], STANDARD, special_cases=[case])
    assert result.units[0].passed is True
    assert result.units[0].values["sports_space"] == 10.5
    assert result.units[0].computed["sports_space"] == 8.0
    assert result.cv_of("junior", "sports_space").note == "按特殊情况认定"
    assert result.units[0].to_dict()["special"]["sports_space"]["note"].startswith("租用")
