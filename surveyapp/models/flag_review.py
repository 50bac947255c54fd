from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.db import Base, UTCDateTime, one_of
from surveyapp.models.account import User

DECISIONS = {"confirmed": "认定无效", "dismissed": "排除（保留为有效）"}


class FlagReview(Base):
    """An evaluator's decision on one response: confirmed invalid, or dismissed.

    Audited and reversible: a review is withdrawn (``withdrawn_at``, ``withdrawn_by``),
    never deleted, and a withdrawn confirmation restores the response's earlier
    ``valid`` and ``invalid_reason``, kept here. A response has at most one review in
    force (``withdrawn_at`` null). Reviews belong to the response, not to a run, so they
    survive a recomputation of the signals.
    """

    __tablename__ = "flag_review"
    __table_args__ = (
        CheckConstraint(one_of("decision", tuple(DECISIONS)), name="decision"),
        CheckConstraint("decision <> 'confirmed' OR reason IS NOT NULL", name="reason"),
        Index("ix_flag_review_assessment", "assessment_id", "withdrawn_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    response_id: Mapped[int] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE"), index=True
    )
    decision: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(160))
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    previous_valid: Mapped[bool]
    previous_reason: Mapped[str | None] = mapped_column(String(200))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )

    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])

    def __repr__(self) -> str:
        return f"<FlagReview response={self.response_id} {self.decision}>"

    @property
    def decision_label(self) -> str:
        return DECISIONS[self.decision]
