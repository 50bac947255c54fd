"""`renke verdict`: the certification verdict with every reason (SPEC §5).

Exit codes: 0 certified, 1 not certified, 2 input refused (every problem on standard
error, nothing on standard output). Imports neither Flask nor SQLAlchemy.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import click

from analysis.tables import InputRefused
from renke.analyze_command import approval_from_options, approval_options
from renke.options import INPUT_FILE, county_option, schools_option, standard_option

F = TypeVar("F", bound=Callable[..., Any])

OWN_OPTIONS = (
    "schools",
    "county",
    "responses",
    "approval",
    "analysis",
    "population",
    "standard",
    "exceptions",
    "output_format",
)


def _has_param(func: Callable[..., Any], name: str) -> bool:
    return any(param.name == name for param in getattr(func, "__click_params__", []))


def _format_option(func: F) -> F:
    if _has_param(func, "output_format") or _has_param(func, "format"):
        return func
    decorated: F = click.option(
        "--format",
        "output_format",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
    )(func)
    return decorated


@click.command("verdict")
@schools_option
@county_option("县级数据（CSV 或 XLSX）")
@click.option(
    "--responses", type=INPUT_FILE, help="问卷回答导出（同 renke analyze），可加 analyze 的选项"
)
@click.option("--approval", default=None, help="社会认可度，如 0.91")
@click.option("--analysis", type=INPUT_FILE, help="renke analyze --format json 的输出")
@standard_option
@click.option(
    "--exceptions",
    type=INPUT_FILE,
    help="已认定的特殊情况（CSV 或 XLSX，列见 docs/verdict.md）",
)
@click.option(
    "--population",
    type=click.IntRange(min=1),
    default=None,
    help="常住人口（核对社会认可度样本量；缺省时取县级数据基本情况中的常住人口）",
)
@approval_options
@_format_option
def verdict(**options: Any) -> None:
    """认定结论：是否通过县域义务教育优质均衡发展评估，以及全部原因。"""
    ctx = click.get_current_context()
    output_format = options.pop("output_format", None) or options.pop("format", "table")
    own = {key: options.pop(key, None) for key in OWN_OPTIONS}
    sources = [key for key in ("responses", "approval", "analysis") if own[key] is not None]
    if len(sources) > 1:
        raise click.UsageError("--responses、--approval、--analysis 只能选一个")
    try:
        result = _run(own, options)
    except InputRefused as refused:
        click.echo(refused.describe(), err=True)
        ctx.exit(2)
    except _Refusals as refusals:
        for each in refusals.refusals:
            click.echo(each.describe(), err=True)
        ctx.exit(2)
    for warning in result.warnings:
        click.echo(f"警告：{warning}", err=True)
    if output_format == "json":  # the table shows its notes itself
        for note in result.notes:
            click.echo(f"说明：{note}", err=True)
    if output_format == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        from analysis.verdict_text import verdict_table

        click.echo(verdict_table(result))
    ctx.exit(0 if result.certified else 1)


class _Refusals(Exception):
    def __init__(self, refusals: list[InputRefused]) -> None:
        self.refusals = refusals
        super().__init__("\n".join(r.describe() for r in refusals))


def _run(own: Mapping[str, Any], analyze_options: dict[str, Any]) -> Any:
    from analysis.county import read_county
    from analysis.sample_check import plan_for_county
    from analysis.schools import read_schools
    from analysis.standards import load_standard
    from analysis.verdict import (
        approval_from_analysis,
        approval_from_report,
        approval_from_value,
        compute_verdict,
    )

    standard = load_standard(own["standard"])
    refusals: list[InputRefused] = []
    schools = county = approval = exceptions = None
    if own.get("exceptions") is not None:
        from analysis.exceptions import read_exceptions

        try:
            exceptions = read_exceptions(own["exceptions"], standard=standard)
        except InputRefused as refused:
            refusals.append(refused)
    try:
        schools = read_schools(own["schools"], standard=standard)
    except InputRefused as refused:
        refusals.append(refused)
    if own["county"] is not None:
        try:
            county = read_county(own["county"], standard=standard)
        except InputRefused as refused:
            refusals.append(refused)
    threshold = standard.approval.threshold
    plan = plan_for_county(standard.sampling, own["population"], county)
    try:
        if own["approval"] is not None:
            approval = approval_from_value(own["approval"], threshold=threshold)
        elif own["analysis"] is not None:
            target = None if plan is None else plan.total
            approval = approval_from_analysis(own["analysis"], threshold=threshold, target=target)
        elif own["responses"] is not None:
            report = approval_from_options(
                own["responses"], plan=plan, settings=standard.sampling, **analyze_options
            )
            approval = approval_from_report(report, threshold=threshold)
    except InputRefused as refused:
        refusals.append(refused)
    if refusals or schools is None:
        raise _Refusals(refusals)
    return compute_verdict(schools, county, approval, standard=standard, exceptions=exceptions)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(verdict())
