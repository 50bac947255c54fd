"""The verdict of the 40-school county (tests/verdict/county40.py), worked by hand.

The base county is certified: eligible (认定 2019, 评估 2023: 4 years; monitoring 达标),
every unit reaches all 7 standards, the only non-zero CV is the 小学 equipment value at
sqrt(620)/224 = 0.111 ≤ 0.50 (worked in county40.py), items 3–5 hold at every school,
every county item passes, approval 91% ≥ 85%, no veto. Each case below breaks exactly one
thing and names the one reason that follows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from analysis.county import read_county
from analysis.schools import read_schools
from analysis.verdict import Verdict, approval_from_value, compute_verdict
from tests.verdict import county40
from tests.verdict.county40 import EXPECTED_PRIMARY_EQUIPMENT_CV, schools_rows

Rows = list[dict[str, Any]]


def verdict_of(
    rows: Rows | None = None,
    county: dict[str, Any] | None = None,
    approval: float | None = 0.91,
    with_county: bool = True,
) -> Verdict:
    schools = read_schools(county40.schools_csv(rows))
    county_file = read_county(county40.county_csv(**(county or {}))) if with_county else None
    chosen = None if approval is None else approval_from_value(approval)
    return compute_verdict(schools, county_file, chosen)


def test_base_county_is_certified() -> None:
    verdict = verdict_of()
    assert verdict.certified is True
    assert verdict.eligible is True
    assert verdict.reasons == ()
    resource = verdict.resource
    # 27 小学 units (P01–P20, TP1, 4 九年 and 2 十二年 小学部) and 16 初中 units
    assert sum(u.unit.section == "primary" for u in resource.units) == 27
    assert sum(u.unit.section == "junior" for u in resource.units) == 16
    assert {e.code for e in resource.excluded} == {"TP2", "TP3", "SP1"}
    assert resource.cv_of("primary", "equipment_value").cv == pytest.approx(
        EXPECTED_PRIMARY_EQUIPMENT_CV, rel=1e-12
    )
    assert resource.cv_of("primary", "equipment_value").display == "0.111"
    for cv in resource.cv:
        if (cv.section, cv.indicator) != ("primary", "equipment_value"):
            assert cv.cv == pytest.approx(0.0, abs=1e-12)
    assert verdict.government.passed is True and verdict.quality.passed is True


def _replace(code: str, **changes: Any) -> Callable[[Rows], Rows]:
    def change(rows: Rows) -> Rows:
        return [({**row, **changes} if row["学校代码"] == code else row) for row in rows]

    return change


def _swap(code: str, row: dict[str, Any]) -> Callable[[Rows], Rows]:
    def change(rows: Rows) -> Rows:
        return [(row if r["学校代码"] == code else r) for r in rows]

    return change


SCHOOL_CASES = {
    # J01 平远镇中学 has 600 初中生; 4860 ㎡ is 8.1 ㎡ each, below 85% of 10.2 (8.67).
    # Its share of 初中 students is 600/10300, so the 初中 sports CV becomes
    # 2.35·sqrt(6·97)/103 / (10.45 − 2.35·6/103) = 0.0534 ≤ 0.45: only the school fails.
    "school": (
        _replace("J01", 体育运动场馆面积=4860),
        "平远镇中学（初中）生均体育运动场馆面积 8.1㎡，低于标准 10.2㎡ 的 85%",
    ),
    # P01–P10 at 9000 元 instead of 3000: share s = 20/51 at 9000, the rest at 2400:
    # X̄ = 2400 + 6600·20/51 = 254400/51, S = 6600·sqrt(620)/51,
    # CV = 6600·sqrt(620)/254400 = 0.646 > 0.50 (every unit still passes on its own).
    "cv": (
        lambda rows: [
            (
                {**row, "教学仪器设备值": 9000 * row["小学在校生数"]}
                if row["学校代码"] in {f"P{n:02d}" for n in range(1, 11)}
                else row
            )
            for row in rows
        ],
        "小学生均教学仪器设备值差异系数 0.646，大于 0.50",
    ),
    # N01 has ceil(300/40) + ceil(200/45) = 8 + 5 = 13 classes: 2 rooms needed
    "rooms": (
        _replace("N01", 音乐专用教室数=1),
        "政府保障第 3 项（音乐、美术专用教室）未达标：第1九年一贯制学校音乐专用教室 1 间，"
        "13 个班应至少 2 间（差 1 间）",
    ),
    "room_area": (
        _replace("P02", 美术专用教室最小面积=86.5),
        "政府保障第 3 项（音乐、美术专用教室）未达标：第2小学美术专用教室最小面积 86.5㎡，"
        "小于 90㎡（差 3.5㎡）",
    ),
    "size": (
        _swap("J04", county40._row("J04", "第4中学", "初中", junior=2100)),
        "政府保障第 4 项（学校规模）未达标：第4中学规模 2,100 人，超过 2,000 人（多 100 人）",
    ),
    "class_size": (
        _replace("P05", 小学最大班额=48),
        "政府保障第 5 项（班额）未达标：第5小学小学最大班额 48 人，超过 45 人（多 3 人）",
    ),
}


@pytest.mark.parametrize("case", sorted(SCHOOL_CASES))
def test_one_failure_in_the_school_file(case: str) -> None:
    change, reason = SCHOOL_CASES[case]
    verdict = verdict_of(change(schools_rows()))
    assert verdict.certified is False
    assert verdict.eligible is True
    assert verdict.reasons == (reason,)


COUNTY_CASES = {
    "government": (
        {"replace": {("政府保障", "11.1"): ("8%", "", "")}},
        "政府保障第 11.1 项（交流轮岗教师占符合交流条件教师总数的比例）未达标：8%，标准为不低于 10%",
    ),
    "government_qualitative": (
        {"replace": {("政府保障", "1"): ("", "不达标", "两所学校选址在地质灾害区")}},
        "政府保障第 1 项（学校规划布局合理）未达标：判定为不达标（两所学校选址在地质灾害区）",
    ),
    "quality": (
        {"replace": {("教育质量", "9.2"): ("0.18", "达标", "语文")}},
        "教育质量第 9.2 项（质量监测科目（9.2））未达标：校际差异率 0.18，标准为低于 0.15（语文）",
    ),
    "quality_level": (
        {"replace": {("教育质量", "9.1"): ("0.11", "不达标", "数学")}},
        "教育质量第 9.1 项（质量监测科目（9.1））未达标：学业水平未达到 III 级以上（数学）",
    ),
    "ineligible_years": (
        {"basic_year": 2021},
        "通过基本均衡认定不足 3 年（2021 年认定，2023 年评估，相隔 2 年），不具备评估资格",
    ),
    "ineligible_monitoring": (
        {"monitoring": "不达标"},
        "基本均衡认定后年度监测未持续保持较高水平，不具备评估资格",
    ),
    "missing_item": (
        {"replace": {("政府保障", "8.2"): None}},
        "缺少政府保障第 8.2 项（按规定足额核定教师绩效工资总量）的数据",
    ),
    "missing_veto": (
        {"replace": {("否决", "3"): None}},
        "缺少否决事项第 3 项（存在重点学校或重点班）的判定",
    ),
}


@pytest.mark.parametrize("case", sorted(COUNTY_CASES))
def test_one_failure_in_the_county_file(case: str) -> None:
    options, reason = COUNTY_CASES[case]
    verdict = verdict_of(county=options)
    assert verdict.certified is False
    assert verdict.reasons == (reason,)


VETO_TITLES = [
    "存在以考试方式招生",
    "存在违规择校行为",
    "存在重点学校或重点班",
    "存在“有编不补”或长期聘用编外教师的情况",
    "教育系统存在重大安全责任事故和严重违纪违规事件",
    "有弄虚作假行为",
]


@pytest.mark.parametrize("number", range(1, 7))
def test_each_veto(number: int) -> None:
    verdict = verdict_of(county={"replace": {("否决", str(number)): ("", "是", "")}})
    assert verdict.certified is False
    assert verdict.reasons == (f"{VETO_TITLES[number - 1]}（办法第十条，不予认定）",)
    assert [v.present for v in verdict.vetoes] == [k == number for k in range(1, 7)]


def test_veto_note_is_shown() -> None:
    verdict = verdict_of(county={"replace": {("否决", "3"): ("", "是", "县一中设实验班")}})
    assert verdict.reasons == ("存在重点学校或重点班（办法第十条，不予认定）：县一中设实验班",)


def test_approval_below_threshold_and_missing() -> None:
    assert verdict_of(approval=0.84).reasons == ("社会认可度 84.0%，低于 85%（办法第九条）",)
    # 84.96% prints with two decimals, never as a contradicting 85.0%
    assert verdict_of(approval=0.8496).reasons == ("社会认可度 84.96%，低于 85%（办法第九条）",)
    assert verdict_of(approval=0.85).certified is True
    missing = verdict_of(approval=None)
    assert missing.certified is False and missing.reasons == ("缺少社会认可度数据",)
    assert missing.approval.met is None


def test_exactly_three_years_is_eligible() -> None:
    # "三年以上" includes three: 2020 → 2023
    assert verdict_of(county={"basic_year": 2020}).eligible is True


def test_eligibility_null_when_missing_false_when_failing() -> None:
    no_year = verdict_of(county={"replace": {("基本情况", "基本均衡认定年份"): None}})
    assert no_year.eligible is None and no_year.certified is False
    assert no_year.reasons == ("缺少基本情况：基本均衡认定年份",)
    both = verdict_of(
        county={"replace": {("基本情况", "基本均衡认定年份"): None}, "monitoring": "不达标"}
    )
    assert both.eligible is False


def test_not_applicable_counts_as_passed_and_is_listed() -> None:
    verdict = verdict_of(
        county={
            "replace": {("教育质量", "9.1"): None, ("教育质量", "9.2"): None},
            "extra": [("教育质量", "9", "", "不适用", "本监测周期未抽到本县")],
        }
    )
    assert verdict.certified is True
    item = verdict.quality.item("9")
    assert item.passed is True and item.status == "不适用" and item.note == "本监测周期未抽到本县"


def test_without_county_file_everything_county_level_is_missing() -> None:
    verdict = verdict_of(with_county=False)
    assert verdict.certified is False and verdict.eligible is None
    assert verdict.government.passed is None and verdict.quality.passed is None
    # items 3–5 are still computed from the schools
    assert [verdict.government.item(i).passed for i in ("3", "4", "5")] == [True, True, True]
    assert all(v.present is None for v in verdict.vetoes)
    assert "缺少政府保障第 1 项（学校规划布局合理）的数据" in verdict.reasons
    assert "缺少否决事项第 6 项（有弄虚作假行为）的判定" in verdict.reasons


def test_every_reason_is_listed_when_many_fail() -> None:
    rows = SCHOOL_CASES["school"][0](SCHOOL_CASES["class_size"][0](schools_rows()))
    verdict = verdict_of(
        rows,
        county={
            "basic_year": 2021,
            "replace": {("否决", "1"): ("", "是", ""), ("政府保障", "8.2"): None},
        },
        approval=0.8,
    )
    assert verdict.reasons == (
        COUNTY_CASES["ineligible_years"][1],
        SCHOOL_CASES["school"][1],
        SCHOOL_CASES["class_size"][1],
        COUNTY_CASES["missing_item"][1],
        "社会认可度 80.0%，低于 85%（办法第九条）",
        "存在以考试方式招生（办法第十条，不予认定）",
    )


def test_json_shape() -> None:
    data = verdict_of(county={"replace": {("政府保障", "8.2"): None}}).to_dict()
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
    assert set(data["resource"]) >= {"passed", "cv", "schools"}
    assert set(data["resource"]["cv"]) == {"primary", "junior"}
    cv = data["resource"]["cv"]["primary"]["equipment_value"]
    assert {"cv", "threshold", "passed", "note"} <= set(cv)
    first = data["resource"]["schools"][0]
    assert {"code", "name", "section", "values", "met", "below", "passed"} <= set(first)
    assert first["section"] == "primary" and first["met"] == 7
    item = next(i for i in data["government"]["items"] if i["id"] == "8")
    assert item["passed"] is None
    assert [s["passed"] for s in item["sub"]] == [True, None]
    assert {"id", "passed", "value", "note", "sub"} <= set(item)
    assert data["approval"] == {
        "approval": 0.91,
        "se": None,  # a figure given directly has no standard error
        "ci": None,
        "met": True,
        "certainty": None,
        "sample_ok": None,  # --approval: the sample was not checked (SPEC §2.5)
        "passed": True,
        "threshold": 0.85,
        "source": "--approval",
        "sample": None,
    }
    assert data["vetoes"][0] == {
        "id": "1",
        "title": "存在以考试方式招生",
        "present": False,
        "note": None,
    }
