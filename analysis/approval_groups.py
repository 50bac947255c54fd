"""Each group's approval (SPEC §4 "Group h").

p̂_h = Σ w a / Σ w b (ratio estimator), its linearised SE under the design
(:mod:`analysis.approval_design`: respondents, or the clusters within the group), the
interval and Kish's n; a group with Σ w b = 0 has no estimate, with the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from analysis.approval_design import (
    group_clusters,
    school_group_variances,
    simple_variances,
)
from analysis.approval_sums import FloatArray, IntArray, Table
from analysis.intervals import confidence_interval

#: A group (or the overall estimate) with Kish's n below this is ``small`` /
#: ``insufficient`` (SPEC §4, in the spirit of NCHS's presentation standards).
SMALL_N_KISH: Final = 30
NO_WEIGHT: Final = "该群体回答的权重全为 0，无法估计"


@dataclass(frozen=True)
class GroupEstimate:
    """One group's approval (SPEC §4 "Group h").

    Attributes
    ----------
    group : str
        One of :data:`analysis.vocabulary.GROUPS`.
    n : int
        Respondents with a scored answer (including weight 0).
    approval : float or None
        p̂_h = Σ w a / Σ w b; None when Σ w b = 0 (``reason`` says why).
    se : float or None
        Linearised standard error (R ``svyratio`` on the group's subset).
    df : int or None
        Respondents (or clusters) with weight > 0, minus 1 (R ``degf``).
    n_eff : float or None
        p̂(1 − p̂)/SE² in answer units, or ``n_kish`` under the SE = 0 rules.
    n_kish : float or None
        (Σ w b)² / Σ (w b)², in respondents.
    small : bool
        ``n_kish`` < 30 (or no estimate).
    ci : (float, float) or None
        The interval of the chosen method.
    reason : str or None
        Why ``approval`` is None.
    """

    group: str
    n: int
    approval: float | None
    se: float | None
    df: int | None
    n_eff: float | None
    n_kish: float | None
    small: bool
    ci: tuple[float, float] | None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The SPEC §5 group entry: n, approval, se, n_eff, n_kish, small, ci."""
        return {
            "n": self.n,
            "approval": self.approval,
            "se": self.se,
            "n_eff": self.n_eff,
            "n_kish": self.n_kish,
            "small": self.small,
            "ci": None if self.ci is None else [self.ci[0], self.ci[1]],
        }


@dataclass(frozen=True, eq=False)
class GroupFigures:
    """The per-group arrays the overall modes build on (one entry per table group)."""

    usable: np.ndarray[Any, np.dtype[np.bool_]]
    p: FloatArray
    sum_wb: FloatArray  # Σ w b, 1 where it is 0 (no estimate, no 0/0)
    kish: FloatArray
    clusters: IntArray  # clusters (respondents, simple design) with weight > 0


def kish(sum_wb: float, sum_w2b2: float) -> float:
    """Kish's effective number of respondents (Σ w b)² / Σ (w b)²."""
    return sum_wb * sum_wb / sum_w2b2


def group_figures(table: Table) -> GroupFigures:
    sums = table.sums
    usable = sums.sum_wb > 0
    safe_wb = np.where(usable, sums.sum_wb, 1.0)
    safe_w2b2 = np.where(usable, sums.sum_w2b2, 1.0)
    return GroupFigures(
        usable=usable,
        p=np.where(usable, sums.sum_wa / safe_wb, 0.0),
        sum_wb=safe_wb,
        kish=np.where(usable, safe_wb * safe_wb / safe_w2b2, 0.0),
        clusters=group_clusters(table),
    )


def _group_variances(table: Table, figures: GroupFigures) -> FloatArray:
    coef = 1.0 / figures.sum_wb
    if table.clusters is None:
        return simple_variances(table, coef, figures.p)
    return school_group_variances(table, coef, figures.p)


def estimate_groups(
    table: Table, figures: GroupFigures, *, ci: str, level: float
) -> tuple[dict[str, GroupEstimate], list[str]]:
    """Every group's estimate, and the warnings (no estimate, small groups)."""
    variances = _group_variances(table, figures)
    estimates: dict[str, GroupEstimate] = {}
    warnings: list[str] = []
    for k, name in enumerate(table.groups):
        n = int(table.sums.n[k])
        if not figures.usable[k]:
            estimates[name] = GroupEstimate(
                name, n, None, None, None, None, None, True, None, NO_WEIGHT
            )
            warnings.append(f"{name}：{NO_WEIGHT}")
            continue
        p, n_kish = float(figures.p[k]), float(figures.kish[k])
        se, df = math.sqrt(float(variances[k])), int(figures.clusters[k]) - 1
        interval = confidence_interval(ci, p, se, n=n, df=df, n_kish=n_kish, level=level)
        small = n_kish < SMALL_N_KISH
        estimates[name] = GroupEstimate(
            name,
            n,
            p,
            0.0 if interval.degenerate else se,
            df,
            interval.n_eff,
            n_kish,
            small,
            (interval.lower, interval.upper),
        )
        if small:
            warnings.append(
                f"{name}：样本少（{n} 人，Kish 有效样本量 {n_kish:.1f} < {SMALL_N_KISH}），结果仅供参考"
            )
    return estimates, warnings
