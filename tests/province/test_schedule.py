"""Stage deadlines in Beijing time and the plan's milestones (SPEC §2.4), on fixed clocks."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from analysis.plan import Plan, PlannedCounty
from analysis.schedule import (
    deadline_instant,
    milestones,
    overdue_stages,
    progress_by_year,
    stage_due_dates,
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_due_dates_for_a_planned_year_including_a_leap_february():
    assert stage_due_dates(2024) == {
        "county": date(2024, 9, 30),
        "prefecture": date(2024, 11, 30),
        "province": date(2025, 2, 28),
    }
    assert stage_due_dates(2027)["province"] == date(2028, 2, 29)


def test_a_deadline_ends_at_midnight_beijing():
    # 30 Sept 2024, end of day in Beijing = 30 Sept 16:00 UTC.
    assert deadline_instant(date(2024, 9, 30)) == utc(2024, 9, 30, 16, 0)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc(2024, 9, 30, 15, 59, 59), []),  # 23:59:59 Beijing on the last day
        (utc(2024, 9, 30, 16, 0, 0), ["county"]),  # 00:00 Beijing on 1 October
        (utc(2024, 11, 30, 15, 59, 59), ["county"]),
        (utc(2024, 11, 30, 16, 0, 0), ["county", "prefecture"]),
        (utc(2025, 2, 28, 15, 59, 59), ["county", "prefecture"]),
        (utc(2025, 2, 28, 16, 0, 0), ["county", "prefecture", "province"]),
    ],
)
def test_overdue_around_each_deadline(now, expected):
    assert [o.stage for o in overdue_stages(2024, set(), now)] == expected


def test_completed_stages_are_not_overdue_and_the_label_says_the_date():
    late = overdue_stages(2024, {"county"}, utc(2025, 3, 1))
    assert [o.stage for o in late] == ["prefecture", "province"]
    assert late[0].label == "州市复核应于 2024年11月30日 前完成"


def test_naive_time_refused():
    with pytest.raises(ValueError):
        overdue_stages(2024, set(), datetime(2025, 1, 1))


def _plan(years: list[int]) -> Plan:
    counties = tuple(PlannedCounty("某州", f"县{i}", year) for i, year in enumerate(years))
    return Plan(counties, milestones=((2025, 0.20), (2035, 1.0)))


def test_milestones_count_certified_by_their_year():
    # 10 counties; 20% = 2 needed by 2025. Certified: one in 2024, one in 2026.
    plan = _plan([2024, 2024, 2025, 2026, 2026, 2027, 2028, 2030, 2033, 2035])
    certified = {("某州", "县0"): 2024, ("某州", "县3"): 2026}
    first, last = milestones(plan, certified)
    assert (first.year, first.required, first.certified, first.planned) == (2025, 2, 1, 3)
    assert not first.met and first.planned_enough
    assert (last.required, last.certified, last.planned) == (10, 2, 10)
    rows = {row.year: row for row in progress_by_year(plan, certified)}
    assert (rows[2026].planned, rows[2026].certified, rows[2026].certified_cumulative) == (2, 1, 2)


def test_a_milestone_needs_a_whole_county_when_the_share_is_fractional():
    plan = _plan([2022] * 11)
    assert plan.required(0.20) == 3  # 2.2 counties → 3


def test_a_certification_before_the_plan_counts_from_its_year():
    # a 认定年份 of 2019 recorded from the plan: a row of its own (planned 0) and in every
    # cumulative count after it, so the 2025 milestone holds it
    plan = _plan([2024, 2025, 2026, 2027, 2028])
    certified = {("某州", "县0"): 2019, ("某州", "县1"): 2025}
    rows = progress_by_year(plan, certified)
    assert [(r.year, r.planned, r.certified, r.certified_cumulative) for r in rows[:4]] == [
        (2019, 0, 1, 1),
        (2022, 0, 0, 1),
        (2023, 0, 0, 1),
        (2024, 1, 0, 1),
    ]
    first, _ = milestones(plan, certified)
    assert (first.required, first.certified) == (1, 2) and first.met
