from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.db import Base, UTCDateTime, utcnow


class AgencyAssignment(Base):
    """An assessment commissioned to a 第三方机构 account (SPEC §1, agency scope)."""

    __tablename__ = "agency_assignment"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True
    )
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), primary_key=True
    )
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
