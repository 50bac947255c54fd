"""The demo county's schools and county files (synthetic, labelled so).

Figures are drawn comfortably above the standards, with one deliberate shortfall so the
demo verdict shows how a reason reads: 平远镇中学's sports ground is 8.1 ㎡ per student,
under 85% of the 初中 standard of 10.2 ㎡.
"""

from __future__ import annotations

import csv
import io
import math
import random

from analysis.schools import COLUMNS

SHORT_OF_SPORTS = "5326220011"  # 砚山县平远镇中学
SENIOR = {"5326220001": 1800, "5326220004": 1350}  # 完全中学 高中 students
PARENTS = {"5326220029": "5326220012", "5326220030": "5326220020"}  # 教学点 → 中心校

# Standards (yunnan-2022, 小学 / 初中) the draws are scaled from: per 100 students for
# teachers and rooms, per student for areas and equipment.
TEACHERS = {"qualified": (4.2, 5.3), "backbone": (1.0, 1.0), "pe_art": (0.9, 0.9)}
FACILITIES = {"教学及辅助用房面积": 5.8, "体育运动场馆面积": 10.2, "教学仪器设备值": 2500.0}
MULTIMEDIA_PER_100 = 2.4


def schools_csv(
    schools: list[tuple[str, str, str, str, int, int]],
    seed: int = 2026,
    short_of_sports: str = SHORT_OF_SPORTS,
) -> bytes:
    """The schools file for the demo schools ``(code, name, kind, area, 小学, 初中)``;
    the school ``short_of_sports`` has 8.1 ㎡ of sports ground per student."""
    rng = random.Random(seed)
    headers = [column.header for column in COLUMNS]
    rows = [_row(school, rng, short_of_sports) for school in schools]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=headers, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _row(
    school: tuple[str, str, str, str, int, int], rng: random.Random, short_of_sports: str
) -> dict[str, object]:
    code, name, kind, area, primary, junior = school
    senior = SENIOR.get(code, 0)
    row: dict[str, object] = {
        "学校代码": code,
        "学校名称": name,
        "学校类型": kind,
        "城乡类型": area,
        "所属学校代码": PARENTS.get(code, ""),
        "小学在校生数": primary,
        "初中在校生数": junior,
        "高中在校生数": senior,
        "室内体育用房面积": 0,
        "是否寄宿制": "是" if area == "乡村" and kind != "教学点" else "否",
    }
    for key, (primary_rate, junior_rate) in TEACHERS.items():
        label = {
            "qualified": "高于规定学历教师数",
            "backbone": "县级以上骨干教师数",
            "pe_art": "体育艺术专任教师数",
        }[key]
        row[f"小学{label}"] = math.ceil(primary * primary_rate * rng.uniform(1.1, 1.5) / 100)
        row[f"初中{label}"] = math.ceil(junior * junior_rate * rng.uniform(1.1, 1.5) / 100)
    # A facility total is X per weighted student (小学 1, 初中 1.1, 高中 1.32; 完全中学
    # 初中 : 高中 = 1 : 1.2), so each 学段 gets its share at or above its standard.
    weighted = primary + 1.1 * junior + (1.2 if kind == "完全中学" else 1.32) * senior
    if kind == "完全中学":
        weighted = junior + 1.2 * senior
    for header, junior_standard in FACILITIES.items():
        per_weighted = (
            junior_standard / (1.0 if kind == "完全中学" else 1.1) * rng.uniform(1.05, 1.4)
        )
        if code == short_of_sports and header == "体育运动场馆面积":
            per_weighted = 8.1 / 1.1  # an independent 初中 gets 1.1 per weighted student
        decimals = 0 if header == "教学仪器设备值" else 1
        row[header] = round(weighted * per_weighted, decimals)
    students = primary + junior
    row["网络多媒体教室数"] = math.ceil(
        weighted * MULTIMEDIA_PER_100 / 1.1 * rng.uniform(1.1, 1.4) / 100
    )
    classes = math.ceil(primary / 42) + math.ceil(junior / 48)
    row["班级数"] = max(1, classes)
    row["小学最大班额"] = (
        min(45, max(1, math.ceil(primary / max(1, math.ceil(primary / 42))))) if primary else ""
    )
    row["初中最大班额"] = (
        min(50, max(1, math.ceil(junior / max(1, math.ceil(junior / 48))))) if junior else ""
    )
    rooms = max(1, math.ceil(classes / 12))
    row["音乐专用教室数"] = rooms
    row["音乐专用教室最小面积"] = 96 + rng.randint(0, 12)
    row["美术专用教室数"] = rooms
    row["美术专用教室最小面积"] = 90 + rng.randint(0, 12)
    if students == 0:
        row["班级数"] = 0
    return row


GOVERNMENT = [
    ("1", "", "达标", "布局规划经县政府批准（示例）"),
    ("2", "", "达标", ""),
    ("6", "", "达标", ""),
    ("7", "7200", "", "元"),
    ("8.1", "", "达标", ""),
    ("8.2", "", "达标", ""),
    ("9", "100%", "", ""),
    ("10", "", "达标", ""),
    ("11.1", "13.2%", "", ""),
    ("11.2", "26.5%", "", ""),
    ("12", "100%", "", ""),
    ("13.1", "100%", "", ""),
    ("13.2", "97.1%", "", ""),
    ("14.1", "55%", "", ""),
    ("14.2", "", "达标", ""),
    ("15.1", "", "达标", ""),
    ("15.2", "92.4%", "", ""),
]
QUALITY = [
    ("1", "97.8%", "", ""),
    ("2", "96.5%", "", ""),
    ("3", "", "达标", ""),
    ("4", "6.2%", "", ""),
    ("5", "", "达标", ""),
    ("6", "", "达标", ""),
    ("7", "", "达标", ""),
    ("8", "", "达标", ""),
    ("9.1", "0.12", "达标", "数学"),
    ("9.2", "0.10", "达标", "语文"),
]


def county_csv(
    year: int,
    name: str = "砚山县",
    population: int = 466_000,
    failing: frozenset[str] = frozenset(),
) -> bytes:
    """The county file: eligible (基本均衡 2016), every item met except the 政府保障
    items in ``failing`` (judged 不达标), no veto."""
    rows = [
        ("基本情况", "基本均衡认定年份", "2016", "", "示例数据"),
        ("基本情况", "评估年份", str(year), "", ""),
        ("基本情况", "年度监测", "", "达标", ""),
        ("基本情况", "县名", name, "", "示例数据，非真实评估"),
        ("基本情况", "常住人口", str(population), "", "示例数据（非官方统计）"),
    ]
    rows += [
        ("政府保障", item, "", "不达标", "示例：该年未达到")
        if item in failing
        else ("政府保障", item, value, judged, note)
        for item, value, judged, note in GOVERNMENT
    ]
    rows += [("教育质量", *row) for row in QUALITY]
    rows += [("否决", str(number), "", "否", "") for number in range(1, 7)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["类别", "编号", "值", "判定", "说明"])
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")
