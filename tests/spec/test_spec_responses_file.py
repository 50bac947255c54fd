"""SPEC §3 "responses" file and the exit codes, through `renke analyze`."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from ._helpers import cli, csv_bytes, write

ALIASES = [
    "编号",
    "群体",
    "学校代码",
    "区域",
    "年级",
    "问卷",
    "方式",
    "提交时间",
    "用时（秒）",
    "有效",
    "无效原因",
    "权重",
]
ENGLISH = [
    "response_id",
    "group",
    "school",
    "area",
    "grade",
    "instrument",
    "mode",
    "submitted_at",
    "duration_s",
    "valid",
    "invalid_reason",
    "weight",
]
ROWS = [
    [
        "1",
        "家长",
        "S1",
        "县城",
        "4",
        "社会卷",
        "自填",
        "2024-05-01 10:00",
        "95",
        "1",
        "",
        "2",
        "满意",
        "一般",
    ],
    [
        "2",
        "家长",
        "S2",
        "农村",
        "5",
        "社会卷",
        "代填",
        "2024-05-01 10:05",
        "120",
        "1",
        "",
        "",
        "比较满意",
        "满意",
    ],
    [
        "3",
        "学生",
        "S1",
        "乡镇政府所在地",
        "7",
        "学生卷",
        "纸质",
        "2024-05-01 11:00",
        "80",
        "1",
        "",
        "1",
        "不满意",
        "满意",
    ],
    [
        "4",
        "学生",
        "S2",
        "县城",
        "8",
        "学生卷",
        "自填",
        "2024-05-01 11:30",
        "10",
        "0",
        "用时过短",
        "1",
        "满意",
        "满意",
    ],
    [
        "5",
        "教师",
        "S1",
        "县城",
        "",
        "校长教师卷",
        "自填",
        "2024-05-01 12:00",
        "200",
        "1",
        "",
        "0.5",
        "一般",
        "不了解",
    ],
]


def analyze_json(path: Path, *extra: str) -> dict:
    run = cli("analyze", path, "--format", "json", *extra)
    assert run.code in (0, 1), run.err
    return run.json()


def test_chinese_aliases_equal_english_headers(tmp_path: Path) -> None:
    # SPEC §3: Chinese aliases accepted: 编号, 群体, 学校代码, … 权重
    en = write(tmp_path / "en.csv", csv_bytes([*ENGLISH, "q1", "q2"], ROWS))
    zh = write(tmp_path / "zh.csv", csv_bytes([*ALIASES, "q1", "q2"], ROWS))
    a, b = analyze_json(en, "--cluster", "school"), analyze_json(zh, "--cluster", "school")
    assert a == b
    # weights 2, 1 (blank = 1), 1, 0.5; row 4 invalid.  Σ w a = 2·1 + 1·2 + 1·1 + 0.5·0 = 5
    # Σ w b = 2·2 + 1·2 + 1·2 + 0.5·1 = 8.5
    assert a["overall"]["approval"] == pytest.approx(5 / 8.5)
    assert a["valid_rate"] == pytest.approx(4 / 5)
    # `school` (学校代码) drives --cluster: S1, S2 for 家长; S1 for 学生; S1 for 教师 -> df 4 − 3
    assert a["overall"]["df"] == 1


def test_gb18030_and_bom_read_as_utf8(tmp_path: Path) -> None:
    header = [*ALIASES, "q1 您对学校的总体满意程度", "q2"]
    plain = write(tmp_path / "u.csv", csv_bytes(header, ROWS))
    bom = write(tmp_path / "b.csv", b"\xef\xbb\xbf" + csv_bytes(header, ROWS))
    gb = write(tmp_path / "g.csv", csv_bytes(header, ROWS, encoding="gb18030"))
    # SPEC §3: CSV (UTF-8 with or without BOM, or GB18030)
    expected = analyze_json(plain)
    assert analyze_json(bom) == expected
    assert analyze_json(gb) == expected


def test_xlsx_input(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["群体", "有效", "权重", "q1"])
    sheet.append(["家长", 1, 3, "满意"])
    sheet.append(["家长", "否", None, "满意"])
    sheet.append(["学生", True, None, "一般"])
    out = io.BytesIO()
    book.save(out)
    path = write(tmp_path / "r.xlsx", out.getvalue())
    got = analyze_json(path)
    # 3 approving of weight 3 + 1 not approving of weight 1 (blank weight 1); row 3 invalid
    assert got["overall"]["approval"] == pytest.approx(3 / 4)
    assert got["valid_rate"] == pytest.approx(2 / 3)


def test_excel_habits_full_width_thousands_trailing_spaces(tmp_path: Path) -> None:
    rows = [
        ["家长 ", "１，０００", "满意 "],  # trailing spaces; full-width digits and separator
        ["家长", "1,000", "一般"],
        ["学生", "２", " 比较满意"],
        ["学生", "", "不满意"],  # blank weight = 1
    ]
    path = write(tmp_path / "r.csv", csv_bytes(["group", "weight", "q1"], rows))
    got = analyze_json(path)
    # Σ w a = 1000 + 2 = 1002; Σ w b = 1000 + 1000 + 2 + 1 = 2003
    assert got["overall"]["approval"] == pytest.approx(1002 / 2003)
    assert got["groups"]["家长"]["approval"] == pytest.approx(0.5)
    assert got["groups"]["学生"]["approval"] == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("word", "valid"),
    [
        ("1", True),
        ("0", False),
        ("是", True),
        ("否", False),
        ("TRUE", True),
        ("FALSE", False),
        ("true", True),
        ("false", False),
        ("", True),
    ],
)
def test_valid_words(tmp_path: Path, word: str, valid: bool) -> None:
    rows = [["家长", "", "满意"], ["家长", word, "一般"]]
    path = write(tmp_path / "r.csv", csv_bytes(["group", "valid", "q1"], rows))
    got = analyze_json(path)
    # SPEC §3: `valid` accepts 1/0, 是/否, TRUE/FALSE; a blank `valid` cell means valid
    assert got["overall"]["approval"] == pytest.approx(0.5 if valid else 1.0)
    assert got["valid_rate"] == pytest.approx(1.0 if valid else 0.5)


def test_only_group_and_items_required_and_unknown_columns_ignored(tmp_path: Path) -> None:
    rows = [["家长", "x", "满意", "备注文字", "7"], ["学生", "y", "一般", "", "abc"]]
    path = write(tmp_path / "r.csv", csv_bytes(["group", "county", "q1", "备注", "score"], rows))
    got = analyze_json(path)
    # unknown extra columns are ignored (even with non-numeric text)
    assert got["overall"]["approval"] == pytest.approx(0.5)
    assert set(got["groups"]) == {"家长", "学生"}


def test_item_header_with_question_text_and_blank_items_of_other_instruments(
    tmp_path: Path,
) -> None:
    rows = [
        ["家长", "满意", "", "一般"],
        ["学生", "", "满意", ""],
        ["学生", "", "比较满意", ""],
    ]
    header = ["群体", "q1 您对学校的总体满意程度", "q2：您对老师满意吗", "q3 您对课业负担的看法"]
    path = write(tmp_path / "r.csv", csv_bytes(header, rows))
    got = analyze_json(path, "--items", "q2")
    # SPEC §3: items headed q<number> optionally followed by the question text
    assert got["overall"]["approval"] == pytest.approx(1.0)
    # the 家长 answered no q2: b = 0, left out (SPEC §4)
    assert set(got["groups"]) == {"学生"}
    assert got["groups"]["学生"]["n"] == 2


def test_labels_are_checked_on_every_row_valid_or_not(tmp_path: Path) -> None:
    rows = [["家长", "1", "满意"], ["家长", "0", "非常好"]]
    path = write(tmp_path / "r.csv", csv_bytes(["group", "valid", "q1"], rows))
    run = cli("analyze", path, "--format", "json")
    # SPEC §3: labels are checked on every row, valid or not; 2 input refused
    assert run.code == 2
    assert run.out == ""
    assert "第3行" in run.err and "q1" in run.err and "非常好" in run.err


def test_total_row_refused_with_the_exact_message(tmp_path: Path) -> None:
    rows = [["家长", "满意"], ["学生", "一般"], ["合计", "2"]]
    path = write(tmp_path / "r.csv", csv_bytes(["group", "q1"], rows))
    run = cli("analyze", path, "--format", "json")
    # SPEC §3: "第N行是合计行，请删除后重新上传"; exit 2; nothing on standard output
    assert run.code == 2
    assert run.out == ""
    assert "第4行是合计行，请删除后重新上传" in run.err


def test_every_problem_listed_by_row_and_column(tmp_path: Path) -> None:
    rows = [["家长", "1", "-1", "满意"], ["老师", "也许", "1", "满意"], ["学生", "1", "1", "好"]]
    path = write(tmp_path / "r.csv", csv_bytes(["group", "valid", "weight", "q1"], rows))
    run = cli("analyze", path, "--format", "json")
    # SPEC §3: a bad file is refused whole with every problem listed by row and column
    assert run.code == 2 and run.out == ""
    lines = [line for line in run.err.splitlines() if line.startswith("- ")]
    assert len(lines) == 4, run.err
    assert any("第2行" in x and "weight" in x for x in lines)
    assert any("第3行" in x and "group" in x and "老师" in x for x in lines)
    assert any("第3行" in x and "valid" in x for x in lines)
    assert any("第4行" in x and "q1" in x and "好" in x for x in lines)


def test_missing_group_column_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", csv_bytes(["weight", "q1"], [["1", "满意"]]))
    run = cli("analyze", path)
    assert run.code == 2 and run.out == ""


def test_table_display_two_decimals_only_at_85_0(tmp_path: Path) -> None:
    # p̂ = 0.8496 (weights); the 1-decimal figure would be 85.0%, so 2 decimals: 84.96%
    rows = [["家长", "0.8496", "满意"], ["家长", "0.1504", "一般"]]
    path = write(tmp_path / "r.csv", csv_bytes(["group", "weight", "q1"], rows))
    run = cli("analyze", path)
    # SPEC §4 Display: percentages to 1 decimal, and 2 where the 1-decimal figure is 85.0%
    assert "84.96%" in run.out and "85.0%" not in run.out.replace("85.0%）", "")
    assert run.code == 1  # not met on the point estimate (0.8496 < 0.85)
    rows = [["家长", "0.8449", "满意"], ["家长", "0.1551", "一般"]]
    path = write(tmp_path / "s.csv", csv_bytes(["group", "weight", "q1"], rows))
    out = cli("analyze", path).out
    assert "84.5%" in out and "84.49%" not in out


def test_exactly_85_percent_is_met(tmp_path: Path) -> None:
    rows = [["家长", "满意"]] * 17 + [["家长", "一般"]] * 3
    path = write(tmp_path / "r.csv", csv_bytes(["group", "q1"], rows))
    run = cli("analyze", path, "--format", "json")
    # SPEC §4 Decision: met when p̂ ≥ θ
    assert run.json()["met"] is True
    assert "85.00%" in cli("analyze", path).out
