"""`renke verdict` (SPEC §5): exit codes, JSON and table output, refusals, no Flask."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from renke.cli import main
from tests.verdict import county40

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    schools = tmp_path / "schools.csv"
    schools.write_bytes(county40.schools_csv())
    county = tmp_path / "county.csv"
    county.write_bytes(county40.county_csv())
    return {"schools": schools, "county": county, "dir": tmp_path}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["verdict", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_certified_exits_0_with_json(files: dict[str, Path]) -> None:
    code, out, err = run(
        "--schools",
        str(files["schools"]),
        "--county",
        str(files["county"]),
        "--approval",
        "0.91",
        "--format",
        "json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["certified"] is True and data["eligible"] is True and data["reasons"] == []
    assert data["approval"]["ci"] is None and data["approval"]["certainty"] is None


def test_not_certified_exits_1_with_table(files: dict[str, Path]) -> None:
    code, out, _ = run(
        "--schools", str(files["schools"]), "--county", str(files["county"]), "--approval", "84%"
    )
    assert code == 1
    assert "结论：不予认定" in out
    assert "社会认可度 84.0%，低于 85%（办法第九条）" in out


def test_missing_county_and_approval_is_not_certified(files: dict[str, Path]) -> None:
    code, out, _ = run("--schools", str(files["schools"]), "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert data["eligible"] is None and "缺少社会认可度数据" in data["reasons"]


def test_refused_input_exits_2_every_problem_on_stderr(files: dict[str, Path]) -> None:
    bad_schools = files["dir"] / "bad.csv"
    text = county40.schools_csv().decode("utf-8").splitlines()
    text[1] = text[1].replace(",小学,", ",幼儿园,", 1)
    total = ",合计" + "," * (text[0].count(","))
    bad_schools.write_text("\n".join(text) + "\n" + total[:-1] + "\n", encoding="utf-8")
    bad_county = files["dir"] / "bad_county.csv"
    bad_county.write_text("类别,编号,值,判定,说明\n政府保障,3,,达标,\n", encoding="utf-8")
    code, out, err = run(
        "--schools", str(bad_schools), "--county", str(bad_county), "--approval", "1.7"
    )
    assert code == 2
    assert out == ""
    assert "第2行，“学校类型”列：“幼儿园”不是可选值" in err
    assert "第42行是合计行，请删除后重新上传" in err
    assert "政府保障第 3 项（音乐、美术专用教室）由学校数据计算" in err
    assert "“1.7”应在 0 与 1 之间" not in err  # 1.7 > 1 reads as 1.7%
    code, out, err = run("--schools", str(files["schools"]), "--approval", "170")
    assert code == 2 and out == "" and "应在 0 与 1 之间" in err


def test_unknown_standard_exits_2(files: dict[str, Path]) -> None:
    code, out, err = run("--schools", str(files["schools"]), "--standard", "hebei-2020")
    assert code == 2 and out == "" and "没有名为“hebei-2020”的标准" in err


def test_only_one_approval_source(files: dict[str, Path]) -> None:
    code, out, _ = run(
        "--schools", str(files["schools"]), "--approval", "0.9", "--analysis", str(files["schools"])
    )
    assert code == 2 and out == ""


def test_analysis_json(files: dict[str, Path]) -> None:
    analysis = files["dir"] / "analysis.json"
    analysis.write_text(
        json.dumps(
            {
                "groups": {},
                "overall": {"approval": 0.87, "ci": [0.84, 0.9], "se": 0.015},
                "threshold": 0.85,
                "met": True,
                "certainty": "borderline",
                "p_value": 0.1,
                # the sample meets its own N; the verdict checks it again (SPEC §5)
                "sample": {
                    "n_valid": 800,
                    "target": 750,
                    "by_group": {
                        "家长": 420,
                        "学生": 200,
                        "教师": 100,
                        "校长": 20,
                        "人大代表": 20,
                        "政协委员": 20,
                        "其他群众": 20,
                    },
                },
            }
        ),
        encoding="utf-8",
    )
    code, out, err = run(
        "--schools",
        str(files["schools"]),
        "--county",
        str(files["county"]),
        "--analysis",
        str(analysis),
        "--format",
        "json",
    )
    assert code == 0
    approval = json.loads(out)["approval"]
    assert {k: v for k, v in approval.items() if k != "sample"} == {
        "approval": 0.87,
        "se": 0.015,  # the analysis's overall SE, for yearly monitoring (SPEC §2.4)
        "ci": [0.84, 0.9],
        "met": True,
        "certainty": "borderline",
        "sample_ok": True,
        "passed": True,
        "threshold": 0.85,
        "source": "analysis",
    }
    assert approval["sample"]["target"] == 750 and approval["sample"]["ok"] is True
    assert "95% 置信区间包含 85%" in err  # a note, not a reason


def _responses_csv(approving: int, total: int) -> str:
    """家长 approving of total, and one of each other group (满意, 一般): a sample that
    meets the plan of a population of 50 000 (N = 75)."""
    lines = ["group,q1,q2"]
    for number in range(total):
        answer = "满意" if number < approving else "一般"
        lines.append(f"家长,{answer},{answer}")
    lines += [
        f"{group},满意,一般"
        for group in ("学生", "教师", "校长", "人大代表", "政协委员", "其他群众")
    ]
    return "\n".join(lines) + "\n"


def test_responses_with_analyze_options(files: dict[str, Path]) -> None:
    pytest.importorskip(
        "analysis.approval", reason="analysis.approval (the estimator) is not there yet"
    )
    responses = files["dir"] / "responses.csv"
    responses.write_text(_responses_csv(90, 100), encoding="utf-8")
    code, out, err = run(
        "--schools",
        str(files["schools"]),
        "--county",
        str(files["county"]),
        "--responses",
        str(responses),
        "--population",
        "50000",
        "--ci",
        "wilson",
        "--format",
        "json",
    )
    assert code == 0, err
    approval = json.loads(out)["approval"]
    assert approval["approval"] == pytest.approx(186 / 212)
    assert approval["sample_ok"] is True and approval["passed"] is True
    assert approval["met"] is True and approval["source"] == "responses"
    assert approval["ci"][0] < 186 / 212 < approval["ci"][1]


def test_verdict_imports_neither_flask_nor_sqlalchemy(files: dict[str, Path]) -> None:
    script = (
        "import sys\n"
        "from renke.cli import main\n"
        "try:\n"
        f"    main(['verdict', '--schools', {str(files['schools'])!r}, '--approval', '0.9',"
        " '--format', 'json'], standalone_mode=False)\n"
        "except SystemExit:\n"
        "    pass\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy'))\n"
        "print(','.join(bad) or 'clean', file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.stderr.strip().splitlines()[-1] == "clean"
