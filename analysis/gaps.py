"""The gap ledger (差距台账): what each school must add to reach the standards (SPEC §5 `renke gaps`).

For every unit (a 学段 of a school, SPEC §2.1) and every one of the 7 indicators of 办法
第六条 below its standard, the ledger gives the amount to add. With P the unit's students,
s the standard and x the unit's figure:

* per hundred students (teachers, multimedia rooms): short = s × P / 100 − x × P / 100;
* per student (areas, equipment value): short = s × P − x × P.

The amount is stated in the school's own terms, rounded up to a whole 人, 间, ㎡ or 元: a
school's facilities are shared between its 学段 by the weighted student shares of SPEC
§2.1, so to raise a 九年一贯制 school's 初中部 by Δ ㎡ the school adds Δ ÷ (the 初中部's share)
— which raises its 小学部 too. Teachers are counted per 学段 and are not shared.

Whether a gap blocks the verdict follows the per-school rule (at least 6 of 7 at the
standard, the remaining one at 85% or more): a unit that fails must bring every indicator
under 85% up to its standard, and all but one of those between 85% and 100%; a unit that
passes has at most one gap, which does not block.

The ledger also lists the 差异系数 (CV) that fail, with the units furthest below the
student-weighted mean (raising them is what lowers the CV most), and the failures of
政府保障 items 3–5 computed from the schools file (rooms, school size, class size).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from analysis.government import assess_computed_item
from analysis.items import Failure
from analysis.resources import UnitResult, assess_resources, reaches
from analysis.schools import School, SchoolFile, build_units, facility_shares
from analysis.standards import SECTION_LABELS, Section, Standard, load_standard

#: the Unit attribute holding each indicator's total (teachers, ㎡, 元, rooms)
FACILITIES = ("teaching_space", "sports_space", "equipment_value", "multimedia_rooms")
LOWEST_SHOWN = 3


@dataclass(frozen=True)
class IndicatorGap:
    """One indicator of one unit below its standard, and what the school must add."""

    code: str
    name: str
    section: Section
    indicator: str
    label: str
    unit: str  # 人, ㎡, 元 or 间
    students: int
    value: float  # the unit's figure (per hundred students or per student)
    standard: float
    floor_met: bool  # at 85% of the standard or more
    short: float  # the unit's shortfall in the indicator's units (exact)
    share: float  # the unit's share of the school's facilities (1 for teachers)
    to_add: int  # what the school adds, rounded up to a whole unit
    unit_passes: bool  # the unit passes the per-school rule as it is

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "section": self.section,
            "indicator": self.indicator,
            "label": self.label,
            "unit": self.unit,
            "students": self.students,
            "value": self.value,
            "standard": self.standard,
            "floor_met": self.floor_met,
            "short": self.short,
            "share": self.share,
            "to_add": self.to_add,
            "unit_passes": self.unit_passes,
        }


@dataclass(frozen=True)
class UnitGaps:
    """A unit with at least one gap: its gaps and how many it must close to pass."""

    code: str
    name: str
    section: Section
    passes: bool
    must_close: int  # gaps to close so that the unit passes (0 when it passes)
    gaps: tuple[IndicatorGap, ...]

    @property
    def label(self) -> str:
        return f"{self.name}（{SECTION_LABELS[self.section]}）"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "section": self.section,
            "passes": self.passes,
            "must_close": self.must_close,
            "gaps": [gap.to_dict() for gap in self.gaps],
        }


@dataclass(frozen=True)
class LowUnit:
    code: str
    name: str
    value: float
    students: int


@dataclass(frozen=True)
class CVGap:
    """A 差异系数 over its threshold, with the units furthest below the weighted mean."""

    section: Section
    indicator: str
    label: str
    cv: float | None
    threshold: float
    mean: float | None
    note: str | None
    lowest: tuple[LowUnit, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "indicator": self.indicator,
            "label": self.label,
            "cv": self.cv,
            "threshold": self.threshold,
            "mean": self.mean,
            "note": self.note,
            "lowest": [
                {"code": u.code, "name": u.name, "value": u.value, "students": u.students}
                for u in self.lowest
            ],
        }


@dataclass(frozen=True)
class ItemGap:
    """A school failing 政府保障 item 3, 4 or 5, and by how much."""

    item: str
    title: str
    failure: Failure

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "title": self.title, **self.failure.to_dict()}


@dataclass(frozen=True)
class Ledger:
    units: tuple[UnitGaps, ...]
    cv: tuple[CVGap, ...]
    items: tuple[ItemGap, ...]
    totals: dict[str, tuple[int, str]]  # indicator label -> (amount, unit), schools' terms
    county: str | None = None

    @property
    def blocking(self) -> bool:
        """Some gap keeps the county from passing 资源配置 or 政府保障 items 3–5."""
        return any(not u.passes for u in self.units) or bool(self.cv) or bool(self.items)

    def to_dict(self) -> dict[str, Any]:
        return {
            "county": self.county,
            "blocking": self.blocking,
            "units": [u.to_dict() for u in self.units],
            "cv": [c.to_dict() for c in self.cv],
            "items": [i.to_dict() for i in self.items],
            "totals": {label: {"amount": n, "unit": u} for label, (n, u) in self.totals.items()},
        }


def _whole(amount: float) -> int:
    """Rounded up to a whole unit; a float's last-bit excess (1e-9) does not add one."""
    return max(0, math.ceil(amount - 1e-9))


def _unit_gaps(result: UnitResult, school: School, standard: Standard) -> UnitGaps | None:
    if not result.below:
        return None
    unit = result.unit
    shares = facility_shares(school, standard)
    gaps = []
    for key in result.below:
        indicator = standard.indicator(key)
        target = indicator.threshold(unit.section)
        value = result.values[key]
        scale = unit.students / 100 if indicator.per_hundred else unit.students
        short = (target - value) * scale
        share = shares[unit.section] if key in FACILITIES else 1.0
        gaps.append(
            IndicatorGap(
                code=unit.code,
                name=unit.name,
                section=unit.section,
                indicator=key,
                label=indicator.name,
                unit=indicator.unit,
                students=unit.students,
                value=value,
                standard=target,
                floor_met=reaches(value, standard.per_school_floor * target, standard.tolerance),
                short=short,
                share=share,
                to_add=_whole(short / share),
                unit_passes=result.passed,
            )
        )
    # to pass: every gap under 85% closed, and all but one of those at 85% or more
    keep_one = any(gap.floor_met for gap in gaps)
    must_close = 0 if result.passed else len(gaps) - (1 if keep_one else 0)
    return UnitGaps(unit.code, unit.name, unit.section, result.passed, must_close, tuple(gaps))


def _totals(units: Sequence[UnitGaps], standard: Standard) -> dict[str, tuple[int, str]]:
    """What the schools add in all, per indicator: a shared facility counts once per
    school (the larger of its 学段's amounts), teachers per 学段."""
    per_school: dict[tuple[str, str, str], int] = {}
    for unit in units:
        for gap in unit.gaps:
            where = "" if gap.indicator in FACILITIES else gap.section
            key = (gap.indicator, gap.code, where)
            per_school[key] = max(per_school.get(key, 0), gap.to_add)
    totals: dict[str, tuple[int, str]] = {}
    for indicator in standard.indicators:
        amounts = [n for (key, _, _), n in per_school.items() if key == indicator.key]
        if amounts:
            totals[indicator.name] = (sum(amounts), indicator.unit)
    return totals


def gap_ledger(
    schools: SchoolFile | Sequence[School],
    *,
    standard: Standard | None = None,
    county: str | None = None,
) -> Ledger:
    """The gap ledger of a county's schools under ``standard`` (default ``yunnan-2022``)."""
    standard = standard or load_standard()
    school_list = schools.schools if isinstance(schools, SchoolFile) else tuple(schools)
    units = build_units(school_list, standard)
    by_code = {school.code: school for school in school_list}
    resources = assess_resources(units.units, standard, excluded=units.excluded)
    unit_gaps = [
        gaps
        for result in resources.units
        if (gaps := _unit_gaps(result, by_code[result.unit.code], standard)) is not None
    ]
    unit_gaps.sort(key=lambda u: (u.passes, -u.must_close, u.code, u.section))
    cv_gaps: list[CVGap] = []
    for cv in resources.cv:
        if cv.passed:
            continue
        values = [
            (r.values[cv.indicator], r.unit)
            for r in resources.units
            if r.unit.section == cv.section
            and cv.mean is not None
            and r.values[cv.indicator] < cv.mean
        ]
        values.sort(key=lambda pair: pair[0])
        cv_gaps.append(
            CVGap(
                section=cv.section,
                indicator=cv.indicator,
                label=standard.indicator(cv.indicator).name,
                cv=cv.cv,
                threshold=cv.threshold,
                mean=cv.mean,
                note=cv.note,
                lowest=tuple(
                    LowUnit(u.code, u.name, value, u.students) for value, u in values[:LOWEST_SHOWN]
                ),
            )
        )
    item_gaps: list[ItemGap] = []
    for spec in standard.government:
        if spec.computed is None:
            continue
        item = assess_computed_item(spec, units, standard)
        item_gaps.extend(ItemGap(spec.id, spec.title, failure) for failure in item.failures)
    return Ledger(
        units=tuple(unit_gaps),
        cv=tuple(cv_gaps),
        items=tuple(item_gaps),
        totals=_totals(unit_gaps, standard),
        county=county,
    )
