"""`renke plan import` and `renke province` against a fresh SQLite instance."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from renke.cli import main


@pytest.fixture
def runner(tmp_path):
    env = {
        "RENKE_INSTANCE": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'renke.sqlite3'}",
        "SECRET_KEY": "province-cli-test-secret",
    }
    runner = CliRunner(env=env)
    assert runner.invoke(main, ["db", "upgrade"], catch_exceptions=False).exit_code == 0
    return runner


def test_import_the_yunnan_plan_then_the_overview(runner, tmp_path):
    result = runner.invoke(main, ["plan", "import", "analysis/plans/yunnan.csv"])
    assert result.exit_code == 0, result.output
    assert "新增 129 个县" in result.output
    again = runner.invoke(main, ["plan", "import", "analysis/plans/yunnan.csv"])
    assert "新增 0 个县，更新 0 个，未变 129 个" in again.output
    data = json.loads(runner.invoke(main, ["province", "--format", "json"]).stdout)
    assert len(data["counties"]) == 129
    row = next(c for c in data["counties"] if c["county"] == "砚山县")
    assert row["planned_year"] == 2024 and row["stage"] is None and row["certified"] is None
    assert row["overdue"] is True  # its 2024 deadlines have passed with no assessment
    assert {y["year"]: y["planned"] for y in data["by_year"]}[2028] == 21
    out = tmp_path / "p.xlsx"
    assert runner.invoke(main, ["province", "--format", "xlsx", "-o", str(out)]).exit_code == 0
    sheet = load_workbook(out).worksheets[0]
    assert sheet.cell(row=2, column=3).value == "县（市、区）" and sheet.max_row == 131


def test_a_bad_plan_is_refused_with_exit_2_and_every_problem(runner, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "州市,县,规划年份\n昆明市,石林县,2023\n昆明市,石林县,2024\n,安宁市,x\n", encoding="utf-8"
    )
    result = runner.invoke(main, ["plan", "import", str(bad)])
    assert result.exit_code == 2
    assert "第3行，“county”列：石林县与第2行重复" in result.stderr
    assert "第4行，“prefecture”列：不能为空" in result.stderr and "“x”不是年份" in result.stderr
    assert result.stdout == ""


def test_a_plan_with_certified_years_then_the_json(runner, tmp_path):
    good = tmp_path / "recorded.csv"
    good.write_text(
        "州市,县,规划年份,认定年份\n曲靖市,沾益区,2022,2023\n昆明市,石林县,2023,\n",
        encoding="utf-8",
    )
    assert runner.invoke(main, ["plan", "import", str(good)]).exit_code == 0
    data = json.loads(runner.invoke(main, ["province", "--format", "json"]).stdout)
    counties = {c["county"]: c for c in data["counties"]}
    zhanyi, shilin = counties["沾益区"], counties["石林县"]
    assert (zhanyi["certified"], zhanyi["certified_year"], zhanyi["overdue"]) == (True, 2023, False)
    assert zhanyi["monitoring"]["recorded"] is True and zhanyi["monitoring"]["years"] == []
    assert (shilin["certified"], shilin["certified_year"], shilin["monitoring"]) == (
        None,
        None,
        None,
    )
    assert {y["year"]: y["certified"] for y in data["by_year"]}[2023] == 1
    assert "年度监测：2023年认定（据规划表），尚无监测" in runner.invoke(main, ["province"]).stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("州市,县,规划年份,认定年份\n曲靖市,马龙区,2023,2023.5\n", encoding="utf-8")
    refused = runner.invoke(main, ["plan", "import", str(bad)])
    assert refused.exit_code == 2 and refused.stdout == ""
    assert "第2行，“certified_year”列：“2023.5”不是年份" in refused.stderr


def test_the_demo_monitoring_in_the_json_and_the_workbook(runner, tmp_path):
    assert runner.invoke(main, ["demo"], catch_exceptions=False).exit_code == 0
    data = json.loads(runner.invoke(main, ["province", "--format", "json"]).stdout)
    counties = {c["county"]: c for c in data["counties"]}
    assert counties["砚山县"]["monitoring"] is None
    deqin = counties["德钦县"]
    assert deqin["stage"] == "monitoring" and deqin["planned_year"] == 2022
    monitoring = deqin["monitoring"]
    assert (monitoring["accountability"], monitoring["revoke"]) == (True, True)
    assert [y["year"] for y in monitoring["years"]] == [2022, 2023, 2024, 2025]
    assert [(f["year"], f["measure"]) for f in monitoring["falls"]] == [
        (2024, "items.government.1"),
        (2025, "indicators.junior.5334220001"),
    ]
    listed = monitoring["years"][1]["falls"]
    assert [f["flagged"] for f in listed] == [False] and "p = " in listed[0]["note"]
    out = tmp_path / "p.xlsx"
    assert runner.invoke(main, ["province", "--format", "xlsx", "-o", str(out)]).exit_code == 0
    sheet = load_workbook(out).worksheets[0]
    rows = {r[2]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert (
        rows["德钦县"][16] == "撤销称号、问责"
        and "2025年下滑：德钦县第一中学" in rows["德钦县"][17]
    )
    table = runner.invoke(main, ["province"]).stdout
    assert "德钦县" in table and "年度监测：撤销称号、问责" in table
    # two counties recorded as certified before Renke, through the plan import (示例)
    assert [
        (counties[n]["certified"], counties[n]["certified_year"]) for n in ("沾益区", "红塔区")
    ] == [
        (True, 2023),
        (True, 2024),
    ]
    assert counties["沾益区"]["monitoring"]["recorded"] is True
    first = {y["year"]: y for y in data["by_year"]}
    assert (first[2022]["certified"], first[2023]["certified"], first[2024]["certified"]) == (
        1,
        1,
        1,
    )


def test_import_refuses_a_certified_year_still_to_come(runner, tmp_path):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    next_year = datetime.now(ZoneInfo("Asia/Shanghai")).year + 1
    path = tmp_path / "plan.csv"
    path.write_text(f"州市,县,规划年份,认定年份\n曲靖市,沾益区,2022,{next_year}\n", "utf-8")
    result = runner.invoke(main, ["plan", "import", str(path)])
    assert result.exit_code == 2
    assert f"第2行，“certified_year”列：{next_year} 年还未到来" in result.output
    data = json.loads(runner.invoke(main, ["province", "--format", "json"]).stdout)
    assert data["counties"] == []  # nothing stored
