from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from surveyapp.db import Base, UTCDateTime, one_of

DATA_KINDS = {"schools": "学校数据", "county": "县级数据"}


class DataFile(Base):
    """An accepted upload of a schools or county file, kept whole for audit.

    A replacement is a new version; earlier versions stay (the verdict uses the latest).
    Only files that passed every check are stored: a refused file leaves nothing.
    """

    __tablename__ = "data_file"
    __table_args__ = (
        UniqueConstraint("assessment_id", "kind", "version"),
        CheckConstraint(one_of("kind", tuple(DATA_KINDS)), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    version: Mapped[int]
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(String(500), default="")

    def __repr__(self) -> str:
        return f"<DataFile {self.kind} v{self.version} {self.filename}>"

    @property
    def label(self) -> str:
        return DATA_KINDS[self.kind]
