"""Yearly monitoring of certified counties from stored summaries (SPEC §2.4, 办法 第十四、十七条).

A county is certified (:func:`certification_years`, the one rule the overview, its
milestones and monitoring share) from the earlier of the 认定年份 the province recorded
from the plan (a certification made before Renke) and the year of its first 省级评估
verdict frozen (定稿) as 达标: the signed result, not a provisional computation. Each
later year's 年度监测 assessment is compared with the year before by
:func:`analysis.monitoring.review_years` on the measures its summary stored; a frozen
certifying year is the first year of the comparison, a recorded one has no figures in
Renke (its first monitored year can be below the standard, never a 下滑). Nothing here
recomputes a verdict.

Flags on the overview: 问责 when the latest 年度监测 year is below the standard (its
result calls for accountability until a later year is monitored); 撤销称号 when any year
completes two consecutive years of 下滑 (a revocation is not undone by a later good
year). A year whose verdict is not frozen yet is marked 未定稿: its flags are provisional.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, Text, cast, func, select
from sqlalchemy.orm import Session

from analysis.monitoring import (
    Fall,
    YearResult,
    YearReview,
    named_measures,
    relabel,
    review_years,
)
from surveyapp.db import utcnow
from surveyapp.models import Assessment, County, MonitoringReview, VerdictSummary
from surveyapp.standards import standard_for

MONITORING = "monitoring"
CERTIFYING = "province"


class MonitoringRefused(ValueError):
    """A 年度监测 assessment is not allowed for this county and year (Chinese message)."""


@dataclass(frozen=True)
class MonitoringYear:
    """One year of a county's monitoring: its stored figures and its review."""

    year: int
    stage: str  # "province" for the certifying year, else "monitoring"
    assessment_id: int
    frozen: bool
    approval: float | None
    approval_se: float | None
    measured: bool  # the summary holds measures (stored since monitoring exists)
    review: YearReview

    @property
    def flagged(self) -> tuple[Fall, ...]:
        return tuple(fall for fall in self.review.falls if fall.flagged)

    @property
    def listed(self) -> tuple[Fall, ...]:
        return tuple(fall for fall in self.review.falls if not fall.flagged)

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "stage": self.stage,
            "assessment_id": self.assessment_id,
            "frozen": self.frozen,
            "approval": self.approval,
            "approval_se": self.approval_se,
            "compared_with": self.review.compared_with,
            "below": list(self.review.below),
            "accountability": self.stage == MONITORING and self.review.accountability,
            "declined": self.review.declined,
            "revoke": self.review.revoke,
            "falls": [_fall_dict(fall) for fall in self.review.falls],
        }


def _fall_dict(fall: Fall) -> dict[str, Any]:
    return {
        "measure": fall.measure,
        "label": fall.label,
        "before": fall.before,
        "after": fall.after,
        "flagged": fall.flagged,
        "note": fall.note,
    }


@dataclass(frozen=True)
class CountyMonitoring:
    """A certified county's monitoring: the certifying year and every year after it.

    ``recorded``: the certifying year is the 认定年份 recorded from the plan, with no
    Renke verdict of it, so ``years`` holds only the 年度监测 years (none yet, perhaps).
    """

    certified_year: int
    years: tuple[MonitoringYear, ...]
    recorded: bool = False

    @property
    def monitored(self) -> tuple[MonitoringYear, ...]:
        return tuple(y for y in self.years if y.stage == MONITORING)

    @property
    def accountability(self) -> bool:
        """问责: the latest 年度监测 result is below the standard."""
        return bool(self.monitored) and self.monitored[-1].review.accountability

    @property
    def revoke(self) -> bool:
        """撤销称号: 下滑 in ``consecutive_years`` consecutive years, in any year."""
        return any(y.review.revoke for y in self.years)

    @property
    def revoke_year(self) -> int | None:
        return next((y.year for y in self.years if y.review.revoke), None)

    @property
    def provisional_flags(self) -> tuple[str, ...]:
        """The flags ("revoke", "accountability") that rest on a year whose verdict is not
        frozen yet: the county page marks such a year 未定稿, the overview marks the flag."""
        provisional = []
        if self.revoke and any(
            y.flagged and not y.frozen
            for y in self.years
            if self.revoke_year is not None and y.year <= self.revoke_year
        ):
            provisional.append("revoke")
        if self.accountability and not self.monitored[-1].frozen:
            provisional.append("accountability")
        return tuple(provisional)

    @property
    def flagged_falls(self) -> list[tuple[int, Fall]]:
        """Every 下滑 (flagged fall) with its year, in year order."""
        return [(y.year, fall) for y in self.years for fall in y.flagged]

    @property
    def below(self) -> tuple[str, ...]:
        """What the latest 年度监测 year has below the standard."""
        return self.monitored[-1].review.below if self.monitored else ()

    def as_dict(self) -> dict[str, Any]:
        """``monitoring`` of a county in `renke province --format json`."""
        return {
            "certified_year": self.certified_year,
            "recorded": self.recorded,
            "years": [y.as_dict() for y in self.years],
            "accountability": self.accountability,
            "revoke": self.revoke,
            "revoke_year": self.revoke_year,
            "falls": [{"year": year, **_fall_dict(fall)} for year, fall in self.flagged_falls],
        }


@dataclass(frozen=True, slots=True)
class Certification:
    """When a county was certified, by the rule of :func:`certification_years`.

    ``recorded``: the year is the 认定年份 recorded from the plan and Renke holds no
    frozen 达标 省级评估 of that year (the certification was made before Renke).
    """

    year: int
    recorded: bool


def certification_years(session: Session, scope: ColumnElement[bool]) -> dict[int, Certification]:
    """When each county in ``scope`` (a condition on County) was certified: from the
    earlier of its recorded 认定年份 (``County.certified_year``, from the plan) and the
    year of its first 省级评估 frozen (定稿) as 达标. Counties never certified are absent.

    The one place this rule lives: monitoring, the overview's certified column, its
    per-year chart and milestones, and `renke province` all read it.
    """
    frozen = dict(
        session.execute(
            select(Assessment.county_id, func.min(Assessment.year))
            .join(VerdictSummary, VerdictSummary.assessment_id == Assessment.id)
            .join(County, County.id == Assessment.county_id)
            .where(
                scope,
                Assessment.stage == CERTIFYING,
                VerdictSummary.frozen.is_(True),
                VerdictSummary.certified.is_(True),
            )
            .group_by(Assessment.county_id)
        ).all()
    )
    recorded = dict(
        session.execute(
            select(County.id, County.certified_year).where(
                scope, County.certified_year.is_not(None)
            )
        ).all()
    )
    years: dict[int, Certification] = {}
    for county_id in frozen.keys() | recorded.keys():
        signed, noted = frozen.get(county_id), recorded.get(county_id)
        if noted is not None and (signed is None or noted < signed):
            years[county_id] = Certification(noted, recorded=True)
        elif signed is not None:
            years[county_id] = Certification(signed, recorded=False)
    return years


def monitoring_refusal(session: Session, county: County, year: int) -> str | None:
    """Why a 年度监测 of ``county`` in ``year`` cannot be set up, or None (第十四条: only a
    certified county is monitored, in a year after the one it was certified in)."""
    never = f"{county.name}尚未通过省级评估（定稿为达标），不能开展年度监测"
    if county.id is None:
        return never
    certified = certification_years(session, County.id == county.id).get(county.id)
    if certified is None:
        return never
    if year <= certified.year:
        source = "（认定年份据省级导入的规划表）" if certified.recorded else ""
        return (
            f"{county.name}于 {certified.year} 年通过省级评估{source}，"
            f"年度监测应在 {certified.year + 1} 年及以后"
        )
    return None


def monitoring_of(session: Session, county: County) -> CountyMonitoring | None:
    """One county's monitoring (None when it was never certified)."""
    certified = certification_years(session, County.id == county.id)
    return county_monitoring(session, certified, Assessment.county_id == county.id).get(county.id)


def county_monitoring(
    session: Session, certified: Mapping[int, Certification], scope: ColumnElement[bool]
) -> dict[int, CountyMonitoring]:
    """The monitoring of the certified counties (county id → :class:`Certification`),
    from stored summaries. ``scope``: the assessments to read, a condition on Assessment
    or County (a province's, or one county's) — not a list of ids, which would make the
    statement as long as the province.

    A frozen certifying year is the first year of the comparison; a recorded one has no
    Renke verdict (a 省级评估 of that year in Renke that is not frozen as 达标 is not
    one), so the first 年度监测 year is compared with nothing."""
    if not certified:
        return {}
    rows = session.execute(
        select(
            Assessment.id,
            Assessment.county_id,
            Assessment.year,
            Assessment.stage,
            Assessment.standard,
            VerdictSummary.frozen,
            VerdictSummary.approval,
            VerdictSummary.approval_se,
            VerdictSummary.measures,
        )
        .join(VerdictSummary, VerdictSummary.assessment_id == Assessment.id)
        .join(County, County.id == Assessment.county_id)
        .where(scope, Assessment.stage.in_((CERTIFYING, MONITORING)))
    ).all()
    by_county: dict[int, list[Any]] = {county_id: [] for county_id in certified}
    for row in rows:
        certification = certified.get(row.county_id)
        if certification is None:
            continue  # never certified: not monitored
        year, recorded = certification.year, certification.recorded
        if (row.stage == CERTIFYING and not recorded and row.year == year) or (
            row.stage == MONITORING and row.year > year
        ):
            by_county[row.county_id].append(row)
    reviewed = {
        county_id: _review(certified[county_id], sorted(found, key=lambda r: r.year))
        for county_id, found in by_county.items()
    }
    # Labels only where a measure is named (a fall, or a result below the standard): most
    # certified counties keep every measure 达标, and their labels are never decoded.
    named = [c for c, m in reviewed.items() if named_measures([y.review for y in m.years])]
    if named:
        ids = {row.id for county_id in named for row in by_county[county_id]}
        query = (
            select(VerdictSummary.assessment_id, VerdictSummary.measure_labels)
            .join(Assessment, Assessment.id == VerdictSummary.assessment_id)
            .join(County, County.id == Assessment.county_id)
            .where(scope, Assessment.stage.in_((CERTIFYING, MONITORING)))
        )
        labels = {
            assessment_id: names
            for assessment_id, names in session.execute(query)
            if assessment_id in ids
        }
        for county_id in named:
            years = tuple(
                replace(y, review=relabel(y.review, labels.get(y.assessment_id, {})))
                for y in reviewed[county_id].years
            )
            reviewed[county_id] = replace(reviewed[county_id], years=years)
    return reviewed


def _review(certified: Certification, rows: list[Any]) -> CountyMonitoring:
    if not rows:  # certified before Renke, not monitored yet
        return CountyMonitoring(certified.year, (), certified.recorded)
    # The standard of the latest year decides what 下滑 is (an official may revise it).
    standard = standard_for(rows[-1].standard)
    results = [YearResult(r.year, r.measures or {}, r.approval, r.approval_se) for r in rows]
    reviews = review_years(results, standard.decline, threshold=standard.approval.threshold)
    years = tuple(
        MonitoringYear(
            r.year,
            r.stage,
            r.id,
            bool(r.frozen),
            r.approval,
            r.approval_se,
            bool(r.measures),
            review,
        )
        for r, review in zip(rows, reviews, strict=True)
    )
    return CountyMonitoring(certified.year, years, certified.recorded)


# ------------------------------------------------------------------ stored reviews


def _fall_from(data: Mapping[str, Any]) -> Fall:
    return Fall(
        data["measure"],
        data["label"],
        data["before"],
        data["after"],
        data["flagged"],
        data["note"],
    )


def _year_json(year: MonitoringYear) -> dict[str, Any]:
    return {
        "year": year.year,
        "stage": year.stage,
        "assessment_id": year.assessment_id,
        "frozen": year.frozen,
        "approval": year.approval,
        "approval_se": year.approval_se,
        "measured": year.measured,
        "review": {
            "year": year.review.year,
            "below": list(year.review.below),
            "falls": [_fall_dict(fall) for fall in year.review.falls],
            "compared_with": year.review.compared_with,
            "revoke": year.review.revoke,
        },
    }


def _year_from(data: Mapping[str, Any]) -> MonitoringYear:
    review = data["review"]
    return MonitoringYear(
        data["year"],
        data["stage"],
        data["assessment_id"],
        data["frozen"],
        data["approval"],
        data["approval_se"],
        data["measured"],
        YearReview(
            review["year"],
            tuple(review["below"]),
            tuple(_fall_from(fall) for fall in review["falls"]),
            review["compared_with"],
            review["revoke"],
        ),
    )


def monitoring_json(monitoring: CountyMonitoring) -> dict[str, Any]:
    """A county's monitoring as stored in ``monitoring_review.review`` (every field)."""
    return {
        "certified_year": monitoring.certified_year,
        "recorded": monitoring.recorded,
        "years": [_year_json(year) for year in monitoring.years],
    }


def monitoring_from_json(data: Mapping[str, Any]) -> CountyMonitoring:
    # reviews stored before recorded certifications (0017) were all of frozen verdicts
    return CountyMonitoring(
        data["certified_year"],
        tuple(_year_from(y) for y in data["years"]),
        bool(data.get("recorded", False)),
    )


def store_monitoring(session: Session, county_id: int) -> None:
    """Review the county's monitoring from its stored summaries and store it (or remove it
    when the county is not certified): called whenever one of its 省级评估 or 年度监测
    summaries is written, and when a plan import sets its 认定年份, so the overview reads
    reviews as it reads summaries."""
    certified = certification_years(session, County.id == county_id)
    monitoring = county_monitoring(session, certified, Assessment.county_id == county_id)
    stored = session.get(MonitoringReview, county_id)
    found = monitoring.get(county_id)
    if found is None:
        if stored is not None:
            session.delete(stored)
        return
    if stored is None:
        stored = MonitoringReview(county_id=county_id)
        session.add(stored)
    stored.computed_at = utcnow()
    stored.review = monitoring_json(found)


class StoredReview:
    """A certified county's stored review as the overview reads it for every county of
    the province: the two flags it filters and sorts by, read from the stored JSON at
    once; the review's objects (:class:`CountyMonitoring`) built when first asked for —
    for the rows of the page shown, the workbook or the JSON — not for every county.

    The flags follow :attr:`CountyMonitoring.accountability` and
    :attr:`CountyMonitoring.revoke` (a test holds them equal).
    """

    __slots__ = ("accountability", "revoke", "_text", "_monitoring")

    def __init__(self, text: str) -> None:
        years = json.loads(text)["years"]
        monitored = [year for year in years if year["stage"] == MONITORING]
        self.accountability = bool(monitored) and bool(monitored[-1]["review"]["below"])
        self.revoke = any(year["review"]["revoke"] for year in years)
        self._text = text
        self._monitoring: CountyMonitoring | None = None

    @property
    def monitoring(self) -> CountyMonitoring:
        if self._monitoring is None:
            self._monitoring = monitoring_from_json(json.loads(self._text))
        return self._monitoring

    def __repr__(self) -> str:
        return f"<StoredReview accountability={self.accountability} revoke={self.revoke}>"


def stored_monitoring(session: Session, scope: ColumnElement[bool]) -> dict[int, StoredReview]:
    """The stored reviews of the counties in ``scope`` (a condition on County), as text:
    decoded into objects only for the counties shown."""
    rows = session.execute(
        select(MonitoringReview.county_id, cast(MonitoringReview.review, Text))
        .join(County, County.id == MonitoringReview.county_id)
        .where(scope)
    )
    return {county_id: StoredReview(text) for county_id, text in rows}
