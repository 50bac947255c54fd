from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.db import Base, UTCDateTime
from surveyapp.models.account import User


class IntegrityRun(Base):
    """One computation of the integrity signals of an assessment, with its time.

    Signals are computed on demand and stored (SPEC §2.5), so pages read them instead of
    recomputing. ``incidents`` and ``approval`` are the analysis's output as JSON (see
    :func:`surveyapp.integrity.services.compute_integrity`); the flags are rows of
    :class:`~surveyapp.models.integrity_flag.IntegrityFlag`.
    """

    __tablename__ = "integrity_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), index=True
    )
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    computed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    checked: Mapped[int]  # valid responses the rules looked at
    flagged: Mapped[int]
    incidents: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    approval: Mapped[dict[str, Any]] = mapped_column(JSON)
    notes: Mapped[list[str]] = mapped_column(JSON)

    computed_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<IntegrityRun {self.id} assessment={self.assessment_id} flagged={self.flagged}>"
