"""Building schools and county files for the verdict tests (and the benchmark).

``school(...)`` returns one row of the schools file (Chinese headers) whose figures pass
every rule comfortably; tests override the figures they are about. ``county_rows(...)``
returns the rows of a county file on which every item passes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from openpyxl import Workbook

from analysis.schools import COLUMNS

HEADERS = [column.header for column in COLUMNS]

# per 100 students (teachers, rooms) or per student (areas, equipment), comfortably above
PRIMARY = {
    "qualified": 6.0,
    "backbone": 1.6,
    "pe_art": 1.4,
    "teaching": 6.0,
    "sports": 10.0,
    "equipment": 2600.0,
    "multimedia": 3.0,
}
JUNIOR = {
    "qualified": 7.5,
    "backbone": 1.25,
    "pe_art": 1.125,
    "teaching": 7.5,
    "sports": 12.5,
    "equipment": 3000.0,
    "multimedia": 3.0,
}


def school(
    code: str,
    name: str,
    school_type: str = "小学",
    *,
    primary: int = 0,
    junior: int = 0,
    senior: int = 0,
    **overrides: Any,
) -> dict[str, Any]:
    """One row: figures derived from the students so that every indicator passes."""
    if not primary and not junior and school_type in ("小学", "教学点"):
        primary = 500
    if not primary and not junior and school_type in ("初中", "完全中学"):
        junior = 800
    weight_p, weight_j = primary * 1.0, junior * 1.1
    row: dict[str, Any] = {
        "学校代码": code,
        "学校名称": name,
        "学校类型": school_type,
        "城乡类型": "镇区",
        "所属学校代码": "",
        "小学在校生数": primary,
        "初中在校生数": junior,
        "高中在校生数": senior,
        "小学高于规定学历教师数": round(primary * PRIMARY["qualified"] / 100, 1),
        "初中高于规定学历教师数": round(junior * JUNIOR["qualified"] / 100, 1),
        "小学县级以上骨干教师数": round(primary * PRIMARY["backbone"] / 100, 1),
        "初中县级以上骨干教师数": round(junior * JUNIOR["backbone"] / 100, 1),
        "小学体育艺术专任教师数": round(primary * PRIMARY["pe_art"] / 100, 1),
        "初中体育艺术专任教师数": round(junior * JUNIOR["pe_art"] / 100, 1),
        "室内体育用房面积": 0,
        "班级数": max(1, -(-(primary) // 42) + -(-(junior) // 48)),
        "小学最大班额": 44 if primary else "",
        "初中最大班额": 49 if junior else "",
        "音乐专用教室最小面积": 100,
        "美术专用教室最小面积": 95,
        "是否寄宿制": "否",
        "办学性质": "",
    }
    # facilities: enough for both sections at the junior (higher) per-student level,
    # scaled up for 高中 students so that their share does not starve the units
    scale = 1.0
    if senior:
        extra = senior * (1.2 if school_type == "完全中学" else 1.32)
        scale = (weight_p + weight_j + extra) / (weight_p + weight_j)
    for key, header in (
        ("teaching", "教学及辅助用房面积"),
        ("sports", "体育运动场馆面积"),
        ("equipment", "教学仪器设备值"),
        ("multimedia", "网络多媒体教室数"),
    ):
        per = 1 if key != "multimedia" else 100
        total = (primary * PRIMARY[key] + junior * JUNIOR[key] * 1.1) / per * scale
        row[header] = round(total, 2) if key != "multimedia" else -(-int(total * 100) // 100) + 1
    rooms = max(1, -(-row["班级数"] // 12))
    row["音乐专用教室数"] = rooms
    row["美术专用教室数"] = rooms
    row.update(overrides)
    return row


def to_csv(
    rows: Iterable[Mapping[str, Any]], headers: list[str] | None = None, encoding: str = "utf-8"
) -> bytes:
    rows = list(rows)
    headers = headers or list(rows[0].keys())
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else row.get(h, "") for h in headers])
    return buffer.getvalue().encode(encoding)


def to_xlsx(rows: Iterable[Mapping[str, Any]], headers: list[str] | None = None) -> bytes:
    rows = list(rows)
    headers = headers or list(rows[0].keys())
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(headers)
    for row in rows:
        sheet.append([None if row.get(h) in ("", None) else row.get(h) for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOVERNMENT_ROWS = [
    ("1", "", "达标"),
    ("2", "", "达标"),
    ("6", "", "达标"),
    ("7", "7,200", ""),
    ("8.1", "", "达标"),
    ("8.2", "", "达标"),
    ("9", "100%", "达标"),
    ("10", "", "达标"),
    ("11.1", "12.5%", ""),
    ("11.2", "25", "达标"),
    ("12", "100", ""),
    ("13.1", "100%", ""),
    ("13.2", "96.4%", "达标"),
    ("14.1", "52%", ""),
    ("14.2", "", "达标"),
    ("15.1", "", "达标"),
    ("15.2", "91.3%", "达标"),
]
QUALITY_ROWS = [
    ("1", "97.2%", "达标"),
    ("2", "96%", ""),
    ("3", "", "达标"),
    ("4", "6.1%", ""),
    ("5", "", "达标"),
    ("6", "", "达标"),
    ("7", "", "达标"),
    ("8", "", "达标"),
    ("9.1", "0.11", "达标"),
    ("9.2", "0.13", "达标"),
]


def county_rows(
    *,
    basic_year: int | str = 2019,
    assessment_year: int | str = 2023,
    monitoring: str = "达标",
    replace: Mapping[tuple[str, str], tuple[str, str, str] | None] | None = None,
    extra: Iterable[tuple[str, str, str, str, str]] = (),
) -> list[dict[str, str]]:
    """Rows of a county file on which everything passes.

    ``replace`` maps (类别, 编号) to (值, 判定, 说明), or to ``None`` to drop the row.
    """
    replace = dict(replace or {})
    rows: list[tuple[str, str, str, str, str]] = [
        ("基本情况", "基本均衡认定年份", str(basic_year), "", ""),
        ("基本情况", "评估年份", str(assessment_year), "", ""),
        ("基本情况", "年度监测", "", monitoring, ""),
    ]
    rows += [("政府保障", i, v, j, "") for i, v, j in GOVERNMENT_ROWS]
    rows += [
        ("教育质量", i, v, j, "数学" if i == "9.1" else ("语文" if i == "9.2" else ""))
        for i, v, j in QUALITY_ROWS
    ]
    rows += [("否决", str(k), "", "否", "") for k in range(1, 7)]
    result = []
    for category, item, value, judgement, note in rows:
        key = (category, item)
        if key in replace:
            new = replace.pop(key)
            if new is None:
                continue
            value, judgement, note = new
        result.append(
            {"类别": category, "编号": item, "值": value, "判定": judgement, "说明": note}
        )
    for (category, item), new in replace.items():
        if new is not None:
            value, judgement, note = new
            result.append(
                {"类别": category, "编号": item, "值": value, "判定": judgement, "说明": note}
            )
    for category, item, value, judgement, note in extra:
        result.append(
            {"类别": category, "编号": item, "值": value, "判定": judgement, "说明": note}
        )
    return result
