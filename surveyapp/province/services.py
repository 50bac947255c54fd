"""The province's view: the plan imported into the county registry, and every county
against its planned year, read from stored verdict summaries (SPEC §2.4, §5)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import Row, Text, cast, select
from sqlalchemy.orm import Session

from analysis.monitoring import Measures, verdict_measures
from analysis.plan import Plan, PlannedCounty, short_name
from analysis.schedule import (
    STAGES,
    Milestone,
    Overdue,
    YearProgress,
    milestones,
    overdue_stages,
    progress_by_year,
    stage_due_dates,
)
from surveyapp.db import utcnow
from surveyapp.models import Assessment, County, VerdictSummary
from surveyapp.models.assessment import state_at
from surveyapp.province.monitoring import (
    CERTIFYING,
    MONITORING,
    CountyMonitoring,
    StoredReview,
    certification_years,
    store_monitoring,
    stored_monitoring,
)
from surveyapp.standards import standard_for

STAGE_ORDER = tuple(STAGES)
STAGE_RANK = {stage: rank for rank, stage in enumerate(STAGE_ORDER)}
AssessmentRow = Row[*tuple[Any, ...]]  # the columns of _assessment_rows, in order
VERDICT_FILTERS = {
    "certified": "达标",
    "not_certified": "未达标",
    "pending": "尚无结论",
    "overdue": "逾期",
    "accountability": "年度监测问责",
    "revoke": "撤销称号",
}


def current_year(zone: tzinfo) -> int:
    """This year where the province is (``RENKE_TIMEZONE``): no 认定年份 may lie after it."""
    return utcnow().astimezone(zone).year


@dataclass(frozen=True)
class PlanImport:
    created: int
    updated: int
    unchanged: int


def _county_key(prefecture: str, name: str) -> tuple[str, str]:
    return short_name(prefecture), short_name(name)


def import_plan(session: Session, plan: Plan, province: str) -> PlanImport:
    """Create or update the plan's counties; match by 行政区划代码, else by short names.

    A county already in the registry keeps its full name ("石林彝族自治县" matches the
    plan's "石林县"); its planned year (and a code it lacked) comes from the plan, and
    its 认定年份 where the plan gives one (a blank cell keeps a year recorded before; 无
    clears it).
    The stored monitoring review of each county whose 认定年份 was set is written again,
    so the overview reads what the county's page shows.
    """
    known = session.scalars(select(County).where(County.province == province)).all()
    by_code = {c.code: c for c in known if c.code}
    by_key = {_county_key(c.prefecture, c.name): c for c in known}
    created = updated = unchanged = 0
    recorded: list[County] = []  # whose 认定年份 the plan set or changed
    for row in plan.counties:
        county = (by_code.get(row.code) if row.code else None) or by_key.get(row.key)
        if county is None:
            county = County(
                province=province,
                prefecture=row.prefecture,
                name=row.county,
                code=row.code,
                planned_year=row.planned_year,
                certified_year=row.certified_year,
            )
            session.add(county)
            by_key[row.key] = county
            created += 1
            if row.certified_year is not None:
                recorded.append(county)
            continue
        certified = row.certified_year is not None and row.certified_year != county.certified_year
        cleared = row.clears_certified and county.certified_year is not None
        changes = (
            county.planned_year != row.planned_year
            or (row.code and not county.code)
            or certified
            or cleared
        )
        county.planned_year = row.planned_year
        county.code = county.code or row.code
        if certified or cleared:
            county.certified_year = row.certified_year
            recorded.append(county)
        updated, unchanged = (updated + 1, unchanged) if changes else (updated, unchanged + 1)
    session.flush()
    for county in recorded:
        store_monitoring(session, county.id)
    session.flush()
    return PlanImport(created, updated, unchanged)


def record_summary(
    session: Session,
    assessment: Assessment,
    *,
    certified: bool | None,
    eligible: bool | None,
    approval: float | None,
    ci: tuple[float, float] | None,
    sample_ok: bool | None,
    reasons: Iterable[str],
    frozen: bool = False,
    approval_se: float | None = None,
    measures: Measures | None = None,
) -> VerdictSummary:
    """Write (or replace) the stored summary of an assessment's verdict.

    ``measures`` are the monitored measures (:func:`analysis.monitoring.verdict_measures`),
    empty when there is no verdict yet.
    """
    summary = session.get(VerdictSummary, assessment.id)
    if summary is None:
        summary = VerdictSummary(assessment_id=assessment.id)
        session.add(summary)
    summary.computed_at = utcnow()
    summary.certified = certified
    summary.eligible = eligible
    summary.approval = approval
    summary.ci_low, summary.ci_high = ci if ci is not None else (None, None)
    summary.sample_ok = sample_ok
    summary.reasons = list(reasons)
    summary.frozen = frozen
    summary.approval_se = approval_se
    summary.measures = dict(measures.passed) if measures else {}
    summary.measure_labels = dict(measures.labels) if measures else {}
    session.flush()
    if assessment.stage in (CERTIFYING, MONITORING):
        store_monitoring(session, assessment.county_id)
        session.flush()
    return summary


@dataclass(frozen=True, slots=True)
class StageRecord:
    """An assessment of a county as the overview needs it, with its stored summary.

    ``reasons_json`` is the summary's ``reasons`` as stored (JSON text): decoded only for
    the rows shown, not for every county of the province.
    """

    assessment_id: int
    year: int
    stage: str
    state: str  # as respondents see it now
    frozen: bool
    certified: bool | None
    approval: float | None
    ci: tuple[float, float] | None
    sample_ok: bool | None
    reasons_json: str | None = None

    @property
    def rank(self) -> tuple[int, int, int]:
        return self.year, STAGE_RANK[self.stage], self.assessment_id

    @property
    def reasons(self) -> tuple[str, ...]:
        # JSON null (a None stored through the JSON type) reads as no reasons, as before
        return tuple(json.loads(self.reasons_json) or ()) if self.reasons_json else ()


@dataclass(frozen=True, slots=True)
class CountyRow:
    """One county of the overview: the registry's facts and its latest assessment."""

    county_id: int
    prefecture: str
    county: str
    code: str | None
    planned_year: int | None
    current: StageRecord | None
    overdue: tuple[Overdue, ...]
    review: StoredReview | None = None  # its stored monitoring review; None: never certified
    certified_year: int | None = None  # by monitoring.certification_years; None: never

    @property
    def monitoring(self) -> CountyMonitoring | None:
        """The county's yearly monitoring (None when it was never certified)."""
        return self.review.monitoring if self.review else None

    @property
    def key(self) -> tuple[str, str]:
        return _county_key(self.prefecture, self.county)

    @property
    def stage(self) -> str | None:
        return self.current.stage if self.current else None

    @property
    def state(self) -> str | None:
        return self.current.state if self.current else None

    @property
    def certified(self) -> bool | None:
        """The verdict of the county's latest result: its latest assessment's, unless the
        county is certified and has no assessment after its certifying year (a county
        certified before Renke, recorded from the plan, has no assessment at all)."""
        if self.certified_year is not None and (
            self.current is None or self.current.year <= self.certified_year
        ):
            return True
        return self.current.certified if self.current else None

    @property
    def approval(self) -> float | None:
        return self.current.approval if self.current else None

    @property
    def ci(self) -> tuple[float, float] | None:
        return self.current.ci if self.current else None

    @property
    def sample_ok(self) -> bool | None:
        return self.current.sample_ok if self.current else None

    @property
    def reasons(self) -> tuple[str, ...]:
        return self.current.reasons if self.current else ()

    @property
    def stage_dates(self) -> dict[str, date]:
        return stage_due_dates(self.planned_year) if self.planned_year is not None else {}

    def as_dict(self) -> dict[str, Any]:
        """A county of `renke province --format json` (SPEC §5)."""
        return {
            "prefecture": self.prefecture,
            "county": self.county,
            "code": self.code,
            "planned_year": self.planned_year,
            "stage": self.stage,
            "state": self.state,
            "stage_dates": {k: v.isoformat() for k, v in self.stage_dates.items()},
            "certified": self.certified,
            "certified_year": self.certified_year,
            "approval": self.approval,
            "ci": list(self.ci) if self.ci else None,
            "sample_ok": self.sample_ok,
            "overdue": bool(self.overdue),
            "overdue_stages": [o.stage for o in self.overdue],
            "reasons": list(self.reasons),
            "monitoring": self.monitoring.as_dict() if self.monitoring else None,
        }


@dataclass(frozen=True)
class Filters:
    """What the overview shows: exact matches, each optional."""

    prefecture: str | None = None
    planned_year: int | None = None
    stage: str | None = None
    verdict: str | None = None  # a key of VERDICT_FILTERS

    def keeps(self, row: CountyRow) -> bool:
        if self.prefecture and row.prefecture != self.prefecture:
            return False
        if self.planned_year is not None and row.planned_year != self.planned_year:
            return False
        if self.stage and row.stage != self.stage:
            return False
        if self.verdict == "overdue":
            return bool(row.overdue)
        if self.verdict == "accountability":
            return row.review is not None and row.review.accountability
        if self.verdict == "revoke":
            return row.review is not None and row.review.revoke
        return self.verdict is None or verdict_class(row) == self.verdict


def verdict_class(row: CountyRow) -> str:
    if row.certified is None:
        return "pending"
    return "certified" if row.certified else "not_certified"


@dataclass(frozen=True)
class Overview:
    """The counties the filters keep, sorted; the per-year progress, the milestones and
    the 州市 are over every county of the province."""

    rows: list[CountyRow]
    by_year: list[YearProgress]
    milestones: list[Milestone]
    prefectures: list[str] = field(default_factory=list)
    counties: int = 0  # every county of the province, whatever the filters


#: Rows per page of the overview's table (the workbook and `renke province` have all).
PAGE_SIZE = 200


@dataclass(frozen=True)
class Page:
    """One page of ``total`` rows: ``number`` counts from 1; ``size`` None is every row
    on one page (全部). A number past the last page (or below 1) does not exist."""

    number: int
    size: int | None
    total: int

    @property
    def count(self) -> int:
        """How many pages (one, empty, when no row is kept)."""
        return max(1, -(-self.total // self.size)) if self.size else 1

    @property
    def exists(self) -> bool:
        return 1 <= self.number <= self.count

    @property
    def start(self) -> int:
        """The index of the page's first row (0 for the first page)."""
        return (self.number - 1) * self.size if self.size and self.exists else 0

    @property
    def stop(self) -> int:
        """The index after the page's last row."""
        if not self.exists:
            return 0
        return min(self.total, self.start + self.size) if self.size else self.total

    def rows(self, rows: Sequence[CountyRow]) -> Sequence[CountyRow]:
        return rows[self.start : self.stop]

    def numbers(self, around: int = 2) -> list[int | None]:
        """The page numbers to link: the first, the last and ``around`` either side of
        this one; None where numbers are left out (…)."""
        shown = {1, self.count, *range(self.number - around, self.number + around + 1)}
        numbers: list[int | None] = []
        previous = 0
        for number in sorted(n for n in shown if 1 <= n <= self.count):
            if previous and number > previous + 1:
                numbers.append(None)
            numbers.append(number)
            previous = number
        return numbers


def _assessment_rows(session: Session, province: str) -> Sequence[AssessmentRow]:
    """Every assessment of the province's counties with its stored summary: the columns
    the overview needs, ``reasons`` as stored text (decoded for the rows shown only)."""
    return session.execute(
        select(
            Assessment.id,
            Assessment.county_id,
            Assessment.year,
            Assessment.stage,
            Assessment.state,
            Assessment.opens_at,
            Assessment.closes_at,
            VerdictSummary.frozen,
            VerdictSummary.certified,
            VerdictSummary.approval,
            VerdictSummary.ci_low,
            VerdictSummary.ci_high,
            VerdictSummary.sample_ok,
            cast(VerdictSummary.reasons, Text).label("reasons_json"),
        )
        .join(County, County.id == Assessment.county_id)
        .outerjoin(VerdictSummary, VerdictSummary.assessment_id == Assessment.id)
        .where(County.province == province)
    ).all()


def _stage_record(r: AssessmentRow, now: datetime) -> StageRecord:
    # by position: a Row's attribute by name costs ten times an index (~0.6 µs)
    (id_, _, year, stage, state, opens, closes, frozen, certified, approval, low, high) = r[:12]
    return StageRecord(
        id_,
        year,
        stage,
        state_at(state, opens, closes, now),
        bool(frozen),
        certified,
        approval,
        (low, high) if low is not None and high is not None else None,
        r[12],
        r[13],
    )


@dataclass
class _Progress:
    """What the assessments say of the counties, gathered in one pass over them.

    ``completed`` is a bit mask over :data:`STAGE_ORDER`: a stage is done when its verdict
    is frozen, or when a later stage has begun.
    """

    latest: dict[int, tuple[tuple[int, int, int], AssessmentRow]] = field(default_factory=dict)
    completed: dict[int, int] = field(default_factory=dict)

    def add(self, r: AssessmentRow) -> None:
        id_, county_id, year, stage, _, _, _, frozen = r[:8]
        rank = STAGE_RANK[stage]
        key = (year, rank, id_)
        found = self.latest.get(county_id)
        if found is None or key > found[0]:
            self.latest[county_id] = (key, r)
        done = ((1 << rank) - 1) | ((1 << rank) if frozen else 0)
        self.completed[county_id] = self.completed.get(county_id, 0) | done


#: The stages a certified county has completed: 省级评估 and every stage before it.
CERTIFIED_STAGES = (1 << (STAGE_RANK[CERTIFYING] + 1)) - 1


def _completed_stages(mask: int) -> set[str]:
    return {stage for rank, stage in enumerate(STAGE_ORDER) if mask & (1 << rank)}


class _OverdueStages:
    """The stages overdue for a planned year and the stages done (a bit mask), computed
    once per combination: a few dozen among thousands of counties."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.known: dict[tuple[int, int], tuple[Overdue, ...]] = {}

    def __call__(self, planned_year: int | None, done: int) -> tuple[Overdue, ...]:
        if planned_year is None:
            return ()
        key = (planned_year, done)
        if key not in self.known:
            stages = _completed_stages(done)
            self.known[key] = tuple(overdue_stages(planned_year, stages, self.now))
        return self.known[key]


def county_rows(
    session: Session, province: str, now: datetime
) -> tuple[list[CountyRow], dict[tuple[str, str], int]]:
    """Every county of the province with its latest assessment, and the years certified
    (:func:`~surveyapp.province.monitoring.certification_years`: recorded from the plan,
    or the first 省级评估 frozen as 达标, whichever is earlier).

    Plain columns, not ORM objects, and one query per concern (counties, assessments with
    their summaries, certifications, stored monitoring reviews): the overview of 3,000
    counties stays fast.
    """
    counties = session.execute(
        select(County.id, County.prefecture, County.name, County.code, County.planned_year)
        .where(County.province == province)
        .order_by(County.prefecture, County.name)
    ).all()
    progress = _Progress()
    for assessment in _assessment_rows(session, province):
        progress.add(assessment)
    reviews = stored_monitoring(session, County.province == province)
    certifications = certification_years(session, County.province == province)
    overdue = _OverdueStages(now)
    rows: list[CountyRow] = []
    certified: dict[tuple[str, str], int] = {}
    for county_id, prefecture, name, code, planned_year in counties:
        latest = progress.latest.get(county_id)
        certification = certifications.get(county_id)
        year = certification.year if certification else None
        # a certified county has passed its 省级评估 and every stage before it, in Renke
        # or (recorded from the plan) before it
        mask = progress.completed.get(county_id, 0)
        done = (mask | CERTIFIED_STAGES) if year is not None else mask
        current = _stage_record(latest[1], now) if latest else None
        rows.append(
            CountyRow(
                county_id,
                prefecture,
                name,
                code,
                planned_year,
                current,
                overdue(planned_year, done),
                reviews.get(county_id),
                year,
            )
        )
        if year is not None:
            named = _county_key(prefecture, name)
            certified[named] = min(certified.get(named, year), year)
    return rows, certified


def overview(
    session: Session,
    province: str,
    now: datetime,
    filters: Filters = Filters(),
    sort: str = "planned_year",
    descending: bool = False,
) -> Overview:
    """The overview: filtered and sorted rows, per-year progress and the milestones.

    Milestones count a county as certified in the year of its certification
    (:func:`~surveyapp.province.monitoring.certification_years`; docs/province.md).
    """
    rows, certified = county_rows(session, province, now)
    plan = Plan(
        tuple(
            PlannedCounty(row.prefecture, row.county, year, row.code)
            for row in rows
            if (year := row.planned_year) is not None
        )
    )
    shown = sort_rows([row for row in rows if filters.keeps(row)], sort, descending)
    prefectures = sorted({row.prefecture for row in rows})
    return Overview(
        shown,
        progress_by_year(plan, certified),
        milestones(plan, certified),
        prefectures,
        len(rows),
    )


SORT_KEYS: dict[str, Callable[[CountyRow], Any]] = {
    "prefecture": lambda r: r.prefecture,
    "county": lambda r: r.county,
    "code": lambda r: r.code,
    "planned_year": lambda r: r.planned_year,
    "stage": lambda r: STAGE_ORDER.index(r.stage) if r.stage else None,
    "state": lambda r: r.state,
    "certified": lambda r: r.certified,
    "approval": lambda r: r.approval,
    "sample_ok": lambda r: r.sample_ok,
    "overdue": lambda r: len(r.overdue),
    "monitoring": lambda r: _monitoring_rank(r),
}


def _monitoring_rank(row: CountyRow) -> int | None:
    """撤销称号 above 问责 above monitored; None (blank) for counties never certified."""
    if row.review is None:
        return None
    return 2 * row.review.revoke + row.review.accountability


def sort_rows(rows: list[CountyRow], key: str, descending: bool = False) -> list[CountyRow]:
    """Rows sorted by one column; blanks last whichever the direction."""
    get = SORT_KEYS.get(key, SORT_KEYS["planned_year"])
    present = [row for row in rows if get(row) is not None]
    blank = sorted(
        (row for row in rows if get(row) is None), key=lambda r: (r.prefecture, r.county)
    )
    present.sort(key=lambda r: (get(r), r.prefecture, r.county), reverse=descending)
    return present + blank


def refresh_summary(session: Session, assessment: Assessment, zone: tzinfo) -> VerdictSummary:
    """Compute an assessment's verdict now and store its summary for the overview.

    Called where the verdict's inputs change (an accepted upload) and by the explicit
    refresh of the overview; never by a page view. A frozen verdict is summarised as
    frozen (定稿): what was signed, not what the data say now.
    """
    from surveyapp.verdicts.services import assessment_verdict, frozen_verdict

    frozen = frozen_verdict(session, assessment.id)
    if frozen is not None:
        return summary_from_verdict(session, assessment, frozen.verdict, frozen=True)
    result = assessment_verdict(session, assessment, zone)
    if result.verdict is None:
        overall = result.approval.overall if result.approval else None
        interval = overall.ci if overall else None
        return record_summary(
            session,
            assessment,
            certified=None,
            eligible=None,
            approval=overall.approval if overall else None,
            ci=(interval[0], interval[1]) if interval else None,
            sample_ok=None,
            reasons=result.missing,
        )
    return summary_from_verdict(session, assessment, result.verdict.to_dict())


def summary_from_verdict(
    session: Session, assessment: Assessment, verdict: dict[str, Any], *, frozen: bool = False
) -> VerdictSummary:
    """Store the summary of a verdict's JSON (SPEC §5), as computed or as frozen, with
    the measures yearly monitoring compares (every stage: the certifying year is the
    first year of the comparison)."""
    approval = verdict["approval"]
    ci = approval.get("ci")
    standard = standard_for(str(verdict.get("standard") or assessment.standard))
    return record_summary(
        session,
        assessment,
        certified=verdict["certified"],
        eligible=verdict["eligible"],
        approval=approval.get("approval"),
        ci=(ci[0], ci[1]) if ci else None,
        sample_ok=approval.get("sample_ok"),
        reasons=verdict["reasons"],
        frozen=frozen,
        approval_se=approval.get("se"),  # absent from verdicts frozen before monitoring
        measures=verdict_measures(verdict, standard),
    )


def refresh_province(session: Session, province: str, zone: tzinfo) -> int:
    """Recompute and store the summary of every county's latest assessment, and of every
    省级评估 and 年度监测 whose summary has no measures yet (stored before monitoring)."""
    rows, _ = county_rows(session, province, utcnow())
    wanted = {row.current.assessment_id for row in rows if row.current is not None}
    stored = session.execute(
        select(VerdictSummary.assessment_id, VerdictSummary.measures)
        .join(Assessment, Assessment.id == VerdictSummary.assessment_id)
        .join(County, County.id == Assessment.county_id)
        .where(County.province == province, Assessment.stage.in_(("province", "monitoring")))
    ).all()
    wanted |= {assessment_id for assessment_id, measures in stored if not measures}
    count = 0
    for assessment_id in sorted(wanted):
        assessment = session.get(Assessment, assessment_id)
        if assessment is not None:
            refresh_summary(session, assessment, zone)
            count += 1
    return count
