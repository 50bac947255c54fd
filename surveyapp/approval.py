"""The live approval of an assessment, aggregated in SQL (SPEC §4 "Sufficient statistics").

Each response stores its a_i (``score_sum``) and b_i (``score_count``) under the
assessment's scheme when it is submitted; the estimate then needs per group the sums of
SPEC §4, and for the default design clustered by school the sums per group × school and
those of the respondents without a school — a few hundred rows per assessment, whatever
the number of responses, handed to :func:`analysis.approval.estimate_from_sums`. The
sample check counts the valid responses by group, area and grade.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from analysis.approval import (
    ApprovalReport,
    ClusterSums,
    GroupSums,
    SchoolClusters,
    estimate_from_sums,
)
from analysis.sample_check import SampleCounts, ShareException
from analysis.sampling import SamplePlan
from analysis.schemes import Scheme, load_scheme
from analysis.standards import Standard, load_standard
from analysis.tables import InputRefused
from surveyapp.models import Assessment, Response, SampleException, User
from surveyapp.tallies import Tally, count_responses

BEIJING = ZoneInfo("Asia/Shanghai")
#: Lengths of the recorded exception's fields (the model's columns).
REASON_MAX, DOCUMENT_MAX = 500, 200


@lru_cache(maxsize=8)
def standard_for(name: str) -> Standard:
    return load_standard(name)


def scheme_for(assessment: Assessment) -> Scheme:
    return load_scheme(standard_for(assessment.standard).approval.scheme)


def score_answers(answers: Mapping[str, str], scheme: Scheme) -> tuple[float, int]:
    """a_i and b_i: the sum of scores and the number of scored answers (SPEC §4)."""
    scores = [scheme.scores[label] for label in answers.values() if label in scheme.scores]
    return float(sum(scores)), len(scores)


def _scored(assessment_id: int) -> tuple[ColumnElement[bool], ...]:
    """Valid responses with at least one scored answer."""
    return (
        Response.assessment_id == assessment_id,
        Response.valid.is_(True),
        Response.score_count > 0,
    )


def _school() -> ColumnElement[Any]:
    """The trimmed 学校代码, '' when blank (SPEC §4: cl_i)."""
    return func.coalesce(func.trim(Response.school_code), "")


def _group_rows(session: Session, where: Sequence[ColumnElement[bool]]) -> list[GroupSums]:
    w, a, b = Response.weight, Response.score_sum, Response.score_count
    rows = session.execute(
        select(
            Response.respondent_group,
            func.count(),
            func.sum(case((w > 0, 1), else_=0)),
            func.sum(w * a),
            func.sum(w * b),
            func.sum(w * w * a * a),
            func.sum(w * w * a * b),
            func.sum(w * w * b * b),
        )
        .where(*where)
        .group_by(Response.respondent_group)
        .order_by(Response.respondent_group)
    )
    return [
        GroupSums(
            group=group,
            n=int(n),
            n_positive=int(positive or 0),
            sum_wa=float(wa or 0),
            sum_wb=float(wb or 0),
            sum_w2a2=float(w2a2 or 0),
            sum_w2ab=float(w2ab or 0),
            sum_w2b2=float(w2b2 or 0),
        )
        for group, n, positive, wa, wb, w2a2, w2ab, w2b2 in rows
    ]


def group_sums(session: Session, assessment_id: int) -> list[GroupSums]:
    """Per-group sums over valid responses with at least one scored answer."""
    return _group_rows(session, _scored(assessment_id))


def school_clusters(session: Session, assessment_id: int) -> SchoolClusters | None:
    """Per group × school sums, and per-group sums of the respondents without a school;
    None when no response gives a school (the simple design, SPEC §4)."""
    w, a, b = Response.weight, Response.score_sum, Response.score_count
    school = _school()
    rows = session.execute(
        select(
            Response.respondent_group,
            school,
            func.count(),
            func.sum(case((w > 0, 1), else_=0)),
            func.sum(w * a),
            func.sum(w * b),
        )
        .where(*_scored(assessment_id), school != "")
        .group_by(Response.respondent_group, school)
        .order_by(Response.respondent_group, school)
    ).all()
    if not rows:
        return None
    schools = tuple(
        ClusterSums(str(group), str(code), int(n), float(wa or 0), float(wb or 0), int(pos or 0))
        for group, code, n, pos, wa, wb in rows
    )
    loose = _group_rows(session, (*_scored(assessment_id), school == ""))
    return SchoolClusters(schools, tuple(loose))


def sample_counts(tally: Tally) -> SampleCounts:
    """Valid responses of every instrument, late ones included, scored or not (SPEC §2.5)."""
    by_group = tally.valid_by(lambda c: c.group)
    by_grade: dict[str, dict[int, int]] = {}
    for (group, grade), n in tally.valid_by(
        lambda c: None if c.grade is None else (c.group, c.grade)
    ).items():
        by_grade.setdefault(group, {})[grade] = n
    return SampleCounts(
        sum(by_group.values()), by_group, tally.valid_by(lambda c: c.area), by_grade
    )


def valid_rate(tally: Tally) -> float | None:
    total = sum(cell.n for cell in tally.cells)
    valid = sum(cell.n for cell in tally.valid_cells())
    return None if not total else float(valid) / float(total)


def share_exception(session: Session, assessment_id: int) -> ShareException | None:
    """The latest recorded exception to the 家长 share (SPEC §2.5), if any."""
    row = session.scalars(
        select(SampleException)
        .where(SampleException.assessment_id == assessment_id)
        .order_by(SampleException.recorded_at.desc(), SampleException.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    when = row.recorded_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    return ShareException(row.reason, row.document, row.recorded_by_name, when)


def record_share_exception(
    session: Session,
    assessment: Assessment,
    user: User,
    *,
    reason: str,
    document: str,
    now: datetime,
) -> list[str]:
    """Record an exception to the 家长 share; the problems (in Chinese) when refused."""
    reason, document = reason.strip(), document.strip()
    problems = []
    if not reason or len(reason) > REASON_MAX:
        problems.append(f"请填写例外的理由（不超过 {REASON_MAX} 字）")
    if not document or len(document) > DOCUMENT_MAX:
        problems.append(f"请填写依据文件（文号或名称，不超过 {DOCUMENT_MAX} 字）")
    if not problems:
        session.add(
            SampleException(
                assessment_id=assessment.id,
                reason=reason,
                document=document,
                recorded_by=user.id,
                recorded_by_name=user.username,
                recorded_at=now,
            )
        )
    return problems


def live_approval(
    session: Session,
    assessment: Assessment,
    *,
    plan: SamplePlan | None = None,
    tally: Tally | None = None,
) -> ApprovalReport | None:
    """The approval from the valid responses collected so far, clustered by school,
    with the sample checked against ``plan`` (from 常住人口; None when not entered);
    None before any scored response. ``tally``: the responses counted already in this
    request, if any."""
    sums = group_sums(session, assessment.id)
    if not sums:
        return None
    standard = standard_for(assessment.standard)
    settings = standard.approval
    tally = tally or count_responses(session, assessment)
    try:
        return estimate_from_sums(
            sums,
            clusters=school_clusters(session, assessment.id),
            ci=settings.interval,
            level=settings.level,
            threshold=settings.threshold,
            valid_rate=valid_rate(tally),
            valid_rate_warning=standard.sampling.valid_rate_warning,
            plan=plan,
            settings=standard.sampling,
            counts=sample_counts(tally),
            exception=share_exception(session, assessment.id),
        )
    except InputRefused:
        return None
