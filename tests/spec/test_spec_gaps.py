"""SPEC §5 `renke gaps`: the gap ledger, with every amount worked out by hand here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from ._helpers import cli, county_csv, county_rows, school_row, schools_csv, write

PASSING = [
    school_row("A", primary=400),
    school_row("B", "初中", junior=600),
    school_row("C", "九年一贯制", primary=300, junior=250),
]


def short_school() -> dict[str, object]:
    """A 小学 of 400: 12 qualified teachers (3.0 per hundred, under 85% of 4.2) and 2,800 ㎡
    of sports ground (7.0 per pupil, 93% of 7.5): it fails the per-school rule."""
    return school_row("D", primary=400, 小学高于规定学历教师数=12, 体育运动场馆面积=2800)


def shared_school() -> dict[str, object]:
    """A 九年一贯制 of 300 + 250 pupils with 2,800 ㎡ of teaching space: weighted 300 : 275,
    so its 初中部 has 2800 × 275/575 = 1339.13 ㎡, 5.357 per pupil under 5.8 (but over 85%)."""
    return school_row("C", "九年一贯制", primary=300, junior=250, 教学及辅助用房面积=2800)


def run_json(tmp_path: Path, rows: list[dict[str, object]]) -> tuple[int, dict[str, object]]:
    schools = write(tmp_path / "schools.csv", schools_csv(rows))
    county = write(tmp_path / "county.csv", county_csv(county_rows()))
    run = cli("gaps", "--schools", schools, "--county", county, "--format", "json")
    return run.code, json.loads(run.out)


def test_no_gap_exits_0_with_an_empty_ledger(tmp_path: Path) -> None:
    code, ledger = run_json(tmp_path, PASSING)
    assert code == 0
    assert ledger["blocking"] is False
    assert ledger["units"] == [] and ledger["cv"] == [] and ledger["items"] == []


def test_the_amounts_each_school_adds(tmp_path: Path) -> None:
    code, ledger = run_json(tmp_path, [*PASSING[:2], shared_school(), short_school()])
    assert code == 1 and ledger["blocking"] is True
    units = {(u["code"], u["section"]): u for u in ledger["units"]}
    failing = units[("D", "primary")]
    assert (failing["passes"], failing["must_close"]) == (False, 1)
    gaps = {g["indicator"]: g for g in failing["gaps"]}
    # 4.2 per hundred × 400 = 16.8 teachers, has 12: short 4.8, adds 5
    assert gaps["teachers_qualified"]["short"] == pytest.approx(4.8)
    assert gaps["teachers_qualified"]["to_add"] == 5
    assert gaps["teachers_qualified"]["floor_met"] is False
    # 7.5 ㎡ × 400 = 3000 ㎡, has 2800: adds 200 (an independent school: share 1)
    assert gaps["sports_space"]["short"] == pytest.approx(200)
    assert (gaps["sports_space"]["share"], gaps["sports_space"]["to_add"]) == (1.0, 200)
    assert gaps["sports_space"]["floor_met"] is True

    shared = units[("C", "junior")]
    assert (shared["passes"], shared["must_close"]) == (True, 0)  # one gap, over 85%
    (space,) = shared["gaps"]
    # the 初中部 needs 5.8 × 250 = 1450 ㎡ and has 2800 × 275/575; the school adds
    # (1450 − 1339.13) ÷ (275/575) = 231.8 → 232 ㎡ (which raises its 小学部 too)
    assert space["short"] == pytest.approx(1450 - 2800 * 275 / 575)
    assert space["share"] == pytest.approx(275 / 575)
    assert space["to_add"] == 232
    assert ("C", "primary") not in units  # 2800 × 300/575 / 300 = 4.87 ≥ 4.5
    # the failing unit comes first
    assert ledger["units"][0]["code"] == "D"

    totals = {label: t for label, t in ledger["totals"].items()}
    assert sorted((t["amount"], t["unit"]) for t in totals.values()) == [
        (5, "人"),
        (200, "㎡"),
        (232, "㎡"),
    ]


def test_rooms_class_and_school_size_are_listed(tmp_path: Path) -> None:
    rows = [
        *PASSING,
        school_row("E", primary=400, 音乐专用教室数=0, 小学最大班额=48),
    ]
    code, ledger = run_json(tmp_path, rows)
    assert code == 1
    listed = {(i["item"], i["code"], i["what"]) for i in ledger["items"]}
    assert ("3", "E", "music_rooms") in listed
    assert ("5", "E", "primary_max_class") in listed
    (class_size,) = [i for i in ledger["items"] if i["what"] == "primary_max_class"]
    assert (class_size["value"], class_size["limit"]) == (48, 45)


def test_table_and_workbook(tmp_path: Path) -> None:
    schools = write(tmp_path / "schools.csv", schools_csv([*PASSING[:2], short_school()]))
    table = cli("gaps", "--schools", schools)
    assert table.code == 1
    assert "D学校（小学）：未达到单校要求，须补齐下列 2 项中的至少 1 项" in table.out
    assert "需增加 5 人" in table.out and "需增加 200 ㎡" in table.out
    target = tmp_path / "台账.xlsx"
    run = cli("gaps", "--schools", schools, "--format", "xlsx", "-o", target)
    assert run.code == 1 and run.out == ""
    book = load_workbook(target, read_only=True)
    assert book.sheetnames == ["学校差距", "差异系数", "政府保障3-5", "合计"]
    rows = list(book["学校差距"].iter_rows(values_only=True))
    assert rows[0][0] == "学校代码"
    added = {(r[0], r[5]): r[11] for r in rows[1:]}
    assert sorted(added.values()) == [5, 200]


def test_a_bad_file_is_refused_whole(tmp_path: Path) -> None:
    rows = [school_row("A", primary=400), school_row("B", "初中", junior=600)]
    rows[0]["小学在校生数"], rows[1]["体育运动场馆面积"] = "很多", "x"
    schools = write(tmp_path / "schools.csv", schools_csv(rows))
    run = cli("gaps", "--schools", schools, "--format", "json")
    assert run.code == 2 and run.out == ""
    assert "第2行" in run.err and "第3行" in run.err
