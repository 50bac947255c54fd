"""Setting up an assessment: its record and a copy of the built-in questionnaires."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete as sa_delete
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from analysis.residence import SplitWarning, area_of, split_warnings
from analysis.vocabulary import RESIDENCE_ANSWERS
from surveyapp.counties.services import same_county
from surveyapp.models import (
    Assessment,
    CollectionLink,
    County,
    InvalidTransition,
    Questionnaire,
    Response,
)
from surveyapp.models.questionnaire import INSTRUMENTS
from surveyapp.province.monitoring import monitoring_refusal
from surveyapp.questionnaires.builtin import builtin_questionnaire
from surveyapp.quotas import sample_plan


def create_assessment(
    session: Session,
    *,
    county: County,
    year: int,
    stage: str,
    title: str,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    min_duration_s: int = 30,
    **population: object,
) -> Assessment:
    """A draft assessment with the three built-in instruments copied into it."""
    assessment = Assessment(
        county=county,
        year=year,
        stage=stage,
        title=title,
        opens_at=opens_at,
        closes_at=closes_at,
        min_duration_s=min_duration_s,
        state="draft",
        **population,
    )
    session.add(assessment)
    for instrument in INSTRUMENTS:
        builtin = builtin_questionnaire(instrument, county.name)
        session.add(
            Questionnaire(
                assessment=assessment,
                instrument=instrument,
                title=builtin["title"],
                intro=builtin["intro"],
                questions=builtin["questions"],
            )
        )
    return assessment


COUNTY_GROUPS = ("人大代表", "政协委员", "其他群众")


def default_links(assessment: Assessment) -> list[tuple[str, int | None, str | None, str]]:
    """(instrument, school id, preset group, label) of the usual set of links.

    Per school: a 学生卷 link and a 家长 link (特殊教育学校 left out, as in the verdict).
    County-level: the 校长教师卷 (a school's link would identify its principal, SPEC
    §2.5), one 社会卷 link per other group, and a general 社会卷 link.
    """
    wanted: list[tuple[str, int | None, str | None, str]] = []
    for school in assessment.county.schools:
        if school.kind == "特殊教育学校":
            continue
        wanted.append(("student", school.id, None, f"{school.name} 学生"))
        wanted.append(("social", school.id, "家长", f"{school.name} 家长"))
    wanted.append(("staff", None, None, "全县校长、教师"))
    wanted.extend(("social", None, group, f"全县{group}") for group in COUNTY_GROUPS)
    wanted.append(("social", None, None, "社会公众（通用）"))
    return wanted


def create_default_links(session: Session, assessment: Assessment) -> int:
    """Add the usual links that are missing (idempotent); returns how many were added."""
    have = {
        (link.instrument, link.school_id, link.preset_group)
        for link in session.scalars(
            select(CollectionLink).where(CollectionLink.assessment_id == assessment.id)
        )
    }
    added = 0
    for instrument, school_id, group, label in default_links(assessment):
        if (instrument, school_id, group) in have:
            continue
        session.add(
            CollectionLink(
                assessment=assessment,
                instrument=instrument,
                school_id=school_id,
                preset_group=group,
                label=label,
            )
        )
        added += 1
    return added


def county_for(session: Session, province: str, prefecture: str, name: str) -> County:
    """The registry's county of that 州市 and name (short names match: 石林县 is
    石林彝族自治县); counties are added in the registry, never here (SPEC §1)."""
    county = same_county(session, province, prefecture, name, None)
    if county is None:
        raise NotInRegistry(
            f"县名录中没有“{prefecture}{name}”：请管理员或省级人员先在“县名录”添加该县"
        )
    return county


class NotInRegistry(ValueError):
    """The county of a new assessment is not in the registry."""


def set_county_kind(session: Session, county: County, kind: str) -> None:
    """Change the county's kind and re-class its stored responses by their residence.

    ``area`` is derived from ``residence`` and the kind (SPEC §2.5), so a corrected kind
    corrects every stored class; responses without a residence keep theirs.
    """
    if county.kind == kind:
        return
    county.kind = kind
    assessments = select(Assessment.id).where(Assessment.county_id == county.id)
    for residence in RESIDENCE_ANSWERS:
        session.execute(
            update(Response)
            .where(Response.assessment_id.in_(assessments), Response.residence == residence)
            .values(area=area_of(residence, kind))
            .execution_options(synchronize_session=False)
        )


def residence_warnings(assessment: Assessment) -> list[SplitWarning]:
    """城区 > 0 for a 县, or a school coded 城区 in one (SPEC §2.5): warnings, not errors."""
    county = assessment.county
    schools = [(school.name, school.area) for school in county.schools]
    return split_warnings(county.kind, assessment.population_split, schools)


SETTINGS = (
    "stage",
    "title",
    "population",
    "population_urban",
    "population_town",
    "population_urban_town",
    "population_rural",
    "population_source",
    "opens_at",
    "closes_at",
    "min_duration_s",
    "stop_full_groups",
)


def apply_settings(assessment: Assessment, fields: dict[str, object]) -> None:
    """Copy the checked settings onto the assessment (county and year excepted)."""
    for name in SETTINGS:
        setattr(assessment, name, fields[name])


def settings_record(assessment: Assessment) -> dict[str, object]:
    """The settings as JSON values, for the audit log's old → new (SPEC §1)."""
    values: dict[str, object] = {}
    for name in SETTINGS:
        value = getattr(assessment, name)
        values[name] = value.isoformat() if isinstance(value, datetime) else value
    return values


class StageRefused(ValueError):
    """The stage chosen is not allowed for this county and year; the message says why."""


class DuplicateAssessment(StageRefused):
    """One assessment per county, year and stage."""

    def __init__(self) -> None:
        super().__init__("该县这一年度、这一阶段的评估已经存在")


def create_from_settings(session: Session, fields: dict[str, Any], *, province: str) -> Assessment:
    """A draft assessment from the checked settings form, for a county of the registry."""
    county = county_for(session, province, fields["prefecture"], fields["county"])
    set_county_kind(session, county, fields["kind"])
    _refuse_duplicate(session, county, fields["year"], fields["stage"], None)
    _refuse_monitoring(session, county, fields["year"], fields["stage"])
    title = fields["title"] or f"{county.name}{fields['year']}年义务教育优质均衡发展社会认可度调查"
    assessment = create_assessment(
        session, county=county, year=fields["year"], stage=fields["stage"], title=title
    )
    apply_settings(assessment, fields | {"title": title})
    return assessment


def update_settings(session: Session, assessment: Assessment, fields: dict[str, Any]) -> None:
    _refuse_duplicate(session, assessment.county, assessment.year, fields["stage"], assessment.id)
    _refuse_monitoring(session, assessment.county, assessment.year, fields["stage"])
    set_county_kind(session, assessment.county, fields["kind"])
    apply_settings(assessment, fields | {"title": fields["title"] or assessment.title})


def _refuse_monitoring(session: Session, county: County, year: int, stage: str) -> None:
    """年度监测 only for a county certified in an earlier year (SPEC §2.4)."""
    if stage == "monitoring":
        refusal = monitoring_refusal(session, county, year)
        if refusal is not None:
            raise StageRefused(refusal)


def _refuse_duplicate(
    session: Session, county: County, year: int, stage: str, other_than: int | None
) -> None:
    # The UNIQUE constraint stays the last word; this gives the evaluator a sentence.
    if county.id is None:
        return
    query = select(Assessment.id).where(
        Assessment.county_id == county.id, Assessment.year == year, Assessment.stage == stage
    )
    if other_than is not None:
        query = query.where(Assessment.id != other_than)
    if session.scalars(query).first() is not None:
        raise DuplicateAssessment


def move(assessment: Assessment, action: str, now: datetime) -> None:
    """open, close or reopen (InvalidTransition when the state does not allow it)."""
    if action == "open":
        assessment.open()
    elif action == "close":
        assessment.close(now)
    elif action == "reopen":
        assessment.reopen()
    else:
        raise ValueError(action)


def delete_draft(session: Session, assessment: Assessment) -> None:
    """Delete an assessment still in preparation, with its links, files and questionnaires.

    A draft has collected nothing; anything past draft is kept for the record.
    """
    if assessment.state != "draft":
        raise InvalidTransition("只有准备中的评估可以删除；已开始收集的评估要保留记录")
    has_responses = session.scalar(
        select(func.count()).select_from(Response).where(Response.assessment_id == assessment.id)
    )
    if has_responses:
        raise InvalidTransition("该评估已有答卷，不能删除")
    session.execute(sa_delete(Assessment).where(Assessment.id == assessment.id))


def plan_figures(assessment: Assessment) -> dict[str, int]:
    """N, the group quotas and the area quotas of the assessment's plan (empty without one)."""
    plan = sample_plan(assessment)
    if plan is None:
        return {}
    figures = {"样本量 N": plan.total}
    figures.update({f"{group}配额": quota for group, quota in plan.groups.quotas.items()})
    figures.update({f"{area}配额": quota for area, quota in (plan.areas or {}).items()})
    return figures


def quota_moves(
    before: dict[str, int], after: dict[str, int]
) -> list[tuple[str, int | None, int | None]]:
    """The figures that change between two plans: (name, old, new)."""
    names = list(before) + [name for name in after if name not in before]
    return [
        (name, before.get(name), after.get(name))
        for name in names
        if before.get(name) != after.get(name)
    ]
