"""The live approval of an assessment, aggregated in SQL (SPEC §4 "Sufficient statistics").

Each response stores its a_i (``score_sum``) and b_i (``score_count``) under the
assessment's scheme when it is submitted; the estimate is then seven rows of sums per
assessment, whatever the number of responses, handed to
:func:`analysis.approval.estimate_from_sums`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from analysis.approval import ApprovalReport, GroupSums, estimate_from_sums
from analysis.schemes import Scheme, load_scheme
from analysis.standards import Standard, load_standard
from analysis.tables import InputRefused
from surveyapp.models import Assessment, Response


@lru_cache(maxsize=8)
def standard_for(name: str) -> Standard:
    return load_standard(name)


def scheme_for(assessment: Assessment) -> Scheme:
    return load_scheme(standard_for(assessment.standard).approval.scheme)


def score_answers(answers: Mapping[str, str], scheme: Scheme) -> tuple[float, int]:
    """a_i and b_i: the sum of scores and the number of scored answers (SPEC §4)."""
    scores = [scheme.scores[label] for label in answers.values() if label in scheme.scores]
    return float(sum(scores)), len(scores)


def group_sums(session: Session, assessment_id: int) -> list[GroupSums]:
    """Per-group sums over valid responses with at least one scored answer."""
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
        .where(
            Response.assessment_id == assessment_id,
            Response.valid.is_(True),
            Response.score_count > 0,
        )
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


def valid_rate(session: Session, assessment_id: int) -> float | None:
    total, valid = session.execute(
        select(func.count(), func.sum(case((Response.valid.is_(True), 1), else_=0))).where(
            Response.assessment_id == assessment_id
        )
    ).one()
    return None if not total else float(valid or 0) / float(total)


def live_approval(session: Session, assessment: Assessment) -> ApprovalReport | None:
    """The approval from the valid responses collected so far; None before any."""
    sums = group_sums(session, assessment.id)
    if not sums:
        return None
    standard = standard_for(assessment.standard)
    settings = standard.approval
    try:
        return estimate_from_sums(
            sums,
            ci=settings.interval,
            level=settings.level,
            threshold=settings.threshold,
            valid_rate=valid_rate(session, assessment.id),
            valid_rate_warning=standard.sampling.valid_rate_warning,
        )
    except InputRefused:
        return None
