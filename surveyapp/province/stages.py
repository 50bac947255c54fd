"""Stages as a workflow (issue 12, SPEC §1): 县级自评 → 州市复核 → 省级评估.

国家认定 follows 省级评估 and is recorded outside Renke. Each stage is its own
assessment of the same county and year, so each stage's figures are kept; moving on
needs the current stage's frozen verdict (定稿) and a named approver of the next
stage's role: a prefecture user of the county's 州市 for 州市复核, a province user for
省级评估, or an admin. The side-by-side comparison reads the frozen verdicts, and the
stored summaries where a stage is not frozen yet, never recomputing a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from surveyapp import audit
from surveyapp.assessments.setup import create_assessment
from surveyapp.models import Assessment, County, User
from surveyapp.models.assessment import STAGES
from surveyapp.models.summary import VerdictSummary
from surveyapp.verdicts.services import frozen_verdict

# The certification workflow; 年度监测 is set up on its own in a later year.
ORDER = ("county", "prefecture", "province")
# The role (besides admin) that approves the move into each stage.
APPROVER_ROLE = {"prefecture": "prefecture", "province": "province"}
# Short names for the side-by-side line ("自评 认可度 91.2%，复核 88.7%").
SHORT = {"county": "自评", "prefecture": "复核", "province": "省评", "monitoring": "监测"}
# The settings carried from one stage to the next (the window is left empty).
CARRIED = (
    "standard",
    "min_duration_s",
    "population",
    "population_urban",
    "population_town",
    "population_urban_town",
    "population_rural",
    "population_source",
    "group_caps",
    "stop_full_groups",
)


class StageRefused(Exception):
    """The move to the next stage is not allowed; the message says why (Chinese)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def next_stage(stage: str) -> str | None:
    """The stage after ``stage``, or None after 省级评估 (国家认定 is outside Renke) and
    for 年度监测 (not a step of the workflow)."""
    if stage not in ORDER:
        return None
    index = ORDER.index(stage)
    return ORDER[index + 1] if index + 1 < len(ORDER) else None


def may_approve(user: User, county: County, stage: str) -> bool:
    """Whether ``user`` may approve the move into ``stage`` for ``county``."""
    if user.role == "admin":
        return True
    if user.role != APPROVER_ROLE.get(stage):
        return False
    return user.role != "prefecture" or user.prefecture == county.prefecture


def advance_refusal(
    session: Session, assessment: Assessment, approver: User
) -> StageRefused | None:
    """Why ``assessment`` cannot move on now, or None (checked in this order)."""
    following = next_stage(assessment.stage)
    if assessment.stage not in ORDER:
        return StageRefused("last", "年度监测不属于认定流程，没有下一阶段")
    if following is None:
        return StageRefused("last", "省级评估是 Renke 中的最后阶段，国家认定不在本系统记录")
    if frozen_verdict(session, assessment.id) is None:
        return StageRefused(
            "not_frozen", f"{assessment.stage_label}的认定结论尚未定稿，不能进入下一阶段"
        )
    if not may_approve(approver, assessment.county, following):
        who = (
            f"{assessment.county.prefecture}的州市人员" if following == "prefecture" else "省级人员"
        )
        return StageRefused("approver", f"进入{STAGES[following]}须由{who}或管理员批准")
    if _stage_assessment(session, assessment.county_id, assessment.year, following) is not None:
        return StageRefused(
            "exists", f"{assessment.county.name}{assessment.year}年的{STAGES[following]}已经存在"
        )
    return None


def advance(session: Session, assessment: Assessment, approver: User, now: datetime) -> Assessment:
    """Create the next stage's assessment (a draft) for the same county and year.

    The settings of :data:`CARRIED` are copied, the collection window is left empty, the
    schools are the county's and the questionnaires the built-in ones. Raises
    :class:`StageRefused`; adds an audit entry; never commits.
    """
    refusal = advance_refusal(session, assessment, approver)
    if refusal is not None:
        raise refusal
    following = next_stage(assessment.stage)
    assert following is not None  # advance_refusal refuses the last stage
    county = assessment.county
    try:
        with session.begin_nested():
            created = create_assessment(
                session,
                county=county,
                year=assessment.year,
                stage=following,
                title=f"{county.name}{assessment.year}年{STAGES[following]}",
                **{name: getattr(assessment, name) for name in CARRIED},
            )
            session.flush()
    except IntegrityError as error:
        # Two approvers at once: the other request created the stage first (the
        # database holds one assessment per county, year and stage).
        raise StageRefused(
            "exists", f"{county.name}{assessment.year}年的{STAGES[following]}已经存在"
        ) from error
    audit.record(
        session,
        approver,
        "stage",
        f"评估 {created.id}（{county.name}{STAGES[following]}）",
        before={"阶段": assessment.stage, "评估": assessment.id},
        after={"阶段": following, "评估": created.id, "批准人": approver.username},
        county_id=county.id,
        now=now,
    )
    return created


@dataclass(frozen=True)
class StageRow:
    """One stage's figures for the side-by-side view."""

    stage: str
    label: str
    short: str
    assessment_id: int
    approval: float | None
    certified: bool | None
    reasons: int | None
    frozen_at: datetime | None
    frozen_by: str | None


def stage_comparison(session: Session, county: County, year: int) -> list[StageRow]:
    """The stages of ``county`` in ``year`` in workflow order, with their figures: the
    frozen verdict's where frozen, else the stored summary's, else none."""
    assessments = session.scalars(
        select(Assessment).where(Assessment.county_id == county.id, Assessment.year == year)
    ).all()
    rows = [_row(session, a) for a in assessments]
    return sorted(rows, key=lambda row: tuple(STAGES).index(row.stage))


def _row(session: Session, assessment: Assessment) -> StageRow:
    frozen = frozen_verdict(session, assessment.id)
    summary = None if frozen else session.get(VerdictSummary, assessment.id)
    approval = certified = reasons = None
    if frozen is not None:
        approval = frozen.verdict["approval"].get("approval")
        certified = frozen.certified
        reasons = len(frozen.verdict["reasons"])
    elif summary is not None:
        approval, certified, reasons = summary.approval, summary.certified, len(summary.reasons)
    return StageRow(
        stage=assessment.stage,
        label=assessment.stage_label,
        short=SHORT[assessment.stage],
        assessment_id=assessment.id,
        approval=approval,
        certified=certified,
        reasons=reasons,
        frozen_at=frozen.frozen_at if frozen else None,
        frozen_by=frozen.frozen_by_name if frozen else None,
    )


def _stage_assessment(session: Session, county_id: int, year: int, stage: str) -> Assessment | None:
    return session.scalars(
        select(Assessment).where(
            Assessment.county_id == county_id, Assessment.year == year, Assessment.stage == stage
        )
    ).first()
