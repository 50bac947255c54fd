from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from analysis.vocabulary import GROUPS, INSTRUMENTS
from surveyapp.db import Base, UTCDateTime, one_of, utcnow
from surveyapp.models.assessment import Assessment
from surveyapp.models.county import School

__all__ = ["GROUPS", "GROUPS_BY_INSTRUMENT", "CollectionLink", "link_ended_at", "link_groups"]
GROUPS_BY_INSTRUMENT = {
    "social": ("家长", "人大代表", "政协委员", "其他群众"),
    "staff": ("校长", "教师"),
    "student": ("学生",),
}


def new_token() -> str:
    """An unguessable link token (96 random bits), short enough for a QR code."""
    return secrets.token_urlsafe(12)


class CollectionLink(Base):
    """A QR link: one instrument, optionally one school and one preset group."""

    __tablename__ = "collection_link"
    __table_args__ = (
        CheckConstraint(one_of("instrument", tuple(INSTRUMENTS)), name="instrument"),
        CheckConstraint("preset_group IS NULL OR " + one_of("preset_group", GROUPS), name="group"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), index=True
    )
    token: Mapped[str] = mapped_column(String(40), unique=True, default=new_token)
    instrument: Mapped[str] = mapped_column(String(20))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="SET NULL"))
    preset_group: Mapped[str | None] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    # When the evaluator stopped the link (cleared when it is started again): forms
    # shown before are accepted within the grace period, as late (SPEC §2.5).
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    assessment: Mapped[Assessment] = relationship()
    school: Mapped[School | None] = relationship()

    def __repr__(self) -> str:
        return f"<CollectionLink {self.id} {self.instrument} {self.preset_group or ''}>"

    def stop(self, now: datetime) -> None:
        self.active = False
        self.stopped_at = now

    def resume(self) -> None:
        self.active = True
        self.stopped_at = None

    def collection_ended_at(self, now: datetime) -> datetime | None:
        """When collecting through this link ended, if it has (stopped, or the assessment's)."""
        return link_ended_at(
            self.assessment.collection_ended_at(now), self.active, self.stopped_at, self.created_at
        )

    @property
    def groups(self) -> tuple[str, ...]:
        """The groups a respondent of this link may belong to."""
        return link_groups(self.instrument, self.preset_group)


def link_ended_at(
    assessment_ended: datetime | None,
    active: bool,
    stopped_at: datetime | None,
    created_at: datetime,
) -> datetime | None:
    """When collecting through a link ended, if it has: its assessment's end, or when
    the link was stopped (created stopped: its creation), whichever came first."""
    ends = [assessment_ended]
    if not active:
        ends.append(stopped_at or created_at)
    present = [end for end in ends if end is not None]
    return min(present) if present else None


def link_groups(instrument: str, preset_group: str | None) -> tuple[str, ...]:
    """The groups a respondent of a link may belong to: its preset one, or its instrument's."""
    if preset_group:
        return (preset_group,)
    return GROUPS_BY_INSTRUMENT[instrument]
