"""不适用 by rule (SPEC §3), reasons that mean what they say, and the cross-file listings
(SPEC §2.2), on the 40-school county of county40.py.

The base county has 镇区 public day 小学 and 初中 (P01–P20, J01–J08 …), two 教学点 under
100 students (TP2 30, TP3 20; TP1 has exactly 100), a 特殊教育学校 (SP1) and no 乡村
初中: so 不适用 is admissible for 14.2 (and the declared 15.2 and 教育质量 9) and for
nothing else until the schools file is changed.
"""

from __future__ import annotations

from typing import Any

import pytest

from analysis.county import read_county
from analysis.schools import read_schools
from analysis.tables import InputRefused
from analysis.verdict import Verdict, approval_from_value, compute_verdict
from tests.verdict import county40
from tests.verdict.county40 import schools_rows

Rows = list[dict[str, Any]]
NA = "不适用"


def verdict_of(rows: Rows | None = None, **county: Any) -> Verdict:
    schools = read_schools(county40.schools_csv(rows))
    county_file = read_county(county40.county_csv(**county))
    return compute_verdict(schools, county_file, approval_from_value(0.91))


def marked(category: str, item: str, note: str = "本县没有") -> dict[str, Any]:
    return {"replace": {(category, item): ("", NA, note)}}


def without(*codes: str) -> Rows:
    return [row for row in schools_rows() if row["学校代码"] not in codes]


def changed(rows: Rows, codes: set[str] | None = None, **changes: Any) -> Rows:
    return [
        ({**row, **changes} if codes is None or row["学校代码"] in codes else row) for row in rows
    ]


def day_schools_gone(rows: Rows, section: str) -> Rows:
    """The 城区/镇区 public day schools of a 学段 become 乡村, 民办 or boarding ones."""
    column = "小学在校生数" if section == "primary" else "初中在校生数"
    result = []
    for n, row in enumerate(rows):
        if row[column] and row["城乡类型"] != "乡村":
            row = {
                **row,
                **[{"城乡类型": "乡村"}, {"办学性质": "民办"}, {"是否寄宿制": "是"}][n % 3],
            }
        result.append(row)
    return result


# (category, item, schools where 不适用 is admissible, the reason where it is not)
RULES = {
    "gov6": (
        "政府保障",
        "6",
        without("TP2", "TP3"),
        "政府保障第6项标为“不适用”，不适用的条件不成立：学校表中有不足 100 名学生的村小学或教学点"
        "（2 所：小河教学点、高寨教学点）",
    ),
    "gov7": (
        "政府保障",
        "7",
        without("SP1"),
        "政府保障第7项标为“不适用”，不适用的条件不成立：学校表中有特殊教育学校（1 所：县特殊教育学校）",
    ),
    "gov13.1": (
        "政府保障",
        "13.1",
        day_schools_gone(schools_rows(), "primary"),
        "政府保障第13.1项标为“不适用”，不适用的条件不成立：学校表中有城区、镇区的公办非寄宿小学",
    ),
    "gov13.2": (
        "政府保障",
        "13.2",
        day_schools_gone(schools_rows(), "junior"),
        "政府保障第13.2项标为“不适用”，不适用的条件不成立：学校表中有城区、镇区的公办非寄宿初中",
    ),
    "gov14.2": (
        "政府保障",
        "14.2",
        schools_rows(),
        "政府保障第14.2项标为“不适用”，不适用的条件不成立：学校表中有乡村初中（1 所：平远镇中学）",
    ),
}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_not_applicable_admissible_when_the_schools_file_agrees(rule: str) -> None:
    category, item, rows, _ = RULES[rule]
    verdict = verdict_of(rows, **marked(category, item))
    assert verdict.certified is True, verdict.reasons
    assert verdict.reasons == ()
    [entry] = verdict.not_applicable
    assert (entry.aspect, entry.id, entry.note, entry.admissible) == (
        "government",
        item,
        "本县没有",
        True,
    )


@pytest.mark.parametrize("rule", sorted(RULES))
def test_not_applicable_inadmissible_when_the_schools_file_disagrees(rule: str) -> None:
    category, item, rows, reason = RULES[rule]
    if rule == "gov14.2":  # the base has no 乡村 初中: make 平远镇中学 one
        rows = changed(schools_rows(), {"J01"}, 城乡类型="乡村")
    else:
        rows = schools_rows()
    verdict = verdict_of(rows, **marked(category, item))
    assert verdict.certified is False
    [found] = [r for r in verdict.reasons if r.startswith(f"{category}第{item}项")]
    assert found.startswith(reason)
    assert verdict.government.passed is False
    [entry] = verdict.not_applicable
    assert entry.admissible is False and entry.id == item


def test_not_applicable_never_admissible_for_an_item_that_must_hold() -> None:
    verdict = verdict_of(**marked("政府保障", "1", "本县不需要"))
    assert verdict.certified is False
    assert verdict.reasons == ("政府保障第1项标为“不适用”，本项不允许不适用",)
    quality = verdict_of(**marked("教育质量", "1"))
    assert quality.reasons == ("教育质量第1项标为“不适用”，本项不允许不适用",)
    assert quality.to_dict()["not_applicable"] == [
        {
            "aspect": "quality",
            "id": "1",
            "title": "初中三年巩固率",
            "note": "本县没有",
            "admissible": False,
            "problem": "本项不允许不适用",
        }
    ]


def test_declared_conditions_rest_on_the_note() -> None:
    # 15.2: no 随迁子女; 教育质量 9: not sampled in the cycle (a plain 9 row covers 9.k)
    verdict = verdict_of(
        replace={
            ("政府保障", "15.2"): ("", NA, "本县无随迁子女"),
            ("教育质量", "9.1"): None,
            ("教育质量", "9.2"): None,
            ("教育质量", "9"): ("", NA, "2022–2024 监测周期未被抽中"),
        }
    )
    assert verdict.certified is True and verdict.reasons == ()
    assert [(e.aspect, e.id, e.admissible) for e in verdict.not_applicable] == [
        ("government", "15.2", True),
        ("quality", "9", True),
    ]


def test_plain_row_not_applicable_needs_every_sub_condition() -> None:
    # a plain 13 row stands for 13.1 and 13.2: both conditions must hold
    county = {"replace": {("政府保障", "13.1"): None, ("政府保障", "13.2"): None}}
    county["replace"][("政府保障", "13")] = ("", NA, "无城镇学校")
    only_primary_gone = day_schools_gone(schools_rows(), "primary")
    verdict = verdict_of(only_primary_gone, **county)
    assert verdict.certified is False
    assert verdict.reasons[0].startswith(
        "政府保障第13项标为“不适用”，不适用的条件不成立：学校表中有城区、镇区的公办非寄宿初中"
    )
    both_gone = day_schools_gone(day_schools_gone(schools_rows(), "primary"), "junior")
    assert verdict_of(both_gone, **county).certified is True


def test_not_applicable_with_a_value_or_without_a_note_is_a_file_error() -> None:
    with pytest.raises(InputRefused) as refused:
        read_county(
            county40.county_csv(
                replace={
                    ("政府保障", "7"): ("6500", NA, "无特教学校"),
                    ("政府保障", "15.2"): ("", NA, ""),
                    ("教育质量", "9.1"): ("", NA, ""),
                }
            )
        )
    messages = [str(p) for p in refused.value.problems]
    assert any("“值”列：判定为不适用，但填写了值" in m for m in messages)
    # the declared conditions (15.2, 9.k) rest on the 说明: without it the file is refused
    assert sum("“说明”列：判定为不适用时须在说明中写明原因" in m for m in messages) == 2


# ------------------------------------------------------- reasons that mean what they say


def test_certified_fixture_has_no_reasons_and_notes_apart() -> None:
    verdict = verdict_of(
        replace={
            ("政府保障", "8.1"): None,
            ("政府保障", "8.2"): None,
            ("政府保障", "8"): ("", "达标", "两项均落实"),
        }
    )
    data = verdict.to_dict()
    assert data["certified"] is True and data["reasons"] == []
    item8 = next(i for i in data["government"]["items"] if i["id"] == "8")
    # the plain row covers its sub-items: none is 缺失
    assert [(s["id"], s["passed"], s["status"]) for s in item8["sub"]] == [
        ("8.1", True, "达标"),
        ("8.2", True, "达标"),
    ]
    assert all("缺" not in (s["note"] or "") for s in item8["sub"])


def test_plausibility_warning_is_a_note_not_a_reason() -> None:
    rows = changed(schools_rows(), {"P01"}, 小学高于规定学历教师数=3800)
    data = verdict_of(rows).to_dict()
    [note] = [n for n in data["notes"] if "3,800" in n]
    assert note == (
        "第2行，“小学高于规定学历教师数”列：第1小学小学高于规定学历教师数 3,800 人，"
        "而小学在校生仅 200 人（每百名学生 1,900.0 人），请核对是否填了全县合计或填错了列"
    )
    # the figure itself still counts: the CV it makes is a reason, the warning is not
    assert not any("3,800" in reason for reason in data["reasons"])
    assert any("高于规定学历教师数差异系数" in reason for reason in data["reasons"])


# ------------------------------------------------------------- cross-file listings


def test_listings_of_the_schools_an_item_concerns() -> None:
    verdict = verdict_of()
    item6 = verdict.government.item("6").concerns
    assert item6 is not None and [s.code for s in item6.schools] == ["TP2", "TP3"]
    item7 = verdict.government.item("7").concerns
    assert item7 is not None and [s.code for s in item7.schools] == ["SP1"]
    primary = verdict.government.item("13.1").concerns
    junior = verdict.government.item("13.2").concerns
    assert primary is not None and junior is not None
    # every 小学-bearing school but the 乡村 教学点 and the 特殊教育学校
    assert {s.code for s in primary.schools} == (
        {f"P{n:02d}" for n in range(1, 21)} | {"N01", "N02", "N03", "N04", "T01", "T02"}
    )
    assert {s.code for s in junior.schools} == (
        {f"J{n:02d}" for n in range(1, 9)}
        | {"N01", "N02", "N03", "N04", "T01", "T02", "C01", "C02"}
    )
    # 民办 and boarding schools are not concerned by 13
    rows = changed(schools_rows(), {"P01"}, 办学性质="民办")
    rows = changed(rows, {"P02"}, 是否寄宿制="是")
    primary = verdict_of(rows).government.item("13.1").concerns
    assert primary is not None and not {"P01", "P02"} & {s.code for s in primary.schools}
    # 教育质量 6 and 7 are other items: no listing
    assert all(part.concerns is None for item in verdict.quality.items for part in item.walk())
    listed = verdict.to_dict()["government"]["items"][5]
    assert listed["id"] == "6" and listed["concerns"]["count"] == 2


def test_quality_4_is_the_lowest_school_share_in_the_template() -> None:
    from analysis.standards import load_standard
    from analysis.templates_xlsx import _county_rows

    rows = {(c, i): w for c, i, _, w in _county_rows(load_standard())}
    assert "填各校中的最低值" in rows[("教育质量", "4")]
    assert "不允许不适用" in rows[("政府保障", "1")]
