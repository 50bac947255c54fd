"""Setting up an assessment: its record and a copy of the built-in questionnaires."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from surveyapp.models import Assessment, County, Questionnaire
from surveyapp.models.questionnaire import INSTRUMENTS
from surveyapp.questionnaires.builtin import builtin_questionnaire


def create_assessment(
    session: Session,
    *,
    county: County,
    year: int,
    stage: str,
    title: str,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    min_duration_s: int = 30,
    **population: object,
) -> Assessment:
    """A draft assessment with the three built-in instruments copied into it."""
    assessment = Assessment(
        county=county,
        year=year,
        stage=stage,
        title=title,
        opens_at=opens_at,
        closes_at=closes_at,
        min_duration_s=min_duration_s,
        state="draft",
        **population,
    )
    session.add(assessment)
    for instrument in INSTRUMENTS:
        builtin = builtin_questionnaire(instrument)
        session.add(
            Questionnaire(
                assessment=assessment,
                instrument=instrument,
                title=builtin["title"],
                intro=builtin["intro"],
                questions=builtin["questions"],
            )
        )
    return assessment
