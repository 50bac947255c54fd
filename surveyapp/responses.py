"""The response row, built in one place (STYLE.md: one builder for a row two places build).

The respondent's path (:mod:`surveyapp.collect.services`) and the synthetic responses of
:mod:`surveyapp.demo` both store a response; this builds its column values, so the
derived columns — validity and its reasons, the scores a_i and b_i under the
assessment's scheme (SPEC §4), the answer pattern of the quality signals — are computed
the same way. It returns a plain dict: ``Response(**row)`` for one, ``insert(Response)``
with a list of them for many.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from analysis.schemes import Scheme
from surveyapp.approval import score_answers
from surveyapp.models.response import answer_pattern, invalid_fields


def response_row(
    *,
    assessment_id: int,
    link_id: int | None,
    instrument: str,
    group: str,
    school_code: str | None,
    residence: str | None,
    area: str | None,
    grade: int | None,
    mode: str,
    issued_at: datetime | None,
    submitted_at: datetime,
    device_hash: str | None,
    submission_key: str | None,
    reasons: Sequence[str],
    answers: dict[str, str],
    scheme: Scheme,
    late: bool = False,
    entered_by_id: int | None = None,
    paper_batch: str | None = None,
    paper_sheet: str | None = None,
) -> dict[str, Any]:
    """The column values of one response; invalid when ``reasons`` (codes of
    :data:`analysis.vocabulary.INVALID_REASONS`) are given."""
    score_sum, score_count = score_answers(answers, scheme)
    answered, straight_lined = answer_pattern(answers)
    duration = None if issued_at is None else (submitted_at - issued_at).total_seconds()
    return {
        "public_id": secrets.token_hex(8),
        "assessment_id": assessment_id,
        "link_id": link_id,
        "instrument": instrument,
        "respondent_group": group,
        "school_code": school_code,
        "residence": residence,
        "area": area,
        "grade": grade,
        "mode": mode,
        "issued_at": issued_at,
        "submitted_at": submitted_at,
        "duration_s": None if duration is None else round(duration, 1),
        "device_hash": device_hash,
        "submission_key": submission_key,
        "late": late,
        **invalid_fields(list(reasons)),
        "weight": 1.0,
        "answers": answers,
        "score_sum": score_sum,
        "score_count": score_count,
        "answered": answered,
        "straight_lined": straight_lined,
        "entered_by_id": entered_by_id,
        "paper_batch": paper_batch,
        "paper_sheet": paper_sheet,
    }
