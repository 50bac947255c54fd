"""Sample planning for the 社会认可度 survey (SPEC §2.5).

[setting; national practice: 国教督办函〔2019〕30号 工作规程, as cited in the 教育部教育督导局
invitations — not in the 办法]

- Sample N = ceil(常住人口 × 1.5‰), computed in exact rational arithmetic (in floating
  point 1,000,000 × 0.0015 is 1500.0000000000002, whose ceiling would be 1501).
- Group quotas: 家长 = ceil(N/2), a floor; the rest split equally over 学生, 教师, 校长,
  人大代表, 政协委员, 其他群众 by the largest-remainder (Hamilton) rule; a group capped by
  its population passes its excess to 其他群众, then to 家长.
- Area quotas: N × population shares by largest remainder, by the respondent's residence
  (县城 / 乡镇政府所在地 / 农村 for 城区 / 镇区 / 乡村).
- Grade bands: 学生 3–6 / 7–9; 家长 by the child's grade 1–3 / 4–6 / 7–9; equal split.
- The margin of error each quota gives: z·sqrt(deff · p(1 − p) / n) at an expected
  approval p and a design effect deff (normal approximation; a planning figure, not the
  interval of :mod:`analysis.intervals`).

Quotas are marginal targets counting valid responses; a respondent who has answered is
never refused (SPEC §2.5).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

from analysis.intervals import normal_quantile
from analysis.standards import SamplingSettings
from analysis.vocabulary import AREAS, GROUPS, URBAN_RURAL

#: 1.5‰ of the resident population (SPEC §2.5).
DEFAULT_RATE: Final = Fraction(15, 10_000)
PARENTS: Final = "家长"
OTHERS: Final = "其他群众"
#: The groups that share what 家长 leave, in the order used to break remainder ties.
SHARED_GROUPS: Final = tuple(group for group in GROUPS if group != PARENTS)

#: Grade bands per group (a setting).
GRADE_BANDS: Final[dict[str, tuple[str, ...]]] = {
    "学生": ("3–6", "7–9"),
    "家长": ("1–3", "4–6", "7–9"),
}

Number = int | float | str | Fraction


def _exact(value: Number) -> Fraction:
    """A rate or share as an exact fraction (floats through their decimal text)."""
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


def sample_size(population: int, rate: Number = DEFAULT_RATE) -> int:
    """N = ceil(常住人口 × rate), exactly (SPEC §2.5; rate 1.5‰ by default).

    Raises
    ------
    ValueError
        For a negative population or a rate outside (0, 1].
    """
    exact_rate = _exact(rate)
    if population < 0 or not 0 < exact_rate <= 1:
        raise ValueError("population must be ≥ 0 and the rate in (0, 1]")
    return math.ceil(population * exact_rate)


def largest_remainder(total: int, shares: Mapping[str, Number]) -> dict[str, int]:
    """Apportion ``total`` by the largest-remainder (Hamilton) rule.

    Each key gets the floor of total × share / Σ shares; the seats left go to the
    largest remainders, ties broken by the order of ``shares``. Exact arithmetic.
    """
    exact = {key: _exact(share) for key, share in shares.items()}
    if any(share < 0 for share in exact.values()):
        raise ValueError("shares must be ≥ 0")
    whole = sum(exact.values(), Fraction(0))
    if total <= 0 or whole == 0:
        return {key: 0 for key in exact}
    quotas = {key: total * share / whole for key, share in exact.items()}
    seats = {key: math.floor(quota) for key, quota in quotas.items()}
    left = total - sum(seats.values())
    order = list(exact)
    by_remainder = sorted(order, key=lambda key: (-(quotas[key] - seats[key]), order.index(key)))
    for key in by_remainder[:left]:
        seats[key] += 1
    return seats


@dataclass(frozen=True)
class GroupQuotas:
    """Group quotas after caps (SPEC §2.5 "Group quotas").

    Attributes
    ----------
    quotas : Mapping[str, int]
        Target valid responses per group, in :data:`GROUPS` order.
    capped : tuple of str
        Groups limited by their population: cut to it, or unable to take all of
        another group's excess.
    shortfall : int
        Responses no group could take (every receiving group at its cap).
    """

    quotas: Mapping[str, int]
    capped: tuple[str, ...]
    shortfall: int


def group_quotas(
    total: int,
    caps: Mapping[str, int] | None = None,
    *,
    parent_share: Number = Fraction(1, 2),
    shared: Sequence[str] = SHARED_GROUPS,
    overflow: Sequence[str] = (OTHERS, PARENTS),
) -> GroupQuotas:
    """家长 = ceil(N × parent_share) (½); the rest equally over ``shared``; caps.

    A group whose quota exceeds its population (``caps``) is cut to it, and the excess
    passes along ``overflow`` (其他群众, then 家长), each up to its own cap. The defaults
    are the SPEC §2.5 rules; a standard file may set others (:func:`plan_from_standard`).
    """
    caps = dict(caps or {})
    unknown = set(caps) - set(GROUPS)
    if unknown:
        raise ValueError(f"unknown groups: {', '.join(sorted(unknown))}")
    parents = math.ceil(_exact(total) * _exact(parent_share))
    rest = largest_remainder(total - parents, {group: 1 for group in shared})
    quotas = {group: 0 for group in GROUPS} | {PARENTS: parents, **rest}
    excess = 0
    capped: list[str] = []
    for group in GROUPS:
        cap = caps.get(group)
        if cap is not None and quotas[group] > cap:
            excess += quotas[group] - cap
            quotas[group] = cap
            capped.append(group)
    for receiver in overflow:
        room = caps.get(receiver, excess + quotas[receiver]) - quotas[receiver]
        moved = min(excess, max(room, 0))
        if moved < excess and receiver not in capped:
            capped.append(receiver)  # full: it could not take all the excess
        quotas[receiver] += moved
        excess -= moved
    return GroupQuotas({group: quotas[group] for group in GROUPS}, tuple(capped), excess)


def margin_of_error(
    n: int, expected: float = 0.85, *, deff: float = 1.0, level: float = 0.95
) -> float | None:
    """Half-width z·sqrt(deff · p(1 − p)/n) a sample of n gives at approval p.

    None for n = 0.
    """
    if n <= 0:
        return None
    z = normal_quantile(1 - (1 - level) / 2)
    return z * math.sqrt(deff * expected * (1 - expected) / n)


@dataclass(frozen=True)
class SamplePlan:
    """A county's sample plan (SPEC §2.5).

    Attributes
    ----------
    population : int
        常住人口 (entered with its source and year).
    rate : Fraction
        The sampling rate (1.5‰).
    total : int
        N = ceil(population × rate).
    groups : GroupQuotas
    areas : Mapping[str, int] or None
        Quotas by 城区 / 镇区 / 乡村 (the statistics office's classes, :data:`AREAS`), or
        by 城镇 / 乡村 (:data:`URBAN_RURAL`) when the split is given in those, when the
        split is given.
    grades : Mapping[str, Mapping[str, int]]
        Grade-band quotas for 学生 and 家长.
    margins : Mapping[str, float or None]
        Per group, and ``"总体"`` for N, the margin of error at ``expected`` and ``deff``.
    expected, deff, level : float
        The planning assumptions of ``margins``.
    """

    population: int
    rate: Fraction
    total: int
    groups: GroupQuotas
    areas: Mapping[str, int] | None
    grades: Mapping[str, Mapping[str, int]]
    margins: Mapping[str, float | None]
    expected: float
    deff: float
    level: float


def plan_sample(
    population: int,
    *,
    area_populations: Mapping[str, int] | None = None,
    group_populations: Mapping[str, int] | None = None,
    rate: Number = DEFAULT_RATE,
    expected: float = 0.85,
    deff: float = 1.0,
    level: float = 0.95,
    bands: Mapping[str, Sequence[str]] = GRADE_BANDS,
    parent_share: Number = Fraction(1, 2),
    shared: Sequence[str] = SHARED_GROUPS,
    overflow: Sequence[str] = (OTHERS, PARENTS),
) -> SamplePlan:
    """The sample plan of SPEC §2.5 for a county.

    Parameters
    ----------
    population : int
        常住人口.
    area_populations : Mapping[str, int], optional
        常住人口 by 城区 / 镇区 / 乡村, or by 城镇 / 乡村 where only that is published.
    group_populations : Mapping[str, int], optional
        Caps: how many people a group has (e.g. 校长 = the number of schools).
    rate : number
        Sampling rate, 1.5‰ by default.
    expected, deff, level : float
        Expected approval, design effect and confidence level for the margins.
    bands : Mapping[str, sequence of str]
        Grade bands per group.
    """
    total = sample_size(population, rate)
    groups = group_quotas(
        total, group_populations, parent_share=parent_share, shared=shared, overflow=overflow
    )
    areas = None
    if area_populations is not None:
        # the split's own classes: 城区/镇区/乡村, or 城镇/乡村 where only that is published
        classes = AREAS if set(area_populations) <= set(AREAS) else URBAN_RURAL
        unknown = set(area_populations) - set(classes)
        if unknown:
            raise ValueError(
                f"unknown areas: {', '.join(sorted(unknown))} (use 城区/镇区/乡村 or 城镇/乡村)"
            )
        areas = largest_remainder(total, {area: area_populations.get(area, 0) for area in classes})
    grades = {
        group: largest_remainder(groups.quotas[group], {band: 1 for band in names})
        for group, names in bands.items()
    }
    margins: dict[str, float | None] = {
        group: margin_of_error(n, expected, deff=deff, level=level)
        for group, n in groups.quotas.items()
    }
    margins["总体"] = margin_of_error(total, expected, deff=deff, level=level)
    return SamplePlan(
        population=population,
        rate=_exact(rate),
        total=total,
        groups=groups,
        areas=areas,
        grades=grades,
        margins=margins,
        expected=expected,
        deff=deff,
        level=level,
    )


def plan_from_standard(
    population: int,
    settings: SamplingSettings,
    *,
    area_populations: Mapping[str, int] | None = None,
    group_populations: Mapping[str, int] | None = None,
    expected: float = 0.85,
    deff: float = 1.0,
    level: float = 0.95,
) -> SamplePlan:
    """:func:`plan_sample` with the sample rules of a standard file (SPEC §2.6)."""
    bands = {
        "学生": tuple(f"{low}–{high}" for low, high in settings.student_grades),
        PARENTS: tuple(f"{low}–{high}" for low, high in settings.parent_grades),
    }
    return plan_sample(
        population,
        area_populations=area_populations,
        group_populations=group_populations,
        rate=settings.rate,
        expected=expected,
        deff=deff,
        level=level,
        bands=bands,
        parent_share=settings.parent_share,
        shared=settings.groups,
        overflow=settings.overflow,
    )


def band_range(name: str) -> tuple[int, int]:
    """A grade band's grades: "3–6" (or "3-6") → (3, 6), "7" → (7, 7)."""
    low, _, high = name.replace("-", "–").partition("–")
    return int(low), int(high or low)


def plan_shares(
    plan: SamplePlan | None, settings: SamplingSettings | None = None
) -> dict[str, float]:
    """Each group's share of the sample plan, the W_h of ``planned`` (SPEC §4).

    With a plan, the group quotas over N (groups with a quota only); without one,
    家长 the parent share (½) and the rest equally (1/12 each of the six other groups),
    or as the standard's sampling settings say.
    """
    if plan is not None and plan.total > 0:
        return {g: q / plan.total for g, q in plan.groups.quotas.items() if q > 0}
    parent_share = _exact(settings.parent_share) if settings else Fraction(1, 2)
    shared = settings.groups if settings else SHARED_GROUPS
    rest = (1 - parent_share) / len(shared)
    shares = {PARENTS: parent_share} | {group: rest for group in shared}
    return {group: float(shares[group]) for group in GROUPS if shares.get(group, 0) > 0}
