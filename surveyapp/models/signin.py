from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.db import Base, UTCDateTime, utcnow


class SignInFailure(Base):
    """One failed sign-in, kept for the throttle's window (surveyapp.accounts.throttle).

    Stored in the database so every gunicorn worker counts the same attempts. The
    address is kept only as a keyed hash (HMAC with the SECRET_KEY), never in clear.
    """

    __tablename__ = "sign_in_failure"
    __table_args__ = (
        Index("ix_sign_in_failure_username_at", "username", "at"),
        Index("ix_sign_in_failure_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<SignInFailure {self.username} {self.at:%H:%M:%S}>"
