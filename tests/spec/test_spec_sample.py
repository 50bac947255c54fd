"""SPEC §2.5 "Sample check" in `renke verdict` (§5): until the sample meets the plan the
approval aspect is not established — `approval.passed` null, no certification, each
failed check a reason in figures; `--approval` notes that the sample was not checked."""

from __future__ import annotations

from pathlib import Path

from ._helpers import cli, county_csv, county_rows, csv_bytes, school_row, schools_csv, write

SCHOOLS = [school_row("A", primary=400), school_row("B", "初中", junior=600)]
OTHERS = ("学生", "教师", "校长", "人大代表", "政协委员", "其他群众")


def files(tmp_path: Path, *extra: list[str]) -> tuple[Path, Path]:
    rows = county_rows() + [list(row) for row in extra]
    return (
        write(tmp_path / "schools.csv", schools_csv(SCHOOLS)),
        write(tmp_path / "county.csv", county_csv(rows)),
    )


def responses(tmp_path: Path, parents: int, others: int) -> Path:
    rows = [["家长", "满意"]] * parents
    rows += [[OTHERS[k % len(OTHERS)], "满意"] for k in range(others)]
    return write(tmp_path / "responses.csv", csv_bytes(["group", "q1"], rows))


def verdict(schools: Path, county: Path, *args: object) -> tuple[int, dict]:  # type: ignore[type-arg]
    run = cli("verdict", "--schools", schools, "--county", county, *args, "--format", "json")
    return run.code, run.json()


def test_four_answers_for_a_plan_of_750(tmp_path: Path) -> None:
    schools, county = files(tmp_path)
    path = responses(tmp_path, 2, 2)
    code, data = verdict(schools, county, "--responses", path, "--population", "500000")
    approval = data["approval"]
    assert approval["met"] is True and approval["sample_ok"] is False
    assert approval["passed"] is None and data["certified"] is False and code == 1
    reasons = data["reasons"]
    assert any("有效问卷 4 份，少于计划样本 750 份" in r for r in reasons)
    assert any("缺少校长、人大代表、政协委员、其他群众的有效问卷" in r for r in reasons)


def test_parent_share_reason_in_figures(tmp_path: Path) -> None:
    schools, county = files(tmp_path)
    path = responses(tmp_path, 43, 57)  # 43.0% 家长
    code, data = verdict(schools, county, "--responses", path, "--population", "60000")
    assert data["approval"]["passed"] is None and code == 1
    assert any("家长有效问卷占 43.0%，低于 50%" in r for r in data["reasons"])
    assert not any("有效问卷 100 份，少于" in r for r in data["reasons"])  # N = 90 is met


def test_population_from_the_county_file(tmp_path: Path) -> None:
    schools, county = files(tmp_path, ["基本情况", "常住人口", "60000", "", ""])
    code, data = verdict(schools, county, "--responses", responses(tmp_path, 50, 50))
    assert data["approval"]["sample_ok"] is True and data["approval"]["passed"] is True
    assert data["approval"]["sample"]["target"] == 90


def test_without_population_not_established(tmp_path: Path) -> None:
    schools, county = files(tmp_path)
    code, data = verdict(schools, county, "--responses", responses(tmp_path, 50, 50))
    assert data["approval"]["sample_ok"] is None and data["approval"]["passed"] is None
    assert any("缺少常住人口，无法核对样本量" in r for r in data["reasons"])
    assert data["certified"] is False and code == 1


def test_approval_given_directly_notes_the_sample_was_not_checked(tmp_path: Path) -> None:
    schools, county = files(tmp_path)
    code, data = verdict(schools, county, "--approval", "0.91")
    assert data["approval"]["passed"] is True and data["approval"]["sample_ok"] is None
    assert not any("样本" in r for r in data["reasons"])
    assert any("样本未经核对" in note for note in data["notes"])


def test_analysis_json_is_checked_against_its_own_n(tmp_path: Path) -> None:
    schools, county = files(tmp_path)
    path = responses(tmp_path, 50, 50)
    analysis = tmp_path / "analysis.json"
    analysed = cli("analyze", path, "--population", "1000000", "--format", "json")
    analysis.write_text(analysed.out, encoding="utf-8")
    # the verdict's population would be met (N = 90); the analysis's own N (1500) is not
    code, data = verdict(schools, county, "--analysis", analysis, "--population", "60000")
    assert data["approval"]["sample"]["target"] == 1500
    assert any("有效问卷 100 份，少于计划样本 1500 份" in r for r in data["reasons"])
    assert data["approval"]["passed"] is None and code == 1
