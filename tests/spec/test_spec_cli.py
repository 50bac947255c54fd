"""SPEC §3 (readers as officials' files arrive) and §5 (the command line) for `renke verdict`,
and the cross-cutting "every problem listed" rule."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from ._helpers import (
    SCHOOL_HEADERS,
    cli,
    county_csv,
    county_rows,
    csv_bytes,
    school_row,
    schools_csv,
    write,
)

SCHOOLS = [
    school_row("A", primary=400),
    school_row("B", "初中", junior=600),
    school_row("C", "九年一贯制", primary=300, junior=250),
]


def files(tmp_path: Path) -> tuple[Path, Path]:
    return (
        write(tmp_path / "schools.csv", schools_csv(SCHOOLS)),
        write(tmp_path / "county.csv", county_csv(county_rows())),
    )


#: N = ceil(50 000 × 1.5‰) = 75: the responses below meet the plan (SPEC §2.5)
POPULATION = "50000"
OTHERS = ("教师", "校长", "人大代表", "政协委员", "其他群众")


def responses(tmp_path: Path, approving: int, total: int) -> Path:
    """家长 (approving of total), 10 学生 and one of each other group, all approving."""
    rows = [["家长", "满意"]] * approving + [["家长", "一般"]] * (total - approving)
    rows += [["学生", "比较满意"]] * 10 + [[group, "满意"] for group in OTHERS]
    return write(tmp_path / "responses.csv", csv_bytes(["group", "q1"], rows))


def test_verdict_with_responses_and_analyze_options(tmp_path: Path) -> None:
    schools, county = files(tmp_path)
    path = responses(tmp_path, 90, 100)
    analysed = cli("analyze", path, "--ci", "wilson", "--format", "json").json()
    run = cli(
        "verdict",
        "--schools",
        schools,
        "--county",
        county,
        "--responses",
        path,
        "--population",
        POPULATION,
        "--ci",
        "wilson",
        "--format",
        "json",
    )
    assert run.code == 0, run.err
    assert run.json()["approval"]["sample_ok"] is True and run.json()["approval"]["passed"] is True
    approval = run.json()["approval"]
    # SPEC §5: --responses FILE [the analyze options]; ci and certainty come from the analysis
    assert approval["approval"] == pytest.approx(analysed["overall"]["approval"])
    assert approval["ci"] == pytest.approx(analysed["overall"]["ci"])
    assert approval["certainty"] == analysed["certainty"] and approval["met"] is True


def test_verdict_with_analysis_json(tmp_path: Path) -> None:
    schools, county = files(tmp_path)
    path = responses(tmp_path, 80, 100)
    analysis = tmp_path / "analysis.json"
    analysed = cli("analyze", path, "--population", POPULATION, "--format", "json").out
    analysis.write_text(analysed, encoding="utf-8")
    run = cli(
        "verdict",
        "--schools",
        schools,
        "--county",
        county,
        "--analysis",
        analysis,
        "--format",
        "json",
    )
    data = run.json()
    # (80 + 10 + 5)/115 = 0.826 < 0.85: not met, not certified, exit 1
    assert run.code == 1
    assert data["approval"]["approval"] == pytest.approx(95 / 115)
    assert data["approval"]["sample_ok"] is True and data["approval"]["passed"] is False
    assert data["approval"]["met"] is False and data["certified"] is False
    assert data["approval"]["ci"] is not None and data["approval"]["certainty"] is not None


def test_approval_below_threshold_reason_and_exit_1(tmp_path: Path) -> None:
    schools, county = files(tmp_path)
    run = cli(
        "verdict",
        "--schools",
        schools,
        "--county",
        county,
        "--approval",
        "0.8496",
        "--format",
        "json",
    )
    assert run.code == 1
    data = run.json()
    assert data["approval"]["met"] is False
    # display: 2 decimals where the 1-decimal figure is 85.0%
    assert any("84.96%" in reason for reason in data["reasons"])


def test_schools_encodings_and_xlsx_read_alike(tmp_path: Path) -> None:
    _, county = files(tmp_path)
    expected = None
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(SCHOOL_HEADERS)
    for row in SCHOOLS:
        sheet.append([None if row.get(h) in ("", None) else row.get(h) for h in SCHOOL_HEADERS])
    xlsx = io.BytesIO()
    book.save(xlsx)
    variants = {
        "utf8.csv": schools_csv(SCHOOLS),
        "bom.csv": b"\xef\xbb\xbf" + schools_csv(SCHOOLS),
        "gb.csv": schools_csv(SCHOOLS, encoding="gb18030"),
        "book.xlsx": xlsx.getvalue(),
    }
    for name, data in variants.items():
        path = write(tmp_path / name, data)
        run = cli(
            "verdict",
            "--schools",
            path,
            "--county",
            county,
            "--approval",
            "0.9",
            "--format",
            "json",
        )
        assert run.code == 0, (name, run.err)
        resource = run.json()["resource"]
        if expected is None:
            expected = resource
        assert resource["schools"] == expected["schools"]
        assert resource["cv"] == expected["cv"]


def test_schools_excel_habits(tmp_path: Path) -> None:
    _, county = files(tmp_path)
    plain = cli(
        "verdict",
        "--schools",
        tmp_path / "schools.csv",
        "--county",
        county,
        "--approval",
        "0.9",
        "--format",
        "json",
    ).json()
    habit = [dict(row) for row in SCHOOLS]
    habit[0]["教学仪器设备值"] = (
        f"{habit[0]['教学仪器设备值']:,.0f}"  # thousands separator "1,040,000"
    )
    habit[0]["小学在校生数"] = "４００"  # full-width digits
    habit[1]["学校名称"] = habit[1]["学校名称"] + "  "  # trailing spaces
    habit[1]["初中在校生数"] = "600 "
    path = write(tmp_path / "habit.csv", schools_csv(habit))
    run = cli(
        "verdict", "--schools", path, "--county", county, "--approval", "0.9", "--format", "json"
    )
    assert run.code == 0, run.err
    got = run.json()["resource"]["schools"]
    for mine, theirs in zip(got, plain["resource"]["schools"], strict=True):
        assert mine["values"] == pytest.approx(theirs["values"])
        assert mine["name"] == theirs["name"]


def test_equipment_in_wan_yuan_is_a_warning_not_an_error(tmp_path: Path) -> None:
    _, county = files(tmp_path)
    rows = [dict(row) for row in SCHOOLS]
    rows[0]["教学仪器设备值"] = 104  # 万元 by mistake: 0.26 元 per student
    path = write(tmp_path / "wan.csv", schools_csv(rows))
    run = cli(
        "verdict", "--schools", path, "--county", county, "--approval", "0.9", "--format", "json"
    )
    # SPEC §3: plausibility warnings (not errors): "是否以万元填报?"
    assert run.code == 1  # computed (the school now fails), not refused
    assert "是否以万元填报?" in run.err + "".join(run.json().get("warnings", []))


def test_verdict_refusal_lists_every_file_and_problem(tmp_path: Path) -> None:
    rows = [dict(row) for row in SCHOOLS]
    rows[0]["学校类型"] = "大学"
    rows[1]["初中在校生数"] = "很多"
    schools = write(tmp_path / "bad.csv", schools_csv(rows))
    county_lines = county_rows(replace={("政府保障", "7"): ("5000", "达标", "")})
    county = write(
        tmp_path / "bad_county.csv", county_csv([*county_lines, ["合计", "", "", "", ""]])
    )
    run = cli(
        "verdict", "--schools", schools, "--county", county, "--approval", "0.9", "--format", "json"
    )
    # SPEC §3: 2 input refused (every problem on standard error; nothing on standard output)
    assert run.code == 2 and run.out == ""
    assert "第2行" in run.err and "学校类型" in run.err
    assert "第3行" in run.err and "初中在校生数" in run.err
    assert f"第{len(county_lines) + 2}行是合计行，请删除后重新上传" in run.err
    assert "第8行" in run.err  # the 判定 that contradicts 值 (row 8: 政府保障 7)


def test_schools_total_row_exact_message(tmp_path: Path) -> None:
    _, county = files(tmp_path)
    total = ["合计"] + [""] * (len(SCHOOL_HEADERS) - 1)
    data = schools_csv(SCHOOLS) + csv_bytes(["x"], [total])[2:]
    path = write(tmp_path / "total.csv", data)
    run = cli("verdict", "--schools", path, "--county", county, "--approval", "0.9")
    assert run.code == 2 and run.out == ""
    assert "第5行是合计行，请删除后重新上传" in run.err


def test_responses_total_row_and_other_problems_are_all_listed(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", csv_bytes(["group", "q1"], [["家长", "很好"], ["合计", ""]]))
    run = cli("analyze", path)
    # SPEC §3: "A bad file is refused whole with every problem listed by row and column";
    # "a trailing 合计 row is refused with that exact message"
    assert run.code == 2 and run.out == ""
    assert "第3行是合计行，请删除后重新上传" in run.err
    assert "很好" in run.err  # row 2's label outside the scheme is a problem too


def test_gaps_command_exists(tmp_path: Path) -> None:
    schools, county = files(tmp_path)
    run = cli("gaps", "--schools", schools, "--county", county, "--format", "json")
    # SPEC §5: renke gaps --schools FILE [--county FILE] [--format table|json|xlsx]
    assert run.code == 0, run.err
    assert run.out.strip()
