"""Helpers for the respondent-path tests: a controlled clock, forms and posts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.models import Assessment, CollectionLink, Response
from surveyapp.questionnaires.builtin import BUILTIN

KEY = re.compile(r'name="key" value="([^"]+)"')


class Clock:
    """Controls the time the respondent pages see."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def full_answers(instrument: str, **overrides: str) -> dict[str, str]:
    """A complete, valid answer set: the first option of every question."""
    answers = {}
    for question in BUILTIN[instrument]["questions"]:
        answers[question["id"]] = question["options"][0]
    answers.update(overrides)
    return answers


def open_form(client: FlaskClient, link: CollectionLink) -> str:
    page = client.get(f"/s/{link.token}")
    assert page.status_code == 200
    match = KEY.search(page.get_data(as_text=True))
    assert match, "the form carries a signed key"
    return match.group(1)


def submit(client: FlaskClient, link: CollectionLink, key: str, answers: dict[str, str]):
    return client.post(f"/s/{link.token}", data={"key": key, **answers})


def stored(session: Session, assessment: Assessment) -> list[Response]:
    session.expire_all()
    return list(
        session.scalars(
            select(Response).where(Response.assessment_id == assessment.id).order_by(Response.id)
        )
    )
