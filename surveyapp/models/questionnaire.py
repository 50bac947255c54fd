from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from analysis.vocabulary import INSTRUMENTS
from surveyapp.db import Base, UTCDateTime, one_of
from surveyapp.models.assessment import Assessment

__all__ = ["INSTRUMENTS", "Questionnaire", "QuestionnaireFrozen"]


class QuestionnaireFrozen(Exception):
    """The wording cannot change once a response has been stored (SPEC §2.5); raised by
    :func:`surveyapp.questionnaires.wording.save_wording`, the one way to change it."""


class Questionnaire(Base):
    """One instrument of an assessment; the questions are data (a JSON list).

    Each question is a dict with ``id`` (``q<number>`` for an approval item, unique in
    the assessment; ``identity``, ``grade``, ``area`` or ``resident`` for the screening
    questions), ``kind``, ``text``, ``options`` and, for screening questions, ``values``
    mapping each option to what is stored.
    """

    __tablename__ = "questionnaire"
    __table_args__ = (
        UniqueConstraint("assessment_id", "instrument"),
        CheckConstraint(one_of("instrument", tuple(INSTRUMENTS)), name="instrument"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    instrument: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    intro: Mapped[str] = mapped_column(String(2000), default="")
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    assessment: Mapped[Assessment] = relationship()

    def __repr__(self) -> str:
        return f"<Questionnaire {self.assessment_id} {self.instrument}>"

    @property
    def label(self) -> str:
        return INSTRUMENTS[self.instrument]

    @property
    def items(self) -> list[dict[str, Any]]:
        """The approval items, in order."""
        return [question for question in self.questions if question["kind"] == "item"]

    def question(self, question_id: str) -> dict[str, Any] | None:
        return next((q for q in self.questions if q["id"] == question_id), None)
