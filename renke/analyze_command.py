"""`renke analyze`: the 社会认可度 of a responses file (SPEC §4, §5).

Exit codes: 0 computed and the standard met, 1 computed and not met (as ``verdict``'s
"not certified"), 2 input refused (every problem on standard error, nothing on standard
output). Imports neither Flask nor SQLAlchemy.

``renke verdict --responses FILE [the analyze options]`` reuses :func:`approval_options`
and :func:`approval_from_options`.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from analysis.approval import (
    ApprovalReport,
    GroupEstimate,
    analyze_responses,
    format_percent,
)
from analysis.intervals import METHODS
from analysis.tables import InputRefused, Problem

F = TypeVar("F", bound=Callable[..., Any])

#: The keyword names :func:`approval_options` adds, as :func:`approval_from_options` reads them.
OPTION_NAMES = ("scheme", "items", "overall", "weights", "cluster", "ci", "level", "threshold")

METHOD_NAMES = {
    "korn-graubard": "Korn–Graubard",
    "wilson": "Wilson",
    "logit": "logit",
    "wald": "Wald",
}
CERTAINTY_WORDS = {
    "clear": "明确达标（区间下限不低于标准）",
    "fails": "明确未达标（区间上限低于标准）",
    "borderline": "接近标准（区间包含标准）",
    "insufficient": "样本不足（Kish 有效样本量 < 30），无法判断确定性",
}
BAR_WIDTH = 20


def approval_options(func: F) -> F:
    """Add the analyze options of SPEC §5 to a click command.

    ``--scheme --items --overall --weights --cluster --ci --level --threshold``; values
    arrive as given (text), to be passed on to :func:`approval_from_options`.
    """
    options = [
        click.option(
            "--scheme",
            default="top2",
            show_default=True,
            help="计分方案：top2，或 TOML 文件（标签 = 分值，可选 skip = [...]）",
        ),
        click.option(
            "--items", default=None, help="只计这些题目，如 q1,q3（单题：认可的受访者比例）"
        ),
        click.option(
            "--overall",
            type=click.Choice(["pooled", "policy"]),
            default="pooled",
            show_default=True,
            help="总体：pooled 合并全部回答；policy 按 --weights 加权各群体",
        ),
        click.option("--weights", default=None, help="policy 的群体权重，如 家长=0.5,学生=0.1,…"),
        click.option(
            "--cluster",
            type=click.Choice(["school"]),
            default=None,
            help="按学校整群计算方差（群体内）",
        ),
        click.option(
            "--ci",
            type=click.Choice(list(METHODS)),
            default="korn-graubard",
            show_default=True,
            help="置信区间方法",
        ),
        click.option("--level", type=float, default=0.95, show_default=True, help="置信水平"),
        click.option(
            "--threshold", type=float, default=0.85, show_default=True, help="标准（第九条：85%）"
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def parse_items(items: str | Sequence[str] | None) -> list[str] | None:
    """``"q1,q3"`` (or a sequence) as a list of item ids; None for all items."""
    if items is None:
        return None
    parts = items.replace("，", ",").split(",") if isinstance(items, str) else list(items)
    chosen = [part.strip() for part in parts if part.strip()]
    return chosen or None


def parse_weights(weights: str | Mapping[str, float] | None) -> dict[str, float] | None:
    """``"家长=0.5,学生=0.1"`` (or a mapping) as group weights.

    Raises
    ------
    InputRefused
        For a part that is not ``group=number``.
    """
    if weights is None:
        return None
    if not isinstance(weights, str):
        return {str(group): float(value) for group, value in weights.items()}
    parsed: dict[str, float] = {}
    problems: list[Problem] = []
    text = unicodedata.normalize("NFKC", weights)
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        group, _, value = part.replace(":", "=").partition("=")
        try:
            parsed[group.strip()] = float(value)
        except ValueError:
            problems.append(Problem(None, "--weights", f"“{part}”应写作 群体=权重，如 家长=0.5"))
    if problems:
        raise InputRefused(problems)
    return parsed or None


def approval_from_options(responses_path: str | Path, **options: Any) -> ApprovalReport:
    """The approval report for a responses file, from the :func:`approval_options` values.

    Parameters
    ----------
    responses_path : str or Path
        The SPEC §3 responses file (CSV or XLSX).
    **options
        ``scheme, items, overall, weights, cluster, ci, level, threshold`` as the
        options deliver them (text), or already parsed (a list of items, a mapping of
        weights). None means the default. Other keys are ignored, so that a command
        can pass all its keyword arguments.

    Raises
    ------
    InputRefused
        With every problem of the file or the options.
    """
    level = options.get("level")
    threshold = options.get("threshold")
    return analyze_responses(
        Path(responses_path),
        scheme=options.get("scheme") or "top2",
        items=parse_items(options.get("items")),
        overall=options.get("overall") or "pooled",
        weights=parse_weights(options.get("weights")),
        cluster=options.get("cluster") or None,
        ci=options.get("ci") or "korn-graubard",
        level=0.95 if level is None else float(level),
        threshold=0.85 if threshold is None else float(threshold),
    )


@click.command("analyze")
@click.argument("responses", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@approval_options
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
def analyze(responses: Path, output_format: str, **options: Any) -> None:
    """社会认可度 of RESPONSES (CSV or XLSX), with intervals per group (SPEC §4).

    Exit code 0: the standard is met; 1: not met; 2: input refused.
    """
    try:
        report = approval_from_options(responses, **options)
    except InputRefused as refused:
        if refused.source is None:
            refused.source = responses.name
        click.echo(refused.describe(), err=True)
        sys.exit(2)
    if output_format == "json":
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_table(report, title=responses.name))
    sys.exit(0 if report.met else 1)


# ---------------------------------------------------------------------------------------
# The terminal table
# ---------------------------------------------------------------------------------------


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
        return f"样本少（{estimate.n} 人，n_kish {estimate.n_kish:.1f}）"
    return ""


def render_table(report: ApprovalReport, *, title: str = "") -> str:
    """The report as a terminal table: groups as rows, then the county (SPEC §5)."""
    level = f"{report.level * 100:g}%"
    method = METHOD_NAMES.get(report.overall.method, report.overall.method)
    theta = report.threshold
    lines = [
        f"社会认可度  {title}".rstrip(),
        f"估计量：{report.estimand}",
        f"抽样假定：{report.assumption}",
        f"区间：{method} {level} 置信区间；标准 {theta * 100:g}%（第九条）",
        "",
    ]
    columns = (
        ("群体", 10, False),
        ("n", 8, True),
        ("认可度", 9, True),
        (f"{level} 区间", 20, True),
    )
    header = "  ".join(_pad(name, width, right=right) for name, width, right in columns)
    lines.append(header + "  " + _pad("", BAR_WIDTH) + "  说明")
    lines.append("-" * (_width(header) + BAR_WIDTH + 10))

    def row(
        name: str, n: int, value: float | None, ci: tuple[float, float] | None, note: str
    ) -> str:
        cells = (
            _pad(name, 10),
            _pad(str(n), 8, right=True),
            _pad(format_percent(value, theta), 9, right=True),
            _pad(_interval(ci, theta), 20, right=True),
            _bar(value, theta),
        )
        return ("  ".join(cells) + ("  " + note if note else "")).rstrip()

    for estimate in report.groups.values():
        lines.append(
            row(estimate.group, estimate.n, estimate.approval, estimate.ci, _flags(estimate))
        )
    overall = report.overall
    lines.append("-" * (_width(header) + BAR_WIDTH + 10))
    mode = "合并（pooled）" if overall.mode == "pooled" else "按群体加权（policy）"
    lines.append(row("总体", overall.n, overall.approval, overall.ci, mode))
    lines.append("")
    details = f"df = {overall.df}，Kish 有效样本量 {overall.n_kish:.1f}"
    if overall.weights is not None:
        shares = "，".join(f"{g} {w:.3g}" for g, w in overall.weights.items())
        details += f"，群体权重：{shares}"
    if overall.deff is not None:
        details += f"，设计效应 {overall.deff:.2f}"
    lines.append(details)
    verdict = "达到" if report.met else "未达到"
    lines.append(
        f"结论：{verdict} {theta * 100:g}% 标准（按点估计，《办法》第九条）；"
        f"{CERTAINTY_WORDS[report.certainty]}；单侧 p 值（H0：认可度 ≤ 标准）= {report.p_value:.3g}"
    )
    if report.valid_rate is not None:
        counts = ""
        if report.rows is not None and report.valid_rows is not None:
            counts = f"（{report.valid_rows} / {report.rows} 行）"
        lines.append(f"有效率：{report.valid_rate:.1%}{counts}")
    lines.extend(f"注意：{warning}" for warning in report.warnings)
    return "\n".join(lines)
