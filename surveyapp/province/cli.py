"""`renke plan import` and `renke province` (SPEC §5): the same services as the pages."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from analysis.tables import InputRefused
from surveyapp import create_app, db

DEFAULT_PROVINCE = "云南省"


@click.group("plan")
def plan_group() -> None:
    """The province's schedule of counties by planned year."""


@plan_group.command("import")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--province", default=DEFAULT_PROVINCE, show_default=True)
def plan_import(source: Path, province: str) -> None:
    """Import a plan file (州市, 县, 规划年份[, 行政区划代码][, 认定年份]); a bad file is
    refused whole. A blank 认定年份 keeps a year recorded before; 无 clears it."""
    from analysis.plan import read_plan
    from surveyapp.province.services import current_year, import_plan

    app = create_app()
    with app.app_context():
        this_year = current_year(ZoneInfo(app.config["RENKE_TIMEZONE"]))
        try:
            plan = read_plan(source, this_year=this_year)
        except InputRefused as refused:
            click.echo(refused.describe(), err=True)
            sys.exit(2)
        session = db.session()
        result = import_plan(session, plan, province)
        session.commit()
    click.echo(
        f"规划表已导入：新增 {result.created} 个县，更新 {result.updated} 个，未变 {result.unchanged} 个"
    )


@click.command("province")
@click.option("--format", "output", type=click.Choice(["table", "json", "xlsx"]), default="table")
@click.option("-o", "target", default=None, help="output file (xlsx needs one; - for stdout)")
@click.option("--province", "province", default=DEFAULT_PROVINCE, show_default=True)
def province_command(output: str, target: str | None, province: str) -> None:
    """Every county against its planned year, read from stored verdict summaries."""
    from surveyapp.province.export import overview_xlsx, row_cells
    from surveyapp.province.services import overview

    app = create_app()
    with app.app_context():
        now = db.utcnow()
        result = overview(db.session(), province, now)
        if output == "json":
            text = json.dumps(
                {
                    "counties": [row.as_dict() for row in result.rows],
                    "by_year": [
                        {"year": y.year, "planned": y.planned, "certified": y.certified}
                        for y in result.by_year
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
            _write(target, text.encode("utf-8") + b"\n")
        elif output == "xlsx":
            if not target or target == "-":
                click.echo("xlsx 需要 -o 文件名", err=True)
                sys.exit(2)
            _write(target, overview_xlsx(result, province, now))
        else:
            lines = []
            for n, row in enumerate(result.rows, 1):
                cells = row_cells(n, row)
                monitoring = f"  年度监测：{cells[16]}" if cells[16] else ""
                lines.append("  ".join(str(cell) for cell in cells[1:12]) + monitoring)
            _write(target, ("\n".join(lines) + "\n").encode("utf-8"))


def _write(target: str | None, data: bytes) -> None:
    if target and target != "-":
        Path(target).write_bytes(data)
        click.echo(f"已写入 {target}", err=True)
    else:
        click.echo(data, nl=False)
