"""The respondent's path as plain functions; they take the session and never commit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Insert, Table, bindparam, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from surveyapp import quotas
from surveyapp.collect.forms import Submission
from surveyapp.collect.links import (
    LinkAssessment,
    LinkQuestionnaire,
    RespondentLink,
    freeze_wording,
    read_link,
)
from surveyapp.models import Assessment, Response
from surveyapp.responses import response_row
from surveyapp.security import FormKey
from surveyapp.standards import scheme_for, standard_for
from surveyapp.tallies import Tally

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,40}")
# Core statements on the response table (built once, below): the ORM adds nothing to a
# look-up by index or to an insert whose row is built by response_row.
_RESPONSE = cast(Table, Response.__table__)


@dataclass(frozen=True)
class LinkStatus:
    """Whether a link may show its form now, and why not."""

    state: str  # open | unknown | draft | scheduled | closed | inactive | full | answered
    link: RespondentLink | None = None
    assessment: LinkAssessment | None = None
    questionnaire: LinkQuestionnaire | None = None

    @property
    def is_open(self) -> bool:
        return self.state == "open"


def link_status(
    session: Session, token: str, now: datetime, *, check_quota: bool = True
) -> LinkStatus:
    """Resolve a QR token to its link and decide whether the form may be shown.

    ``check_quota=False`` on a submission: a full group stops new forms only, never one
    who has answered, so the count is not needed there.
    """
    if not TOKEN_PATTERN.fullmatch(token):
        return LinkStatus("unknown")  # not one of ours: no need to ask the database
    found = read_link(session, token)
    if found is None:
        return LinkStatus("unknown")
    link, questionnaire = found
    assessment = link.assessment
    if questionnaire is None:
        return LinkStatus("unknown")
    state = assessment.window.state_at(now)
    if not link.active:
        state = "inactive"
    elif state == "collecting":
        state = "full" if check_quota and quota_stops_link(session, link) else "open"
    return LinkStatus(state, link, assessment, questionnaire)


def quota_stops_link(session: Session, link: RespondentLink) -> bool:
    """True when the evaluator stops full groups and this link's preset group is full.

    Only links that preset their group can be stopped, and only before the form is
    shown: a respondent who has answered is never refused (SPEC §2.5). The quotas need
    the whole assessment (population, caps), loaded only here.
    """
    if not (link.assessment.stop_full_groups and link.preset_group):
        return False
    assessment = session.get(Assessment, link.assessment_id)
    assert assessment is not None  # the link's row joined it
    target = quotas.group_quotas(assessment).get(link.preset_group)
    if not target:
        return False
    return valid_count(session, assessment.id, link.preset_group) >= target


def valid_count(session: Session, assessment_id: int, group: str) -> int:
    return (
        session.scalar(
            select(func.count()).where(
                Response.assessment_id == assessment_id,
                Response.respondent_group == group,
                Response.valid.is_(True),
            )
        )
        or 0
    )


def key_acceptance(status: LinkStatus, key: FormKey, now: datetime) -> str:
    """Whether a signed key's form is accepted now (SPEC §2.5, §6).

    ``on_time`` while collecting; ``late`` within the grace period after the link was
    stopped or the collection closed (the form was shown before); ``expired`` when the
    key was signed more than ``form_key_hours`` ago (the form comes back with a fresh
    key, its first issue time kept); ``ended`` when the form was never shown while
    collecting or the grace period is over. A full group never refuses one who has
    answered.
    """
    assert status.assessment is not None and status.link is not None
    settings = standard_for(status.assessment.standard).collection
    if not status.assessment.window.collecting_at(key.issued_at):
        return "ended"
    ended_at = status.link.collection_ended_at(now)
    if ended_at is not None:
        grace = timedelta(hours=settings.grace_period_hours)
        if key.issued_at >= ended_at or now >= ended_at + grace:
            return "ended"
    if now >= key.signed_at + timedelta(hours=settings.form_key_hours):
        return "expired"
    return "on_time" if ended_at is None else "late"


def stored_id(session: Session, nonce: str) -> int | None:
    """The id of the response stored with this form key, if any."""
    return session.connection().execute(_ID_BY_KEY, {"nonce": nonce}).scalar()


def record_response(
    session: Session,
    *,
    link: RespondentLink,
    questionnaire: LinkQuestionnaire,
    submission: Submission,
    key: FormKey,
    device_hash: str | None,
    now: datetime,
    late: bool = False,
    mode: str = "自填",
) -> int:
    """Store one response, once per form key; invalid ones are kept with the reason.

    Validity (SPEC §2.5), each reason stored as its code beside its text: a
    non-resident, a second response from the same device to the same instrument, or a
    response faster than the assessment's minimum time is kept but marked invalid.
    Straight-lining is never a reason. The row is built by :func:`response_row`, as the
    demo's are.

    The row is inserted with ``ON CONFLICT (submission_key) DO NOTHING``: a key stored
    before (a double tap, a retry, one racing in) inserts nothing and the stored
    response's id is returned; there is no look-up before the insert and no savepoint
    around it. Returns the id of the response stored with this key.
    """
    assessment = link.assessment
    duration = (now - key.issued_at).total_seconds()
    reasons = []
    if not submission.resident:
        reasons.append("not_resident")
    if device_hash is not None and _device_answered(session, assessment.id, device_hash, link):
        reasons.append("duplicate")
    if duration < assessment.min_duration_s:
        reasons.append("too_fast")
    row = response_row(
        assessment_id=assessment.id,
        link_id=link.id,
        instrument=link.instrument,
        group=submission.group,
        school_code=link.school.code if link.school else None,
        residence=submission.residence,
        area=submission.area or None,
        grade=submission.grade,
        mode=mode,
        issued_at=key.issued_at,
        submitted_at=now,
        device_hash=device_hash,
        submission_key=key.nonce,
        reasons=reasons,
        answers=submission.answers,
        scheme=scheme_for(assessment),
        late=late,
    )
    inserted = session.connection().execute(_insert_once(session), row).scalar()
    if inserted is None:
        stored = stored_id(session, key.nonce)
        assert stored is not None  # the conflict was on this key: its row exists
        return stored
    freeze_wording(session, questionnaire, now)
    return int(inserted)


# The INSERT of a response that does nothing when its submission key is stored, built
# once per dialect Renke runs on.
_INSERT_ONCE: dict[str, Insert] = {
    name: dialect_insert(_RESPONSE)
    .on_conflict_do_nothing(index_elements=[_RESPONSE.c.submission_key])
    .returning(_RESPONSE.c.id)
    for name, dialect_insert in (("sqlite", sqlite.insert), ("postgresql", postgresql.insert))
}


def _insert_once(session: Session) -> Insert:
    return _INSERT_ONCE[session.get_bind().dialect.name]


def _device_answered(
    session: Session, assessment_id: int, device_hash: str, link: RespondentLink
) -> bool:
    """Whether this device already answered this instrument in this assessment.

    Two submissions from one device at once must not both find "no": SQLite's writers
    are serialised by BEGIN IMMEDIATE (surveyapp.db); on PostgreSQL a transaction lock
    on the (assessment, device, instrument) triple does the same, until commit.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.connection().execute(
            _DEVICE_LOCK, {"key": f"renke:{assessment_id}:{device_hash}:{link.instrument}"}
        )
    return device_has_answered(session, assessment_id, device_hash, link.instrument)


def device_has_answered(
    session: Session, assessment_id: int, device_hash: str, instrument: str
) -> bool:
    """Whether a response of this instrument came from this device (SPEC §2.5 duplicate)."""
    found = session.connection().execute(
        _DEVICE_ANSWERED,
        {"assessment_id": assessment_id, "device_hash": device_hash, "instrument": instrument},
    )
    return found.first() is not None


_DEVICE_ANSWERED = (
    select(_RESPONSE.c.id)
    .where(
        _RESPONSE.c.assessment_id == bindparam("assessment_id"),
        _RESPONSE.c.device_hash == bindparam("device_hash"),
        _RESPONSE.c.instrument == bindparam("instrument"),
    )
    .limit(1)
)
_ID_BY_KEY = select(_RESPONSE.c.id).where(_RESPONSE.c.submission_key == bindparam("nonce"))
_DEVICE_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")


@dataclass(frozen=True)
class LateCounts:
    """Responses accepted within the grace period, shown to the evaluator."""

    late: int
    late_valid: int


def late_counts(tally: Tally) -> LateCounts:
    late = [cell for cell in tally.cells if cell.late]
    return LateCounts(
        late=sum(cell.n for cell in late), late_valid=sum(cell.n for cell in late if cell.valid)
    )
