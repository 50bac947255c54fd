from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Double, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from surveyapp.db import Base, UTCDateTime, one_of

SECTIONS = ("primary", "junior")
DOCUMENT_TYPES = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


class SpecialCaseRecord(Base):
    """An accepted 特殊情况 (SPEC §2.1): per school and indicator, or 政府保障 item 3–5.

    ``target`` is an indicator key (then ``section`` and ``value``, the adjusted figure,
    are set) or the item "3", "4" or "5" (the school is accepted for it). The document
    (PDF or image, type checked by its content) is kept with it, served only to those
    who may see the county; who accepted it and when are part of the record.
    """

    __tablename__ = "special_case"
    __table_args__ = (
        CheckConstraint(
            "(target IN ('3', '4', '5') AND section IS NULL AND value IS NULL)"
            " OR (target NOT IN ('3', '4', '5') AND section IS NOT NULL AND value IS NOT NULL)",
            name="target",
        ),
        CheckConstraint("section IS NULL OR " + one_of("section", SECTIONS), name="section"),
        CheckConstraint(one_of("document_type", tuple(DOCUMENT_TYPES)), name="document_type"),
        CheckConstraint("value IS NULL OR value >= 0", name="value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    school_code: Mapped[str] = mapped_column(String(40))
    section: Mapped[str | None] = mapped_column(String(10))
    target: Mapped[str] = mapped_column(String(40))
    value: Mapped[float | None] = mapped_column(Double)
    note: Mapped[str] = mapped_column(String(500))
    document_name: Mapped[str] = mapped_column(String(255))
    document_type: Mapped[str] = mapped_column(String(40))
    document_size: Mapped[int]
    document: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    accepted_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    accepted_by_name: Mapped[str] = mapped_column(String(80))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<SpecialCaseRecord {self.school_code} {self.target}>"
