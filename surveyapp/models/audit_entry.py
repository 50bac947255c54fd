from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.db import Base, UTCDateTime


class AuditEntry(Base):
    """One action in the audit log (SPEC §1 "audit log"): who, in which role, when, what.

    ``username`` and ``role`` are copied, so the entry reads the same after the account
    changes; ``county_id`` bounds who may read it (scope). ``before``/``after`` hold the
    values that changed (settings, accounts, a response's validity), or null.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(80))
    role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(200))
    county_id: Mapped[int | None] = mapped_column(ForeignKey("county.id", ondelete="SET NULL"))
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
