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
