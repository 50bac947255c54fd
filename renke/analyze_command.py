"""`renke analyze`: the 社会认可度 of a responses file (SPEC §4, §5).

Exit codes: 0 computed, the standard met and the sample check did not fail; 1 computed
and not met, or the sample check failed (as ``verdict``'s "not certified"); 2 input
refused (every problem on standard error, nothing on standard output). Imports neither
Flask nor SQLAlchemy.

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

from analysis.approval import ApprovalReport, analyze_responses
from analysis.county import read_county
from analysis.intervals import METHODS
from analysis.sample_check import ShareException, plan_for_county
from analysis.sampling import SamplePlan
from analysis.standards import SamplingSettings, load_standard
from analysis.tables import InputRefused, Problem
from renke.approval_table import render_table

F = TypeVar("F", bound=Callable[..., Any])

#: The keyword names :func:`approval_options` adds, as :func:`approval_from_options` reads them.
OPTION_NAMES = ("scheme", "items", "overall", "weights", "cluster", "ci", "level", "threshold")


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
            type=click.Choice(["pooled", "policy", "planned"]),
            default="pooled",
            show_default=True,
            help="总体：pooled 合并全部回答；policy 按 --weights 加权各群体；planned 按抽样计划的群体结构加权",
        ),
        click.option("--weights", default=None, help="policy 的群体权重，如 家长=0.5,学生=0.1,…"),
        click.option(
            "--cluster",
            type=click.Choice(["school", "none"]),
            default="school",
            show_default=True,
            help="school：同一所学校的受访者为一群（跨群体）；none：受访者为独立单位",
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


def approval_from_options(
    responses_path: str | Path,
    *,
    plan: SamplePlan | None = None,
    settings: SamplingSettings | None = None,
    exception: ShareException | None = None,
    **options: Any,
) -> ApprovalReport:
    """The approval report for a responses file, from the :func:`approval_options` values.

    Parameters
    ----------
    responses_path : str or Path
        The SPEC §3 responses file (CSV or XLSX).
    plan, settings, exception
        The sample plan, the standard's sample rules and a recorded exception to the
        家长 share, passed to :func:`analysis.approval.analyze_responses`.
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
        cluster=options.get("cluster") or "school",
        ci=options.get("ci") or "korn-graubard",
        level=0.95 if level is None else float(level),
        threshold=0.85 if threshold is None else float(threshold),
        plan=plan,
        settings=settings,
        exception=exception,
    )


@click.command("analyze")
@click.argument("responses", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@approval_options
@click.option(
    "--population", type=click.IntRange(min=1), default=None, help="常住人口（核对样本量）"
)
@click.option(
    "--county",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="县级数据（基本情况中的常住人口、城乡人口与群体人数）",
)
@click.option(
    "--standard", default="yunnan-2022", show_default=True, help="标准名称或标准 TOML 文件"
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
def analyze(
    responses: Path,
    population: int | None,
    county: Path | None,
    standard: str,
    output_format: str,
    **options: Any,
) -> None:
    """社会认可度 of RESPONSES (CSV or XLSX), with intervals per group (SPEC §4),
    and the sample checked against the plan (SPEC §2.5).

    Exit code 0: the standard is met and the sample check did not fail; 1: not met, or
    the sample check failed; 2: input refused.
    """
    try:
        report = _report(responses, population, county, standard, options)
    except InputRefused as refused:
        if refused.source is None:
            refused.source = responses.name
        click.echo(refused.describe(), err=True)
        sys.exit(2)
    if output_format == "json":
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_table(report, title=responses.name))
    failed = report.sample is not None and report.sample.failed
    sys.exit(0 if report.met and not failed else 1)


def _report(
    responses: Path,
    population: int | None,
    county_path: Path | None,
    standard_name: str,
    options: dict[str, Any],
) -> ApprovalReport:
    standard = load_standard(standard_name)
    county = None if county_path is None else read_county(county_path, standard=standard)
    plan = plan_for_county(standard.sampling, population, county)
    return approval_from_options(responses, plan=plan, settings=standard.sampling, **options)
