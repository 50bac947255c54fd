"""社会认可度: the approval estimate, its interval and the decision (SPEC §4).

**Estimand.** The weighted share of scored answers that approve: for respondent i with
design weight w_i ≥ 0, a_i is the sum of the scores of the items answered within the
scheme and b_i the number of those items; the estimate is the ratio Σ w_i a_i / Σ w_i b_i
(R survey: ``svyratio(~a, ~b, design)``). One item gives the share of approving
respondents; a graded scheme gives a mean score.

**Design.** Clustered by school by default (a school is one cluster across groups;
:mod:`analysis.approval_design`), or the simple design with ``cluster="none"``.

**Route.** Every figure follows from sums (:mod:`analysis.approval_sums`), so that the
service can aggregate in SQL and call :func:`estimate_from_sums`;
:func:`analyze_responses` computes the same sums from a responses file and calls the
same code, so both routes give identical numbers.

The parts: sums (:mod:`~analysis.approval_sums`), design (:mod:`~analysis.approval_design`),
group estimates (:mod:`~analysis.approval_groups`), overall modes and the decision
(:mod:`~analysis.approval_overall`), the sample check (:mod:`~analysis.sample_check`) and
display (:mod:`~analysis.display`); this module assembles the report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np

from analysis.approval_groups import (
    SMALL_N_KISH,
    GroupEstimate,
    GroupFigures,
    estimate_groups,
    group_figures,
)
from analysis.approval_overall import (
    Certainty,
    Decided,
    OverallEstimate,
    combine,
    decide,
    is_met,
    lonely_warning,
    normalise_weights,
    planned_weights,
    pooled,
)
from analysis.approval_sums import (
    ClusterSums,
    GroupSums,
    SchoolClusters,
    Table,
    sums_of_table,
    table_from_arrays,
    table_from_sums,
)
from analysis.display import format_level, format_percent
from analysis.intervals import check_method, import_special_functions_meanwhile
from analysis.responses import Responses, check_labels, read_responses, score, select_items
from analysis.sample_check import (
    SampleCheck,
    SampleCounts,
    ShareException,
    check_sample,
    count_sample,
)
from analysis.sampling import SamplePlan, plan_shares
from analysis.schemes import Scheme, load_scheme
from analysis.standards import SamplingSettings
from analysis.tables import InputRefused, Problem, Source
from analysis.vocabulary import GROUPS

__all__ = [
    "GROUPS",
    "SMALL_N_KISH",
    "ApprovalReport",
    "ClusterSums",
    "GroupEstimate",
    "GroupSums",
    "OverallEstimate",
    "PlannedEstimate",
    "SchoolClusters",
    "analyze_responses",
    "describe_estimand",
    "estimate_from_sums",
    "format_percent",
    "sufficient_statistics",
]

#: Valid rate below which a warning is given (SPEC §2.5).
LOW_VALID_RATE: Final = 0.70
#: A planned figure this far from the chosen one is a warning (SPEC §4 ``planned``).
PLANNED_GAP: Final = 0.01
DESIGNS: Final = ("school", "none")
MODES: Final = ("pooled", "policy", "planned")

RANDOM_SAMPLE_ASSUMPTION: Final = (
    "区间假定每个群体内的受访者是随机样本（受访者为独立单位，群体为层）；"
    "自愿填答的样本若有偏，区间不能反映这种偏差。"
)
CLUSTER_ASSUMPTION: Final = (
    "区间按学校整群计算（同一所学校的学生、家长、教师等为一群，未填学校的受访者各自成群），"
    "假定学校是随机抽取的，学校内的受访者也是随机样本；自愿填答的样本若有偏，区间不能反映这种偏差。"
)


@dataclass(frozen=True)
class PlannedEstimate:
    """``planned``: the groups weighted by the plan's shares (SPEC §4), beside the
    chosen overall figure; ``ci`` None when a group has fewer than two clusters."""

    approval: float
    ci: tuple[float, float] | None
    weights: Mapping[str, float]
    se: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "approval": self.approval,
            "ci": None if self.ci is None else [self.ci[0], self.ci[1]],
            "weights": dict(self.weights),
        }


@dataclass(frozen=True)
class ApprovalReport:
    """Everything ``renke analyze`` reports (SPEC §5).

    Attributes
    ----------
    groups : Mapping[str, GroupEstimate]
        The groups with scored answers, in :data:`GROUPS` order.
    overall : OverallEstimate
        The chosen overall figure (``pooled``, ``policy`` or ``planned``).
    planned : PlannedEstimate or None
        The plan-weighted figure (None when no group present has a planned share).
    threshold, level : float
        θ (0.85, 第九条) and the confidence level.
    met : bool
        p̂ ≥ θ, decided on the point estimate [办法].
    certainty : {"clear", "borderline", "fails", "insufficient"} or None
        None when the overall interval is null.
    p_value : float or None
        One-sided p-value of H0: approval ≤ θ, inverting the chosen interval.
    valid_rate : float or None
        Valid rows over all rows (None from sums without it).
    warnings : tuple of str
    estimand, assumption : str
        The estimand and the sampling assumption in words, stated in every report.
    sample : SampleCheck or None
        The sample check of SPEC §2.5 (None from sums without counts).
    rows, valid_rows : int or None
        Rows in the file and valid rows.
    """

    groups: Mapping[str, GroupEstimate]
    overall: OverallEstimate
    planned: PlannedEstimate | None
    threshold: float
    level: float
    met: bool
    certainty: Certainty | None
    p_value: float | None
    valid_rate: float | None
    warnings: tuple[str, ...]
    estimand: str
    assumption: str
    sample: SampleCheck | None = None
    rows: int | None = None
    valid_rows: int | None = None

    @property
    def cluster(self) -> str | None:
        """``"school"`` when clustered, else None."""
        return "school" if self.overall.design == "school" else None

    def to_dict(self) -> dict[str, Any]:
        """Exactly the SPEC §5 ``renke analyze`` JSON; numbers unrounded."""
        return {
            "groups": {name: estimate.to_dict() for name, estimate in self.groups.items()},
            "overall": self.overall.to_dict(),
            "planned": None if self.planned is None else self.planned.to_dict(),
            "threshold": self.threshold,
            "met": self.met,
            "certainty": self.certainty,
            "p_value": self.p_value,
            "sample": None if self.sample is None else self.sample.to_dict(),
            "valid_rate": self.valid_rate,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class _Options:
    overall: str
    weights: Mapping[str, float] | None
    ci: str
    level: float
    threshold: float
    plan: SamplePlan | None
    settings: SamplingSettings | None


def _check_options(overall: str, ci: str, level: float, threshold: float) -> list[Problem]:
    problems = []
    if overall not in MODES:
        problems.append(Problem(None, "--overall", f"“{overall}”应为 pooled、policy 或 planned"))
    try:
        check_method(ci)
    except ValueError:
        problems.append(Problem(None, "--ci", f"“{ci}”应为 korn-graubard、wilson、logit 或 wald"))
    if not (0.0 < level < 1.0):
        problems.append(Problem(None, "--level", f"置信水平 {level} 应在 0 与 1 之间"))
    if not (0.0 < threshold < 1.0):
        problems.append(Problem(None, "--threshold", f"标准 {threshold} 应在 0 与 1 之间"))
    return problems


def _refuse_bad_options(options: _Options) -> None:
    problems = _check_options(options.overall, options.ci, options.level, options.threshold)
    if options.weights is not None and options.overall == "planned":
        problems.append(
            Problem(None, "--weights", "planned 按抽样计划的结构加权，不能同时给出 --weights")
        )
    elif options.weights is not None and options.overall != "policy":
        problems.append(Problem(None, "--weights", "群体权重只用于 --overall policy"))
    if problems:
        raise InputRefused(problems)


def _decide_mode(
    table: Table,
    figures: GroupFigures,
    mode: str,
    weights: Mapping[str, float] | None,
    options: _Options,
) -> tuple[Decided, tuple[str, ...]]:
    combination = pooled(table) if weights is None else combine(table, figures, weights)
    decided = decide(
        table,
        combination,
        mode=mode,
        ci=options.ci,
        level=options.level,
        threshold=options.threshold,
    )
    return decided, combination.lonely


def _overall_and_planned(
    table: Table, figures: GroupFigures, options: _Options, warnings: list[str]
) -> tuple[Decided, PlannedEstimate | None]:
    usable = [name for k, name in enumerate(table.groups) if figures.usable[k]]
    design = "school" if table.clusters is not None else "none"
    shares = planned_weights(plan_shares(options.plan, options.settings), usable)
    weights: dict[str, float] | None = None
    if options.overall == "policy":
        weights = normalise_weights(options.weights, usable, warnings)
    elif options.overall == "planned":
        if not shares:
            raise InputRefused([Problem(None, "--overall", "抽样计划中没有数据里出现的群体")])
        weights = shares
    chosen, lonely = _decide_mode(table, figures, options.overall, weights, options)
    if lonely:
        warnings.append(lonely_warning(lonely, design))
    if options.overall == "planned" or not shares:
        planned = chosen if shares else None
    else:
        planned, lonely = _decide_mode(table, figures, "planned", shares, options)
        if lonely:
            warnings.append("按计划结构加权：" + lonely_warning(lonely, design))
    if planned is None:
        return chosen, None
    figure = planned.estimate
    if abs(figure.approval - chosen.estimate.approval) > PLANNED_GAP:
        warnings.append(
            f"样本结构与计划不一致：按计划结构加权为 {format_percent(figure.approval, options.threshold)}"
        )
    return chosen, PlannedEstimate(figure.approval, figure.ci, dict(shares), figure.se)


def _estimate(
    table: Table,
    options: _Options,
    *,
    warnings: Sequence[str],
    estimand: str,
    valid_rate: float | None,
    valid_rate_warning: float,
) -> ApprovalReport:
    if not table.groups or not float(table.sums.sum_wb.sum()) > 0:
        raise InputRefused(
            [Problem(None, None, "没有可计分的有效回答（或权重全为 0），无法估计认可度")]
        )
    notes = list(warnings)
    figures = group_figures(table)
    groups, group_warnings = estimate_groups(table, figures, ci=options.ci, level=options.level)
    notes.extend(group_warnings)
    chosen, planned = _overall_and_planned(table, figures, options, notes)
    overall = chosen.estimate
    if overall.degenerate:
        notes.append("总体标准误为 0（或只有一位受访者），区间按 Kish 有效样本量计算（SPEC §4）")
    if valid_rate is not None and valid_rate < valid_rate_warning:
        shown = format_percent(valid_rate, valid_rate_warning)
        notes.append(f"有效率 {shown} 低于 {format_level(valid_rate_warning)}")
    return ApprovalReport(
        groups=groups,
        overall=overall,
        planned=planned,
        threshold=options.threshold,
        level=options.level,
        met=is_met(overall.approval, options.threshold),
        certainty=chosen.certainty,
        p_value=chosen.p_value,
        valid_rate=valid_rate,
        warnings=tuple(notes),
        estimand=estimand,
        assumption=CLUSTER_ASSUMPTION if overall.design == "school" else RANDOM_SAMPLE_ASSUMPTION,
    )


def _with_sample(
    report: ApprovalReport, sample: SampleCheck | None, **extra: Any
) -> ApprovalReport:
    if sample is None:
        return ApprovalReport(**{**report.__dict__, **extra})
    warnings = report.warnings + sample.warnings
    return ApprovalReport(**{**report.__dict__, "sample": sample, "warnings": warnings, **extra})


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
    clusters: SchoolClusters | None = None,
    overall: str = "pooled",
    weights: Mapping[str, float] | None = None,
    ci: str = "korn-graubard",
    level: float = 0.95,
    threshold: float = 0.85,
    valid_rate: float | None = None,
    estimand: str | None = None,
    valid_rate_warning: float = LOW_VALID_RATE,
    plan: SamplePlan | None = None,
    settings: SamplingSettings | None = None,
    counts: SampleCounts | None = None,
    exception: ShareException | None = None,
) -> ApprovalReport:
    """The SPEC §4 estimates from sufficient statistics.

    The service aggregates valid respondents with at least one scored answer in SQL
    and calls this; :func:`analyze_responses` gives identical results on the same
    respondents.

    Parameters
    ----------
    groups : iterable of GroupSums
        One per group present (see :class:`GroupSums` for each field and its SQL).
    clusters : SchoolClusters, optional
        The sums per group × school and of the respondents without a school: the
        default design clustered by school. None: the simple design.
    overall : {"pooled", "policy", "planned"}
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
    plan : SamplePlan, optional
        The sample plan (from 常住人口): the shares of ``planned`` and the target of the
        sample check; without it, the default shares and no target.
    settings : SamplingSettings, optional
        The standard's sample rules (the default shares without a plan).
    counts : SampleCounts, optional
        Valid responses by group, area and grade, for the sample check.
    exception : ShareException, optional
        A recorded exception to the 家长 share.

    Raises
    ------
    InputRefused
        For unknown groups, no scored answers, or bad options and policy weights.
    """
    options = _Options(overall, weights, ci, level, threshold, plan, settings)
    _refuse_bad_options(options)
    report = _estimate(
        table_from_sums(groups, clusters),
        options,
        warnings=(),
        estimand=estimand or describe_estimand(load_scheme("top2")),
        valid_rate=valid_rate,
        valid_rate_warning=valid_rate_warning,
    )
    sample = None if counts is None else check_sample(counts, plan, exception=exception)
    return _with_sample(report, sample)


@dataclass(frozen=True, eq=False)
class _Scored:
    table: Table
    warnings: tuple[str, ...]
    valid_rows: int
    item_ids: tuple[str, ...] | None


def _unscored_warnings(responses: Responses, valid: Any, keep: Any, b: Any) -> list[str]:
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
    return warnings


def _score_responses(
    responses: Responses, scheme: Scheme, items: Sequence[str] | None, cluster: str
) -> _Scored:
    problems = check_labels(responses, scheme)
    if cluster not in DESIGNS:
        problems.append(Problem(None, "--cluster", f"“{cluster}”无效，应为 school 或 none"))
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
    warnings = _unscored_warnings(responses, valid, keep, b)
    if not keep.any():
        raise InputRefused(
            [Problem(None, None, "有效回答中没有可计分的答案（全部为不了解或空白）")],
            source=responses.source,
        )
    school = responses.school.codes[keep] if cluster == "school" else None
    if school is not None and not (school >= 0).any():
        school = None  # no school at all: the simple design (SPEC §4)
    table = table_from_arrays(
        responses.group[keep],
        responses.weight[keep],
        a[keep],
        b[keep],
        school,
        responses.school.labels,
    )
    item_ids = tuple(item.id for item in chosen) if items else None
    return _Scored(table, tuple(warnings), int(np.count_nonzero(responses.valid)), item_ids)


def sufficient_statistics(
    source: Source | Responses,
    *,
    scheme: str | Path | Scheme = "top2",
    items: Sequence[str] | None = None,
    cluster: str = "school",
) -> tuple[tuple[GroupSums, ...], SchoolClusters | None]:
    """The sums :func:`estimate_from_sums` takes (clusters None in the simple design)."""
    chosen_scheme = load_scheme(scheme)
    responses = _read(source, chosen_scheme)
    return sums_of_table(_score_responses(responses, chosen_scheme, items, cluster).table)


def _read(source: Source | Responses, scheme: Scheme) -> Responses:
    if isinstance(source, Responses):
        return source
    # scipy.special, for the intervals, is imported while Arrow parses (issue 15)
    return read_responses(source, scheme=scheme, while_parsing=import_special_functions_meanwhile)


def analyze_responses(
    source: Source | Responses,
    *,
    scheme: str | Path | Scheme = "top2",
    items: Sequence[str] | None = None,
    overall: str = "pooled",
    weights: Mapping[str, float] | None = None,
    cluster: str = "school",
    ci: str = "korn-graubard",
    level: float = 0.95,
    threshold: float = 0.85,
    plan: SamplePlan | None = None,
    settings: SamplingSettings | None = None,
    exception: ShareException | None = None,
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
    overall : {"pooled", "policy", "planned"}
    weights : Mapping[str, float], optional
        Policy weights per group (``policy`` only).
    cluster : {"school", "none"}
        ``school`` (default): a school is one cluster across groups; ``none``: the
        simple design. A file without any school gives the simple design.
    ci : {"korn-graubard", "wilson", "logit", "wald"}
    level : float
        Confidence level (0.95).
    threshold : float
        θ (0.85, 第九条).
    plan : SamplePlan, optional
        The sample plan from 常住人口 (``planned`` shares, the sample check's target).
    settings : SamplingSettings, optional
        The standard's sample rules (the default shares without a plan).
    exception : ShareException, optional
        A recorded exception to the 家长 share (SPEC §2.5).

    Raises
    ------
    InputRefused
        With every problem of the file by row and column, or of the options; also when
        there is no valid response or no scored answer.
    """
    options = _Options(overall, weights, ci, level, threshold, plan, settings)
    _refuse_bad_options(options)
    chosen_scheme = load_scheme(scheme)
    responses = _read(source, chosen_scheme)
    scored = _score_responses(responses, chosen_scheme, items, cluster)
    report = _estimate(
        scored.table,
        options,
        warnings=scored.warnings,
        estimand=describe_estimand(chosen_scheme, scored.item_ids),
        valid_rate=responses.valid_rate,
        valid_rate_warning=LOW_VALID_RATE,
    )
    sample = check_sample(count_sample(responses), plan, exception=exception)
    return _with_sample(report, sample, rows=len(responses), valid_rows=scored.valid_rows)
