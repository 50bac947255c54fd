from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.db import Base, UTCDateTime


class SampleException(Base):
    """An evaluator's recorded exception to the 家长 share of the sample check (SPEC §2.5:
    the invitations say 家长 "原则上不低于50%"), with its reason, document, who and when.

    The latest one of an assessment applies; earlier ones stay as the record.
    """

    __tablename__ = "sample_exception"
    __table_args__ = (
        CheckConstraint("length(reason) > 0", name="reason"),
        CheckConstraint("length(document) > 0", name="document"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(500))
    document: Mapped[str] = mapped_column(String(200))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    recorded_by_name: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<SampleException assessment={self.assessment_id} {self.document}>"
