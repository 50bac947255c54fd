"""The approval report as a terminal table (``renke analyze --format table``, SPEC §5).

Figures through :func:`analysis.display.format_percent`, the certainty and the p-value in
the neutral words of :mod:`analysis.display`; a group of fewer than 5 respondents is
shown as "少于 5 人，不单独显示" (its figures stay in the JSON).
"""

from __future__ import annotations

import unicodedata

from analysis.approval import ApprovalReport, GroupEstimate
from analysis.display import (
    MIN_SHOWN,
    SUPPRESSED,
    certainty_words,
    format_level,
    format_percent,
    p_value_sentence,
)
from analysis.sample_check import SampleCheck

METHOD_NAMES = {
    "korn-graubard": "Korn–Graubard",
    "wilson": "Wilson",
    "logit": "logit",
    "wald": "Wald",
}
MODE_NAMES = {
    "pooled": "合并全部回答",
    "policy": "按给定群体权重加权",
    "planned": "按抽样计划的群体结构加权",
}
BAR_WIDTH = 20
COLUMNS = (("群体", 10, False), ("n", 8, True), ("认可度", 9, True), ("区间", 20, True))
MARKS = {True: "✓", False: "✗", None: "？"}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, *, right: bool = False) -> str:
    space = " " * max(0, width - _width(text))
    return space + text if right else text + space


def _bar(value: float | None, threshold: float) -> str:
    """A bar of the estimate on [0, 1], with ``|`` at the threshold."""
    cells = ["·"] * BAR_WIDTH
    if value is not None:
        filled = round(value * BAR_WIDTH)
        cells[:filled] = ["█"] * filled
    mark = min(BAR_WIDTH - 1, int(threshold * BAR_WIDTH))
    cells[mark] = "|" if cells[mark] == "·" else "┃"
    return "".join(cells)


def _interval(ci: tuple[float, float] | None, threshold: float) -> str:
    if ci is None:
        return "—"
    return f"[{format_percent(ci[0], threshold)}, {format_percent(ci[1], threshold)}]"


def _flags(estimate: GroupEstimate) -> str:
    if estimate.approval is None:
        return f"无估计：{estimate.reason}"
    if estimate.small:
        return f"样本少（{estimate.n} 人，Kish 有效样本量 {estimate.n_kish:.1f}）"
    return ""


def _row(
    name: str, n: int, value: float | None, ci: tuple[float, float] | None, note: str, theta: float
) -> str:
    cells = (
        _pad(name, 10),
        _pad(str(n), 8, right=True),
        _pad(format_percent(value, theta), 9, right=True),
        _pad(_interval(ci, theta), 20, right=True),
        _bar(value, theta),
    )
    return ("  ".join(cells) + ("  " + note if note else "")).rstrip()


def _group_lines(report: ApprovalReport) -> list[str]:
    theta = report.threshold
    lines = []
    for estimate in report.groups.values():
        if estimate.n < MIN_SHOWN:
            lines.append(f"{_pad(estimate.group, 10)}  {SUPPRESSED}")
        else:
            lines.append(
                _row(
                    estimate.group,
                    estimate.n,
                    estimate.approval,
                    estimate.ci,
                    _flags(estimate),
                    theta,
                )
            )
    return lines


def _overall_lines(report: ApprovalReport) -> list[str]:
    overall, theta = report.overall, report.threshold
    lines = [_row("总体", overall.n, overall.approval, overall.ci, MODE_NAMES[overall.mode], theta)]
    planned = report.planned
    if planned is not None and overall.mode != "planned":
        lines.append(
            _row("按计划结构", overall.n, planned.approval, planned.ci, "敏感性参考", theta)
        )
    lines.append("")
    details = f"自由度 {overall.df}，Kish 有效样本量 {overall.n_kish:.1f}"
    if overall.weights is not None:
        shares = "，".join(f"{g} {w:.3g}" for g, w in overall.weights.items())
        details += f"，群体权重：{shares}"
    if overall.deff is not None:
        details += f"，设计效应 {overall.deff:.2f}（按学校整群的方差与按独立受访者计算之比）"
    lines.append(details)
    return lines


def _decision_lines(report: ApprovalReport) -> list[str]:
    theta = report.threshold
    verdict = "达到" if report.met else "未达到"
    words = certainty_words(report.certainty, report.level, theta)
    lines = [f"结论：{verdict} {format_level(theta)} 标准（按点估计，《办法》第九条）；{words}"]
    sentence = p_value_sentence(report.p_value, report.overall.approval, theta)
    if sentence:
        lines.append(sentence)
    return lines


def _sample_lines(sample: SampleCheck) -> list[str]:
    state = {True: "符合计划", False: "不符合计划", None: "无法核对（缺少常住人口）"}[sample.ok]
    lines = [f"样本核对：{state}"]
    lines.extend(f"  {MARKS[rule.passed]} {rule.detail}" for rule in sample.checks)
    return lines


def render_table(report: ApprovalReport, *, title: str = "") -> str:
    """The report as a terminal table: groups as rows, then the county (SPEC §5)."""
    method = METHOD_NAMES.get(report.overall.method, report.overall.method)
    theta = report.threshold
    rule = "-" * (sum(w for _, w, _ in COLUMNS) + 3 * 2 + BAR_WIDTH + 10)
    header = "  ".join(_pad(name, width, right=right) for name, width, right in COLUMNS)
    lines = [
        f"社会认可度  {title}".rstrip(),
        f"估计量：{report.estimand}",
        f"抽样假定：{report.assumption}",
        f"区间：{method} {format_level(report.level)} 置信区间；标准 {format_level(theta)}（第九条）",
        "",
        header + "  " + _pad("", BAR_WIDTH) + "  说明",
        rule,
        *_group_lines(report),
        rule,
        *_overall_lines(report),
        *_decision_lines(report),
    ]
    if report.valid_rate is not None:
        counts = ""
        if report.rows is not None and report.valid_rows is not None:
            counts = f"（{report.valid_rows} / {report.rows} 行）"
        lines.append(f"有效率：{format_percent(report.valid_rate)}{counts}")
    if report.sample is not None:
        lines.extend(_sample_lines(report.sample))
    lines.extend(f"注意：{warning}" for warning in report.warnings)
    return "\n".join(lines)
