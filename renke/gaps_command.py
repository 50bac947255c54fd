"""`renke gaps`: the gap ledger — what each school must add to reach the standards (SPEC §5).

Exit codes (SPEC §3): 0 no gap keeps the county from passing 资源配置 or 政府保障 items 3–5,
1 some gap does, 2 input refused (every problem on standard error, nothing on standard
output). Imports neither Flask nor SQLAlchemy.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from analysis.tables import InputRefused
from renke.options import county_option, schools_option, standard_option

DEFAULT_XLSX = "差距台账.xlsx"


@click.command("gaps")
@schools_option
@county_option("县级数据（CSV 或 XLSX；用于县名）")
@standard_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "xlsx"]),
    default="table",
    show_default=True,
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"xlsx 的保存位置（缺省为当前目录的 {DEFAULT_XLSX}）",
)
def gaps(
    schools: Path, county: Path | None, standard: str, output_format: str, output: Path | None
) -> None:
    """差距台账：各校距标准还差多少（教师、面积、设备、教室），以及差异系数和政府保障第 3–5 项。"""
    from analysis.county import read_county
    from analysis.gaps import gap_ledger
    from analysis.schools import read_schools
    from analysis.standards import load_standard

    ctx = click.get_current_context()
    rules = load_standard(standard)
    refusals: list[InputRefused] = []
    school_file = county_file = None
    try:
        school_file = read_schools(schools, standard=rules)
    except InputRefused as refused:
        refusals.append(refused)
    if county is not None:
        try:
            county_file = read_county(county, standard=rules)
        except InputRefused as refused:
            refusals.append(refused)
    if refusals or school_file is None:
        for each in refusals:
            click.echo(each.describe(), err=True)
        ctx.exit(2)
    for warning in school_file.warnings:
        click.echo(f"警告：{warning}", err=True)
    name = county_file.county_name if county_file is not None else None
    ledger = gap_ledger(school_file, standard=rules, county=name)
    if output_format == "json":
        click.echo(json.dumps(ledger.to_dict(), ensure_ascii=False, indent=2))
    elif output_format == "xlsx":
        from analysis.gaps_text import write_ledger_xlsx

        target = output or Path(DEFAULT_XLSX)
        with target.open("wb") as stream:
            write_ledger_xlsx(ledger, stream)
        click.echo(f"已保存差距台账：{target}", err=True)
    else:
        from analysis.gaps_text import ledger_table

        click.echo(ledger_table(ledger))
    ctx.exit(1 if ledger.blocking else 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(gaps())
