"""The sampling design of the approval estimator: linearised variances (SPEC §4 "Design").

Every estimate of SPEC §4 is linear in the respondents' z_i = c_h w_i (a_i − p_h b_i)
for some group coefficients c_h and group ratios p_h: a group's own ratio
(c_h = 1/Σ_h w b, p_h = p̂_h), ``pooled`` (c_h = 1/Σ w b, p_h = p̂) and ``policy``
(c_h = W_h/Σ_h w b, p_h = p̂_h). Its variance is that of the design:

- **simple** (``--cluster none``): respondents are the units and groups the strata (R:
  ``svydesign(ids = ~1, strata = ~group, weights = ~weight)``);
- **school** (the default): a school is one cluster across groups, in one stratum
  "校"; a respondent without a school is its own cluster, stratified by group (R:
  ``svydesign(ids = ~cl, strata = ~st, nest = TRUE, weights = ~weight)``). A group's
  own estimate uses the clusters within the group (R: ``subset(svydesign(ids = ~cl,
  strata = ~group, nest = TRUE), group == g)``).

A stratum contributes C/(C − 1) Σ_c (Z_c − Z̄)² over its C clusters, 0 for a single one
(``options(survey.lonely.psu = "certainty")``). Degrees of freedom are R's ``degf``:
clusters with a weight > 0 minus the strata that have one.
"""

from __future__ import annotations

import numpy as np

from analysis.approval_sums import Clusters, FloatArray, IntArray, Sums, Table


def _stratum_variances(n: FloatArray, sum_z: FloatArray, sum_z2: FloatArray) -> FloatArray:
    """n/(n − 1) Σ (z − z̄)² per stratum from Σ z and Σ z² (0 where n ≤ 1)."""
    safe = np.maximum(n, 2.0)
    spread = np.maximum(0.0, sum_z2 - sum_z * sum_z / safe)
    return np.where(n > 1, safe / (safe - 1.0) * spread, 0.0)


def _z_sums(sums: Sums, coef: FloatArray, p: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Σ z_i and Σ z_i² per group, z_i = c_h w_i (a_i − p_h b_i), from the sums."""
    sum_z = coef * (sums.sum_wa - p * sums.sum_wb)
    sum_z2 = coef * coef * (sums.sum_w2a2 - 2.0 * p * sums.sum_w2ab + p * p * sums.sum_w2b2)
    return sum_z, sum_z2


def _respondent_strata(sums: Sums, coef: FloatArray, p: FloatArray) -> FloatArray:
    """Per group: the variance of Σ z with the group's respondents as units."""
    sum_z, sum_z2 = _z_sums(sums, coef, p)
    return _stratum_variances(sums.n.astype(np.float64), sum_z, sum_z2)


def _school_totals(clusters: Clusters, coef: FloatArray, p: FloatArray) -> FloatArray:
    """Z_row = c_h (Σ w a − p_h Σ w b) for each group × school row."""
    g = clusters.group
    return coef[g] * (clusters.sum_wa - p[g] * clusters.sum_wb)


def simple_variances(table: Table, coef: FloatArray, p: FloatArray) -> FloatArray:
    """Per group, the simple design's variance of its part of the estimate."""
    return _respondent_strata(table.sums, coef, p)


def school_group_variances(table: Table, coef: FloatArray, p: FloatArray) -> FloatArray:
    """Per group, the variance over the clusters within the group (strata = groups)."""
    clusters = table.clusters
    assert clusters is not None
    size = len(table.groups)
    z = _school_totals(clusters, coef, p)
    loose_z, loose_z2 = _z_sums(clusters.loose, coef, p)
    m = np.bincount(clusters.group, minlength=size) + clusters.loose.n
    sum_z = np.bincount(clusters.group, weights=z, minlength=size) + loose_z
    sum_z2 = np.bincount(clusters.group, weights=z * z, minlength=size) + loose_z2
    return _stratum_variances(m.astype(np.float64), sum_z, sum_z2)


def school_overall_variance(table: Table, coef: FloatArray, p: FloatArray) -> float:
    """The variance of Σ_i z_i with schools as clusters across groups (stratum "校")
    and respondents without a school as their own clusters, stratified by group."""
    clusters = table.clusters
    assert clusters is not None
    per_school = np.bincount(
        clusters.school, weights=_school_totals(clusters, coef, p), minlength=len(clusters.labels)
    )
    count = float(len(per_school))
    schools = 0.0
    if count > 1:
        centred = per_school - per_school.mean()
        schools = count / (count - 1.0) * float(np.dot(centred, centred))
    loose = _respondent_strata(clusters.loose, coef, p)
    return schools + float(loose.sum())


def group_clusters(table: Table) -> IntArray:
    """Per group: its clusters with a weight > 0 (respondents in the simple design)."""
    clusters = table.clusters
    if clusters is None:
        return table.sums.n_positive
    positive = (clusters.n_positive > 0).astype(np.float64)
    in_schools = np.bincount(clusters.group, weights=positive, minlength=len(table.groups))
    return in_schools.astype(np.int64) + clusters.loose.n_positive


def overall_df(table: Table) -> int:
    """Clusters with a weight > 0 minus the strata that have one (R ``degf``)."""
    clusters = table.clusters
    if clusters is None:
        positive = table.sums.n_positive
        return int(positive.sum()) - int(np.count_nonzero(positive > 0))
    school_positive = np.bincount(
        clusters.school, weights=clusters.n_positive, minlength=len(clusters.labels)
    )
    schools = int(np.count_nonzero(school_positive > 0))
    loose = clusters.loose.n_positive
    strata = (1 if schools else 0) + int(np.count_nonzero(loose > 0))
    return schools + int(loose.sum()) - strata
