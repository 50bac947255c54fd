from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from surveyapp.db import Base, UTCDateTime


class FrozenVerdictImmutable(Exception):
    """A frozen verdict was about to be changed or deleted: it is a signed record."""


class VerdictFreeze(Base):
    """A verdict frozen (定稿) for signing: what it rests on and what it said, kept as is.

    One per assessment (its stage is the assessment's). The inputs are named by their
    files and SHA-256, the figures and reasons are the verdict JSON of that moment, the
    responses' tally and the manual invalidations counted then are kept beside who froze
    it and when. Rows are
    never updated or deleted by the application (a mapper event refuses it); the
    assessment's deletion cascades in the database only.
    """

    __tablename__ = "verdict_freeze"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), unique=True
    )
    stage: Mapped[str] = mapped_column(String(20))
    frozen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    frozen_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    frozen_by_name: Mapped[str] = mapped_column(String(80))
    schools_file_id: Mapped[int | None] = mapped_column(
        ForeignKey("data_file.id", ondelete="SET NULL")
    )
    schools_sha256: Mapped[str] = mapped_column(String(64))
    county_file_id: Mapped[int | None] = mapped_column(
        ForeignKey("data_file.id", ondelete="SET NULL")
    )
    county_sha256: Mapped[str | None] = mapped_column(String(64))
    exceptions_sha256: Mapped[str] = mapped_column(String(64))
    standard: Mapped[str] = mapped_column(String(40))
    certified: Mapped[bool]
    invalidations: Mapped[int]
    verdict: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The responses as counted when frozen (surveyapp.tallies.Tally.to_json): the report
    # made from this verdict shows the approval by group, the quotas, the modes and the
    # quality signals of that moment. None for verdicts frozen before migration 0016.
    tally: Mapped[list[list[Any]] | None] = mapped_column(JSON, default=None)

    def __repr__(self) -> str:
        return f"<VerdictFreeze {self.assessment_id} {self.stage} {self.frozen_at:%Y-%m-%d}>"


@event.listens_for(VerdictFreeze, "before_update")
@event.listens_for(VerdictFreeze, "before_delete")
def _refuse_change(mapper: Mapper[Any], connection: Any, target: VerdictFreeze) -> None:
    raise FrozenVerdictImmutable(f"认定结论已于 {target.frozen_at:%Y-%m-%d %H:%M} 定稿，不能修改")
