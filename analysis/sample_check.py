"""Does the valid sample meet the plan? (SPEC §2.5 "Sample check")

[setting; national practice: 国教督办函〔2019〕30号 工作规程 as cited in the 教育部教育督导局
invitations — not in the 办法]

The valid sample meets the plan when n_valid ≥ N, 家长 ≥ 50% of n_valid (by count), and
every group of the plan has at least one valid response: these three are the checks.
n_valid counts the valid rows of every instrument, late ones included, whether or not an
item is scored. A group, area or grade band under 80% of its quota is a warning (a
band's quota is its group's quota split equally over the group's bands by largest
remainder). Without a population the target and ``ok`` are null. The invitations say
家长 "原则上不低于50%": an evaluator may record an exception (:class:`ShareException`),
which is shown wherever the check is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Final

import numpy as np

from analysis.county import CountyFile
from analysis.display import format_level, format_percent
from analysis.residence import counts_in_classes
from analysis.responses import Responses
from analysis.sampling import PARENTS, SamplePlan, band_range, plan_from_standard, plan_shares
from analysis.standards import SamplingSettings
from analysis.vocabulary import AREAS, GROUPS

#: Under this share of its quota a group, area or grade band is a warning (SPEC §2.5).
WARN_BELOW: Final = Fraction(4, 5)
#: 家长 at least this share of n_valid (SPEC §2.5).
PARENT_MINIMUM: Final = Fraction(1, 2)
#: The checks, by code (SPEC §5 ``sample.checks[].rule``).
RULES: Final = ("sample_size", "parent_share", "groups_present")
NO_POPULATION: Final = "缺少常住人口，无法核对样本量"


@dataclass(frozen=True)
class SampleCounts:
    """Valid responses (of every instrument, late ones included) by group, area, band.

    Attributes
    ----------
    n_valid : int
    by_group : Mapping[str, int]
    by_area : Mapping[str, int]
        By the statistics office's class (城区 / 镇区 / 乡村), where known.
    by_grade : Mapping[str, Mapping[int, int]]
        Per group, valid responses by grade (1–9), where asked.
    """

    n_valid: int
    by_group: Mapping[str, int]
    by_area: Mapping[str, int] = field(default_factory=dict)
    by_grade: Mapping[str, Mapping[int, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class ShareException:
    """An evaluator's recorded exception to the 家长 share (SPEC §2.5), as for 特殊情况."""

    reason: str
    document: str
    who: str
    when: str

    def describe(self) -> str:
        return f"例外：{self.reason}（依据：{self.document}；{self.who}，{self.when}）"


@dataclass(frozen=True)
class SampleRule:
    """One check: its code (:data:`RULES`), whether it passed (None: cannot tell) and
    the figures in words."""

    rule: str
    passed: bool | None
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "passed": self.passed, "detail": self.detail}


@dataclass(frozen=True)
class SampleCheck:
    """The sample check of SPEC §2.5; :meth:`to_dict` is the JSON ``sample`` of SPEC §5."""

    n_valid: int
    target: int | None
    parent_share: float | None
    by_group: Mapping[str, int]
    ok: bool | None
    checks: tuple[SampleRule, ...]
    warnings: tuple[str, ...] = ()
    exception: ShareException | None = None

    @property
    def failed(self) -> bool:
        """A check failed (``ok`` false, or a computable check false without population)."""
        return self.ok is False or any(rule.passed is False for rule in self.checks)

    def reasons(self) -> list[str]:
        """Why the sample does not establish the approval: each failed check, in figures."""
        return [rule.detail for rule in self.checks if rule.passed is not True]

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_valid": self.n_valid,
            "target": self.target,
            "parent_share": self.parent_share,
            "by_group": dict(self.by_group),
            "ok": self.ok,
            "checks": [rule.to_dict() for rule in self.checks],
        }


def _size_rule(n_valid: int, target: int | None) -> SampleRule:
    if target is None:
        return SampleRule("sample_size", None, NO_POPULATION)
    if n_valid >= target:
        return SampleRule("sample_size", True, f"有效问卷 {n_valid} 份，达到计划样本 {target} 份")
    return SampleRule("sample_size", False, f"有效问卷 {n_valid} 份，少于计划样本 {target} 份")


def _parent_rule(
    counts: SampleCounts, minimum: Fraction, exception: ShareException | None
) -> SampleRule:
    parents = counts.by_group.get(PARENTS, 0)
    bound = format_level(float(minimum))
    if counts.n_valid == 0:
        return SampleRule("parent_share", False, "没有有效问卷，无法计算家长占比")
    share = parents / counts.n_valid
    shown = format_percent(share, float(minimum))
    if parents >= minimum * counts.n_valid:  # by count, exactly
        return SampleRule("parent_share", True, f"家长有效问卷占 {shown}，不低于 {bound}")
    detail = f"家长有效问卷占 {shown}，低于 {bound}"
    if exception is not None:
        return SampleRule("parent_share", True, f"{detail}；{exception.describe()}")
    return SampleRule("parent_share", False, detail)


def _groups_rule(counts: SampleCounts, planned: Sequence[str]) -> SampleRule:
    missing = [g for g in planned if counts.by_group.get(g, 0) < 1]
    if missing:
        return SampleRule("groups_present", False, f"缺少{'、'.join(missing)}的有效问卷")
    return SampleRule("groups_present", True, f"计划中的 {len(planned)} 个群体都有有效问卷")


def _under(what: str, n: int, quota: int) -> str | None:
    if quota > 0 and n < WARN_BELOW * quota:
        return f"{what}有效问卷 {n} 份，低于配额 {quota} 份的 {format_level(float(WARN_BELOW))}"
    return None


def _quota_warnings(counts: SampleCounts, plan: SamplePlan) -> list[str]:
    found = [_under(g, counts.by_group.get(g, 0), q) for g, q in plan.groups.quotas.items()]
    # areas and grades only where they were recorded at all (a file without the column)
    if plan.areas and counts.by_area:
        # in the split's classes: 城镇 counts 城区 + 镇区 (SPEC §2.5)
        by_class = counts_in_classes(counts.by_area, tuple(plan.areas))
        for area, quota in plan.areas.items():
            found.append(_under(f"{area}（居住地）", by_class[area], quota))
    for group, bands in plan.grades.items():
        if group not in counts.by_grade:
            continue
        grades = counts.by_grade[group]
        for band, quota in bands.items():
            low, high = band_range(band)
            n = sum(k for grade, k in grades.items() if low <= grade <= high)
            found.append(_under(f"{group}（{band} 年级）", n, quota))
    return [text for text in found if text]


def check_sample(
    counts: SampleCounts,
    plan: SamplePlan | None,
    *,
    planned_groups: Sequence[str] | None = None,
    exception: ShareException | None = None,
    parent_minimum: Fraction = PARENT_MINIMUM,
    target: int | None = None,
) -> SampleCheck:
    """The sample check of SPEC §2.5.

    Parameters
    ----------
    counts : SampleCounts
        Valid responses, from :func:`count_sample` or the service's SQL counts.
    plan : SamplePlan or None
        The plan from 常住人口 (:mod:`analysis.sampling`); None when it is unknown:
        then ``target`` and ``ok`` are None and no quota warnings are given.
    planned_groups : sequence of str, optional
        The groups of the plan without a population (default: every group with a
        planned share, :func:`analysis.sampling.plan_shares`).
    exception : ShareException, optional
        A recorded exception to the 家长 share: that check then passes, saying so.
    target : int, optional
        N when there is no plan (an analysis checked again against its own N).
    """
    groups = planned_groups if planned_groups is not None else list(plan_shares(plan))
    if plan is not None:
        target = plan.total
    checks = (
        _size_rule(counts.n_valid, target),
        _parent_rule(counts, parent_minimum, exception),
        _groups_rule(counts, groups),
    )
    share = counts.by_group.get(PARENTS, 0) / counts.n_valid if counts.n_valid else None
    return SampleCheck(
        n_valid=counts.n_valid,
        target=target,
        parent_share=share,
        by_group={g: int(counts.by_group.get(g, 0)) for g in GROUPS},
        ok=None if target is None else all(rule.passed is True for rule in checks),
        checks=checks,
        warnings=tuple(_quota_warnings(counts, plan)) if plan is not None else (),
        exception=exception,
    )


def count_sample(responses: Responses) -> SampleCounts:
    """The valid rows of a responses file by group, area (城区 / 镇区 / 乡村) and grade."""
    valid = responses.valid & (responses.group >= 0)
    group = responses.group[valid]
    by_group = np.bincount(group, minlength=len(GROUPS))
    area = responses.area
    area_counts = np.bincount(area.codes[valid] + 1, minlength=len(area.labels) + 1)
    by_area = {
        label: int(area_counts[k + 1]) for k, label in enumerate(area.labels) if label in AREAS
    }
    grade = responses.grade
    size = len(grade.labels) + 1  # code -1 (blank) counted in the last cell
    cell = group * size + np.where(grade.codes[valid] >= 0, grade.codes[valid], size - 1)
    table = np.bincount(cell, minlength=len(GROUPS) * size).reshape(len(GROUPS), size)
    by_grade: dict[str, dict[int, int]] = {}
    for k, label in enumerate(grade.labels):
        number = _grade_number(label)
        if number is None:
            continue
        for g, found in zip(GROUPS, table[:, k].tolist(), strict=True):
            if found:
                cells = by_grade.setdefault(g, {})
                cells[number] = cells.get(number, 0) + found
    return SampleCounts(
        n_valid=int(valid.sum()),
        by_group={GROUPS[k]: int(n) for k, n in enumerate(by_group) if n},
        by_area=by_area,
        by_grade=by_grade,
    )


def _grade_number(label: str) -> int | None:
    text = label.strip().removesuffix("年级")
    if text.endswith(".0"):
        text = text[:-2]
    return int(text) if text.isdigit() and 1 <= int(text) <= 9 else None


#: 基本情况 rows that cap a group's quota (SPEC §3 county file, §2.5 caps).
CAP_ROWS: Final = {
    "校长": "校长数",
    "教师": "教师数",
    "人大代表": "人大代表数",
    "政协委员": "政协委员数",
}
AREA_ROWS: Final = {"城区": "城区人口", "镇区": "镇区人口", "乡村": "乡村人口"}
#: The split where only 城镇/乡村 is published (SPEC §2.5; 城镇 = 城区 + 镇区).
URBAN_RURAL_ROWS: Final = {"城镇": "城镇人口", "乡村": "乡村人口"}


def plan_for_county(
    settings: SamplingSettings, population: int | None, county: CountyFile | None = None
) -> SamplePlan | None:
    """The plan from 常住人口 (given, else the county file's 基本情况 row), with the
    county file's area split (城区/镇区/乡村人口 when all three are given, else
    城镇/乡村人口 when both are) and caps; None without a population."""
    if population is None and county is not None:
        population = county.population
    if population is None:
        return None
    caps: dict[str, int] = {}
    areas: dict[str, int] | None = None
    if county is not None:
        caps = {g: n for g, row in CAP_ROWS.items() if (n := county.count(row)) is not None}
        for rows in (AREA_ROWS, URBAN_RURAL_ROWS):
            split = {a: county.count(row) for a, row in rows.items()}
            if all(n is not None for n in split.values()):
                areas = {a: int(n or 0) for a, n in split.items()}
                break
    return plan_from_standard(
        population, settings, area_populations=areas, group_populations=caps or None
    )


def recheck_sample(sample: Mapping[str, Any], target: int | None = None) -> SampleCheck | None:
    """The sample check again, from the ``sample`` of ``renke analyze``'s JSON (SPEC §5):
    its counts against its own N (``target`` there), else against ``target``.

    None when the entry is not that JSON (no whole ``n_valid`` and ``by_group``).
    """
    n_valid, by_group = _whole(sample.get("n_valid")), sample.get("by_group")
    if n_valid is None or not isinstance(by_group, Mapping):
        return None
    counted = {str(g): _whole(n) for g, n in by_group.items()}
    if not all(g in GROUPS and n is not None for g, n in counted.items()):
        return None
    counts = SampleCounts(n_valid, {g: n for g, n in counted.items() if n is not None})
    own_target = _whole(sample.get("target"))
    return check_sample(counts, None, target=target if own_target is None else own_target)


def _whole(value: object) -> int | None:
    """A count from JSON: a whole number ≥ 0 (not a bool), else None."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None
