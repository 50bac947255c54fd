"""代填 and 纸质 responses, recorded with the shared row builder (surveyapp.responses).

Neither has a device: the device rule does not apply (SPEC §2.5), and the account that
entered it is kept instead (``entered_by_id``). 代填 keeps the minimum-time rule, timed
on the server from the form's first issue as on the respondent's path; 纸质 is exempt
(the respondent's time is not the clerk's). A paper sheet is entered once per batch and
sheet number: a second entry of the same sheet is a check entry, compared field by field
with the first to measure the entry error rate, and never a second response.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis.vocabulary import MODES
from surveyapp.collect.forms import Submission
from surveyapp.collect.links import LinkQuestionnaire, RespondentLink, freeze_wording
from surveyapp.form_values import ascii_int
from surveyapp.models import PaperCheck, Response, User
from surveyapp.responses import response_row
from surveyapp.standards import scheme_for
from surveyapp.tallies import ScoredSums, Tally

DIGITS_MESSAGE = "请输入选项前的数字"


def record_entry(
    session: Session,
    *,
    link: RespondentLink,
    questionnaire: LinkQuestionnaire,
    submission: Submission,
    user: User,
    mode: str,
    now: datetime,
    issued_at: datetime | None = None,
    nonce: str | None = None,
    batch: str | None = None,
    sheet: str | None = None,
    late: bool = False,
    incomplete: bool = False,
) -> Response:
    """Store a 代填 (``issued_at`` and ``nonce`` from its form key) or 纸质 response;
    ``incomplete``: a paper sheet with an item left blank (kept, invalid: SPEC §2.5)."""
    assessment = link.assessment
    reasons = [] if submission.resident else ["not_resident"]
    if incomplete:
        reasons.append("incomplete")
    if mode == "代填" and issued_at is not None:
        if (now - issued_at).total_seconds() < assessment.min_duration_s:
            reasons.append("too_fast")
    response = Response(
        **response_row(
            assessment_id=assessment.id,
            link_id=link.id,
            instrument=link.instrument,
            group=submission.group,
            school_code=link.school.code if link.school else None,
            residence=submission.residence,
            area=submission.area or None,
            grade=submission.grade,
            mode=mode,
            issued_at=issued_at,
            submitted_at=now,
            device_hash=None,
            submission_key=nonce,
            reasons=reasons,
            answers=submission.answers,
            scheme=scheme_for(assessment),
            entered_by_id=user.id,
            paper_batch=batch,
            paper_sheet=sheet,
            late=late,
        )
    )
    session.add(response)
    freeze_wording(session, questionnaire, now)
    return response


#: The digit a clerk enters for an item left blank on the sheet.
BLANK_DIGIT = "0"


@dataclass(frozen=True)
class Digits:
    """The paper form's digits read: labels, the items left blank, the errors."""

    labels: dict[str, str]
    blanks: frozenset[str]
    errors: dict[str, str]


def digits_to_labels(questions: list[dict[str, Any]], posted: Mapping[str, str]) -> Digits:
    """The paper form's digits (1 = the first option) as option labels; 0 marks an item
    (not an identity, grade or residence question) left blank on the sheet."""
    labels, blanks, errors = {}, set(), {}
    for question in questions:
        value = (posted.get(question["id"]) or "").strip()
        if not value:
            continue
        if value == BLANK_DIGIT and question["kind"] == "item":
            blanks.add(question["id"])
        elif (digit := ascii_int(value)) is not None and 1 <= digit <= len(question["options"]):
            labels[question["id"]] = question["options"][digit - 1]
        else:
            errors[question["id"]] = f"{DIGITS_MESSAGE}（1–{len(question['options'])}）"
    return Digits(labels, frozenset(blanks), errors)


def sheet_fields(
    group: str, grade: int | None, residence: str | None, answers: Mapping[str, str]
) -> dict[str, str]:
    """What a paper sheet says, as compared between its two entries."""
    return {
        "group": group,
        "grade": "" if grade is None else str(grade),
        "residence": residence or "",
        **{item: label for item, label in sorted(answers.items())},
    }


def submission_fields(submission: Submission) -> dict[str, str]:
    return sheet_fields(
        submission.group, submission.grade, submission.residence, submission.answers
    )


def find_sheet(session: Session, assessment_id: int, batch: str, sheet: str) -> Response | None:
    return session.scalars(
        select(Response).where(
            Response.assessment_id == assessment_id,
            Response.paper_batch == batch,
            Response.paper_sheet == sheet,
        )
    ).one_or_none()


def record_check(
    session: Session, first: Response, second: dict[str, str], user: User, now: datetime
) -> PaperCheck:
    """A check entry of a sheet entered before: how many of its fields disagree."""
    original = sheet_fields(first.respondent_group, first.grade, first.residence, first.answers)
    keys = sorted(set(original) | set(second))
    differences = sum(original.get(key, "") != second.get(key, "") for key in keys)
    check = PaperCheck(
        response_id=first.id,
        entered_by_id=user.id,
        entered_at=now,
        fields=second,
        compared=len(keys),
        differences=differences,
    )
    session.add(check)
    return check


@dataclass(frozen=True)
class BatchErrors:
    """A paper batch: its sheets, how many were entered twice, the fields that disagreed."""

    batch: str
    sheets: int
    checked: int
    compared: int
    differences: int

    @property
    def error_rate(self) -> float | None:
        """Disagreeing fields over compared fields of the checked sheets."""
        return self.differences / self.compared if self.compared else None


def batch_errors(session: Session, assessment_id: int) -> list[BatchErrors]:
    """Per batch, the entry error rate measured by the double entries."""
    checks = (
        select(
            PaperCheck.response_id,
            func.sum(PaperCheck.compared).label("compared"),
            func.sum(PaperCheck.differences).label("differences"),
        )
        .group_by(PaperCheck.response_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Response.paper_batch,
            func.count(),
            func.count(checks.c.response_id),
            func.coalesce(func.sum(checks.c.compared), 0),
            func.coalesce(func.sum(checks.c.differences), 0),
        )
        .outerjoin(checks, checks.c.response_id == Response.id)
        .where(Response.assessment_id == assessment_id, Response.paper_batch.is_not(None))
        .group_by(Response.paper_batch)
        .order_by(Response.paper_batch)
    )
    return [
        BatchErrors(str(batch), int(sheets), int(checked), int(compared), int(differences))
        for batch, sheets, checked, compared, differences in rows
    ]


@dataclass(frozen=True)
class EntrantCounts:
    """Responses an account entered, per mode."""

    username: str
    mode: str
    responses: int
    valid: int


def entrant_counts(session: Session, assessment_id: int) -> list[EntrantCounts]:
    """Who entered how many 代填 and 纸质 responses (shown to evaluators, not exported)."""
    rows = session.execute(
        select(User.username, Response.mode, func.count(), func.count().filter(Response.valid))
        .join(User, User.id == Response.entered_by_id)
        .where(Response.assessment_id == assessment_id)
        .group_by(User.username, Response.mode)
        .order_by(User.username, Response.mode)
    )
    return [EntrantCounts(name, mode, int(n), int(valid)) for name, mode, n, valid in rows]


@dataclass(frozen=True)
class ModeRow:
    """One mode of an assessment: responses, valid ones per group, the pooled approval."""

    mode: str
    responses: int
    valid: int
    by_group: dict[str, int]
    approval: float | None  # None below the smallest cell shown (SPEC §2.5 anonymity)


def mode_summary(tally: Tally, min_cell: int) -> list[ModeRow]:
    """Per mode present in the data, in MODES order: counts, valid per group, and the
    live approval of that mode (pooled, Σ w_i a_i / Σ w_i b_i over its valid responses,
    SPEC §4; shown from ``min_cell`` valid responses, SPEC §2.5 anonymity)."""
    responses: dict[str, int] = {}
    groups: dict[str, dict[str, int]] = {}
    scored: dict[str, list[ScoredSums]] = {}
    for cell in tally.cells:
        responses[cell.mode] = responses.get(cell.mode, 0) + cell.n
        by_group = groups.setdefault(cell.mode, {})
        by_group[cell.group] = by_group.get(cell.group, 0) + (cell.n if cell.valid else 0)
        if cell.valid:
            scored.setdefault(cell.mode, []).append(cell.scored)
    rows = []
    for mode in MODES:
        if mode not in responses:
            continue
        valid = sum(groups[mode].values())
        wa = math.fsum(s.wa for s in scored.get(mode, ()))
        wb = math.fsum(s.wb for s in scored.get(mode, ()))
        approval = wa / wb if valid >= min_cell and wb > 0 else None
        rows.append(ModeRow(mode, responses[mode], valid, groups[mode], approval))
    return rows


def mode_counts(session: Session, assessment_id: int) -> dict[str, dict[str, int]]:
    """All and valid responses per mode (only the modes present in the data)."""
    rows = session.execute(
        select(Response.mode, func.count(), func.count().filter(Response.valid))
        .where(Response.assessment_id == assessment_id)
        .group_by(Response.mode)
    )
    return {mode: {"all": int(n), "valid": int(valid)} for mode, n, valid in rows}


OWN_ENTRIES_SHOWN = 50


def own_entries(session: Session, user: User) -> list[Response]:
    """The latest responses this account entered (SPEC §1: an interviewer sees its own
    代填 only), newest first."""
    return list(
        session.scalars(
            select(Response)
            .where(Response.entered_by_id == user.id)
            .order_by(Response.submitted_at.desc(), Response.id.desc())
            .limit(OWN_ENTRIES_SHOWN)
        )
    )
