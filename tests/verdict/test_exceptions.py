"""特殊情况 (SPEC §2.1) offline: `renke verdict --exceptions FILE` (format in docs/verdict.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.exceptions import read_exceptions
from analysis.tables import InputRefused
from tests.verdict import county40
from tests.verdict.test_cli import run

HEADER = "学校代码,学段,指标,认定值,理由,认定人,认定日期,附件\n"
SPORTS = "J01,初中,生均体育运动场馆面积,10.4,租用县体育场（步行 8 分钟），协议见附件,李明,2024-05-20,租用协议.pdf\n"


@pytest.fixture()
def failing(tmp_path: Path) -> dict[str, Path]:
    rows = county40.schools_rows()
    # 平远镇中学: 4860 ㎡ for 600 初中生 = 8.1 ㎡ each, under 85% of 10.2: the school fails
    rows = [({**r, "体育运动场馆面积": 4860} if r["学校代码"] == "J01" else r) for r in rows]
    rows = [({**r, "音乐专用教室数": 1} if r["学校代码"] == "N01" else r) for r in rows]
    schools = tmp_path / "schools.csv"
    schools.write_bytes(county40.schools_csv(rows))
    county = tmp_path / "county.csv"
    county.write_bytes(county40.county_csv())
    return {"schools": schools, "county": county, "dir": tmp_path}


def verdict(files: dict[str, Path], *extra: str, output: str = "json") -> tuple[int, str, str]:
    return run(
        "--schools", str(files["schools"]), "--county", str(files["county"]),
        "--approval", "0.91", "--format", output, *extra,
    )  # fmt: skip


def test_exception_turns_a_failing_school_into_a_passing_one(failing: dict[str, Path]) -> None:
    code, out, _ = verdict(failing)
    assert code == 1
    reasons = json.loads(out)["reasons"]
    assert reasons[0] == "平远镇中学（初中）生均体育运动场馆面积 8.1㎡，低于标准 10.2㎡ 的 85%"
    exceptions = failing["dir"] / "exceptions.csv"
    exceptions.write_text(
        HEADER + SPORTS + "N01,,政府保障3,,2015 年前建成，音乐室以多功能厅补足,李明,2024-05-20,\n",
        encoding="utf-8",
    )
    code, out, err = verdict(failing, "--exceptions", str(exceptions))
    assert code == 0, err
    data = json.loads(out)
    assert data["certified"] is True and data["reasons"] == []
    [school] = [s for s in data["resource"]["schools"] if s["code"] == "J01"]
    assert school["passed"] is True and school["values"]["sports_space"] == 10.4
    special = school["special"]["sports_space"]
    assert special["computed"] == pytest.approx(8.1)
    assert (special["accepted_by"], special["accepted_at"]) == ("李明", "2024-05-20")
    [item3] = [i for i in data["government"]["items"] if i["id"] == "3"]
    assert item3["passed"] is True and item3["accepted"][0]["code"] == "N01"
    assert "1 所按特殊情况认定" in item3["note"]
    _, table, _ = verdict(failing, "--exceptions", str(exceptions), output="table")
    assert "平远镇中学（初中）生均体育运动场馆面积 10.4㎡（按特殊情况认定（租用县体育场" in table
    assert "李明 2024-05-20 认定" in table


def test_accepted_item_in_the_table_says_who_accepted_it_and_when(
    failing: dict[str, Path],
) -> None:
    # SPEC §2.1 特殊情况: it applies to items 3–5 too, and "the verdict shows
    # “按特殊情况认定” beside it, with who accepted it and when — never silently"
    exceptions = failing["dir"] / "exceptions.csv"
    exceptions.write_text(
        HEADER + "N01,,政府保障3,,2015 年前建成，音乐室以多功能厅补足,王芳,2024-06-03,\n",
        encoding="utf-8",
    )
    _, table, _ = verdict(failing, "--exceptions", str(exceptions), output="table")
    [line] = [line for line in table.splitlines() if "2015 年前建成" in line]
    assert "按特殊情况认定" in line and "王芳 2024-06-03" in line


def test_bad_exceptions_file_is_refused_by_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER
        + "J01,初中,操场,10.4,租用,李明,2024-05-20,\n"
        + "J01,,sports_space,,租用,,5月,\n"
        + "N01,,政府保障3,2,理由,李明,2024-05-20,\n",
        encoding="utf-8",
    )
    with pytest.raises(InputRefused) as refused:
        read_exceptions(path)
    assert [str(p) for p in refused.value.problems] == [
        "第2行，“指标”列：“操场”不是资源配置指标，也不是政府保障 3–5 项",
        "第3行，“认定人”列：不能为空",
        "第3行，“认定日期”列：应为日期，如 2024-05-20",
        "第4行，“认定值”列：政府保障 3–5 项按学校认可，不填认定值",
    ]
