"""The county's approval: the overall modes and the decision (SPEC §4 "Overall", "Decision").

- ``pooled`` (default): p̂ = Σ_all w a / Σ_all w b;
- ``policy``: p̂ = Σ W_h p̂_h with the user's weights W_h, normalised over the groups
  present;
- ``planned``: ``policy`` with W_h = the group's share of the sample plan
  (:func:`analysis.sampling.plan_shares`), a sensitivity figure shown beside the chosen
  one; the decision stays on the chosen figure.

In ``policy`` and ``planned`` a group (with W_h > 0) of fewer than 2 clusters
(respondents, in the simple design) leaves the overall SE, interval, p-value and
certainty null, with the reason among the warnings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np

from analysis.approval_design import overall_df, school_overall_variance, simple_variances
from analysis.approval_groups import SMALL_N_KISH, GroupFigures, kish
from analysis.approval_sums import FloatArray, Table
from analysis.intervals import confidence_interval, p_value
from analysis.tables import InputRefused, Problem
from analysis.vocabulary import GROUPS

Certainty = Literal["clear", "borderline", "fails", "insufficient"]

#: ``met`` allows this much floating-point noise below the threshold: p̂ = Σ W_h p̂_h can
#: land one ulp under an exact 0.85 (0.5·0.8 + 0.5·0.9 is 0.85000000000000009, the
#: other order can give 0.84999999999999998).
MET_TOLERANCE: Final = 1e-12


@dataclass(frozen=True)
class OverallEstimate:
    """The county's approval (SPEC §4 "Overall").

    Attributes
    ----------
    approval : float
        p̂.
    se : float or None
        Its standard error; None when a ``policy``/``planned`` group has fewer than two
        clusters (then ``ci`` and ``n_eff`` are None too).
    df : int
        Clusters (respondents, in the simple design) with weight > 0 minus the strata.
    n : int
        Respondents in the estimate.
    n_eff : float or None
        p̂(1 − p̂)/SE², or ``n_kish`` under the SE = 0 rules.
    n_kish : float
        Kish's n: (Σ w b)²/Σ (w b)² for ``pooled``, 1/Σ_h W_h²/n_kish,h otherwise.
    ci : (float, float) or None
    method : str
        The interval method asked for.
    mode : {"pooled", "policy", "planned"}
    weights : Mapping[str, float] or None
        The normalised W_h; None for ``pooled``.
    design : {"school", "none"}
    deff : float or None
        The clustered variance over the simple design's, same estimator (null when
        ``design`` is none or either SE is 0).
    degenerate : bool
        Whether the SE = 0 rules applied.
    """

    approval: float
    se: float | None
    df: int
    n: int
    n_eff: float | None
    n_kish: float
    ci: tuple[float, float] | None
    method: str
    mode: str
    weights: Mapping[str, float] | None
    design: str
    deff: float | None
    degenerate: bool

    def to_dict(self) -> dict[str, Any]:
        """The SPEC §5 ``overall`` entry."""
        return {
            "approval": self.approval,
            "se": self.se,
            "df": self.df,
            "n_eff": self.n_eff,
            "n_kish": self.n_kish,
            "ci": None if self.ci is None else [self.ci[0], self.ci[1]],
            "method": self.method,
            "mode": self.mode,
            "weights": None if self.weights is None else dict(self.weights),
            "design": self.design,
            "deff": self.deff,
        }


@dataclass(frozen=True)
class Combination:
    """An overall mode before its interval: p̂, the variances, n, Kish's n, W_h."""

    approval: float
    variance: float
    simple_variance: float
    n: int
    n_kish: float
    weights: dict[str, float] | None
    lonely: tuple[str, ...] = ()  # W_h > 0 groups with fewer than two clusters


def _variances(table: Table, coef: FloatArray, p: FloatArray) -> tuple[float, float]:
    simple = float(simple_variances(table, coef, p).sum())
    if table.clusters is None:
        return simple, simple
    return school_overall_variance(table, coef, p), simple


def pooled(table: Table) -> Combination:
    """Σ_all w a / Σ_all w b, strata and clusters as the design says."""
    sums = table.sums
    total_wb = float(sums.sum_wb.sum())
    p = float(sums.sum_wa.sum()) / total_wb
    size = len(table.groups)
    variance, simple = _variances(table, np.full(size, 1.0 / total_wb), np.full(size, p))
    n_kish = kish(total_wb, float(sums.sum_w2b2.sum()))
    return Combination(p, variance, simple, int(sums.n.sum()), n_kish, None)


def combine(table: Table, figures: GroupFigures, weights: Mapping[str, float]) -> Combination:
    """Σ W_h p̂_h over the usable groups, with normalised ``weights`` (SPEC §4 policy)."""
    index = {name: k for k, name in enumerate(table.groups)}
    w = np.zeros(len(table.groups))
    for name, value in weights.items():
        w[index[name]] = value
    p = min(1.0, max(0.0, float(np.dot(w, figures.p))))
    variance, simple = _variances(table, w / figures.sum_wb, figures.p)
    members = [index[name] for name in weights]
    weighted = [(w[k], figures.kish[k]) for k in members if w[k] > 0]
    n_kish = 1.0 / sum(x * x / k for x, k in weighted)
    lonely = tuple(table.groups[k] for k in members if w[k] > 0 and figures.clusters[k] < 2)
    # n is the design's (R: nrow(design)): a group without an estimate (weights all 0)
    # has no W_h but its respondents stay in n, as w_i = 0 respondents do (SPEC §4)
    n = int(table.sums.n.sum())
    return Combination(p, variance, simple, n, n_kish, dict(weights), lonely)


def normalise_weights(
    weights: Mapping[str, float] | None, usable: Sequence[str], warnings: list[str]
) -> dict[str, float]:
    """Validate and normalise the policy weights W_h over the usable groups (SPEC §4)."""
    if not weights:
        raise InputRefused(
            [Problem(None, "--weights", "policy 方式需要各群体的权重，如 家长=0.5,学生=0.1,…")]
        )
    problems: list[Problem] = []
    for name, value in weights.items():
        if name not in GROUPS:
            problems.append(Problem(None, "--weights", f"“{name}”不是群体（{' / '.join(GROUPS)}）"))
        elif not (math.isfinite(value) and value >= 0):
            problems.append(Problem(None, "--weights", f"{name} 的权重 {value} 应为不小于 0 的数"))
    problems.extend(
        Problem(None, "--weights", f"数据中有“{name}”，但权重中没有它")
        for name in usable
        if name not in weights
    )
    if problems:
        raise InputRefused(problems)
    warnings.extend(
        f"权重中的“{name}”在数据中没有可用的回答，已舍去；其余权重已重新归一化"
        for name in weights
        if name not in usable
    )
    total = sum(weights[name] for name in usable)
    if not total > 0:
        raise InputRefused([Problem(None, "--weights", "数据中各群体的权重之和为 0")])
    return {name: weights[name] / total for name in usable}


def planned_weights(shares: Mapping[str, float], usable: Sequence[str]) -> dict[str, float]:
    """The plan's shares renormalised over the usable groups (SPEC §4 ``planned``)."""
    total = sum(shares.get(name, 0.0) for name in usable)
    if not total > 0:
        return {}
    return {name: shares.get(name, 0.0) / total for name in usable}


@dataclass(frozen=True)
class Decided:
    """An overall estimate with its interval and test."""

    estimate: OverallEstimate
    p_value: float | None
    certainty: Certainty | None


def decide(
    table: Table,
    combination: Combination,
    *,
    mode: str,
    ci: str,
    level: float,
    threshold: float,
) -> Decided:
    """The interval, the p-value and the certainty of an overall mode (SPEC §4)."""
    p, df, n, n_kish = combination.approval, overall_df(table), combination.n, combination.n_kish
    se = math.sqrt(combination.variance)
    clustered = table.clusters is not None
    interval = confidence_interval(ci, p, se, n=n, df=df, n_kish=n_kish, level=level)
    nulled = bool(combination.lonely)
    deff = None
    if clustered and combination.simple_variance > 0 and not interval.degenerate and not nulled:
        deff = combination.variance / combination.simple_variance
    estimate = OverallEstimate(
        approval=p,
        se=None if nulled else (0.0 if interval.degenerate else se),
        df=df,
        n=n,
        n_eff=None if nulled else interval.n_eff,
        n_kish=n_kish,
        ci=None if nulled else (interval.lower, interval.upper),
        method=ci,
        mode=mode,
        weights=combination.weights,
        design="school" if clustered else "none",
        deff=deff,
        degenerate=interval.degenerate and not nulled,
    )
    if nulled:
        return Decided(estimate, None, None)
    chance = p_value(ci, p, se, n=n, df=df, n_kish=n_kish, threshold=threshold, level=level)
    return Decided(
        estimate, chance, certainty_of(n_kish, interval.lower, interval.upper, threshold)
    )


def certainty_of(n_kish: float, lower: float, upper: float, threshold: float) -> Certainty:
    """``insufficient`` when n_kish < 30; ``clear`` when the lower limit ≥ θ, ``fails``
    when the upper limit < θ, else ``borderline`` (SPEC §4 "Decision")."""
    if n_kish < SMALL_N_KISH:
        return "insufficient"
    if lower >= threshold:
        return "clear"
    if upper < threshold:
        return "fails"
    return "borderline"


def is_met(approval: float, threshold: float) -> bool:
    """p̂ ≥ θ, decided on the point estimate [办法 第九条]."""
    return approval >= threshold - MET_TOLERANCE


def lonely_warning(groups: Sequence[str], design: str) -> str:
    unit = "所学校（群）" if design == "school" else "位受访者"
    return (
        f"{'、'.join(groups)}不足 2 {unit}，无法估计其抽样误差："
        "按群体加权的总体标准误、区间、p 值与确定性不予给出"
    )
