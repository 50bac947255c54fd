"""`renke analyze` (SPEC §5): JSON, table, exit codes, and no Flask."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from analysis.approval import analyze_responses
from renke.analyze_command import approval_from_options, parse_weights
from renke.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "approval"
ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["analyze", *args])
    return result.exit_code, result.stdout, result.stderr


def test_json_equals_the_library_report() -> None:
    path = FIXTURES / "clustered.csv"
    code, out, err = run(
        str(path),
        "--cluster",
        "school",
        "--overall",
        "policy",
        "--weights",
        "学生=0.2，家长=0.5,教师=0.2,校长=0.1",
        "--ci",
        "wilson",
        "--format",
        "json",
    )
    weights = {"学生": 0.2, "家长": 0.5, "教师": 0.2, "校长": 0.1}
    report = analyze_responses(
        path, cluster="school", overall="policy", weights=weights, ci="wilson"
    )
    assert json.loads(out) == json.loads(json.dumps(report.to_dict()))
    assert code == (0 if report.met else 1) and err == ""


def test_exit_one_when_not_met_and_zero_when_met() -> None:
    assert run(str(FIXTURES / "weighted.csv"), "--format", "json")[0] == 1
    # met, but the sample check fails (groups of the plan absent): exit 1 (SPEC §3)
    code, out, _ = run(str(FIXTURES / "near_one.csv"), "--items", "q1", "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["met"] is True
    assert [c["rule"] for c in data["sample"]["checks"] if c["passed"] is False] == [
        "groups_present"
    ]


def test_table_states_estimand_and_assumption() -> None:
    code, out, _ = run(str(FIXTURES / "small.csv"))
    assert code in (0, 1)
    assert "估计量：社会认可度" in out and "随机样本" in out
    assert "样本少（5 人" in out and "人大代表" in out
    assert "Korn–Graubard 95% 置信区间；标准 85%" in out
    assert "样本太少，无法判断" in out  # certainty: insufficient, in neutral words
    assert "人大代表    少于 5 人，不单独显示" in out


def test_refused_file_exits_two_with_problems_on_stderr(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("group,q1\n家长,满意\n老师,很好\n", encoding="utf-8")
    code, out, err = run(str(bad), "--format", "json")
    assert code == 2 and out == ""
    assert "第3行，“group”列" in err and "第3行，“q1”列：“很好”" in err


@pytest.mark.parametrize(
    "args",
    [
        ["--overall", "policy"],
        ["--weights", "家长=abc", "--overall", "policy"],
        ["--items", "q99"],
        ["--level", "1.5"],
    ],
)
def test_bad_options_exit_two(args: list[str]) -> None:
    code, out, err = run(str(FIXTURES / "basic.csv"), *args)
    assert code == 2 and out == "" and err


def test_options_as_verdict_passes_them() -> None:
    report = approval_from_options(
        FIXTURES / "basic.csv",
        scheme=None,
        items="q1,q2",
        overall="pooled",
        weights=None,
        cluster=None,
        ci="logit",
        level=0.9,
        threshold=0.8,
        schools="ignored.csv",
    )
    assert report.level == 0.9 and report.threshold == 0.8
    assert report.overall.method == "logit"
    assert parse_weights("家长：0.5, 学生=0.5") == {"家长": 0.5, "学生": 0.5}


def test_analyze_imports_neither_flask_nor_sqlalchemy() -> None:
    code = (
        "import sys\n"
        "from renke.cli import main\n"
        "try:\n"
        f"    main(['analyze', {str(FIXTURES / 'basic.csv')!r}, '--format', 'json'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = [m for m in ('flask', 'sqlalchemy', 'surveyapp') if m in sys.modules]\n"
        "print('LOADED', loaded, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "LOADED []" in result.stderr
    assert json.loads(result.stdout)["overall"]["approval"] > 0
