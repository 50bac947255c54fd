"""Quotas of an assessment, derived on read from its population (SPEC §2.5).

The planning rules live in :mod:`analysis.sampling` and :mod:`analysis.residence`; this
adapter feeds them what the assessment stores and counts the valid responses against
the targets. Quotas are marginal targets on valid responses; they never refuse a
respondent who has answered. Area quotas count the statistical class (``area``), in the
split's own classes: 城区 / 镇区 / 乡村, or 城镇 / 乡村 where only that is published.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from analysis.residence import answers_in_class, area_quotas, counts_in_classes, split_classes
from analysis.sampling import SamplePlan, plan_from_standard
from analysis.vocabulary import AREAS, OUTSIDE
from surveyapp.models import Assessment
from surveyapp.standards import standard_for
from surveyapp.tallies import Tally, count_responses


def sample_plan(assessment: Assessment) -> SamplePlan | None:
    """The plan from the 常住人口 entered; None until it is entered.

    Its ``areas`` are set for a 城区/镇区/乡村 split; a 城镇/乡村 split has its area
    quotas in :func:`area_targets`.
    """
    if not assessment.population:
        return None
    split = assessment.population_split
    return plan_from_standard(
        assessment.population,
        standard_for(assessment.standard).sampling,
        area_populations=split if split and split_classes(split) == AREAS else None,
        group_populations=assessment.group_caps or None,
    )


def area_targets(assessment: Assessment) -> tuple[tuple[str, ...], dict[str, int] | None]:
    """(the classes of the split, target valid responses per class or None without one)."""
    split = assessment.population_split
    if split is None:
        return AREAS, None
    classes = split_classes(split)
    plan = sample_plan(assessment)
    return classes, None if plan is None else area_quotas(plan.total, split)


def group_quotas(assessment: Assessment) -> dict[str, int]:
    """Target valid responses per group; empty when no population is entered."""
    plan = sample_plan(assessment)
    return {} if plan is None else dict(plan.groups.quotas)


@dataclass(frozen=True)
class AreaRow:
    """One row of the area quota table: a class, the plain answers it counts, figures."""

    area: str
    answers: str
    target: int | None
    done: int


@dataclass(frozen=True)
class Progress:
    """Valid responses against the targets, per group, area and grade band."""

    plan: SamplePlan | None
    groups: dict[str, int]
    areas: dict[str, int]
    bands: dict[str, dict[str, int]]
    schools: dict[str, int]
    area_rows: tuple[AreaRow, ...]  # in the classes of the split (城镇/乡村 or three)
    outside: int  # valid respondents living outside the county (县外): in no area


def progress(session: Session, assessment: Assessment, *, tally: Tally | None = None) -> Progress:
    """Valid responses per group, area (statistical class), grade band and school;
    from ``tally`` when the caller has counted the responses already."""
    tally = tally or count_responses(session, assessment)
    grades = tally.valid_by(lambda c: None if c.grade is None else (c.group, c.grade))
    plan = sample_plan(assessment)
    bands: dict[str, dict[str, int]] = {}
    for group, names in plan.grades.items() if plan else ():
        bands[group] = {}
        for name in names:
            low, high = _band_range(name)
            bands[group][name] = sum(
                n for (g, grade), n in grades.items() if g == group and low <= grade <= high
            )
    areas = tally.valid_by(lambda c: c.area)
    residences = tally.valid_by(lambda c: c.residence)
    return Progress(
        plan,
        groups=tally.valid_by(lambda c: c.group),
        areas=areas,
        bands=bands,
        schools=tally.valid_by(lambda c: c.school),
        area_rows=_area_rows(assessment, areas),
        outside=residences.get(OUTSIDE, 0),
    )


def _area_rows(assessment: Assessment, areas: dict[str, int]) -> tuple[AreaRow, ...]:
    classes, targets = area_targets(assessment)
    done = counts_in_classes(areas, classes)
    words = answers_in_class(assessment.county.kind)
    return tuple(
        AreaRow(
            area,
            "、".join(answer.split("（")[0] for answer in words[area]),
            None if targets is None else targets[area],
            done[area],
        )
        for area in classes
    )


def _band_range(name: str) -> tuple[int, int]:
    """ "3–6" or "3-6" → (3, 6)."""
    low, _, high = name.replace("-", "–").partition("–")
    return int(low), int(high or low)
