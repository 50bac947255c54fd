from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from analysis.schedule import STAGES as SCHEDULE_STAGES
from surveyapp.db import Base, UTCDateTime, one_of, utcnow
from surveyapp.models.county import County

# The stages an assessment can be at: the vocabulary of analysis.schedule without
# 国家认定, which happens outside Renke. 年度监测 (办法 第十四、十七条): a certified county
# re-checked in a later year, run with the same files and survey; not a step of the
# certification workflow.
STAGES = {key: label for key, label in SCHEDULE_STAGES.items() if key != "national"}
STATES = ("draft", "collecting", "closed")
STATE_LABELS = {
    "draft": "准备中",
    "scheduled": "未开始",
    "collecting": "收集中",
    "closed": "已结束",
}


def state_at(
    state: str, opens_at: datetime | None, closes_at: datetime | None, now: datetime
) -> str:
    """The state respondents see at ``now``, derived from the stored one and the window."""
    if state != "collecting":
        return state
    if opens_at is not None and now < opens_at:
        return "scheduled"
    if closes_at is not None and now >= closes_at:
        return "closed"
    return "collecting"


class InvalidTransition(Exception):
    """A lifecycle move the assessment's state does not allow."""


@dataclass(frozen=True)
class CollectionWindow:
    """The evaluator's stored state and the collection window of an assessment: what
    respondents see follows from them when read, with no scheduler (SPEC §6). The
    respondent's path reads these four columns without loading the assessment
    (:mod:`surveyapp.collect.links`)."""

    state: str
    opens_at: datetime | None
    closes_at: datetime | None
    closed_at: datetime | None

    def state_at(self, now: datetime) -> str:
        """What respondents see now: draft, scheduled, collecting or closed."""
        return state_at(self.state, self.opens_at, self.closes_at, now)

    def collecting_at(self, moment: datetime) -> bool:
        """Whether a form could have been shown at ``moment`` (window and evaluator)."""
        if self.state == "draft":
            return False
        if self.opens_at is not None and moment < self.opens_at:
            return False
        if self.closes_at is not None and moment >= self.closes_at:
            return False
        return self.closed_at is None or moment < self.closed_at

    def ended_at(self, now: datetime) -> datetime | None:
        """When the collection ended, if it has by ``now``: the evaluator's close or the
        window's end, whichever came first; None while collecting or before it began."""
        ends = []
        if self.state == "closed":
            ends.append(self.closed_at or now)
        if self.state != "draft" and self.closes_at is not None and self.closes_at <= now:
            ends.append(self.closes_at)
        return min(ends) if ends else None


class Assessment(Base):
    """One county's assessment in one year and stage: the survey and its verdict.

    The stored ``state`` is the evaluator's decision (``draft → collecting → closed``);
    :meth:`state_at` derives what respondents see from it and the collection window,
    with no scheduler (SPEC §6).
    """

    __tablename__ = "assessment"
    __table_args__ = (
        UniqueConstraint("county_id", "year", "stage"),
        CheckConstraint(one_of("state", STATES), name="state"),
        CheckConstraint(one_of("stage", tuple(STAGES)), name="stage"),
        CheckConstraint("min_duration_s >= 0", name="min_duration"),
        CheckConstraint("population IS NULL OR population > 0", name="population"),
        CheckConstraint(
            "population_urban_town IS NULL OR (population_urban IS NULL AND population_town IS NULL)",
            name="population_split",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("county.id", ondelete="CASCADE"))
    year: Mapped[int]
    stage: Mapped[str] = mapped_column(String(20), default="county")
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20), default="draft")
    standard: Mapped[str] = mapped_column(String(40), default="yunnan-2022")
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    min_duration_s: Mapped[int] = mapped_column(default=30)
    # 常住人口 and its split by residence (SPEC §2.5), with source and year: 城区 / 镇区 /
    # 乡村, or 城镇 (urban_town) / 乡村 where only that is published.
    population: Mapped[int | None]
    population_urban: Mapped[int | None]
    population_town: Mapped[int | None]
    population_urban_town: Mapped[int | None]
    population_rural: Mapped[int | None]
    population_source: Mapped[str | None] = mapped_column(String(200))
    # Optional group populations that cap a group's quota, e.g. {"人大代表": 180}.
    group_caps: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Evaluator's choice: stop preset-group links whose group is full (SPEC §2.5).
    stop_full_groups: Mapped[bool] = mapped_column(default=False)
    # When the evaluator closed the collection (cleared by reopening): forms shown
    # before it are still accepted (SPEC §2.5: one who has answered is never refused).
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    county: Mapped[County] = relationship()

    def __repr__(self) -> str:
        return f"<Assessment {self.id} {self.year} {self.stage} {self.state}>"

    @property
    def population_split(self) -> dict[str, int] | None:
        """The split as entered: 城区/镇区/乡村, or 城镇/乡村; None when incomplete."""
        if self.population_rural is None:
            return None
        if self.population_urban_town is not None:
            return {"城镇": self.population_urban_town, "乡村": self.population_rural}
        if self.population_urban is None or self.population_town is None:
            return None
        return {
            "城区": self.population_urban,
            "镇区": self.population_town,
            "乡村": self.population_rural,
        }

    @property
    def stage_label(self) -> str:
        return STAGES[self.stage]

    @property
    def window(self) -> CollectionWindow:
        return CollectionWindow(self.state, self.opens_at, self.closes_at, self.closed_at)

    def state_at(self, now: datetime) -> str:
        """What respondents see now: draft, scheduled, collecting or closed."""
        return self.window.state_at(now)

    def collecting_at(self, moment: datetime) -> bool:
        """Whether a form could have been shown at ``moment`` (window and evaluator)."""
        return self.window.collecting_at(moment)

    def collection_ended_at(self, now: datetime) -> datetime | None:
        """When the collection ended, if it has by ``now``."""
        return self.window.ended_at(now)

    def open(self) -> None:
        if self.state != "draft":
            raise InvalidTransition(
                f"只有准备中的评估可以开始收集（当前：{STATE_LABELS[self.state]}）"
            )
        self.state = "collecting"
        self.closed_at = None

    def close(self, now: datetime) -> None:
        if self.state != "collecting":
            raise InvalidTransition(f"只有收集中的评估可以结束（当前：{STATE_LABELS[self.state]}）")
        self.state = "closed"
        self.closed_at = now

    def reopen(self) -> None:
        if self.state != "closed":
            raise InvalidTransition(
                f"只有已结束的评估可以重新开放（当前：{STATE_LABELS[self.state]}）"
            )
        self.state = "collecting"
        self.closed_at = None
