"""Semantic checks on the schools and county files (issue 9): each names the problem."""

from __future__ import annotations

import pytest

from analysis.county import read_county
from analysis.schools import read_schools
from analysis.tables import InputRefused
from analysis.templates_xlsx import county_template
from tests.verdict import county40
from tests.verdict.factory import HEADERS, school, to_csv


def _refusal(reader, data: bytes) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(InputRefused) as refused:
        reader(data)
    return [str(problem) for problem in refused.value.problems]


def test_teaching_point_of_a_school_not_in_the_file_is_an_error() -> None:
    rows = county40.schools_rows()
    rows = [({**r, "所属学校代码": "P99"} if r["学校代码"] == "TP1" else r) for r in rows]
    assert _refusal(read_schools, county40.schools_csv(rows)) == [
        "第22行，“所属学校代码”列：所属学校代码“P99”不在本表中"
    ]


def test_implausible_teacher_count_is_a_warning_by_row_and_column() -> None:
    row = school("5301", "甲小学", primary=620, 小学体育艺术专任教师数=3800)
    [warning] = read_schools(to_csv([row], HEADERS)).warnings
    assert (warning.row, warning.column) == (2, "小学体育艺术专任教师数")
    assert "3,800 人，而小学在校生仅 620 人" in warning.message
    ordinary = school("5302", "乙小学", primary=620)
    assert read_schools(to_csv([ordinary], HEADERS)).warnings == ()


def test_county_file_uploaded_as_schools_is_one_clear_message() -> None:
    assert _refusal(read_schools, county40.county_csv()) == [
        "这不是学校表：缺少 22 列，可能上传了县级表"
    ]
    assert _refusal(read_county, county40.schools_csv()) == [
        "这不是县级表：缺少 4 列，可能上传了学校表"
    ]


def test_schools_file_missing_a_few_columns_lists_them() -> None:
    headers = [h for h in HEADERS if h not in ("班级数", "音乐专用教室数")]
    row = school("5301", "甲小学", primary=500)
    messages = _refusal(read_schools, to_csv([row], headers))
    assert messages == ["第1行，“班级数”列：缺少此列", "第1行，“音乐专用教室数”列：缺少此列"]


def test_empty_county_template_is_refused() -> None:
    assert _refusal(read_county, county_template()) == ["未填写任何项目"]


def test_county_file_missing_one_column_names_it() -> None:
    rows = [{k: v for k, v in row.items() if k != "判定"} for row in county40.county_rows()]
    assert _refusal(read_county, to_csv(rows)) == ["第1行，“判定”列：缺少此列"]
