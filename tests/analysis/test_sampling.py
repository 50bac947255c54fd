"""Sample planning (SPEC §2.5), against hand-computed quotas."""

from __future__ import annotations

import math

import pytest

from analysis.sampling import (
    group_quotas,
    largest_remainder,
    margin_of_error,
    plan_sample,
    sample_size,
)


@pytest.mark.parametrize(
    ("population", "n"),
    [(1_000_000, 1500), (333_333, 500), (333_334, 501), (200_000, 300), (0, 0)],
)
def test_sample_size_is_exact(population: int, n: int) -> None:
    # 1e6 × 0.0015 is 1500.0000000000002 in floating point; the ceiling must stay 1500
    assert sample_size(population) == n
    assert sample_size(population, 0.0015) == n


def test_group_quotas_parents_floor_and_largest_remainder() -> None:
    # N = 500: 家长 250; 250 over six = 41 each + 4 seats, ties broken in SPEC order
    quotas = group_quotas(500)
    assert quotas.quotas == {
        "学生": 42,
        "家长": 250,
        "教师": 42,
        "校长": 42,
        "人大代表": 42,
        "政协委员": 41,
        "其他群众": 41,
    }
    assert sum(quotas.quotas.values()) == 500 and quotas.shortfall == 0


def test_odd_total_gives_parents_the_ceiling() -> None:
    assert group_quotas(301).quotas["家长"] == 151


def test_caps_pass_excess_to_others_then_parents() -> None:
    # 校长 capped at 20: 22 to 其他群众 (41 → 63)
    assert group_quotas(500, {"校长": 20}).quotas["其他群众"] == 63
    # 其他群众 capped at 50 as well: it keeps 50, the other 13 go to 家长
    capped = group_quotas(500, {"校长": 20, "其他群众": 50})
    assert capped.quotas["校长"] == 20 and capped.quotas["其他群众"] == 50
    assert capped.quotas["家长"] == 263
    assert capped.capped == ("校长", "其他群众") and capped.shortfall == 0
    # nobody can take the excess
    full = group_quotas(500, {"校长": 20, "其他群众": 41, "家长": 250})
    assert full.shortfall == 22 and sum(full.quotas.values()) == 478
    assert full.capped == ("校长", "其他群众", "家长")


def test_largest_remainder() -> None:
    assert largest_remainder(10, {"a": 1, "b": 1, "c": 1}) == {"a": 4, "b": 3, "c": 3}
    assert largest_remainder(7, {"a": 0.5, "b": 0.3, "c": 0.2}) == {"a": 4, "b": 2, "c": 1}
    # 7 × (.5, .3, .2) = 3.5, 2.1, 1.4 → floors 3, 2, 1 and the seat to a (.5 > .4 > .1)


def test_plan() -> None:
    plan = plan_sample(
        1_000_000,
        area_populations={"城区": 400_000, "镇区": 350_000, "乡村": 250_000},
        group_populations={"校长": 60},
        deff=1.5,
    )
    assert plan.total == 1500
    assert plan.areas == {"城区": 600, "镇区": 525, "乡村": 375}
    assert plan.groups.quotas["家长"] == 750
    assert plan.groups.quotas["校长"] == 60
    assert plan.groups.quotas["其他群众"] == 125 + 65
    assert plan.grades["学生"] == {"3–6": 63, "7–9": 62}
    assert plan.grades["家长"] == {"1–3": 250, "4–6": 250, "7–9": 250}
    # z·sqrt(deff·p(1 − p)/n) for 家长: 1.959964·sqrt(1.5·0.85·0.15/750)
    assert plan.margins["家长"] == pytest.approx(1.959964 * math.sqrt(1.5 * 0.1275 / 750), rel=1e-6)


def test_margin_of_error() -> None:
    # 1.959964 · sqrt(0.85 · 0.15 / 250) = 1.959964 · 0.0225832
    assert margin_of_error(250) == pytest.approx(0.044262, abs=1e-6)
    assert margin_of_error(0) is None


def test_plan_from_the_standard_file_matches_the_spec_defaults():
    from analysis.sampling import plan_from_standard, plan_sample
    from analysis.standards import load_standard

    areas = {"城区": 152_000, "镇区": 118_000, "乡村": 196_000}
    from_file = plan_from_standard(466_000, load_standard().sampling, area_populations=areas)
    assert from_file == plan_sample(466_000, area_populations=areas)


def test_a_standard_with_other_sample_rules_changes_the_plan():
    import dataclasses

    from analysis.sampling import plan_from_standard
    from analysis.standards import load_standard

    settings = dataclasses.replace(
        load_standard().sampling,
        rate=0.002,
        parent_share=0.4,
        student_grades=((4, 6), (7, 9)),
    )
    plan = plan_from_standard(100_000, settings)
    assert plan.total == 200
    assert plan.groups.quotas["家长"] == 80  # ceil(200 × 0.4)
    assert sum(plan.groups.quotas.values()) == 200
    assert set(plan.grades["学生"]) == {"4–6", "7–9"}
