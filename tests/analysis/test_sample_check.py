"""The sample check (SPEC §2.5) and the ``planned`` overall figure (SPEC §4).

Fixtures are built here: a population of 10 000 gives N = ceil(10 000 × 1.5‰) = 15, with
quotas 家长 8 and 学生 2, 教师 1, 校长 1, 人大代表 1, 政协委员 1, 其他群众 1 (largest remainder,
ties in the order of the groups).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner

from analysis.approval import analyze_responses
from analysis.sample_check import SampleCounts, ShareException, check_sample
from analysis.sampling import plan_sample
from analysis.tables import InputRefused
from analysis.vocabulary import GROUPS
from renke.analyze_command import analyze

POPULATION = 10_000  # N = 15
ONE_EACH = {"学生": 2, "教师": 1, "校长": 1, "人大代表": 1, "政协委员": 1, "其他群众": 1}


def write_responses(
    path: Path,
    counts: Mapping[str, int],
    *,
    invalid: int = 0,
    unscored: int = 0,
    grades: Mapping[str, str] | None = None,
    schools: bool = True,
) -> Path:
    """Valid rows per group (mostly approving), plus invalid rows and valid rows whose
    answers are all 不了解 (valid, not scored)."""
    rows = []
    number = 0
    for group, n in counts.items():
        for k in range(n):
            number += 1
            answer = "一般" if k % 7 == 6 else "满意"
            grade = (grades or {}).get(group, "")
            school = f"S{number % 3}" if schools else ""
            rows.append([f"R{number}", group, school, grade, "1", answer, "比较满意"])
    for _ in range(invalid):
        number += 1
        rows.append([f"R{number}", "家长", "S1", "", "0", "满意", "满意"])
    for _ in range(unscored):
        number += 1
        rows.append([f"R{number}", "家长", "S1", "", "1", "不了解", "不了解"])
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["response_id", "group", "school", "grade", "valid", "q1", "q2"])
        writer.writerows(rows)
    return path


def sample_of(path: Path, population: int | None = POPULATION) -> dict[str, object]:
    plan = None if population is None else plan_sample(population)
    report = analyze_responses(path, plan=plan)
    assert report.sample is not None
    return report.sample.to_dict()


def checks(sample: Mapping[str, object]) -> dict[str, tuple[object, object]]:
    rows = sample["checks"]
    assert isinstance(rows, list)
    return {row["rule"]: (row["passed"], row["detail"]) for row in rows}


def test_exactly_at_the_plan(tmp_path: Path) -> None:
    path = write_responses(tmp_path / "r.csv", {"家长": 8, **ONE_EACH})
    sample = sample_of(path)
    assert sample["n_valid"] == 15 and sample["target"] == 15 and sample["ok"] is True
    assert checks(sample)["sample_size"] == (True, "有效问卷 15 份，达到计划样本 15 份")


def test_one_short_of_the_plan(tmp_path: Path) -> None:
    path = write_responses(tmp_path / "r.csv", {"家长": 8, **ONE_EACH, "学生": 1})
    sample = sample_of(path)
    assert sample["n_valid"] == 14 and sample["ok"] is False
    assert checks(sample)["sample_size"] == (False, "有效问卷 14 份，少于计划样本 15 份")


def test_n_valid_counts_unscored_valid_rows_and_not_invalid_ones(tmp_path: Path) -> None:
    # 7 scored 家长 + 1 valid 家长 answering only 不了解 = 8; invalid rows do not count
    path = write_responses(tmp_path / "r.csv", {"家长": 7, **ONE_EACH}, invalid=5, unscored=1)
    sample = sample_of(path)
    assert sample["n_valid"] == 15 and sample["ok"] is True
    assert sample["by_group"] == {g: (8 if g == "家长" else ONE_EACH[g]) for g in GROUPS}


def test_parents_at_half_pass_and_just_under_fail(tmp_path: Path) -> None:
    at_half = write_responses(tmp_path / "a.csv", {"家长": 8, **ONE_EACH, "其他群众": 2})
    sample = sample_of(at_half)
    assert sample["n_valid"] == 16 and sample["parent_share"] == 0.5
    assert checks(sample)["parent_share"] == (True, "家长有效问卷占 50.00%，不低于 50%")
    under = write_responses(tmp_path / "b.csv", {"家长": 8, **ONE_EACH, "其他群众": 3})
    sample = sample_of(under)
    assert sample["ok"] is False
    assert checks(sample)["parent_share"] == (False, "家长有效问卷占 47.1%，低于 50%")


def test_an_exception_to_the_parent_share_is_shown_with_the_check(tmp_path: Path) -> None:
    under = write_responses(tmp_path / "b.csv", {"家长": 8, **ONE_EACH, "其他群众": 3})
    exception = ShareException(
        "寄宿制学校家长难以联系", "文教函〔2026〕12号", "张评估", "2026-11-30"
    )
    report = analyze_responses(under, plan=plan_sample(POPULATION), exception=exception)
    assert report.sample is not None and report.sample.ok is True
    passed, detail = checks(report.sample.to_dict())["parent_share"]
    assert passed is True
    assert detail == (
        "家长有效问卷占 47.1%，低于 50%；例外：寄宿制学校家长难以联系"
        "（依据：文教函〔2026〕12号；张评估，2026-11-30）"
    )


def test_a_group_of_the_plan_absent(tmp_path: Path) -> None:
    counts = {"家长": 8, **ONE_EACH, "学生": 3}
    del counts["政协委员"]
    sample = sample_of(write_responses(tmp_path / "r.csv", counts))
    assert sample["n_valid"] == 15 and sample["ok"] is False
    assert checks(sample)["groups_present"] == (False, "缺少政协委员的有效问卷")


def test_without_population_target_and_ok_are_null(tmp_path: Path) -> None:
    sample = sample_of(write_responses(tmp_path / "r.csv", {"家长": 8, **ONE_EACH}), None)
    assert sample["target"] is None and sample["ok"] is None
    assert checks(sample)["sample_size"] == (None, "缺少常住人口，无法核对样本量")
    assert checks(sample)["parent_share"][0] is True


def test_quota_warnings_for_groups_areas_and_grade_bands() -> None:
    plan = plan_sample(100_000, area_populations={"城区": 0, "镇区": 40_000, "乡村": 60_000})
    assert plan.total == 150 and plan.groups.quotas["家长"] == 75
    counts = SampleCounts(
        n_valid=150,
        by_group={
            "家长": 80,
            "学生": 11,
            "教师": 13,
            "校长": 13,
            "人大代表": 11,
            "政协委员": 11,
            "其他群众": 11,
        },
        by_area={"镇区": 47, "乡村": 103},
        by_grade={"家长": {1: 30, 2: 10, 5: 30, 8: 10}, "学生": {4: 6, 8: 5}},
    )
    check = check_sample(counts, plan)
    assert check.ok is True  # warnings are not checks
    assert check.warnings == (
        "镇区（居住地）有效问卷 47 份，低于配额 60 份的 80%",
        "家长（7–9 年级）有效问卷 10 份，低于配额 25 份的 80%",
    )
    # 学生: quota 13 (75 over six groups: 13, 13, 13, 12, 12, 12), 11 < 0.8 × 13 = 10.4? no
    short = check_sample(SampleCounts(150, {**counts.by_group, "学生": 10}), plan)
    assert "学生有效问卷 10 份，低于配额 13 份的 80%" in short.warnings


def test_exit_codes_follow_the_sample_check(tmp_path: Path) -> None:
    runner = CliRunner()
    met = write_responses(tmp_path / "met.csv", {"家长": 8, **ONE_EACH})
    result = runner.invoke(analyze, [str(met), "--population", str(POPULATION), "--format", "json"])
    data = json.loads(result.output)
    assert data["met"] is True and data["sample"]["ok"] is True and result.exit_code == 0
    short = write_responses(tmp_path / "short.csv", {"家长": 7, **ONE_EACH})
    result = runner.invoke(analyze, [str(short), "--population", str(POPULATION)])
    assert result.exit_code == 1
    assert "✗ 有效问卷 14 份，少于计划样本 15 份" in result.output


def test_population_from_the_county_file(tmp_path: Path) -> None:
    county = tmp_path / "county.csv"
    county.write_text('类别,编号,值,判定,说明\n基本情况,常住人口,"10,000",,\n', encoding="utf-8")
    short = write_responses(tmp_path / "short.csv", {"家长": 7, **ONE_EACH})
    result = CliRunner().invoke(analyze, [str(short), "--county", str(county), "--format", "json"])
    assert json.loads(result.output)["sample"]["target"] == 15 and result.exit_code == 1


# --- planned ------------------------------------------------------------------------------

FIXTURES = Path(__file__).parent / "fixtures" / "approval"


@pytest.mark.parametrize("cluster", ["school", "none"])
def test_planned_without_population_is_policy_with_half_and_twelfths(cluster: str) -> None:
    path = FIXTURES / "schools_weighted.csv"
    planned = analyze_responses(path, overall="planned", cluster=cluster)
    weights = {g: (6.0 if g == "家长" else 1.0) for g in GROUPS}
    policy = analyze_responses(path, overall="policy", weights=weights, cluster=cluster)
    mine, theirs = planned.overall.to_dict(), policy.overall.to_dict()
    assert mine.pop("mode") == "planned" and theirs.pop("mode") == "policy"
    for key in ("approval", "se", "n_eff", "n_kish", "deff"):
        value = theirs.pop(key)
        assert mine.pop(key) == (None if value is None else pytest.approx(value, rel=1e-12))
    assert mine.pop("ci") == pytest.approx(theirs.pop("ci"), rel=1e-12)
    assert mine.pop("weights") == pytest.approx(theirs.pop("weights"), rel=1e-14)
    assert mine == theirs  # df, method, design
    assert planned.p_value == pytest.approx(policy.p_value, rel=1e-10)
    # and beside the pooled figure, the same numbers
    pooled = analyze_responses(path, cluster=cluster)
    assert pooled.planned is not None and pooled.planned.approval == planned.overall.approval
    assert pooled.planned.ci == planned.overall.ci


def test_planned_with_population_and_caps_is_policy_with_the_quotas() -> None:
    path = FIXTURES / "schools_weighted.csv"
    plan = plan_sample(800_000, group_populations={"校长": 40, "人大代表": 90})
    quotas = plan.groups.quotas
    assert quotas["校长"] == 40 and quotas["人大代表"] == 90 and plan.groups.capped
    planned = analyze_responses(path, overall="planned", plan=plan)
    policy = analyze_responses(
        path, overall="policy", weights={g: float(q) for g, q in quotas.items()}
    )
    assert planned.overall.approval == pytest.approx(policy.overall.approval, rel=1e-14)
    assert planned.overall.se == pytest.approx(policy.overall.se, rel=1e-12)
    assert planned.overall.weights == pytest.approx({g: q / plan.total for g, q in quotas.items()})


def test_planned_far_from_pooled_is_a_warning(tmp_path: Path) -> None:
    # teachers over-answer and approve; parents are few and do not
    rows = {"家长": (20, "一般"), "教师": (200, "满意"), "学生": (10, "满意")}
    path = tmp_path / "r.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["group", "school", "q1"])
        for group, (n, answer) in rows.items():
            writer.writerows([group, f"S{k % 4}", answer if k % 20 else "不满意"] for k in range(n))
    report = analyze_responses(path)
    assert report.planned is not None
    assert report.overall.approval > 0.85 > report.planned.approval
    assert report.met is True  # the decision stays on the chosen figure
    shown = f"{report.planned.approval * 100:.1f}%"
    assert f"样本结构与计划不一致：按计划结构加权为 {shown}" in report.warnings


def test_planned_with_weights_is_refused() -> None:
    with pytest.raises(InputRefused) as refused:
        analyze_responses(FIXTURES / "basic.csv", overall="planned", weights={"家长": 1.0})
    assert [p.column for p in refused.value.problems] == ["--weights"]
    assert "planned" in refused.value.problems[0].message


def test_a_group_of_one_cluster_nulls_the_policy_interval(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["group", "school", "q1"])
        writer.writerows(["家长", f"S{k % 5}", "满意" if k % 4 else "一般"] for k in range(40))
        writer.writerows(["校长", "S1", "满意"] for _ in range(3))  # one school: one cluster
    report = analyze_responses(path, overall="policy", weights={"家长": 0.9, "校长": 0.1})
    overall = report.overall
    assert overall.se is None and overall.ci is None and overall.n_eff is None
    assert report.p_value is None and report.certainty is None
    assert any("校长不足 2 所学校（群）" in w for w in report.warnings)
    # pooled is not affected: the school is a cluster of the stratum 校
    pooled = analyze_responses(path)
    assert pooled.overall.ci is not None and pooled.certainty is not None
    assert pooled.planned is not None and pooled.planned.ci is None


def test_area_quotas_in_the_two_class_split() -> None:
    # SPEC §2.5: the split is entered as 城镇/乡村 where only that is published; then the
    # area quotas are 城镇/乡村, 城镇 = 城区 + 镇区, and an area under 80% is a warning.
    # N = 150: 城镇 150 × 0.4 = 60, 乡村 90.
    plan = plan_sample(100_000, area_populations={"城镇": 40_000, "乡村": 60_000})
    assert plan.areas == {"城镇": 60, "乡村": 90}
    counts = SampleCounts(
        n_valid=150,
        by_group={"家长": 80, **{g: 12 for g in GROUPS if g != "家长"}},
        by_area={"城区": 20, "镇区": 27, "乡村": 103},
    )
    assert check_sample(counts, plan).warnings == (
        "城镇（居住地）有效问卷 47 份，低于配额 60 份的 80%",
    )


def test_two_class_split_from_the_county_file(tmp_path: Path) -> None:
    county = tmp_path / "county.csv"
    county.write_text(
        "类别,编号,值,判定,说明\n基本情况,常住人口,10000,,\n"
        "基本情况,城镇人口,4000,,\n基本情况,乡村人口,6000,,\n",
        encoding="utf-8",
    )
    # N = 15: 城镇 6, 乡村 9; 2 of the 15 live in 城区 or 镇区 (2 < 0.8 × 6)
    rows = [(g, "乡村") for g, n in {"家长": 8, **ONE_EACH}.items() for _ in range(n)]
    rows[0], rows[1] = ("家长", "城区"), ("家长", "镇区")
    responses = tmp_path / "r.csv"
    responses.write_text(
        "group,area,q1\n" + "".join(f"{g},{a},满意\n" for g, a in rows), encoding="utf-8"
    )
    result = CliRunner().invoke(
        analyze, [str(responses), "--county", str(county), "--format", "json"]
    )
    warnings = json.loads(result.output)["warnings"]
    assert "城镇（居住地）有效问卷 2 份，低于配额 6 份的 80%" in warnings
    assert not any(w.startswith("乡村（居住地）") for w in warnings)
