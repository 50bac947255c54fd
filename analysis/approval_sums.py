"""The sufficient statistics of the approval estimator (SPEC §4 "Sufficient statistics").

Every figure follows from per-group sums (:class:`GroupSums`) and, for the default
design clustered by school, from the sums per group × school (:class:`ClusterSums`)
with the per-group sums of the respondents who gave no school, travelling together as
one :class:`SchoolClusters`. The service aggregates them in SQL; a responses file is
reduced to the same sums with ``np.bincount``, so both routes share one estimator.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from analysis.tables import InputRefused, Problem
from analysis.vocabulary import GROUPS

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
#: Codes of a label column (:class:`analysis.text_table.Coded`: int16 or int32).
CodeArray = npt.NDArray[np.signedinteger[Any]]


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
    """Sums over one school's respondents of one group (SPEC §4 "Design").

    Attributes
    ----------
    group : str
        One of :data:`GROUPS`.
    cluster : str
        The (trimmed) 学校代码: the same code in several groups is the same cluster.
    n : int
        Respondents of the group in the school.
    sum_wa, sum_wb : float
        Σ w_i a_i and Σ w_i b_i over them.
    n_positive : int or None
        Respondents with w_i > 0; None means all n.
    """

    group: str
    cluster: str
    n: int
    sum_wa: float
    sum_wb: float
    n_positive: int | None = None


@dataclass(frozen=True)
class SchoolClusters:
    """The cluster figures of the default design, which always travel together.

    Attributes
    ----------
    schools : tuple of ClusterSums
        One per group × school, over respondents who gave a school.
    without_school : tuple of GroupSums
        Per group, the sums over respondents who gave none (each its own cluster,
        stratified by group); groups with none may be left out.
    """

    schools: tuple[ClusterSums, ...]
    without_school: tuple[GroupSums, ...] = ()


@dataclass(frozen=True, eq=False)
class Sums:
    """Per-group sums as arrays, one entry per group of :attr:`Table.groups`."""

    n: IntArray
    n_positive: IntArray
    sum_wa: FloatArray
    sum_wb: FloatArray
    sum_w2a2: FloatArray
    sum_w2ab: FloatArray
    sum_w2b2: FloatArray


@dataclass(frozen=True, eq=False)
class Clusters:
    """Per group × school sums (``group`` and ``school`` index the table's groups and
    ``labels``) and the per-group sums of respondents without a school (``loose``)."""

    group: IntArray
    school: IntArray
    labels: tuple[str, ...]
    n: IntArray
    n_positive: IntArray
    sum_wa: FloatArray
    sum_wb: FloatArray
    loose: Sums


@dataclass(frozen=True, eq=False)
class Table:
    """The sums the estimator works on: groups present, their sums, their clusters."""

    groups: tuple[str, ...]
    sums: Sums
    clusters: Clusters | None = None


def _sums_of(rows: Sequence[GroupSums]) -> Sums:
    def column(values: Iterable[float]) -> FloatArray:
        return np.fromiter(values, dtype=np.float64, count=len(rows))

    return Sums(
        n=np.array([r.n for r in rows], dtype=np.int64),
        n_positive=np.array(
            [r.n if r.n_positive is None else r.n_positive for r in rows], dtype=np.int64
        ),
        sum_wa=column(r.sum_wa for r in rows),
        sum_wb=column(r.sum_wb for r in rows),
        sum_w2a2=column(r.sum_w2a2 for r in rows),
        sum_w2ab=column(r.sum_w2ab for r in rows),
        sum_w2b2=column(r.sum_w2b2 for r in rows),
    )


def _by_group(rows: Iterable[GroupSums], problems: list[Problem]) -> dict[str, GroupSums]:
    found: dict[str, GroupSums] = {}
    for sums in rows:
        if sums.group not in GROUPS:
            problems.append(Problem(None, sums.group, "不是已知群体"))
        elif sums.group in found:
            problems.append(Problem(None, sums.group, "群体重复"))
        elif sums.n > 0:
            found[sums.group] = sums
    return found


def _clusters_of(
    names: tuple[str, ...], clusters: SchoolClusters, problems: list[Problem]
) -> Clusters:
    rows = [c for c in clusters.schools if c.n > 0]
    problems.extend(
        Problem(None, c.group, f"学校“{c.cluster}”的群体没有汇总数据")
        for c in rows
        if c.group not in names
    )
    loose = _by_group(clusters.without_school, problems)
    problems.extend(
        Problem(None, name, "无学校回答的群体没有汇总数据") for name in loose if name not in names
    )
    empty = GroupSums("", 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0)
    labels = tuple(dict.fromkeys(c.cluster for c in rows))
    where = {label: k for k, label in enumerate(labels)}
    position = {name: k for k, name in enumerate(names)}
    return Clusters(
        group=np.array([position.get(c.group, -1) for c in rows], dtype=np.int64),
        school=np.array([where[c.cluster] for c in rows], dtype=np.int64),
        labels=labels,
        n=np.array([c.n for c in rows], dtype=np.int64),
        n_positive=np.array(
            [c.n if c.n_positive is None else c.n_positive for c in rows], dtype=np.int64
        ),
        sum_wa=np.array([c.sum_wa for c in rows], dtype=np.float64),
        sum_wb=np.array([c.sum_wb for c in rows], dtype=np.float64),
        loose=_sums_of([loose.get(name, empty) for name in names]),
    )


def _check_cluster_totals(table: Table, problems: list[Problem]) -> None:
    """Every respondent of a group is in a school or among those without one."""
    clusters = table.clusters
    assert clusters is not None
    counted = np.bincount(clusters.group, weights=clusters.n, minlength=len(table.groups))
    counted = counted + clusters.loose.n
    problems.extend(
        Problem(
            None, name, f"按学校的汇总共 {int(counted[k])} 人，群体汇总为 {int(table.sums.n[k])} 人"
        )
        for k, name in enumerate(table.groups)
        if int(counted[k]) != int(table.sums.n[k])
    )


def table_from_sums(groups: Iterable[GroupSums], clusters: SchoolClusters | None) -> Table:
    """The :class:`Table` of the sums a caller aggregated (the service, in SQL).

    Raises
    ------
    InputRefused
        For unknown or repeated groups, or cluster sums that do not add up to the groups.
    """
    problems: list[Problem] = []
    by_group = _by_group(groups, problems)
    names = tuple(g for g in GROUPS if g in by_group)
    table = Table(names, _sums_of([by_group[g] for g in names]))
    if clusters is not None and not problems:
        table = Table(names, table.sums, _clusters_of(names, clusters, problems))
        if not problems:
            _check_cluster_totals(table, problems)
    if problems:
        raise InputRefused(problems)
    return table


def _bincount_sums(index: IntArray, size: int, w: FloatArray, a: FloatArray, b: FloatArray) -> Sums:
    wa, wb = w * a, w * b

    def total(values: FloatArray | None) -> FloatArray:
        return np.bincount(index, weights=values, minlength=size).astype(np.float64)

    return Sums(
        n=total(None).astype(np.int64),
        n_positive=total((w > 0).astype(np.float64)).astype(np.int64),
        sum_wa=total(wa),
        sum_wb=total(wb),
        sum_w2a2=total(wa * wa),
        sum_w2ab=total(wa * wb),
        sum_w2b2=total(wb * wb),
    )


def _select(sums: Sums, keep: IntArray) -> Sums:
    return Sums(*(getattr(sums, name)[keep] for name in Sums.__dataclass_fields__))


def table_from_arrays(
    group: IntArray,
    weight: FloatArray,
    a: FloatArray,
    b: FloatArray,
    school: CodeArray | None,
    school_labels: Sequence[str] = (),
) -> Table:
    """The :class:`Table` of respondent arrays (``group`` indexes :data:`GROUPS`).

    ``school`` holds an index into ``school_labels`` (≥ 0), or -1 for a respondent
    without a school; None gives the simple design's table (no clusters).
    """
    size = len(GROUPS)
    everyone = _bincount_sums(group, size, weight, a, b)
    present = np.flatnonzero(everyone.n > 0)
    names = tuple(GROUPS[k] for k in present)
    table = Table(names, _select(everyone, present))
    if school is None:
        return table
    position = np.full(size, -1, dtype=np.int64)
    position[present] = np.arange(len(present))
    has = school >= 0
    loose = _bincount_sums(group[~has], size, weight[~has], a[~has], b[~has])
    schools = max(len(school_labels), 1)
    # a dense group × school key: 7 × schools cells, counted with bincount (no sort)
    key = group[has] * schools + school[has]
    cells = size * schools
    w_has = weight[has]
    count_all = np.bincount(key, minlength=cells)
    keys = np.flatnonzero(count_all)
    wa, wb = w_has * a[has], w_has * b[has]

    def per_cell(values: FloatArray) -> FloatArray:
        return np.bincount(key, weights=values, minlength=cells)[keys].astype(np.float64)

    used = np.unique(keys % schools)
    relabel = np.full(schools, -1, dtype=np.int64)
    relabel[used] = np.arange(len(used))
    clusters = Clusters(
        group=position[keys // schools],
        school=relabel[keys % schools],
        labels=tuple(school_labels[k] for k in used.tolist()),
        n=count_all[keys].astype(np.int64),
        n_positive=per_cell((w_has > 0).astype(np.float64)).astype(np.int64),
        sum_wa=per_cell(wa),
        sum_wb=per_cell(wb),
        loose=_select(loose, present),
    )
    return Table(names, table.sums, clusters)


def sums_of_table(table: Table) -> tuple[tuple[GroupSums, ...], SchoolClusters | None]:
    """The sums of a :class:`Table` as the dataclasses :func:`table_from_sums` takes."""

    def group_rows(sums: Sums) -> tuple[GroupSums, ...]:
        return tuple(
            GroupSums(
                group=name,
                n=int(sums.n[k]),
                n_positive=int(sums.n_positive[k]),
                sum_wa=float(sums.sum_wa[k]),
                sum_wb=float(sums.sum_wb[k]),
                sum_w2a2=float(sums.sum_w2a2[k]),
                sum_w2ab=float(sums.sum_w2ab[k]),
                sum_w2b2=float(sums.sum_w2b2[k]),
            )
            for k, name in enumerate(table.groups)
            if sums.n[k] > 0
        )

    clusters = table.clusters
    if clusters is None:
        return group_rows(table.sums), None
    schools = tuple(
        ClusterSums(
            group=table.groups[int(clusters.group[c])],
            cluster=clusters.labels[int(clusters.school[c])],
            n=int(clusters.n[c]),
            n_positive=int(clusters.n_positive[c]),
            sum_wa=float(clusters.sum_wa[c]),
            sum_wb=float(clusters.sum_wb[c]),
        )
        for c in range(len(clusters.group))
    )
    return group_rows(table.sums), SchoolClusters(schools, group_rows(clusters.loose))
