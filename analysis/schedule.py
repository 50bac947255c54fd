"""Deadlines of the stages and progress against the plan's milestones (SPEC §2.4).

Procedure (seed 000, 云政教督〔2022〕2号 二(二)): for a county planned for year Y,
县级自评 by 30 September of Y, 州市复核 by 30 November of Y, 省级评估 by the end of
February of Y + 1, then 国家认定. Dates are Beijing time, end of day: a stage is overdue
from the first instant of the next day in Beijing, whatever the server's zone.
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from analysis.plan import Plan

BEIJING: Final = ZoneInfo("Asia/Shanghai")

#: The stages in order, with their Chinese names (SPEC §1, §2.4).
STAGES: Final[dict[str, str]] = {
    "county": "县级自评",
    "prefecture": "州市复核",
    "province": "省级评估",
    "national": "国家认定",
    "monitoring": "年度监测",  # yearly, after certification (第十四条); no deadline here
}


def stage_due_dates(planned_year: int) -> dict[str, date]:
    """The last day (Beijing) of each stage with a deadline, for planned year Y.

    国家认定 has no deadline in the plan: the Ministry schedules it.
    """
    february_end = calendar.monthrange(planned_year + 1, 2)[1]
    return {
        "county": date(planned_year, 9, 30),
        "prefecture": date(planned_year, 11, 30),
        "province": date(planned_year + 1, 2, february_end),
    }


@functools.lru_cache(maxsize=256)
def deadline_instant(day: date) -> datetime:
    """The instant a Beijing day ends (the next day's 00:00 in Beijing), in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=BEIJING).astimezone(UTC)


@dataclass(frozen=True)
class Overdue:
    """A stage past its deadline and not completed."""

    stage: str
    due: date

    @property
    def label(self) -> str:
        return f"{STAGES[self.stage]}应于 {self.due:%Y年%-m月%-d日} 前完成"


def overdue_stages(planned_year: int, completed: Collection[str], now: datetime) -> list[Overdue]:
    """The stages whose deadline has passed at ``now`` without being completed.

    ``completed`` names the stages done (their verdict frozen and approved); ``now`` must
    be timezone-aware (passed in: no real clock here).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return [
        Overdue(stage, due)
        for stage, due in stage_due_dates(planned_year).items()
        if stage not in completed and now >= deadline_instant(due)
    ]


@dataclass(frozen=True)
class YearProgress:
    """One year of the plan: counties planned for it and certified in it."""

    year: int
    planned: int
    certified: int
    planned_cumulative: int
    certified_cumulative: int


@dataclass(frozen=True)
class Milestone:
    """A milestone of the plan (e.g. 2025: 20% of all counties) and where it stands."""

    year: int
    share: float
    required: int
    certified: int
    planned: int

    @property
    def met(self) -> bool:
        return self.certified >= self.required

    @property
    def planned_enough(self) -> bool:
        """Whether the plan itself schedules enough counties by then."""
        return self.planned >= self.required


def progress_by_year(plan: Plan, certified_in: Mapping[tuple[str, str], int]) -> list[YearProgress]:
    """Planned vs certified per year; ``certified_in`` maps a county key to its year.

    Every year of the plan is listed, and any year before it in which a county was
    certified (a 认定年份 recorded from 2017 on), so that the cumulative counts hold it.
    """
    planned = plan.planned_by_year()
    certified = dict.fromkeys(planned, 0)
    for year in certified_in.values():
        certified[year] = certified.get(year, 0) + 1
        planned.setdefault(year, 0)
    rows, planned_sum, certified_sum = [], 0, 0
    for year in sorted(planned):
        planned_sum += planned[year]
        certified_sum += certified[year]
        rows.append(YearProgress(year, planned[year], certified[year], planned_sum, certified_sum))
    return rows


def milestones(plan: Plan, certified_in: Mapping[tuple[str, str], int]) -> list[Milestone]:
    """Each milestone with the counties required, planned and certified by its year."""
    rows = {row.year: row for row in progress_by_year(plan, certified_in)}
    return [
        Milestone(
            year,
            share,
            plan.required(share),
            rows[year].certified_cumulative,
            rows[year].planned_cumulative,
        )
        for year, share in plan.milestones
    ]
