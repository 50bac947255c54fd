"""The live approval of an assessment, aggregated in SQL (SPEC §4 "Sufficient statistics").

Each response stores its a_i (``score_sum``) and b_i (``score_count``) under the
assessment's scheme when it is submitted; the estimate then needs per group the sums of
SPEC §4, and for the default design clustered by school the sums per group × school and
those of the respondents without a school. All come from the page's one grouped scan
(:func:`surveyapp.tallies.count_responses`, a few thousand cells whatever the number of
responses), added up here per group and per group × school and handed to
:func:`analysis.approval.estimate_from_sums`. The sample check counts the valid responses
by group, area and grade from the same cells.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
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
from analysis.schemes import Scheme
from analysis.tables import InputRefused
from surveyapp.models import Assessment, SampleException, User
from surveyapp.standards import standard_for
from surveyapp.tallies import ScoredSums, Tally, TallyCell, count_responses

BEIJING = ZoneInfo("Asia/Shanghai")
#: Lengths of the recorded exception's fields (the model's columns).
REASON_MAX, DOCUMENT_MAX = 500, 200


def score_answers(answers: Mapping[str, str], scheme: Scheme) -> tuple[float, int]:
    """a_i and b_i: the sum of scores and the number of scored answers (SPEC §4)."""
    scores = [scheme.scores[label] for label in answers.values() if label in scheme.scores]
    return float(sum(scores)), len(scores)


def _group_sums(cells: Iterable[TallyCell]) -> list[GroupSums]:
    """Per-group sums of the scored respondents of ``cells``, groups in sorted order."""
    by_group: dict[str, list[ScoredSums]] = {}
    for cell in cells:
        if cell.scored.n:
            by_group.setdefault(cell.group, []).append(cell.scored)
    return [
        GroupSums(
            group=group,
            n=sum(s.n for s in sums),
            n_positive=sum(s.n_positive for s in sums),
            sum_wa=math.fsum(s.wa for s in sums),
            sum_wb=math.fsum(s.wb for s in sums),
            sum_w2a2=math.fsum(s.w2a2 for s in sums),
            sum_w2ab=math.fsum(s.w2ab for s in sums),
            sum_w2b2=math.fsum(s.w2b2 for s in sums),
        )
        for group, sums in sorted(by_group.items())
    ]


def group_sums(tally: Tally) -> list[GroupSums]:
    """Per-group sums over valid responses with at least one scored answer."""
    return _group_sums(tally.valid_cells())


def school_clusters(tally: Tally) -> SchoolClusters | None:
    """Per group × school sums, and per-group sums of the respondents without a school;
    None when no response gives a school (the simple design, SPEC §4)."""
    by_school: dict[tuple[str, str], list[ScoredSums]] = {}
    loose = []
    for cell in tally.valid_cells():
        if not cell.scored.n:
            continue
        if cell.cluster:
            by_school.setdefault((cell.group, cell.cluster), []).append(cell.scored)
        else:
            loose.append(cell)
    if not by_school:
        return None
    schools = tuple(
        ClusterSums(
            group,
            code,
            sum(s.n for s in sums),
            math.fsum(s.wa for s in sums),
            math.fsum(s.wb for s in sums),
            sum(s.n_positive for s in sums),
        )
        for (group, code), sums in sorted(by_school.items())
    )
    return SchoolClusters(schools, tuple(_group_sums(loose)))


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
    tally = tally or count_responses(session, assessment)
    sums = group_sums(tally)
    if not sums:
        return None
    standard = standard_for(assessment.standard)
    settings = standard.approval
    try:
        return estimate_from_sums(
            sums,
            clusters=school_clusters(tally),
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
