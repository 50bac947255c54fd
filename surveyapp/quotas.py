"""Quotas of an assessment, derived on read from its population (SPEC §2.5).

The planning rules live in :mod:`analysis.sampling`; this adapter feeds it what the
assessment stores and counts the valid responses against the targets. Quotas are
marginal targets on valid responses; they never refuse a respondent who has answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis.sampling import SamplePlan, plan_from_standard
from surveyapp.approval import standard_for
from surveyapp.models import Assessment, Response


def sample_plan(assessment: Assessment) -> SamplePlan | None:
    """The plan from the 常住人口 entered; None until it is entered."""
    if not assessment.population:
        return None
    split = (assessment.population_urban, assessment.population_town, assessment.population_rural)
    areas = None
    if all(value is not None for value in split):
        areas = dict(zip(("城区", "镇区", "乡村"), split, strict=True))
    return plan_from_standard(
        assessment.population,
        standard_for(assessment.standard).sampling,
        area_populations=areas,  # type: ignore[arg-type]
        group_populations=assessment.group_caps or None,
    )


def group_quotas(assessment: Assessment) -> dict[str, int]:
    """Target valid responses per group; empty when no population is entered."""
    plan = sample_plan(assessment)
    return {} if plan is None else dict(plan.groups.quotas)


@dataclass(frozen=True)
class Progress:
    """Valid responses against the targets, per group, area and grade band."""

    plan: SamplePlan | None
    groups: dict[str, int]
    areas: dict[str, int]
    bands: dict[str, dict[str, int]]
    schools: dict[str, int]


def progress(session: Session, assessment: Assessment) -> Progress:
    """Valid responses per group, area, grade band and school."""
    valid = (Response.assessment_id == assessment.id, Response.valid.is_(True))

    def counts(*columns: Any) -> list[tuple[Any, ...]]:
        query = select(*columns, func.count()).where(*valid)
        for column in columns:
            query = query.where(column.is_not(None))
        return [tuple(row) for row in session.execute(query.group_by(*columns))]

    grades = counts(Response.respondent_group, Response.grade)
    plan = sample_plan(assessment)
    bands: dict[str, dict[str, int]] = {}
    for group, names in plan.grades.items() if plan else ():
        bands[group] = {}
        for name in names:
            low, high = _band_range(name)
            bands[group][name] = sum(
                int(n) for g, grade, n in grades if g == group and low <= int(grade) <= high
            )
    return Progress(
        plan,
        groups={str(group): int(n) for group, n in counts(Response.respondent_group)},
        areas={str(area): int(n) for area, n in counts(Response.area)},
        bands=bands,
        schools={str(code): int(n) for code, n in counts(Response.school_code)},
    )


def _band_range(name: str) -> tuple[int, int]:
    """ "3–6" or "3-6" → (3, 6)."""
    low, _, high = name.replace("-", "–").partition("–")
    return int(low), int(high or low)
