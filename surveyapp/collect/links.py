"""What the respondent's path reads of a link: one Core row, as frozen records.

Every form and every submission (and every 代填 or 纸质 entry) reads the link, its
assessment with its county, its school and its questionnaire. As ORM objects that cost
about 0.26 ms of CPU a request over the 0.08 ms of the same row read with Core (issue
15: the largest single cost of the path), for objects the path only reads. The one write
it makes to them — freezing the questionnaire's wording at its first response (SPEC
§2.5) — is one UPDATE (:func:`freeze_wording`). The rules these records apply (the
collection window, when a link's collecting ended, a link's groups) are the models'
own functions, shared, not copied.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Row, Table, Text, and_, bindparam, select, update
from sqlalchemy import cast as cast_sql
from sqlalchemy.orm import Session

from surveyapp.models import Assessment, CollectionLink, County, Questionnaire, School
from surveyapp.models.assessment import CollectionWindow
from surveyapp.models.link import link_ended_at, link_groups

LinkRow = Row[*tuple[Any, ...]]  # the columns of _LINK_BY_TOKEN, by name


@dataclass(frozen=True)
class LinkAssessment:
    """The assessment as its respondents' pages need it."""

    id: int
    county_id: int
    county_name: str
    county_kind: str  # decides what 县城 is in the statistics office's classes (SPEC §2.5)
    standard: str
    min_duration_s: int
    stop_full_groups: bool
    window: CollectionWindow  # what respondents see follows from it (state_at, ended_at)


@dataclass(frozen=True)
class LinkSchool:
    code: str
    name: str


@dataclass(frozen=True)
class RespondentLink:
    """A QR link with its assessment and school, as read for one request."""

    id: int
    token: str
    instrument: str
    label: str
    preset_group: str | None
    active: bool
    stopped_at: datetime | None
    created_at: datetime
    school: LinkSchool | None  # None: a county-level link
    assessment: LinkAssessment

    @property
    def assessment_id(self) -> int:
        return self.assessment.id

    @property
    def groups(self) -> tuple[str, ...]:
        return link_groups(self.instrument, self.preset_group)

    def collection_ended_at(self, now: datetime) -> datetime | None:
        """When collecting through this link ended, if it has (stopped, or the assessment's)."""
        return link_ended_at(
            self.assessment.window.ended_at(now), self.active, self.stopped_at, self.created_at
        )


@dataclass(frozen=True)
class LinkQuestionnaire:
    """The link's instrument: its wording, and when it was frozen (its first response)."""

    id: int
    instrument: str
    title: str
    intro: str
    questions: list[dict[str, Any]]  # shared by the worker's requests: read, never changed
    frozen_at: datetime | None


def read_link(
    session: Session, token: str
) -> tuple[RespondentLink, LinkQuestionnaire | None] | None:
    """The link of ``token`` and its questionnaire (None when the instrument has none)."""
    row = session.connection().execute(_LINK_BY_TOKEN, {"token": token}).one_or_none()
    if row is None:
        return None
    return _link(row), _questionnaire(row)


def freeze_wording(session: Session, questionnaire: LinkQuestionnaire, now: datetime) -> None:
    """Freeze the wording at the first response (SPEC §2.5); a no-op once frozen."""
    if questionnaire.frozen_at is None:
        session.connection().execute(_FREEZE, {"questionnaire_id": questionnaire.id, "now": now})


@lru_cache(maxsize=64)
def _parsed_questions(text: str) -> list[dict[str, Any]]:
    """The questions of a wording, parsed once per worker and shared by its requests.

    Keyed by the stored text itself, so a wording edited before its first response is
    parsed anew; the path only reads the list (the form, the answers' check). Parsing
    the JSON on every request was 3–5% of the respondent path's CPU (issue 15).
    """
    parsed: list[dict[str, Any]] = json.loads(text)
    return parsed


def _link(row: LinkRow) -> RespondentLink:
    window = CollectionWindow(row.state, row.opens_at, row.closes_at, row.closed_at)
    assessment = LinkAssessment(
        id=row.assessment_id,
        county_id=row.county_id,
        county_name=row.county_name,
        county_kind=row.county_kind,
        standard=row.standard,
        min_duration_s=row.min_duration_s,
        stop_full_groups=row.stop_full_groups,
        window=window,
    )
    school = None if row.school_id is None else LinkSchool(row.school_code, row.school_name)
    return RespondentLink(
        id=row.id,
        token=row.token,
        instrument=row.instrument,
        label=row.label,
        preset_group=row.preset_group,
        active=row.active,
        stopped_at=row.stopped_at,
        created_at=row.created_at,
        school=school,
        assessment=assessment,
    )


def _questionnaire(row: LinkRow) -> LinkQuestionnaire | None:
    if row.questionnaire_id is None:
        return None
    return LinkQuestionnaire(
        id=row.questionnaire_id,
        instrument=row.instrument,
        title=row.title,
        intro=row.intro,
        questions=_parsed_questions(row.questions_json),
        frozen_at=row.frozen_at,
    )


_LINKS = cast(Table, CollectionLink.__table__)
_ASSESSMENTS = cast(Table, Assessment.__table__)
_COUNTIES = cast(Table, County.__table__)
_SCHOOLS = cast(Table, School.__table__)
_QUESTIONNAIRES = cast(Table, Questionnaire.__table__)

# One statement, built once: the link, its assessment and county, its school and its
# questionnaire, each column named as the records above read it (the questions as their
# stored text, parsed by _parsed_questions).
_LINK_BY_TOKEN = (
    select(
        _LINKS.c.id,
        _LINKS.c.token,
        _LINKS.c.instrument,
        _LINKS.c.label,
        _LINKS.c.preset_group,
        _LINKS.c.active,
        _LINKS.c.stopped_at,
        _LINKS.c.created_at,
        _LINKS.c.school_id,
        _LINKS.c.assessment_id,
        _ASSESSMENTS.c.county_id,
        _COUNTIES.c.name.label("county_name"),
        _COUNTIES.c.kind.label("county_kind"),
        _ASSESSMENTS.c.standard,
        _ASSESSMENTS.c.min_duration_s,
        _ASSESSMENTS.c.stop_full_groups,
        _ASSESSMENTS.c.state,
        _ASSESSMENTS.c.opens_at,
        _ASSESSMENTS.c.closes_at,
        _ASSESSMENTS.c.closed_at,
        _SCHOOLS.c.code.label("school_code"),
        _SCHOOLS.c.name.label("school_name"),
        _QUESTIONNAIRES.c.id.label("questionnaire_id"),
        _QUESTIONNAIRES.c.title,
        _QUESTIONNAIRES.c.intro,
        cast_sql(_QUESTIONNAIRES.c.questions, Text).label("questions_json"),
        _QUESTIONNAIRES.c.frozen_at,
    )
    .select_from(_LINKS)
    .join(_ASSESSMENTS, _ASSESSMENTS.c.id == _LINKS.c.assessment_id)
    .join(_COUNTIES, _COUNTIES.c.id == _ASSESSMENTS.c.county_id)
    .outerjoin(_SCHOOLS, _SCHOOLS.c.id == _LINKS.c.school_id)
    .outerjoin(
        _QUESTIONNAIRES,
        and_(
            _QUESTIONNAIRES.c.assessment_id == _LINKS.c.assessment_id,
            _QUESTIONNAIRES.c.instrument == _LINKS.c.instrument,
        ),
    )
    .where(_LINKS.c.token == bindparam("token"))
)
_FREEZE = (
    update(_QUESTIONNAIRES)
    .where(
        _QUESTIONNAIRES.c.id == bindparam("questionnaire_id"), _QUESTIONNAIRES.c.frozen_at.is_(None)
    )
    .values(frozen_at=bindparam("now"))
)
