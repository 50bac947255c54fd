"""资源配置 (办法 第六条; SPEC §2.1): the 7 indicators per unit, the per-school rule, and
the student-weighted 差异系数 per indicator and 学段, with its display rule.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analysis.schools import Excluded, Unit
from analysis.standards import (
    INDICATOR_KEYS,
    SECTION_LABELS,
    SECTIONS,
    Indicator,
    Section,
    Standard,
    format_number,
    unit_suffix,
)

NO_SECTION_NOTE = "无该学段学校"
ZERO_MEAN_NOTE = "均值为 0，无法计算差异系数"
SPECIAL_NOTE = "按特殊情况认定"


@dataclass(frozen=True)
class SpecialCase:
    """An accepted exception for one unit and indicator (SPEC §2.1 特殊情况 [setting]).

    Recorded by the evaluator with a note and an attached document (e.g. a leased sports
    venue within a 10-minute walk); ``value`` is the adjusted figure used in place of the
    computed one, and the verdict shows "按特殊情况认定" beside it.
    """

    code: str
    section: Section
    indicator: str
    value: float
    note: str
    document: str | None = None
    accepted_by: str | None = None
    accepted_at: str | None = None

    @property
    def accepted_words(self) -> str:
        """ "按特殊情况认定（理由；张三 2024-05-20 认定）"."""
        return accepted_words(self.note, self.accepted_by, self.accepted_at)


def accepted_words(note: str, accepted_by: str | None, accepted_at: str | None) -> str:
    """An accepted 特殊情况 with its reason, who accepted it and when (SPEC §2.1: "never
    silently"): "按特殊情况认定（理由；张三 2024-05-20 认定）"."""
    who = " ".join(x for x in (accepted_by, accepted_at) if x)
    return f"{SPECIAL_NOTE}（{note}" + (f"；{who} 认定" if who else "") + "）"


@dataclass(frozen=True)
class UnitResult:
    """One unit under the per-school rule of 办法 第六条."""

    unit: Unit
    values: Mapping[str, float]
    met: int
    below: tuple[str, ...]
    passed: bool
    computed: Mapping[str, float] = field(default_factory=dict)
    special: Mapping[str, SpecialCase] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.unit.code,
            "name": self.unit.name,
            "section": self.unit.section,
            "school_type": self.unit.school_type,
            "students": self.unit.students,
            "values": dict(self.values),
            "met": self.met,
            "below": list(self.below),
            "passed": self.passed,
            "special": {
                key: {
                    "value": case.value,
                    "computed": self.computed[key],
                    "note": case.note,
                    "document": case.document,
                    "accepted_by": case.accepted_by,
                    "accepted_at": case.accepted_at,
                }
                for key, case in self.special.items()
            },
            "merged": list(self.unit.merged),
        }


@dataclass(frozen=True)
class CVResult:
    """The student-weighted 差异系数 of one indicator in one 学段 (办法 第六条)."""

    section: Section
    indicator: str
    cv: float | None
    threshold: float
    passed: bool
    note: str | None
    mean: float | None
    units: int

    @property
    def display(self) -> str | None:
        """3 decimals, more where that would print the threshold (SPEC §2.1)."""
        if self.cv is None:
            return None
        return display_cv(self.cv, self.threshold)

    def to_dict(self) -> dict[str, Any]:
        return {
            "cv": self.cv,
            "threshold": self.threshold,
            "passed": self.passed,
            "note": self.note,
            "display": self.display,
            "mean": self.mean,
            "units": self.units,
        }


@dataclass(frozen=True)
class ResourceResult:
    """资源配置 as a whole: every unit must pass and every CV must pass."""

    passed: bool
    units: tuple[UnitResult, ...]
    cv: tuple[CVResult, ...]
    excluded: tuple[Excluded, ...]
    reasons: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    def cv_of(self, section: Section, indicator: str) -> CVResult:
        for result in self.cv:
            if result.section == section and result.indicator == indicator:
                return result
        raise KeyError((section, indicator))

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "cv": {
                section: {r.indicator: r.to_dict() for r in self.cv if r.section == section}
                for section in SECTIONS
            },
            "schools": [result.to_dict() for result in self.units],
            "excluded": [
                {"code": e.code, "name": e.name, "reason": e.reason, "merged_into": e.merged_into}
                for e in self.excluded
            ],
        }


def indicator_values(unit: Unit) -> dict[str, float]:
    """The 7 indicators of a unit (办法 第六条（一）至（七）).

    Per hundred students for teacher counts and multimedia rooms, per student for areas and
    the equipment value.
    """
    students = unit.students
    per_hundred = 100.0 / students
    return {
        "teachers_qualified": unit.teachers_qualified * per_hundred,
        "teachers_backbone": unit.teachers_backbone * per_hundred,
        "teachers_pe_art": unit.teachers_pe_art * per_hundred,
        "teaching_space": unit.teaching_space / students,
        "sports_space": unit.sports_space / students,
        "equipment_value": unit.equipment_value / students,
        "multimedia_rooms": unit.multimedia_rooms * per_hundred,
    }


def reaches(value: float, target: float, tolerance: float) -> bool:
    """``value >= target``, forgiving only floating-point error (relative ``tolerance``)."""
    return value >= target - tolerance * abs(target)


def school_passes(
    values: Mapping[str, float], section: Section, standard: Standard
) -> tuple[int, tuple[str, ...], bool]:
    """The per-school rule of 办法 第六条.

    A unit passes when at least 6 of the 7 indicators reach the standard (≥) and the
    remaining one is at least 85% of its standard.

    Returns
    -------
    met, below, passed
        How many indicators reach the standard, the keys of those that do not, and
        whether the unit passes.
    """
    below = tuple(
        indicator.key
        for indicator in standard.indicators
        if not reaches(values[indicator.key], indicator.threshold(section), standard.tolerance)
    )
    met = len(standard.indicators) - len(below)
    passed = met >= standard.per_school_min_met and all(
        reaches(
            values[key],
            standard.per_school_floor * standard.indicator(key).threshold(section),
            standard.tolerance,
        )
        for key in below
    )
    return met, below, passed


def weighted_cv(students: Sequence[float], values: Sequence[float]) -> tuple[float | None, float]:
    """The student-weighted 差异系数 (SPEC §2.1 [setting]).

    With P_i the unit's students and P = ΣP_i: X̄ = ΣP_iX_i / P,
    S = sqrt(Σ(P_i/P)(X_i − X̄)²), CV = S / X̄.

    Returns
    -------
    cv, mean
        ``cv`` is ``None`` when the mean is 0.
    """
    weights = np.asarray(students, dtype=float)
    figures = np.asarray(values, dtype=float)
    shares = weights / weights.sum()
    mean = float(np.dot(shares, figures))
    if mean == 0:
        return None, 0.0
    spread = math.sqrt(float(np.dot(shares, (figures - mean) ** 2)))
    return spread / mean, mean


def display_figure(
    value: float, limit: float, *, trim: bool = False, tolerance: float = 1e-9
) -> str:
    """A figure printed so that it never contradicts its verdict against ``limit`` (SPEC §2.1
    display rule): every CV and every school figure shown beside its standard.

    3 decimals; 4 where the 3-decimal figure equals the limit ("0.5004，大于 0.50";
    4.4996 ㎡ against 4.5, never "4.50 … 差 0.00"), and more in the rare case that 4 still
    would. A figure equal to its limit (within the floating-point ``tolerance`` the verdict
    also forgives) prints as the limit with 4 decimals ("0.4500"): its 3-decimal figure
    equals the limit, and SPEC's rule gives 4 then. ``trim`` drops trailing zeros and groups thousands
    ("8.1", "2,400") for figures in sentences; the decimals needed are kept.
    """
    if abs(value - limit) <= tolerance * max(abs(limit), 1e-300):
        text = f"{limit:,.4f}"
    else:
        text = repr(value)
        for decimals in range(3, 16):
            candidate = f"{value:,.{decimals}f}"
            if candidate != f"{limit:,.{decimals}f}":
                text = candidate
                break
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text if trim else text.replace(",", "")


def display_cv(cv: float, threshold: float, tolerance: float = 1e-9) -> str:
    """A CV by :func:`display_figure`: "0.111", "0.5004"."""
    return display_figure(cv, threshold, tolerance=tolerance)


def assess_resources(
    units: Sequence[Unit],
    standard: Standard,
    *,
    excluded: Iterable[Excluded] = (),
    special_cases: Iterable[SpecialCase] = (),
) -> ResourceResult:
    """资源配置 (办法 第六条): every unit, the CV per indicator and 学段, and the reasons.

    Parameters
    ----------
    units
        From :func:`analysis.schools.build_units`.
    standard
        Thresholds and settings.
    excluded
        Schools left out, listed in the result.
    special_cases
        Accepted exceptions; the adjusted figure replaces the computed one everywhere
        (per-school rule and CV), and is shown with "按特殊情况认定".
    """
    cases: dict[tuple[str, str], dict[str, SpecialCase]] = {}
    warnings: list[str] = []
    known = {(unit.code, unit.section) for unit in units}
    for case in special_cases:
        if case.indicator not in INDICATOR_KEYS:
            warnings.append(f"特殊情况“{case.code}”的指标“{case.indicator}”不存在，未采用")
        elif (case.code, case.section) not in known:
            warnings.append(
                f"特殊情况：没有学校代码为“{case.code}”的{SECTION_LABELS[case.section]}，未采用"
            )
        else:
            cases.setdefault((case.code, case.section), {})[case.indicator] = case
    results: list[UnitResult] = []
    for unit in units:
        computed = indicator_values(unit)
        special = cases.get((unit.code, unit.section), {})
        values = dict(computed)
        for key, case in special.items():
            values[key] = case.value
        met, below, passed = school_passes(values, unit.section, standard)
        results.append(
            UnitResult(
                unit=unit,
                values=values,
                met=met,
                below=below,
                passed=passed,
                computed=computed,
                special=special,
            )
        )
    cvs = _all_cv(results, standard)
    reasons: list[str] = []
    if not results:
        reasons.append("学校数据中没有可评估的学校")
    for result in results:
        if not result.passed:
            reasons.append(unit_reason(result, standard))
    for cv in cvs:
        if not cv.passed:
            reasons.append(cv_reason(cv, standard))
    passed = bool(results) and all(r.passed for r in results) and all(c.passed for c in cvs)
    return ResourceResult(
        passed=passed,
        units=tuple(results),
        cv=tuple(cvs),
        excluded=tuple(excluded),
        reasons=tuple(reasons),
        warnings=tuple(warnings),
    )


def _all_cv(results: Sequence[UnitResult], standard: Standard) -> list[CVResult]:
    cvs = []
    for section in SECTIONS:
        members = [r for r in results if r.unit.section == section]
        threshold = standard.cv_threshold(section)
        students = [r.unit.students for r in members]
        for indicator in standard.indicators:
            if not members:
                cvs.append(
                    CVResult(
                        section, indicator.key, None, threshold, True, NO_SECTION_NOTE, None, 0
                    )
                )
                continue
            cv, mean = weighted_cv(students, [r.values[indicator.key] for r in members])
            if cv is None:
                cvs.append(
                    CVResult(
                        section,
                        indicator.key,
                        None,
                        threshold,
                        False,
                        ZERO_MEAN_NOTE,
                        mean,
                        len(members),
                    )
                )
                continue
            special = any(indicator.key in r.special for r in members)
            cvs.append(
                CVResult(
                    section=section,
                    indicator=indicator.key,
                    cv=cv,
                    threshold=threshold,
                    passed=cv <= threshold * (1 + standard.tolerance),
                    note=SPECIAL_NOTE if special else None,
                    mean=mean,
                    units=len(members),
                )
            )
    return cvs


def _figure(value: float, indicator: Indicator, limit: float) -> str:
    return f"{display_figure(value, limit, trim=True)}{unit_suffix(indicator.unit)}"


def _standard_figure(indicator: Indicator, target: float) -> str:
    return f"{format_number(target)}{unit_suffix(indicator.unit)}"


def unit_reason(result: UnitResult, standard: Standard) -> str:
    """Why a unit fails, in plain Chinese.

    "平远镇中学（初中）生均体育运动场馆面积 8.1㎡，低于标准 10.2㎡ 的 85%"
    """
    section = result.unit.section
    floor_words = f"{format_number(standard.per_school_floor * 100)}%"

    def special_mark(key: str) -> str:
        case = result.special.get(key)
        return f"（{case.accepted_words}）" if case else ""

    if len(result.below) == 1:
        key = result.below[0]
        indicator = standard.indicator(key)
        target = indicator.threshold(section)
        floor = standard.per_school_floor * target
        return (
            f"{result.unit.label}{indicator.name} {_figure(result.values[key], indicator, floor)}"
            f"{special_mark(key)}，低于标准 {_standard_figure(indicator, target)} 的 {floor_words}"
        )
    parts = []
    for key in result.below:
        indicator = standard.indicator(key)
        target = indicator.threshold(section)
        parts.append(
            f"{indicator.name} {_figure(result.values[key], indicator, target)}{special_mark(key)}，"
            f"标准 {_standard_figure(indicator, target)}"
        )
    allowed = len(standard.indicators) - standard.per_school_min_met
    return (
        f"{result.unit.label}有 {len(result.below)} 项指标未达标（{'；'.join(parts)}），"
        f"至多 {allowed} 项可未达标且不低于标准的 {floor_words}"
    )


def cv_reason(cv: CVResult, standard: Standard) -> str:
    """Why a CV fails: "初中生均教学仪器设备值差异系数 0.5004，大于 0.45"."""
    indicator = standard.indicator(cv.indicator)
    head = f"{SECTION_LABELS[cv.section]}{indicator.name}差异系数"
    if cv.cv is None:
        return f"{head}无法计算（{cv.note}），视为未达标"
    return f"{head} {cv.display}，大于 {cv.threshold:.2f}"
