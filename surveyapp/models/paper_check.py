from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.db import Base, UTCDateTime


class PaperCheck(Base):
    """A second entry of a paper sheet already entered, kept to measure the entry error
    rate (docs/field.md). It is never a response: it is compared with the response its
    sheet produced, field by field, and ``differences`` of ``compared`` fields disagreed.
    """

    __tablename__ = "paper_check"
    __table_args__ = (
        CheckConstraint("differences >= 0 AND differences <= compared", name="differences"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE"), index=True
    )
    entered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fields: Mapped[dict[str, str]] = mapped_column(JSON)
    compared: Mapped[int]
    differences: Mapped[int]

    def __repr__(self) -> str:
        return f"<PaperCheck response={self.response_id} {self.differences}/{self.compared}>"
