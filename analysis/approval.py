"""社会认可度: the approval estimate, its interval and the decision (SPEC §4).

**Estimand.** The weighted share of scored answers that approve: for respondent i with
design weight w_i ≥ 0, a_i is the sum of the scores of the items answered within the
scheme and b_i the number of those items; the estimate is the ratio Σ w_i a_i / Σ w_i b_i
(R survey: ``svyratio(~a, ~b, design)``). One item gives the share of approving
respondents; a graded scheme gives a mean score.

**Variance.** Taylor linearisation of the ratio, as ``svyratio`` does, with the
respondent groups as strata (R: ``svydesign(ids = ~1, strata = ~group, weights =
~weight)``; with ``cluster="school"``: ``ids = ~school, nest = TRUE``) and
``options(survey.lonely.psu = "certainty")``. Degrees of freedom follow ``degf()``:
units with weight 0 count in n but not in df.

**Route.** Every figure follows from per-group sums (:class:`GroupSums`, and
:class:`ClusterSums` per group and school for the clustered variance), so that the
service can aggregate in SQL and call :func:`estimate_from_sums`;
:func:`analyze_responses` computes the same sums from a responses file and calls the
same code, so both routes give identical numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

from analysis.intervals import Interval, check_method, confidence_interval, p_value
from analysis.responses import (
    Responses,
    check_labels,
    read_responses,
    score,
    select_items,
)
from analysis.schemes import Scheme, load_scheme
from analysis.tables import InputRefused, Problem, Source
from analysis.vocabulary import GROUPS

__all__ = [
    "GROUPS",
    "ApprovalReport",
    "ClusterSums",
    "GroupEstimate",
    "GroupSums",
    "OverallEstimate",
    "analyze_responses",
    "describe_estimand",
    "estimate_from_sums",
    "format_percent",
    "sufficient_statistics",
]

Certainty = Literal["clear", "borderline", "fails", "insufficient"]

#: A group (or the overall estimate) with Kish's n below this is ``small`` /
#: ``insufficient`` (SPEC §4, in the spirit of NCHS's presentation standards).
SMALL_N_KISH: Final = 30
#: Valid rate below which a warning is given (SPEC §2.5).
LOW_VALID_RATE: Final = 0.70
#: ``met`` allows this much floating-point noise below the threshold: p̂ = Σ W_h p̂_h can
#: land one ulp under an exact 0.85 (0.5·0.8 + 0.5·0.9 is 0.85000000000000009, the
#: other order can give 0.84999999999999998).
MET_TOLERANCE: Final = 1e-12

RANDOM_SAMPLE_ASSUMPTION: Final = (
    "区间假定每个群体内的受访者是随机样本（受访者为独立单位，群体为层）；"
    "自愿填答的样本若有偏，区间不能反映这种偏差。"
)
CLUSTER_ASSUMPTION: Final = (
    "区间按学校整群计算（群体为层，学校为群体内的初级单元，无学校的受访者各自成群），"
    "假定学校是群体内的随机样本。"
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


# ---------------------------------------------------------------------------------------
# Sufficient statistics
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupSums:
    """Per-group sufficient statistics of SPEC §4, over the group's respondents.

    Include only valid respondents with at least one scored answer (b_i > 0); a
    respondent with weight 0 is included (it counts in ``n``). In SQL, per group::

        COUNT(*)                    AS n,
        COUNT(*) FILTER (w > 0)     AS n_positive,
        SUM(w*a), SUM(w*b), SUM(w*w*a*a), SUM(w*w*a*b), SUM(w*w*b*b)

    Attributes
    ----------
    group : str
        One of :data:`GROUPS`.
    n : int
        Respondents (b_i > 0), including those with w_i = 0.
    sum_wa, sum_wb : float
        Σ w_i a_i and Σ w_i b_i (a_i = sum of scores, b_i = number of scored answers).
    sum_w2a2, sum_w2ab, sum_w2b2 : float
        Σ w_i² a_i², Σ w_i² a_i b_i and Σ w_i² b_i².
    n_positive : int or None
        Respondents with w_i > 0 (for the degrees of freedom, as R's ``degf``); None
        means all n.
    """

    group: str
    n: int
    sum_wa: float
    sum_wb: float
    sum_w2a2: float
    sum_w2ab: float
    sum_w2b2: float
    n_positive: int | None = None


@dataclass(frozen=True)
class ClusterSums:
    """Sums per group and school, for ``cluster="school"`` (SPEC §4 ``--cluster``).

    One row per (group, school) over the same respondents as :class:`GroupSums`; a
    respondent without a school is its own cluster (in SQL: group by
    ``COALESCE(school, 'response:' || id)``). The respondent-level
    :class:`GroupSums` are still needed (for Kish's n and the design effect).

    Attributes
    ----------
    group : str
        One of :data:`GROUPS`.
    cluster : str
        The 学校代码, or any label unique to a school-less respondent.
    n : int
        Respondents in the cluster.
    sum_wa, sum_wb : float
        Σ w_i a_i and Σ w_i b_i over the cluster.
    n_positive : int or None
        Respondents with w_i > 0; None means all n.
    """

    group: str
    cluster: str
    n: int
    sum_wa: float
    sum_wb: float
    n_positive: int | None = None


@dataclass(frozen=True, eq=False)
class _Table:
    """The sums as arrays: one entry per group present (and per cluster)."""

    groups: tuple[str, ...]
    n: IntArray
    n_positive: IntArray
    sum_wa: FloatArray
    sum_wb: FloatArray
    sum_w2a2: FloatArray
    sum_w2ab: FloatArray
    sum_w2b2: FloatArray
    cluster_group: IntArray | None = None  # index into groups
    cluster_n: IntArray | None = None
    cluster_wa: FloatArray | None = None
    cluster_wb: FloatArray | None = None
    cluster_positive: npt.NDArray[np.bool_] | None = None
    cluster_labels: tuple[str, ...] | None = None


def _table_from_sums(groups: Iterable[GroupSums], clusters: Iterable[ClusterSums] | None) -> _Table:
    by_group: dict[str, GroupSums] = {}
    problems: list[Problem] = []
    for sums in groups:
        if sums.group not in GROUPS:
            problems.append(Problem(None, sums.group, "不是已知群体"))
        elif sums.group in by_group:
            problems.append(Problem(None, sums.group, "群体重复"))
        elif sums.n > 0:
            by_group[sums.group] = sums
    names = tuple(g for g in GROUPS if g in by_group)
    rows = [by_group[g] for g in names]
    cluster_rows = list(clusters) if clusters is not None else None
    if cluster_rows is not None:
        problems.extend(
            Problem(None, c.group, f"学校“{c.cluster}”的群体没有汇总数据")
            for c in cluster_rows
            if c.n > 0 and c.group not in by_group
        )
        cluster_rows = [c for c in cluster_rows if c.n > 0]
        with_clusters = {c.group for c in cluster_rows}
        problems.extend(
            Problem(None, name, "有群体汇总数据，但没有按学校的汇总")
            for name in by_group
            if name not in with_clusters
        )
    if problems:
        raise InputRefused(problems)

    def column(values: Iterable[float]) -> FloatArray:
        return np.fromiter(values, dtype=np.float64)

    return _Table(
        groups=names,
        n=np.array([r.n for r in rows], dtype=np.int64),
        n_positive=np.array(
            [r.n if r.n_positive is None else r.n_positive for r in rows], dtype=np.int64
        ),
        sum_wa=column(r.sum_wa for r in rows),
        sum_wb=column(r.sum_wb for r in rows),
        sum_w2a2=column(r.sum_w2a2 for r in rows),
        sum_w2ab=column(r.sum_w2ab for r in rows),
        sum_w2b2=column(r.sum_w2b2 for r in rows),
        cluster_group=None
        if cluster_rows is None
        else np.array([names.index(c.group) for c in cluster_rows], dtype=np.int64),
        cluster_n=None
        if cluster_rows is None
        else np.array([c.n for c in cluster_rows], dtype=np.int64),
        cluster_wa=None if cluster_rows is None else column(c.sum_wa for c in cluster_rows),
        cluster_wb=None if cluster_rows is None else column(c.sum_wb for c in cluster_rows),
        cluster_positive=None
        if cluster_rows is None
        else np.array(
            [(c.n if c.n_positive is None else c.n_positive) > 0 for c in cluster_rows], dtype=bool
        ),
        cluster_labels=None if cluster_rows is None else tuple(c.cluster for c in cluster_rows),
    )


def _table_from_arrays(
    group: IntArray,
    weight: FloatArray,
    a: FloatArray,
    b: FloatArray,
    cluster: IntArray | None,
    cluster_names: Sequence[str] = (),
    rows: IntArray | None = None,
) -> _Table:
    """Sums per group (and per group × cluster) with ``np.bincount``.

    ``group`` indexes :data:`GROUPS`; ``cluster`` holds a school code ≥ 0 or -1 for a
    respondent without a school (its own cluster, labelled ``#<row>``).
    """
    size = len(GROUPS)
    wa = weight * a
    wb = weight * b
    positive = weight > 0

    def per_group(values: FloatArray | npt.NDArray[np.bool_] | None) -> FloatArray:
        return np.bincount(group, weights=values, minlength=size).astype(np.float64)

    n = per_group(None)
    present = np.flatnonzero(n > 0)
    table = _Table(
        groups=tuple(GROUPS[k] for k in present),
        n=n[present].astype(np.int64),
        n_positive=per_group(positive)[present].astype(np.int64),
        sum_wa=per_group(wa)[present],
        sum_wb=per_group(wb)[present],
        sum_w2a2=per_group(wa * wa)[present],
        sum_w2ab=per_group(wa * wb)[present],
        sum_w2b2=per_group(wb * wb)[present],
    )
    if cluster is None:
        return table
    schools = max(len(cluster_names), 1)
    # key: group × school for respondents with a school, a unique key otherwise
    key = np.where(
        cluster >= 0,
        group * schools + cluster,
        size * schools + np.arange(len(group), dtype=np.int64),
    )
    keys, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    position_of = np.full(size, -1, dtype=np.int64)
    position_of[present] = np.arange(len(present))
    row_numbers = rows if rows is not None else np.arange(len(group), dtype=np.int64)
    labels = tuple(
        cluster_names[int(cluster[i])] if cluster[i] >= 0 else f"#{int(row_numbers[i])}"
        for i in first.tolist()
    )
    count = len(keys)
    return replace(
        table,
        cluster_group=position_of[group[first]],
        cluster_n=np.bincount(inverse, minlength=count).astype(np.int64),
        cluster_wa=np.bincount(inverse, weights=wa, minlength=count).astype(np.float64),
        cluster_wb=np.bincount(inverse, weights=wb, minlength=count).astype(np.float64),
        cluster_positive=np.bincount(inverse, weights=positive, minlength=count) > 0,
        cluster_labels=labels,
    )


def _sums_of_table(table: _Table) -> tuple[tuple[GroupSums, ...], tuple[ClusterSums, ...] | None]:
    groups = tuple(
        GroupSums(
            group=name,
            n=int(table.n[k]),
            n_positive=int(table.n_positive[k]),
            sum_wa=float(table.sum_wa[k]),
            sum_wb=float(table.sum_wb[k]),
            sum_w2a2=float(table.sum_w2a2[k]),
            sum_w2ab=float(table.sum_w2ab[k]),
            sum_w2b2=float(table.sum_w2b2[k]),
        )
        for k, name in enumerate(table.groups)
    )
    if table.cluster_group is None:
        return groups, None
    assert table.cluster_wa is not None and table.cluster_wb is not None
    assert table.cluster_positive is not None and table.cluster_labels is not None
    assert table.cluster_n is not None
    clusters = tuple(
        ClusterSums(
            group=table.groups[int(table.cluster_group[c])],
            cluster=table.cluster_labels[c],
            n=int(table.cluster_n[c]),
            n_positive=int(table.cluster_positive[c]),
            sum_wa=float(table.cluster_wa[c]),
            sum_wb=float(table.cluster_wb[c]),
        )
        for c in range(len(table.cluster_group))
    )
    return groups, clusters


# ---------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupEstimate:
    """One group's approval (SPEC §4 "Group h").

    Attributes
    ----------
    group : str
        One of :data:`GROUPS`.
    n : int
        Respondents with a scored answer (including weight 0).
    approval : float or None
        p̂_h = Σ w a / Σ w b; None when Σ w b = 0 (``reason`` says why).
    se : float or None
        Linearised standard error (R ``svyratio`` on the group's subset).
    df : int or None
        Respondents (or schools) with weight > 0, minus 1 (R ``degf``).
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


@dataclass(frozen=True)
class OverallEstimate:
    """The county's approval (SPEC §4 "Overall").

    Attributes
    ----------
    approval, se : float
        p̂ and its standard error.
    df : int
        n − H (respondents, or schools with ``--cluster``, with weight > 0, minus the
        groups that have one).
    n : int
        Respondents in the estimate.
    n_eff : float
        p̂(1 − p̂)/SE², or ``n_kish`` under the SE = 0 rules.
    n_kish : float
        Kish's n: (Σ w b)²/Σ (w b)² for ``pooled``, 1/Σ_h W_h²/n_kish,h for ``policy``.
    ci : (float, float)
        The interval.
    method : str
        The interval method asked for.
    mode : {"pooled", "policy"}
    weights : Mapping[str, float] or None
        The normalised policy weights W_h; None for ``pooled``.
    deff : float or None
        Clustered variance over the unclustered one (with ``--cluster``).
    degenerate : bool
        Whether the SE = 0 rules applied.
    """

    approval: float
    se: float
    df: int
    n: int
    n_eff: float
    n_kish: float
    ci: tuple[float, float]
    method: str
    mode: str
    weights: Mapping[str, float] | None
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
            "ci": [self.ci[0], self.ci[1]],
            "method": self.method,
            "mode": self.mode,
            "weights": None if self.weights is None else dict(self.weights),
            "deff": self.deff,
        }


@dataclass(frozen=True)
class ApprovalReport:
    """Everything ``renke analyze`` reports (SPEC §5).

    Attributes
    ----------
    groups : Mapping[str, GroupEstimate]
        The groups with scored answers, in :data:`GROUPS` order.
    overall : OverallEstimate
    threshold : float
        θ, the standard (0.85 by 第九条 of the 办法).
    level : float
        Confidence level of the intervals.
    met : bool
        p̂ ≥ θ, decided on the point estimate [办法].
    certainty : {"clear", "borderline", "fails", "insufficient"}
        ``insufficient`` when the overall n_kish < 30; else ``clear`` when the lower
        limit ≥ θ, ``fails`` when the upper limit < θ, ``borderline`` otherwise.
    p_value : float
        One-sided p-value of H0: approval ≤ θ, inverting the chosen interval.
    valid_rate : float or None
        Valid rows over all rows (None from sums without it).
    warnings : tuple of str
    estimand : str
        The estimand in words, stated in every report.
    assumption : str
        The sampling assumption behind the intervals.
    cluster : str or None
        ``"school"`` when clustered.
    rows, valid_rows : int or None
        Rows in the file and valid rows.
    """

    groups: Mapping[str, GroupEstimate]
    overall: OverallEstimate
    threshold: float
    level: float
    met: bool
    certainty: Certainty
    p_value: float
    valid_rate: float | None
    warnings: tuple[str, ...]
    estimand: str
    assumption: str
    cluster: str | None = None
    rows: int | None = None
    valid_rows: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Exactly the SPEC §5 ``renke analyze`` JSON; numbers unrounded."""
        return {
            "groups": {name: estimate.to_dict() for name, estimate in self.groups.items()},
            "overall": self.overall.to_dict(),
            "threshold": self.threshold,
            "met": self.met,
            "certainty": self.certainty,
            "p_value": self.p_value,
            "valid_rate": self.valid_rate,
            "warnings": list(self.warnings),
        }


# ---------------------------------------------------------------------------------------
# The estimator
# ---------------------------------------------------------------------------------------


@dataclass
class _Notes:
    warnings: list[str] = field(default_factory=list)


def _stratum_variance(n: float, sum_z: float, sum_z2: float) -> float:
    """n/(n − 1) Σ (z − z̄)² from Σ z and Σ z² (0 for a single unit, as R's "certainty")."""
    if n <= 1:
        return 0.0
    return max(0.0, n / (n - 1.0) * (sum_z2 - sum_z * sum_z / n))


def _respondent_variances(table: _Table, p: FloatArray, total_wb: FloatArray) -> FloatArray:
    """Per group h: n_h/(n_h − 1) Σ_{i∈h} (z_i − z̄_h)², z_i = w_i(a_i − p b_i)/total_wb.

    From the sums: Σ z = (Σwa − p Σwb)/B and Σ z² = (Σw²a² − 2p Σw²ab + p² Σw²b²)/B².
    """
    sum_z = (table.sum_wa - p * table.sum_wb) / total_wb
    sum_z2 = (table.sum_w2a2 - 2.0 * p * table.sum_w2ab + p * p * table.sum_w2b2) / (
        total_wb * total_wb
    )
    return np.array(
        [
            _stratum_variance(float(table.n[k]), float(sum_z[k]), float(sum_z2[k]))
            for k in range(len(table.groups))
        ]
    )


def _cluster_variances(table: _Table, p: FloatArray, total_wb: FloatArray) -> FloatArray:
    """Per group h: m_h/(m_h − 1) Σ_c (Z_c − Z̄_h)² over its m_h clusters (R svyrecvar).

    Z_c = (Σ_c w a − p Σ_c w b)/total_wb, the cluster total of z_i.
    """
    assert table.cluster_group is not None
    assert table.cluster_wa is not None and table.cluster_wb is not None
    groups = table.cluster_group
    size = len(table.groups)
    z = (table.cluster_wa - p[groups] * table.cluster_wb) / total_wb[groups]
    m = np.bincount(groups, minlength=size).astype(np.float64)
    mean = np.bincount(groups, weights=z, minlength=size) / np.maximum(m, 1.0)
    squares = np.bincount(groups, weights=(z - mean[groups]) ** 2, minlength=size)
    return np.where(m > 1, m / np.maximum(m - 1.0, 1.0) * squares, 0.0)


def _clusters_positive(table: _Table) -> IntArray:
    assert table.cluster_group is not None and table.cluster_positive is not None
    return np.bincount(
        table.cluster_group, weights=table.cluster_positive, minlength=len(table.groups)
    ).astype(np.int64)


def _kish(sum_wb: float, sum_w2b2: float) -> float:
    """Kish's effective number of respondents (Σ w b)² / Σ (w b)²."""
    return sum_wb * sum_wb / sum_w2b2


def _policy_weights(
    weights: Mapping[str, float] | None, usable: Sequence[str], notes: _Notes
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
    for name in weights:
        if name not in usable:
            notes.warnings.append(
                f"权重中的“{name}”在数据中没有可用的回答，已舍去；其余权重已重新归一化"
            )
    total = sum(weights[name] for name in usable)
    if not total > 0:
        raise InputRefused([Problem(None, "--weights", "数据中各群体的权重之和为 0")])
    return {name: weights[name] / total for name in usable}


def _check_options(overall: str, ci: str, level: float, threshold: float) -> list[Problem]:
    problems = []
    if overall not in ("pooled", "policy"):
        problems.append(Problem(None, "--overall", f"“{overall}”应为 pooled 或 policy"))
    try:
        check_method(ci)
    except ValueError:
        problems.append(Problem(None, "--ci", f"“{ci}”应为 korn-graubard、wilson、logit 或 wald"))
    if not (0.0 < level < 1.0):
        problems.append(Problem(None, "--level", f"置信水平 {level} 应在 0 与 1 之间"))
    if not (0.0 < threshold < 1.0):
        problems.append(Problem(None, "--threshold", f"标准 {threshold} 应在 0 与 1 之间"))
    return problems


def _estimate(
    table: _Table,
    *,
    overall: str,
    weights: Mapping[str, float] | None,
    ci: str,
    level: float,
    threshold: float,
    valid_rate: float | None,
    warnings: Sequence[str],
    estimand: str,
    rows: int | None = None,
    valid_rows: int | None = None,
    valid_rate_warning: float = LOW_VALID_RATE,
) -> ApprovalReport:
    problems = _check_options(overall, ci, level, threshold)
    if problems:
        raise InputRefused(problems)
    notes = _Notes(list(warnings))
    clustered = table.cluster_group is not None
    if not table.groups or not float(table.sum_wb.sum()) > 0:
        raise InputRefused(
            [Problem(None, None, "没有可计分的有效回答（或权重全为 0），无法估计认可度")]
        )

    # groups (SPEC §4 "Group h")
    usable_mask = table.sum_wb > 0
    safe_wb = np.where(usable_mask, table.sum_wb, 1.0)  # Σ w b = 0: no estimate, no 0/0
    p_group = np.where(usable_mask, table.sum_wa / safe_wb, 0.0)
    var_srs_group = _respondent_variances(table, p_group, safe_wb)
    if clustered:
        var_group = _cluster_variances(table, p_group, safe_wb)
        df_group = _clusters_positive(table) - 1
    else:
        var_group = var_srs_group
        df_group = table.n_positive - 1
    estimates: dict[str, GroupEstimate] = {}
    kish_group: dict[str, float] = {}
    for k, name in enumerate(table.groups):
        n = int(table.n[k])
        if not usable_mask[k]:
            reason = "该群体回答的权重全为 0，无法估计"
            estimates[name] = GroupEstimate(
                name, n, None, None, None, None, None, True, None, reason
            )
            notes.warnings.append(f"{name}：{reason}")
            continue
        n_kish = _kish(float(table.sum_wb[k]), float(table.sum_w2b2[k]))
        kish_group[name] = n_kish
        p, se, df = float(p_group[k]), math.sqrt(float(var_group[k])), int(df_group[k])
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
            notes.warnings.append(
                f"{name}：样本少（{n} 人，Kish 有效样本量 {n_kish:.1f} < {SMALL_N_KISH}），结果仅供参考"
            )
    usable = [name for name in table.groups if name in kish_group]

    # overall (SPEC §4 "Overall")
    index = {name: k for k, name in enumerate(table.groups)}
    policy_weights: dict[str, float] | None = None
    if overall == "pooled":
        total_wb = float(table.sum_wb.sum())
        p = float(table.sum_wa.sum()) / total_wb
        p_all = np.full(len(table.groups), p)
        b_all = np.full(len(table.groups), total_wb)
        var_srs = float(_respondent_variances(table, p_all, b_all).sum())
        var = float(_cluster_variances(table, p_all, b_all).sum()) if clustered else var_srs
        members = list(range(len(table.groups)))
        n_kish = _kish(total_wb, float(table.sum_w2b2.sum()))
    else:
        policy_weights = _policy_weights(weights, usable, notes)
        members = [index[name] for name in usable]
        p = sum(policy_weights[name] * float(p_group[index[name]]) for name in usable)
        var_srs = sum(policy_weights[g] ** 2 * float(var_srs_group[index[g]]) for g in usable)
        var = sum(policy_weights[g] ** 2 * float(var_group[index[g]]) for g in usable)
        weighted = [(policy_weights[g], kish_group[g]) for g in usable if policy_weights[g] > 0]
        n_kish = 1.0 / sum(w * w / kish for w, kish in weighted)
        p = min(1.0, max(0.0, p))
    n_total = int(table.n[members].sum())
    positive_units = _clusters_positive(table) if clustered else table.n_positive
    strata = int(np.count_nonzero(positive_units[members] > 0))
    df = int(positive_units[members].sum()) - strata
    se = math.sqrt(var)
    result_interval: Interval = confidence_interval(
        ci, p, se, n=n_total, df=df, n_kish=n_kish, level=level
    )
    deff = var / var_srs if clustered and var_srs > 0 and not result_interval.degenerate else None
    result = OverallEstimate(
        approval=p,
        se=0.0 if result_interval.degenerate else se,
        df=df,
        n=n_total,
        n_eff=result_interval.n_eff,
        n_kish=n_kish,
        ci=(result_interval.lower, result_interval.upper),
        method=ci,
        mode=overall,
        weights=policy_weights,
        deff=deff,
        degenerate=result_interval.degenerate,
    )
    if result_interval.degenerate:
        notes.warnings.append(
            "总体标准误为 0（或只有一位受访者），区间按 Kish 有效样本量计算（SPEC §4）"
        )
    if valid_rate is not None and valid_rate < valid_rate_warning:
        notes.warnings.append(f"有效率 {valid_rate:.1%} 低于 {valid_rate_warning:.0%}")
    certainty: Certainty
    if n_kish < SMALL_N_KISH:
        certainty = "insufficient"
    elif result_interval.lower >= threshold:
        certainty = "clear"
    elif result_interval.upper < threshold:
        certainty = "fails"
    else:
        certainty = "borderline"
    return ApprovalReport(
        groups=estimates,
        overall=result,
        threshold=threshold,
        level=level,
        met=p >= threshold - MET_TOLERANCE,
        certainty=certainty,
        p_value=p_value(
            ci, p, se, n=n_total, df=df, n_kish=n_kish, threshold=threshold, level=level
        ),
        valid_rate=valid_rate,
        warnings=tuple(notes.warnings),
        estimand=estimand,
        assumption=CLUSTER_ASSUMPTION if clustered else RANDOM_SAMPLE_ASSUMPTION,
        cluster="school" if clustered else None,
        rows=rows,
        valid_rows=valid_rows,
    )


def describe_estimand(scheme: Scheme, items: Sequence[str] | None = None) -> str:
    """The estimand in words (SPEC §4 "Estimand"), for every report."""
    approving = "、".join(label for label, s in scheme.scores.items() if s == 1.0)
    unscored = "、".join(sorted(scheme.unscored)) + "与空白"
    if not scheme.is_binary:
        what = f"计分回答的加权平均得分（评分方案 {scheme.describe()}）"
    elif items is not None and len(items) == 1:
        what = f"在题目 {items[0]} 上表示认可（{approving}）的受访者的加权比例"
    else:
        what = f"全部计分回答中表示认可（{approving}）的回答的加权比例"
    where = f"（题目：{'、'.join(items)}）" if items is not None and len(items) > 1 else ""
    return f"社会认可度：{what}{where}；{unscored}不计入。"


def estimate_from_sums(
    groups: Iterable[GroupSums],
    *,
    clusters: Iterable[ClusterSums] | None = None,
    overall: str = "pooled",
    weights: Mapping[str, float] | None = None,
    ci: str = "korn-graubard",
    level: float = 0.95,
    threshold: float = 0.85,
    valid_rate: float | None = None,
    estimand: str | None = None,
    valid_rate_warning: float = LOW_VALID_RATE,
) -> ApprovalReport:
    """The SPEC §4 estimates from per-group sufficient statistics.

    The service aggregates valid respondents with at least one scored answer in SQL
    and calls this; :func:`analyze_responses` gives identical results on the same
    respondents.

    Parameters
    ----------
    groups : iterable of GroupSums
        One per group present (see :class:`GroupSums` for each field and its SQL).
    clusters : iterable of ClusterSums, optional
        One per group × school for ``--cluster school`` (see :class:`ClusterSums`).
    overall : {"pooled", "policy"}
        ``pooled``: Σ w a / Σ w b over all respondents, groups as strata;
        ``policy``: Σ W_h p̂_h with the group weights ``weights``.
    weights : Mapping[str, float], optional
        Policy weights W_h (required for ``policy``; normalised over the groups present).
    ci : {"korn-graubard", "wilson", "logit", "wald"}
    level : float
    threshold : float
        θ of SPEC §2.4 (社会认可度 ≥ 85%).
    valid_rate : float, optional
        Passed through to the report (and warned about under ``valid_rate_warning``).
    estimand : str, optional
        The estimand in words; default that of ``top2`` over all items.

    Returns
    -------
    ApprovalReport

    Raises
    ------
    InputRefused
        For unknown groups, no scored answers, or bad options and policy weights.
    """
    table = _table_from_sums(groups, clusters)
    return _estimate(
        table,
        overall=overall,
        weights=weights,
        ci=ci,
        level=level,
        threshold=threshold,
        valid_rate=valid_rate,
        warnings=(),
        estimand=estimand or describe_estimand(load_scheme("top2")),
        valid_rate_warning=valid_rate_warning,
    )


@dataclass(frozen=True, eq=False)
class _Scored:
    table: _Table
    warnings: tuple[str, ...]
    valid_rows: int
    item_ids: tuple[str, ...] | None


def _score_responses(
    responses: Responses,
    scheme: Scheme,
    items: Sequence[str] | None,
    cluster: str | None,
) -> _Scored:
    problems = check_labels(responses, scheme)
    if cluster not in (None, "school"):
        problems.append(Problem(None, "--cluster", f"“{cluster}”无效，只支持 school"))
    if problems:
        raise InputRefused(problems, source=responses.source)
    chosen = select_items(responses, items)
    a, b = score(responses, scheme, [item.id for item in chosen])
    valid = responses.valid & (responses.group >= 0)
    if not valid.any():
        raise InputRefused(
            [Problem(None, None, f"没有有效回答（共 {len(responses)} 行，全部无效）")],
            source=responses.source,
        )
    keep = valid & (b > 0)
    warnings: list[str] = []
    for k, name in enumerate(GROUPS):
        in_group = valid & (responses.group == k)
        unscored = int(np.count_nonzero(in_group & (b == 0)))
        if unscored and not (keep & (responses.group == k)).any():
            warnings.append(
                f"{name}：{unscored} 份有效回答都没有计分的答案（只有不了解或空白），该群体无估计"
            )
        elif unscored:
            warnings.append(
                f"{name}：{unscored} 份有效回答没有计分的答案（只有不了解或空白），未计入"
            )
    if not keep.any():
        raise InputRefused(
            [Problem(None, None, "有效回答中没有可计分的答案（全部为不了解或空白）")],
            source=responses.source,
        )
    school = responses.school.codes[keep] if cluster == "school" else None
    table = _table_from_arrays(
        responses.group[keep],
        responses.weight[keep],
        a[keep],
        b[keep],
        school,
        responses.school.labels,
        responses.rows[keep],
    )
    item_ids = tuple(item.id for item in chosen) if items else None
    return _Scored(table, tuple(warnings), int(np.count_nonzero(responses.valid)), item_ids)


def sufficient_statistics(
    source: Source | Responses,
    *,
    scheme: str | Path | Scheme = "top2",
    items: Sequence[str] | None = None,
    cluster: str | None = None,
) -> tuple[tuple[GroupSums, ...], tuple[ClusterSums, ...] | None]:
    """The per-group (and per group × school) sums :func:`estimate_from_sums` takes."""
    chosen_scheme = load_scheme(scheme)
    responses = _read(source, chosen_scheme)
    return _sums_of_table(_score_responses(responses, chosen_scheme, items, cluster).table)


def _read(source: Source | Responses, scheme: Scheme) -> Responses:
    if isinstance(source, Responses):
        return source
    return read_responses(source, scheme=scheme)


def analyze_responses(
    source: Source | Responses,
    *,
    scheme: str | Path | Scheme = "top2",
    items: Sequence[str] | None = None,
    overall: str = "pooled",
    weights: Mapping[str, float] | None = None,
    cluster: str | None = None,
    ci: str = "korn-graubard",
    level: float = 0.95,
    threshold: float = 0.85,
) -> ApprovalReport:
    """社会认可度 of a responses table, as ``renke analyze`` reports it (SPEC §4, §5).

    Parameters
    ----------
    source : path, bytes, binary file or Responses
        The SPEC §3 responses table (CSV or XLSX), or one already read with
        :func:`analysis.responses.read_responses`.
    scheme : "top2", TOML path or Scheme
        How labels score (:mod:`analysis.schemes`).
    items : sequence of str, optional
        Item ids to score (``["q1", "q3"]``); default all.
    overall : {"pooled", "policy"}
    weights : Mapping[str, float], optional
        Policy weights per group (``policy`` only).
    cluster : {None, "school"}
        Cluster respondents by school within groups.
    ci : {"korn-graubard", "wilson", "logit", "wald"}
    level : float
        Confidence level (0.95).
    threshold : float
        θ (0.85, 第九条).

    Returns
    -------
    ApprovalReport

    Raises
    ------
    InputRefused
        With every problem of the file by row and column, or of the options; also when
        there is no valid response or no scored answer.
    """
    problems = _check_options(overall, ci, level, threshold)
    if weights is not None and overall != "policy":
        problems.append(Problem(None, "--weights", "群体权重只用于 --overall policy"))
    if problems:
        raise InputRefused(problems)
    chosen_scheme = load_scheme(scheme)
    responses = _read(source, chosen_scheme)
    scored = _score_responses(responses, chosen_scheme, items, cluster)
    return _estimate(
        scored.table,
        overall=overall,
        weights=weights,
        ci=ci,
        level=level,
        threshold=threshold,
        valid_rate=responses.valid_rate,
        warnings=scored.warnings,
        estimand=describe_estimand(chosen_scheme, scored.item_ids),
        rows=len(responses),
        valid_rows=scored.valid_rows,
    )


def format_percent(value: float | None, threshold: float = 0.85) -> str:
    """A share as a percentage for display (SPEC §4 "Display").

    One decimal, and two where the one-decimal figure equals the threshold's (85.0%),
    so that no printed figure contradicts the decision.
    """
    if value is None or not math.isfinite(value):
        return "—"
    one = f"{value * 100:.1f}"
    if one == f"{threshold * 100:.1f}":
        return f"{value * 100:.2f}%"
    return f"{one}%"
