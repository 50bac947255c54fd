"""The Arrow responses reader (issue 15) reads every file as the pandas reader did.

``fixtures/reader/expected.json`` holds what the reader before issue 15's second half
(``read_table`` to pandas, ``pandas.factorize``) returned for each file below: the
respondents (row numbers, groups, valid flags, weights, durations, every item's and every
text column's codes and labels, the integrity text) or the refusal (every problem, in
order), and ``renke analyze``'s report (or refusal) on the same file. The files cover
Chinese aliases, full-width headers, BOM, GB18030, blank and padded cells, blank rows,
invalid rows with labels outside the scheme, weights with thousands separators and
full-width digits, the 合计 row (in 编号), a quoted line break, XLSX, extra columns.
Regenerate only on purpose: ``python tests/analysis/test_reader_unchanged.py``.
"""

from __future__ import annotations

import io
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from analysis.approval import analyze_responses
from analysis.responses import Responses, read_responses
from analysis.tables import InputRefused

EXPECTED = Path(__file__).parent / "fixtures" / "reader" / "expected.json"
TEXT_COLUMNS = ("school", "area", "residence", "grade", "instrument", "mode", "invalid_reason")
INTEGRITY_COLUMNS = ("response_id", "link", "device", "submitted_at", "late")

HEADER = (
    "response_id,group,school,area,grade,instrument,mode,link,device,submitted_at,"
    "duration_s,valid,invalid_reason,weight,q1,q2 您对学校的满意程度,q3"
)
CHINESE_HEADER = "编号,群体,学校代码,区域,年级,问卷,方式,提交时间,用时（秒）,有效,无效原因,权重,Ｑ１,ｑ２：作业,q3"

ROWS = [
    "R1,家长,S01,城区,3,社会卷,自填,L1,D1,2024-10-12T09:30:00+08:00,95,1,,1,满意,比较满意,一般",
    "R2, 学生 ,S02 ,镇区,5,学生卷,代填,L2,D2,2024-10-12T09:31:00,40,,,0.8,不了解,,满意",
    'R3,教师,,乡村,,社会卷,纸质,L1,D3,2024-10-12 09:32:00,12,0,用时过短,"1,000",不满意,满意,',
    "R4,校长,S01,城区,,社会卷,自填,L3,D4,,,是,,１２,满意,满意,满意",
    "R5,人大代表,S03,,,社会卷,自填,L3,D5,,300,TRUE,,,比较满意,一般,不了解",
    "R6,家长,\u3000S02\u3000,镇区,4年级,社会卷,自填,L2,D6,,88,1,,2,满意, 满意 ,比较满意",
    ",,,,,,,,,,,,,,,,",
    "R7,其他群众,S04,乡村,,社会卷,自填,L4,D7,,61,1,,0.5,一般,满意,满意",
]


def _csv(lines: list[str], encoding: str = "utf-8", bom: bool = False) -> bytes:
    body = ("\r\n".join(lines) + "\r\n").encode(encoding)
    return (b"\xef\xbb\xbf" if bom else b"") + body


def _xlsx(lines: list[str]) -> bytes:
    import csv

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for cells in csv.reader(io.StringIO("\n".join(lines))):
        sheet.append([cell if cell != "" else None for cell in cells])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _chinese_rows() -> list[str]:
    # the Chinese header has no residence, link or device column
    out = []
    for line in ROWS:
        cells = line.split(",") if '"' not in line else None
        if cells is None:  # R3 with its quoted "1,000"
            cells = line.replace('"1,000"', "QUOTED").split(",")
        del cells[7:9]
        out.append(",".join(cells).replace("QUOTED", '"1,000"'))
    return out


def fixtures() -> dict[str, bytes]:
    """name -> file bytes; every case the readers must agree on."""
    bad = [
        *ROWS,
        "R8,家长,S05,城区,,社会卷,自填,L5,D8,,30,0,无效,1,很好,满意,满意",  # invalid row, bad label
        "R9,邻居,S05,城区,,社会卷,自填,L5,D9,,30,1,,1,满意,满意,满意",
        "R10,,S05,城区,,社会卷,自填,L5,D10,,30,1,,-1,满意,满意,满意",
        "R11,家长,S05,城区,,社会卷,自填,L5,D11,,abc,也许,,x,满意,满意,满意",
    ]
    total = [*ROWS, "合计,,,,,,,,,,,,,,,,"]
    total_word_inside = [
        *ROWS[:3],
        "R3b,家长,S01,城区,,社会卷,自填,L1,D1,,30,0,合计重复,1,满意,满意,满意",
        *ROWS[3:],
    ]
    line_break = [
        *ROWS[:2],
        'R2b,家长,S01,城区,,社会卷,自填,L1,D1,,30,0,"两行\n原因",1,满意,满意,满意',
        *ROWS[2:],
    ]
    blank_only_read = [
        *ROWS,
        "R12,,,,,,,,,,,,,,,,",  # blank in every column renke analyze reads
        "  ,  ,,,,,,,,,,,,,,,",
    ]
    extra = [HEADER + ",备注,q9 额外", *(row + ",x,满意" for row in ROWS if row.strip(","))]
    return {
        "plain": _csv([HEADER, *ROWS]),
        "bom": _csv([HEADER, *ROWS], bom=True),
        "gb18030_chinese": _csv([CHINESE_HEADER, *_chinese_rows()], "gb18030"),
        "chinese_utf8": _csv([CHINESE_HEADER, *_chinese_rows()]),
        "bad_rows": _csv([HEADER, *bad]),
        "total_row": _csv([HEADER, *total]),
        "total_word_not_last": _csv([HEADER, *total_word_inside]),
        "line_break_in_cell": _csv([HEADER, *line_break]),
        "blank_only_in_read_columns": _csv([HEADER, *blank_only_read]),
        "extra_columns": _csv(extra),
        "xlsx": _xlsx([HEADER, *ROWS]),
        "xlsx_bad": _xlsx([HEADER, *bad, "合计,,,,,,,,,,,,,,,,"]),
        "no_school": _csv([HEADER.replace("school,", "")] + [_drop_cell(r, 2) for r in ROWS]),
    }


def _drop_cell(line: str, position: int) -> str:
    cells = line.replace('"1,000"', "QUOTED").split(",")
    del cells[position]
    return ",".join(cells).replace("QUOTED", '"1,000"')


def _number(value: float) -> float | None:
    return None if math.isnan(value) else value


def respondents(responses: Responses) -> dict[str, Any]:
    """Everything the reader returns, as plain data."""
    out: dict[str, Any] = {
        "source": responses.source,
        "rows": responses.rows.tolist(),
        "group": responses.group.tolist(),
        "valid": responses.valid.tolist(),
        "weight": [_number(x) for x in responses.weight.tolist()],
        "duration_s": [_number(x) for x in responses.duration_s.tolist()],
        "items": [
            [item.id, item.text, item.column, item.answers.codes.tolist(), item.answers.labels]
            for item in responses.items
        ],
    }
    for key in TEXT_COLUMNS:
        coded = getattr(responses, key)
        out[key] = [coded.codes.tolist(), list(coded.labels)]
    for key in INTEGRITY_COLUMNS:
        out[key] = (
            responses.texts(key) if hasattr(responses, "texts") else _old_texts(responses, key)
        )
    return out


def _old_texts(responses: Responses, key: str) -> list[str | None]:
    text = responses.text  # type: ignore[attr-defined]
    if text is None or key not in text.columns:
        return [None] * len(responses)
    return [None if cell is None or cell != cell else str(cell) for cell in text[key].tolist()]


def outcome(read: Callable[[], Any], describe: Callable[[Any], Any]) -> dict[str, Any]:
    try:
        return {"result": describe(read())}
    except InputRefused as refused:
        return {"refused": [str(problem) for problem in refused.problems]}


def everything() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, data in fixtures().items():
        found[f"{name}.read"] = outcome(
            lambda d=data, n=name: read_responses(d, name=n), respondents
        )
        found[f"{name}.analyze"] = outcome(
            lambda d=data: analyze_responses(d), lambda report: report.to_dict()
        )
    return json.loads(json.dumps(found, ensure_ascii=False))


EXPECTED_CASES = json.loads(EXPECTED.read_text(encoding="utf-8")) if EXPECTED.exists() else {}


@pytest.fixture(scope="module")
def found() -> dict[str, Any]:
    return everything()


@pytest.mark.parametrize("case", sorted(EXPECTED_CASES))
def test_reader_returns_what_the_pandas_reader_returned(case: str, found: dict[str, Any]) -> None:
    assert found[case] == EXPECTED_CASES[case]


def test_the_cases_cover_refusals_and_results() -> None:
    assert len(EXPECTED_CASES) == 2 * len(fixtures())
    refused = {case for case, value in EXPECTED_CASES.items() if "refused" in value}
    assert {"bad_rows.read", "total_row.read", "total_row.analyze", "xlsx_bad.read"} <= refused
    assert "plain.analyze" not in refused and "gb18030_chinese.read" not in refused


if __name__ == "__main__":
    EXPECTED.parent.mkdir(parents=True, exist_ok=True)
    EXPECTED.write_text(
        json.dumps(everything(), ensure_ascii=False, indent=1, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    sys.exit(0)
