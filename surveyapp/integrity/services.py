"""Integrity signals of an assessment: computed on demand, stored, reviewed by hand.

The rules are :mod:`analysis.integrity`'s; this module builds their table from the
database rows (the same columns, in the same order, as the export it would read
offline), stores each run with its time, and records the evaluators' reviews. Nothing
is invalidated automatically: only :func:`confirm` changes a response, and
:func:`restore` undoes it. Functions take the session and never commit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from analysis.approval import ApprovalReport, GroupSums, estimate_from_sums
from analysis.integrity import (
    COLUMNS,
    PACE_S_PER_QUESTION,
    Incident,
    approval_json,
    approval_with_and_without,
    find_signals,
)
from analysis.tables import InputRefused
from analysis.vocabulary import INVALID_REASONS
from surveyapp import audit, quotas
from surveyapp.approval import group_sums
from surveyapp.assessments.services import (
    DevicePseudonyms,
    item_columns,
    link_name,
    responses_in_order,
)
from surveyapp.models import (
    Assessment,
    CollectionLink,
    FlagReview,
    IntegrityFlag,
    IntegrityRun,
    Questionnaire,
    Response,
    School,
    User,
)
from surveyapp.standards import standard_for
from surveyapp.tallies import Tally, count_responses

MANUAL_PREFIX = INVALID_REASONS["manual"] + "："  # "评估人员认定无效：<reason>"
REASON_MAX = 120


class ReviewRefused(Exception):
    """A review the rules do not allow (no reason, nothing chosen, nothing to undo)."""


# ------------------------------------------------------------------ the table from rows


def integrity_table(session: Session, assessment: Assessment) -> pd.DataFrame:
    """The rules' table (:data:`analysis.integrity.COLUMNS`) from the database rows.

    Row for row what :func:`analysis.integrity.table_from_responses` reads from the
    export: the export's ``response_id``, ``link`` and ``device`` pseudonym, answers
    joined in the export's item order, times to the second, a_i and b_i as stored.
    """
    items = [item_id for item_id, _ in item_columns(session, assessment.id)]
    device = DevicePseudonyms()
    entrants: dict[int, str] = {
        user_id: name for user_id, name in session.execute(select(User.id, User.username))
    }
    rows = [
        (
            response.public_id,
            link_name(response.link_id),
            device(response.device_hash),
            response.submitted_at,
            response.duration_s,
            response.school_code or "",
            response.respondent_group,
            response.mode,
            response.valid,
            response.late,
            "|".join(response.answers.get(item_id, "") for item_id in items),
            response.weight,
            response.score_sum,
            float(response.score_count),
            entrants.get(response.entered_by_id, "") if response.entered_by_id else "",
        )
        for response in responses_in_order(session, assessment.id)
    ]
    # entered_by: who recorded a 代填 (for interviewer_pace); the export has no such column
    table = pd.DataFrame(rows, columns=[*COLUMNS, "entered_by"])
    # to the second, as the export writes times, so both routes see the same table
    table["submitted_at"] = pd.to_datetime(table["submitted_at"], utc=True).dt.floor("s")
    table["duration_s"] = table["duration_s"].astype(float)
    return table


def read_aloud_seconds(session: Session, assessment: Assessment) -> float:
    """The time to read the shortest of the assessment's questionnaires aloud."""
    questionnaires = session.scalars(
        select(Questionnaire).where(Questionnaire.assessment_id == assessment.id)
    ).all()
    counts = [len(q.questions) for q in questionnaires]
    return min(counts) * PACE_S_PER_QUESTION if counts else 0.0


def enrolment_of(session: Session, assessment: Assessment) -> dict[str, int] | None:
    """Pupils (小学 + 初中) per 学校代码 of the county; None when it has no school rows."""
    schools = session.scalars(select(School).where(School.county_id == assessment.county_id))
    enrolment = {s.code: s.primary_students + s.junior_students for s in schools}
    return enrolment or None


def plan_shares(assessment: Assessment) -> dict[str, float] | None:
    """The sample plan's group shares (the ``planned`` weights); None without a population."""
    targets = quotas.group_quotas(assessment)
    total = sum(targets.values())
    return {group: n / total for group, n in targets.items() if n} if total else None


# ------------------------------------------------------------------ runs


def compute_integrity(
    session: Session, assessment: Assessment, user: User | None, now: datetime, timezone: str
) -> IntegrityRun:
    """Compute the signals and the approval with and without the flagged responses; store."""
    table = integrity_table(session, assessment)
    result = find_signals(
        table,
        min_duration_s=assessment.min_duration_s,
        enrolment=enrolment_of(session, assessment),
        timezone=timezone,
        read_aloud_s=read_aloud_seconds(session, assessment),
    )
    settings = standard_for(assessment.standard).approval
    pair = approval_with_and_without(
        table,
        result.flagged_ids,
        plan_shares=plan_shares(assessment),
        ci=settings.interval,
        level=settings.level,
        threshold=settings.threshold,
    )
    run = IntegrityRun(
        assessment_id=assessment.id,
        computed_at=now,
        computed_by_id=None if user is None else user.id,
        checked=result.checked,
        flagged=len(result.flagged),
        incidents=[incident_json(incident) for incident in result.incidents],
        approval={"all": approval_json(pair.all), "unflagged": approval_json(pair.unflagged)},
        notes=list(result.notes),
    )
    session.add(run)
    session.flush()
    ids = dict(
        session.execute(
            select(Response.public_id, Response.id).where(Response.assessment_id == assessment.id)
        ).all()
    )
    session.add_all(
        IntegrityFlag(
            run_id=run.id,
            response_id=ids[flagged.response_id],
            incident=flagged.incident,
            rules=[{"rule": f.rule, "figure": f.figure} for f in flagged.flags],
        )
        for flagged in result.flagged
    )
    session.flush()
    return run


def incident_json(incident: Incident) -> dict[str, Any]:
    def stamp(value: pd.Timestamp | None) -> str | None:
        return None if value is None else value.isoformat()

    return {
        "incident": incident.number,
        "link": incident.link,
        "start": stamp(incident.start),
        "end": stamp(incident.end),
        "count": incident.count,
        "rules": list(incident.rules),
    }


def run_json(session: Session, run: IntegrityRun) -> dict[str, Any]:
    """A stored run as SPEC §5 ``renke integrity --format json``."""
    flagged = [
        {
            "response_id": flag.response.public_id,
            "rules": [entry["rule"] for entry in flag.rules],
            "figures": [entry["figure"] for entry in flag.rules],
            "incident": flag.incident,
        }
        for flag in flags_of(session, run)
    ]
    return {
        "computed_at": run.computed_at.isoformat(),
        "checked": run.checked,
        "flagged": flagged,
        "incidents": run.incidents,
        "approval_all": run.approval["all"],
        "approval_unflagged": run.approval["unflagged"],
        "notes": run.notes,
    }


def latest_run(session: Session, assessment: Assessment) -> IntegrityRun | None:
    return session.scalars(
        select(IntegrityRun)
        .where(IntegrityRun.assessment_id == assessment.id)
        .order_by(IntegrityRun.computed_at.desc(), IntegrityRun.id.desc())
        .limit(1)
    ).first()


def flags_of(session: Session, run: IntegrityRun) -> list[IntegrityFlag]:
    return list(
        session.scalars(
            select(IntegrityFlag)
            .where(IntegrityFlag.run_id == run.id)
            .order_by(IntegrityFlag.incident, IntegrityFlag.id)
            .options(selectinload(IntegrityFlag.response))
        )
    )


# ------------------------------------------------------------------ reviews


def reviews_in_force(session: Session, assessment: Assessment) -> dict[int, FlagReview]:
    """The review in force per response id (withdrawn ones are history)."""
    rows = session.scalars(
        select(FlagReview).where(
            FlagReview.assessment_id == assessment.id, FlagReview.withdrawn_at.is_(None)
        )
    )
    return {review.response_id: review for review in rows}


def _responses(session: Session, assessment: Assessment, ids: Iterable[int]) -> list[Response]:
    wanted = sorted(set(ids))
    if not wanted:
        raise ReviewRefused("请先选择要处理的答卷")
    found = list(
        session.scalars(
            select(Response).where(Response.assessment_id == assessment.id, Response.id.in_(wanted))
        )
    )
    if len(found) != len(wanted):
        raise ReviewRefused("所选答卷不属于本评估")
    return found


def responses_of_incident(session: Session, run: IntegrityRun, incident: int) -> list[int]:
    return list(
        session.scalars(
            select(IntegrityFlag.response_id).where(
                IntegrityFlag.run_id == run.id, IntegrityFlag.incident == incident
            )
        )
    )


def confirm(
    session: Session,
    assessment: Assessment,
    response_ids: Sequence[int],
    reason: str,
    user: User,
    now: datetime,
) -> int:
    """Confirm responses as invalid, with the reviewer's reason; returns how many changed."""
    reason = " ".join(reason.split())
    if not reason:
        raise ReviewRefused("认定无效须填写理由")
    if len(reason) > REASON_MAX:
        raise ReviewRefused(f"理由请不超过 {REASON_MAX} 字")
    return _review(session, assessment, response_ids, "confirmed", reason, user, now)


def dismiss(
    session: Session, assessment: Assessment, response_ids: Sequence[int], user: User, now: datetime
) -> int:
    """Dismiss the flags of responses: reviewed, kept as they are."""
    return _review(session, assessment, response_ids, "dismissed", None, user, now)


def _review(
    session: Session,
    assessment: Assessment,
    response_ids: Sequence[int],
    decision: str,
    reason: str | None,
    user: User,
    now: datetime,
) -> int:
    responses = _responses(session, assessment, response_ids)
    in_force = reviews_in_force(session, assessment)
    changed = 0
    for response in responses:
        current = in_force.get(response.id)
        if current is not None and current.decision == decision and current.reason == reason:
            continue
        if current is not None:
            _withdraw(current, response, user, now)
        session.add(
            FlagReview(
                assessment_id=assessment.id,
                response_id=response.id,
                decision=decision,
                reason=reason,
                reviewed_by_id=user.id,
                reviewed_at=now,
                previous_valid=response.valid,
                previous_reason=response.invalid_reason,
            )
        )
        if decision == "confirmed":
            response.valid = False
            response.invalid_reason = MANUAL_PREFIX + str(reason)
            response.invalid_codes = ",".join([*response.codes, "manual"])
        changed += 1
    _audit(session, assessment, user, decision, [r.id for r in responses], reason, now)
    session.flush()
    return changed


def _audit(
    session: Session,
    assessment: Assessment,
    user: User,
    decision: str,
    ids: list[int],
    reason: str | None,
    now: datetime,
) -> None:
    action = {"confirmed": "invalidate", "dismissed": "review", "restored": "restore"}[decision]
    audit.record(
        session,
        user,
        action,
        f"评估 {assessment.id} 答卷 {'、'.join(map(str, ids[:20]))}"
        + (f" 等 {len(ids)} 份" if len(ids) > 20 else ""),
        after={"答卷": ids, "处理": decision, "理由": reason},
        county_id=assessment.county_id,
        now=now,
    )


def _withdraw(review: FlagReview, response: Response, user: User, now: datetime) -> None:
    review.withdrawn_at = now
    review.withdrawn_by_id = user.id
    if review.decision == "confirmed":
        response.valid = review.previous_valid
        response.invalid_reason = review.previous_reason
        response.invalid_codes = ",".join(c for c in response.codes if c != "manual") or None


def restore(
    session: Session, assessment: Assessment, response_ids: Sequence[int], user: User, now: datetime
) -> int:
    """Withdraw the reviews in force of responses (a confirmation's response is restored)."""
    responses = _responses(session, assessment, response_ids)
    in_force = reviews_in_force(session, assessment)
    undone = [r for r in responses if r.id in in_force]
    if not undone:
        raise ReviewRefused("所选答卷没有可撤销的处理")
    for response in undone:
        _withdraw(in_force[response.id], response, user, now)
    _audit(session, assessment, user, "restored", [r.id for r in undone], None, now)
    session.flush()
    return len(undone)


def unreviewed_flags(session: Session, assessment: Assessment) -> int:
    """Flags of the latest run with no review in force (0 when never computed).

    The verdict can be frozen only when this is 0 (SPEC §1); a caller that must also
    insist the signals were computed checks :func:`latest_run`.
    """
    run = latest_run(session, assessment)
    if run is None:
        return 0
    reviewed = select(FlagReview.response_id).where(
        FlagReview.assessment_id == assessment.id, FlagReview.withdrawn_at.is_(None)
    )
    count = session.scalar(
        select(func.count())
        .select_from(IntegrityFlag)
        .where(IntegrityFlag.run_id == run.id, IntegrityFlag.response_id.not_in(reviewed))
    )
    return int(count or 0)


# ------------------------------------------------------------------ the summary


@dataclass(frozen=True)
class IntegritySummary:
    """What the verdict page and the report show of the integrity review (SPEC §2.5).

    ``distribution`` counts the answers (over all items) of the responses invalidated by
    hand; None when fewer than ``min_cell`` of them (suppressed). ``approval_counted`` is
    the approval with those responses counted as valid; None when none were invalidated.
    """

    run: IntegrityRun | None
    flagged: int
    confirmed: int
    dismissed: int
    unreviewed: int
    invalidated: int
    by_whom: dict[str, int]
    distribution: dict[str, int] | None
    approval_now: ApprovalReport | None
    approval_counted: ApprovalReport | None
    min_cell: int


def integrity_summary(
    session: Session, assessment: Assessment, *, tally: Tally | None = None
) -> IntegritySummary:
    """Counts of flags and reviews, by whom, and the approval with the invalidated counted.
    ``tally``: the responses counted already in this request, if any."""
    run = latest_run(session, assessment)
    in_force = reviews_in_force(session, assessment)
    flagged_ids = (
        set(
            session.scalars(select(IntegrityFlag.response_id).where(IntegrityFlag.run_id == run.id))
        )
        if run is not None
        else set()
    )
    confirmed = [r for r in in_force.values() if r.decision == "confirmed"]
    by_whom = Counter(
        r.reviewed_by.username if r.reviewed_by else "（已删除的账号）" for r in confirmed
    )
    invalidated = _responses_by_id(session, [r.response_id for r in confirmed])
    min_cell = standard_for(assessment.standard).sampling.min_cell
    answers = Counter(label for r in invalidated for label in r.answers.values() if label)
    now, counted = _approval_with(
        assessment, tally or count_responses(session, assessment), invalidated
    )
    return IntegritySummary(
        run=run,
        flagged=len(flagged_ids),
        confirmed=sum(1 for r in confirmed if r.response_id in flagged_ids),
        dismissed=sum(1 for r in in_force.values() if r.decision == "dismissed"),
        unreviewed=len(flagged_ids - set(in_force)),
        invalidated=len(confirmed),
        by_whom=dict(by_whom),
        distribution=dict(answers) if len(invalidated) >= min_cell else None,
        approval_now=now,
        approval_counted=counted,
        min_cell=min_cell,
    )


def _responses_by_id(session: Session, ids: list[int]) -> list[Response]:
    if not ids:
        return []
    return list(session.scalars(select(Response).where(Response.id.in_(ids))))


def _approval_with(
    assessment: Assessment, tally: Tally, extra: list[Response]
) -> tuple[ApprovalReport | None, ApprovalReport | None]:
    """The live approval, and the same with ``extra`` responses counted as valid."""
    settings = standard_for(assessment.standard).approval
    options: dict[str, Any] = {
        "ci": settings.interval,
        "level": settings.level,
        "threshold": settings.threshold,
    }
    sums = {s.group: s for s in group_sums(tally)}

    def estimate(rows: Iterable[GroupSums]) -> ApprovalReport | None:
        try:
            return estimate_from_sums(list(rows), **options)
        except InputRefused:
            return None

    now = estimate(sums.values()) if sums else None
    scored = [r for r in extra if r.score_count > 0]
    if not scored:
        return now, None
    combined = dict(sums)
    for response in scored:
        combined[response.respondent_group] = _plus(
            combined.get(response.respondent_group), response
        )
    return now, estimate(combined.values())


def _plus(sums: GroupSums | None, response: Response) -> GroupSums:
    w, a, b = response.weight, response.score_sum, float(response.score_count)
    base = sums or GroupSums(response.respondent_group, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0)
    return GroupSums(
        group=base.group,
        n=base.n + 1,
        sum_wa=base.sum_wa + w * a,
        sum_wb=base.sum_wb + w * b,
        sum_w2a2=base.sum_w2a2 + w * w * a * a,
        sum_w2ab=base.sum_w2ab + w * w * a * b,
        sum_w2b2=base.sum_w2b2 + w * w * b * b,
        n_positive=(base.n_positive or 0) + (1 if w > 0 else 0),
    )


# ------------------------------------------------------------------ the evaluator's page


@dataclass(frozen=True)
class FlagRow:
    flag: IntegrityFlag
    response: Response
    review: FlagReview | None


@dataclass(frozen=True)
class IncidentView:
    """One incident of a run with its link's label and its flagged responses."""

    number: int
    link: str
    link_label: str
    start: datetime | None
    end: datetime | None
    count: int
    rules: list[str]
    rows: list[FlagRow]

    @property
    def unreviewed(self) -> int:
        return sum(1 for row in self.rows if row.review is None)


def incident_views(
    session: Session, assessment: Assessment, run: IntegrityRun
) -> list[IncidentView]:
    in_force = reviews_in_force(session, assessment)
    labels = {
        str(link.id): link.label or f"链接 {link.id}"
        for link in session.scalars(
            select(CollectionLink).where(CollectionLink.assessment_id == assessment.id)
        )
    }
    by_incident: dict[int, list[FlagRow]] = {}
    for flag in flags_of(session, run):
        row = FlagRow(flag, flag.response, in_force.get(flag.response_id))
        by_incident.setdefault(flag.incident, []).append(row)
    return [
        IncidentView(
            number=entry["incident"],
            link=entry["link"],
            link_label=labels.get(entry["link"], entry["link"] or "（无链接）"),
            start=_moment(entry["start"]),
            end=_moment(entry["end"]),
            count=entry["count"],
            rules=entry["rules"],
            rows=by_incident.get(entry["incident"], []),
        )
        for entry in run.incidents
    ]


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


RESPONSES_PAGE = 50


def responses_page(
    session: Session, assessment: Assessment, page: int
) -> tuple[list[tuple[Response, FlagReview | None]], int]:
    """One page of the assessment's responses, newest first, each with its review in
    force (who invalidated it and why); and the number of pages."""
    total = session.scalar(
        select(func.count()).select_from(Response).where(Response.assessment_id == assessment.id)
    )
    pages = max(1, -(-(total or 0) // RESPONSES_PAGE))
    page = min(max(page, 1), pages)
    rows = session.scalars(
        select(Response)
        .where(Response.assessment_id == assessment.id)
        .order_by(Response.submitted_at.desc(), Response.id.desc())
        .limit(RESPONSES_PAGE)
        .offset((page - 1) * RESPONSES_PAGE)
    ).all()
    in_force = reviews_in_force(session, assessment)
    return [(response, in_force.get(response.id)) for response in rows], pages
