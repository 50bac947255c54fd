from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.db import Base
from surveyapp.models.response import Response


class IntegrityFlag(Base):
    """A response flagged by a run: the rules with their figures, and its incident number."""

    __tablename__ = "integrity_flag"
    __table_args__ = (UniqueConstraint("run_id", "response_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("integrity_run.id", ondelete="CASCADE"), index=True
    )
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"))
    incident: Mapped[int]
    # [{"rule": "burst", "figure": "1 分钟内最多 40 份…"}, …]
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON)

    response: Mapped[Response] = relationship()

    def __repr__(self) -> str:
        return f"<IntegrityFlag run={self.run_id} response={self.response_id}>"
