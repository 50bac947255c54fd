from __future__ import annotations

from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from analysis.residence import kind_from_name
from analysis.vocabulary import COUNTY_KINDS
from surveyapp.db import Base, one_of

SCHOOL_KINDS = ("小学", "初中", "九年一贯制", "十二年一贯制", "完全中学", "教学点", "特殊教育学校")
AREA_KINDS = ("城区", "镇区", "乡村")


class County(Base):
    """A county-level unit (县、不设区的市、市辖区) under assessment.

    Its ``kind`` (县, 自治县, 县级市, 市辖区) decides what 县城 is in the statistics
    office's classes (SPEC §2.5); it follows from the name unless set. Keyed by its
    行政区划代码 where known; its short name (石林县 for 石林彝族自治县,
    :func:`analysis.plan.short_name`) is its alias. ``planned_year`` is the year the
    province's plan schedules its certification (SPEC §2.4); ``certified_year`` the
    认定年份 the province recorded from the plan for a county certified before Renke
    (None otherwise; :func:`surveyapp.province.monitoring.certification_years` holds
    the rule that uses it).
    """

    __tablename__ = "county"
    __table_args__ = (
        UniqueConstraint("province", "prefecture", "name"),
        CheckConstraint(one_of("kind", COUNTY_KINDS), name="kind"),
        UniqueConstraint("code"),
        CheckConstraint("planned_year IS NULL OR planned_year BETWEEN 2022 AND 2035", name="year"),
        CheckConstraint(
            "certified_year IS NULL OR certified_year BETWEEN 2017 AND 2035", name="certified_year"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    province: Mapped[str] = mapped_column(String(40))
    prefecture: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(10))
    code: Mapped[str | None] = mapped_column(String(12))
    planned_year: Mapped[int | None]
    certified_year: Mapped[int | None]

    def __init__(self, **fields: Any) -> None:
        if fields.get("kind") is None and "name" in fields:
            fields["kind"] = kind_from_name(fields["name"])
        super().__init__(**fields)

    schools: Mapped[list[School]] = relationship(
        back_populates="county", order_by="School.code", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<County {self.prefecture}{self.name}>"


class School(Base):
    """A school of the county, as the collection links and quotas know it."""

    __tablename__ = "school"
    __table_args__ = (
        UniqueConstraint("county_id", "code"),
        CheckConstraint(one_of("kind", SCHOOL_KINDS), name="kind"),
        CheckConstraint(one_of("area", AREA_KINDS), name="area"),
        CheckConstraint("primary_students >= 0 AND junior_students >= 0", name="students"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("county.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    area: Mapped[str] = mapped_column(String(10))
    primary_students: Mapped[int] = mapped_column(default=0)
    junior_students: Mapped[int] = mapped_column(default=0)

    county: Mapped[County] = relationship(back_populates="schools")

    @property
    def has_students_from_grade_3(self) -> bool:
        return self.primary_students > 0 or self.junior_students > 0

    def __repr__(self) -> str:
        return f"<School {self.code} {self.name}>"
