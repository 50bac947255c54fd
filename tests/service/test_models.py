"""Lifecycle rules on the models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from surveyapp.models import Assessment, InvalidTransition, Questionnaire
from surveyapp.models.questionnaire import QuestionnaireFrozen

NOW = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


def test_assessment_lifecycle_moves():
    assessment = Assessment(state="draft")
    with pytest.raises(InvalidTransition):
        assessment.close(NOW)
    assessment.open()
    assert assessment.state == "collecting"
    with pytest.raises(InvalidTransition):
        assessment.open()
    assessment.close(NOW)
    assert assessment.state == "closed"
    with pytest.raises(InvalidTransition):
        assessment.close(NOW)
    assessment.reopen()
    assert assessment.state == "collecting"


@pytest.mark.parametrize(
    ("state", "opens", "closes", "seen"),
    [
        ("draft", None, None, "draft"),
        ("collecting", None, None, "collecting"),
        ("collecting", NOW + timedelta(hours=1), None, "scheduled"),
        ("collecting", NOW - timedelta(hours=1), NOW + timedelta(hours=1), "collecting"),
        ("collecting", NOW - timedelta(days=2), NOW, "closed"),  # closing instant is closed
        ("closed", NOW - timedelta(days=2), NOW + timedelta(days=2), "closed"),
    ],
)
def test_state_is_derived_from_the_window(state, opens, closes, seen):
    assessment = Assessment(state=state, opens_at=opens, closes_at=closes)
    assert assessment.state_at(NOW) == seen


def test_questionnaire_freezes_once(session, make_link):
    from surveyapp.collect.links import freeze_wording
    from surveyapp.collect.services import link_status
    from surveyapp.questionnaires.wording import WordingForm, save_wording

    link = make_link(instrument="social")
    read = link_status(session, link.token, NOW).questionnaire
    assert read is not None and read.frozen_at is None
    freeze_wording(session, read, NOW)
    freeze_wording(session, read, NOW + timedelta(days=1))  # read before: still unfrozen
    questionnaire = session.get(Questionnaire, read.id)
    session.refresh(questionnaire)
    assert questionnaire.frozen_at == NOW
    with pytest.raises(QuestionnaireFrozen):  # no edit of the wording from here on
        save_wording(session, questionnaire, WordingForm.of(questionnaire), [])


def test_times_are_stored_as_utc_and_come_back_aware(session, make_assessment):
    from zoneinfo import ZoneInfo

    beijing = datetime(2026, 12, 1, 23, 59, tzinfo=ZoneInfo("Asia/Shanghai"))
    assessment = make_assessment(closes_at=beijing)
    session.commit()
    session.expire_all()
    loaded = session.get(Assessment, assessment.id)
    assert loaded.closes_at == beijing
    assert loaded.closes_at.tzinfo is not None
    assert loaded.closes_at.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(session, make_assessment):
    from sqlalchemy.exc import StatementError

    with pytest.raises(StatementError):
        make_assessment(closes_at=datetime(2026, 12, 1))
