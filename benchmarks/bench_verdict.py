"""Benchmark of `renke verdict`'s rules on a county of 3,000 schools.

Goals (issue #3): the rules under 1 s; reading the schools file as XLSX plus the rules
under 5 s. Prints the figures and exits non-zero when a goal is missed.

    .venv/bin/python benchmarks/bench_verdict.py        (or: make bench)

The data are generated (seeded) into benchmarks/data/ (git-ignored): 2,100 小学,
450 初中, 200 九年一贯制, 50 十二年一贯制, 60 完全中学, 120 教学点, 20 特殊教育学校.
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from analysis.county import read_county  # noqa: E402
from analysis.schools import COLUMNS, read_schools  # noqa: E402
from analysis.standards import load_standard  # noqa: E402
from analysis.verdict import approval_from_value, compute_verdict  # noqa: E402

DATA = ROOT / "benchmarks" / "data"
RULES_GOAL = 1.0
TOTAL_GOAL = 5.0
MIX = {
    "小学": 2100,
    "初中": 450,
    "九年一贯制": 200,
    "十二年一贯制": 50,
    "完全中学": 60,
    "教学点": 120,
    "特殊教育学校": 20,
}


def generate(seed: int = 2024) -> list[list[object]]:
    rng = np.random.default_rng(seed)
    rows: list[list[object]] = []
    number = 0
    for school_type, count in MIX.items():
        for _ in range(count):
            number += 1
            p = j = s = 0
            if school_type in ("小学", "九年一贯制", "十二年一贯制"):
                p = int(rng.integers(120, 1500))
            if school_type == "教学点":
                p = int(rng.integers(10, 120))
            if school_type in ("初中", "九年一贯制", "十二年一贯制", "完全中学"):
                j = int(rng.integers(200, 1000))
            if school_type in ("十二年一贯制", "完全中学"):
                s = int(rng.integers(300, 1500))
            if school_type == "特殊教育学校":
                p, j = 60, 40
            factor = rng.uniform(0.8, 1.6)
            weighted = p + 1.1 * j + 1.32 * s
            classes = -(-p // 42) + -(-j // 48)
            rooms = max(1, -(-classes // 12))
            values = {
                "code": f"53{number:08d}",
                "name": f"第{number}学校",
                "school_type": school_type,
                "locale": ("城区", "镇区", "乡村")[number % 3],
                "parent_code": "",
                "primary_students": p,
                "junior_students": j,
                "senior_students": s,
                "primary_teachers_qualified": round(p * 0.055 * factor, 1),
                "junior_teachers_qualified": round(j * 0.07 * factor, 1),
                "primary_teachers_backbone": round(p * 0.014 * factor, 1),
                "junior_teachers_backbone": round(j * 0.013 * factor, 1),
                "primary_teachers_pe_art": round(p * 0.012 * factor, 1),
                "junior_teachers_pe_art": round(j * 0.011 * factor, 1),
                "teaching_area": f"{6.5 * weighted * factor:,.2f}",  # thousands separators
                "indoor_gym_area": round(0.3 * weighted, 1),
                "sports_area": round(12 * weighted * factor, 1),
                "equipment_value": round(2900 * weighted * factor),
                "multimedia_rooms": max(1, round(0.03 * weighted * factor)),
                "classes": max(1, classes),
                "primary_max_class": 44 if p else None,
                "junior_max_class": 49 if j else None,
                "music_rooms": rooms,
                "music_min_area": 98,
                "art_rooms": rooms,
                "art_min_area": 92,
                "boarding": "否",
            }
            rows.append([values[column.key] for column in COLUMNS])
    return rows


def write_xlsx(rows: list[list[object]], path: Path) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("数据")
    sheet.append([column.header for column in COLUMNS])
    for row in rows:
        sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def county_csv() -> bytes:
    lines = [
        "类别,编号,值,判定,说明",
        "基本情况,基本均衡认定年份,2018,,",
        "基本情况,评估年份,2023,,",
        "基本情况,年度监测,,达标,",
    ]
    for item in ("1", "2", "6", "8.1", "8.2", "10", "14.2", "15.1"):
        lines.append(f"政府保障,{item},,达标,")
    for item, value in (
        ("7", "7000"),
        ("9", "100%"),
        ("11.1", "12%"),
        ("11.2", "22%"),
        ("12", "100%"),
        ("13.1", "100%"),
        ("13.2", "97%"),
        ("14.1", "55%"),
        ("15.2", "90%"),
    ):
        lines.append(f"政府保障,{item},{value},,")
    for item in ("3", "5", "6", "7", "8"):
        lines.append(f"教育质量,{item},,达标,")
    lines += [
        "教育质量,1,97%,,",
        "教育质量,2,96%,,",
        "教育质量,4,6%,,",
        "教育质量,9.1,0.1,达标,数学",
    ]
    lines += [f"否决,{k},,否," for k in range(1, 7)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def timed(function, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> int:
    standard = load_standard()
    path = DATA / "schools-3000.xlsx"
    if not path.exists():
        write_xlsx(generate(), path)
    raw = path.read_bytes()
    county = read_county(county_csv(), standard=standard)
    approval = approval_from_value(0.9)

    read_time, schools = timed(lambda: read_schools(io.BytesIO(raw), standard=standard), 3)
    rules_time, verdict = timed(
        lambda: compute_verdict(schools, county, approval, standard=standard), 5
    )  # type: ignore[arg-type]
    total_time, _ = timed(
        lambda: compute_verdict(
            read_schools(io.BytesIO(raw), standard=standard), county, approval, standard=standard
        ),
        3,
    )
    units = len(verdict.resource.units)  # type: ignore[attr-defined]
    print(f"schools: {len(schools.schools)} rows, {units} units (XLSX {len(raw) / 1e6:.1f} MB)")  # type: ignore[attr-defined]
    print(f"read XLSX:          {read_time:6.3f} s")
    print(f"rules (verdict):    {rules_time:6.3f} s   goal < {RULES_GOAL} s")
    print(f"XLSX + rules:       {total_time:6.3f} s   goal < {TOTAL_GOAL} s")
    print(f"certified: {verdict.certified}, reasons: {len(verdict.reasons)}")  # type: ignore[attr-defined]
    missed = rules_time >= RULES_GOAL or total_time >= TOTAL_GOAL
    print("goals missed" if missed else "goals met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
