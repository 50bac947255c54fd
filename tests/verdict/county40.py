"""A county of 40 schools of every type, built so that its verdict can be worked by hand.

Schools (40 rows):
- P01–P20  小学, students 200, 300, 400, 500, 600 (twice per ten) → 4000 + 4000
- TP1      教学点 of 100 students (≥ 50: a 小学 unit), TP2 (30) and TP3 (20): excluded
- SP1      特殊教育学校: excluded
- J01–J08  初中, students 600, 800, 1000, 1200 (twice)
- N01–N04  九年一贯制 (小学, 初中) = (300, 200), (400, 300), (200, 100), (500, 400)
- T01–T02  十二年一贯制 (小学, 初中, 高中) = (400, 300, 500), (300, 300, 300)
- C01–C02  完全中学 (初中, 高中) = (900, 1200), (600, 800)

Per-student figures are chosen so that every unit of a 学段 has the same value, except
the 小学 equipment value: 3000 元 at P01–P10, 2400 元 everywhere else.
- 小学 units: teachers 5 / 1.5 / 1.2 per 100 (standards 4.2 / 1 / 0.9), teaching space
  5.5 ㎡ (4.5), sports 9.5 ㎡ (7.5), equipment 3000 or 2400 元 (2000), multimedia 3 per 100
  (2.3): all 7 reached.
- A through school's facility total is X·(P + 1.1·J [+ 1.32·S]) with X the 小学 figure, so
  its 小学部 gets X per student and its 初中部 1.1·X: 6.05 ㎡, 10.45 ㎡, 2640 元, 3.3 per 100.
  Independent 初中 and 完全中学 (total Y·(J + 1.2·S)) get the same 初中 figures, and 初中
  teachers are 6 / 1.5 / 1.0 per 100 (5.3 / 1 / 0.9): all 7 reached.

So every junior CV is 0, and every primary CV is 0 except equipment:
  小学 students P = 4000 (P01–P10) + 4000 (P11–P20) + 100 (TP1) + 1400 (N 小学部)
                  + 700 (T 小学部) = 10200; the share at 3000 元 is s = 4000/10200 = 20/51.
  X̄ = 2400 + 600·s = 134400/51 = 2635.29 元
  S = 600·sqrt(s(1 − s)) = 600·sqrt(620)/51
  CV = S / X̄ = 600·sqrt(620) / 134400 = sqrt(620) / 224 = 24.8998 / 224 = 0.11116 ≤ 0.50.
"""

from __future__ import annotations

import math
from typing import Any

from tests.verdict.factory import HEADERS, county_rows, to_csv

PRIMARY_RATES = {"qualified": 5.0, "backbone": 1.5, "pe_art": 1.2}
JUNIOR_RATES = {"qualified": 6.0, "backbone": 1.5, "pe_art": 1.0}
# per student in a 小学 (X); a 初中 gets 1.1·X
FACILITY_X = {"teaching": 5.5, "sports": 9.5, "equipment": 2400.0, "multimedia": 3.0 / 100}
EXPECTED_PRIMARY_EQUIPMENT_CV = math.sqrt(620) / 224


def _row(
    code: str,
    name: str,
    school_type: str,
    primary: int = 0,
    junior: int = 0,
    senior: int = 0,
    *,
    equipment_x: float | None = None,
    parent: str = "",
) -> dict[str, Any]:
    x = dict(FACILITY_X)
    if equipment_x is not None:
        x["equipment"] = equipment_x
    if school_type == "完全中学":
        weighted = 1.1 * (junior + 1.2 * senior)  # Y = 1.1·X per 初中 student
    else:
        weighted = primary + 1.1 * junior + (1.32 * senior if school_type == "十二年一贯制" else 0)
    classes = math.ceil(primary / 40) + math.ceil(junior / 45)
    rooms = max(1, math.ceil(classes / 12))
    return {
        "学校代码": code,
        "学校名称": name,
        "学校类型": school_type,
        "城乡类型": "乡村" if school_type == "教学点" else "镇区",
        "所属学校代码": parent,
        "小学在校生数": primary,
        "初中在校生数": junior,
        "高中在校生数": senior,
        "小学高于规定学历教师数": primary * PRIMARY_RATES["qualified"] / 100,
        "初中高于规定学历教师数": junior * JUNIOR_RATES["qualified"] / 100,
        "小学县级以上骨干教师数": primary * PRIMARY_RATES["backbone"] / 100,
        "初中县级以上骨干教师数": junior * JUNIOR_RATES["backbone"] / 100,
        "小学体育艺术专任教师数": primary * PRIMARY_RATES["pe_art"] / 100,
        "初中体育艺术专任教师数": junior * JUNIOR_RATES["pe_art"] / 100,
        "教学及辅助用房面积": x["teaching"] * weighted,
        "室内体育用房面积": 0,
        "体育运动场馆面积": x["sports"] * weighted,
        "教学仪器设备值": x["equipment"] * weighted,
        "网络多媒体教室数": x["multimedia"] * weighted,
        "班级数": classes,
        "小学最大班额": 42 if primary else "",
        "初中最大班额": 48 if junior else "",
        "音乐专用教室数": rooms,
        "音乐专用教室最小面积": 100,
        "美术专用教室数": rooms,
        "美术专用教室最小面积": 92,
        "是否寄宿制": "否",
        "办学性质": "",
    }


def schools_rows() -> list[dict[str, Any]]:
    rows = []
    sizes = [200, 300, 400, 500, 600]
    for number in range(1, 21):
        rows.append(
            _row(
                f"P{number:02d}",
                f"第{number}小学",
                "小学",
                primary=sizes[(number - 1) % 5],
                equipment_x=3000.0 if number <= 10 else None,
            )
        )
    rows.append(_row("TP1", "大坪教学点", "教学点", primary=100, parent="P01"))
    rows.append(_row("TP2", "小河教学点", "教学点", primary=30, parent="P02"))
    rows.append(_row("TP3", "高寨教学点", "教学点", primary=20, parent="P03"))
    special = _row("SP1", "县特殊教育学校", "特殊教育学校", primary=60, junior=40)
    rows.append(special)
    for number, students in enumerate([600, 800, 1000, 1200, 600, 800, 1000, 1200], start=1):
        name = "平远镇中学" if number == 1 else f"第{number}中学"
        rows.append(_row(f"J{number:02d}", name, "初中", junior=students))
    for number, (p, j) in enumerate([(300, 200), (400, 300), (200, 100), (500, 400)], start=1):
        rows.append(_row(f"N{number:02d}", f"第{number}九年一贯制学校", "九年一贯制", p, j))
    rows.append(_row("T01", "县第一十二年一贯制学校", "十二年一贯制", 400, 300, 500))
    rows.append(_row("T02", "县第二十二年一贯制学校", "十二年一贯制", 300, 300, 300))
    rows.append(_row("C01", "县第一完全中学", "完全中学", junior=900, senior=1200))
    rows.append(_row("C02", "县第二完全中学", "完全中学", junior=600, senior=800))
    assert len(rows) == 40
    return rows


def schools_csv(rows: list[dict[str, Any]] | None = None) -> bytes:
    return to_csv(rows or schools_rows(), HEADERS)


def county_csv(**options: Any) -> bytes:
    return to_csv(county_rows(**options))
