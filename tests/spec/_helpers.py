"""Shared helpers for the SPEC conformance tests: tiny files, the CLI, a reference estimator.

The reference estimator below is written from SPEC §4's formulas alone (not from
``analysis/``), so that the tests compare Renke against an independent computation.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from scipy import stats

from renke.cli import main

TOP2 = {"满意": 1.0, "比较满意": 1.0, "一般": 0.0, "不满意": 0.0}


def csv_bytes(
    header: Sequence[str], rows: Iterable[Sequence[Any]], encoding: str = "utf-8"
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    return buffer.getvalue().encode(encoding)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def cli(*args: str | Path) -> Run:
    result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.stdout, result.stderr)


# --- a reference estimator, from SPEC §4 only -----------------------------------------


@dataclass
class Resp:
    group: str
    w: float
    a: float
    b: float


def score(answers: Sequence[str | None], scheme: Mapping[str, float] = TOP2) -> tuple[float, float]:
    """a_i, b_i: sum of scores and number of scored answers (不了解/blank not counted)."""
    scored = [scheme[x] for x in answers if x is not None and x in scheme]
    return float(sum(scored)), float(len(scored))


def _var(zs: Sequence[float]) -> float:
    n = len(zs)
    if n <= 1:
        return 0.0
    mean = sum(zs) / n
    return n / (n - 1) * sum((z - mean) ** 2 for z in zs)


@dataclass
class Est:
    p: float
    se: float
    df: int
    n: int
    n_kish: float


def group_estimate(rs: Sequence[Resp]) -> Est:
    rs = [r for r in rs if r.b > 0]
    swb = sum(r.w * r.b for r in rs)
    p = sum(r.w * r.a for r in rs) / swb
    zs = [r.w * (r.a - p * r.b) / swb for r in rs]
    positive = sum(1 for r in rs if r.w > 0)
    kish = swb**2 / sum((r.w * r.b) ** 2 for r in rs)
    return Est(p, math.sqrt(_var(zs)), positive - 1, len(rs), kish)


def pooled_estimate(rs: Sequence[Resp]) -> Est:
    rs = [r for r in rs if r.b > 0]
    swb = sum(r.w * r.b for r in rs)
    p = sum(r.w * r.a for r in rs) / swb
    var = 0.0
    groups = sorted({r.group for r in rs})
    for g in groups:
        var += _var([r.w * (r.a - p * r.b) / swb for r in rs if r.group == g])
    positive = sum(1 for r in rs if r.w > 0)
    h = len({r.group for r in rs if r.w > 0})
    kish = swb**2 / sum((r.w * r.b) ** 2 for r in rs)
    return Est(p, math.sqrt(var), positive - h, len(rs), kish)


def policy_estimate(rs: Sequence[Resp], weights: Mapping[str, float]) -> Est:
    rs = [r for r in rs if r.b > 0]
    present = [g for g in weights if any(r.group == g for r in rs)]
    total = sum(weights[g] for g in present)
    p = var = inv = 0.0
    for g in present:
        e = group_estimate([r for r in rs if r.group == g])
        wg = weights[g] / total
        p += wg * e.p
        var += wg**2 * e.se**2
        inv += wg**2 / e.n_kish
    positive = sum(1 for r in rs if r.w > 0)
    h = len({r.group for r in rs if r.w > 0})
    return Est(p, math.sqrt(var), positive - h, len(rs), 1 / inv)


def t_q(q: float, df: float) -> float:
    return float(stats.t.ppf(q, df))


def kg_nstar(e: Est, level: float = 0.95) -> float:
    alpha = 1 - level
    return e.p * (1 - e.p) / e.se**2 * (t_q(alpha / 2, e.n - 1) / t_q(alpha / 2, e.df)) ** 2


def kg_interval(p: float, nstar: float, level: float = 0.95) -> tuple[float, float]:
    alpha = 1 - level
    lo = 0.0 if p == 0 else float(stats.beta.ppf(alpha / 2, nstar * p, nstar * (1 - p) + 1))
    hi = 1.0 if p == 1 else float(stats.beta.ppf(1 - alpha / 2, nstar * p + 1, nstar * (1 - p)))
    return lo, hi


def wilson_interval(p: float, n: float, level: float = 0.95) -> tuple[float, float]:
    z = float(stats.norm.ppf(1 - (1 - level) / 2))
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def logit(x: float) -> float:
    return math.log(x / (1 - x))


def expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def interval(method: str, e: Est, level: float = 0.95) -> tuple[float, float]:
    t = t_q(1 - (1 - level) / 2, e.df)
    if method == "wald":
        return max(0.0, e.p - t * e.se), min(1.0, e.p + t * e.se)
    if method == "logit":
        half = t * e.se / (e.p * (1 - e.p))
        return expit(logit(e.p) - half), expit(logit(e.p) + half)
    if method == "wilson":
        return wilson_interval(e.p, e.p * (1 - e.p) / e.se**2, level)
    return kg_interval(e.p, kg_nstar(e, level), level)


def p_value(method: str, e: Est, theta: float = 0.85, level: float = 0.95) -> float:
    if method == "korn-graubard":
        n = kg_nstar(e, level)
        return float(stats.beta.cdf(theta, n * e.p, n * (1 - e.p) + 1))
    if method == "wilson":
        n = e.p * (1 - e.p) / e.se**2
        return float(1 - stats.norm.cdf((e.p - theta) / math.sqrt(theta * (1 - theta) / n)))
    if method == "logit":
        x = (logit(e.p) - logit(theta)) * e.p * (1 - e.p) / e.se
        return float(1 - stats.t.cdf(x, e.df))
    return float(1 - stats.t.cdf((e.p - theta) / e.se, e.df))


# --- schools and county files -------------------------------------------------------------

SCHOOL_HEADERS = [
    "学校代码",
    "学校名称",
    "学校类型",
    "城乡类型",
    "所属学校代码",
    "小学在校生数",
    "初中在校生数",
    "高中在校生数",
    "小学高于规定学历教师数",
    "初中高于规定学历教师数",
    "小学县级以上骨干教师数",
    "初中县级以上骨干教师数",
    "小学体育艺术专任教师数",
    "初中体育艺术专任教师数",
    "教学及辅助用房面积",
    "室内体育用房面积",
    "体育运动场馆面积",
    "教学仪器设备值",
    "网络多媒体教室数",
    "班级数",
    "小学最大班额",
    "初中最大班额",
    "音乐专用教室数",
    "音乐专用教室最小面积",
    "美术专用教室数",
    "美术专用教室最小面积",
    "是否寄宿制",
]
# per 100 students (teachers, rooms) or per student (areas, value): comfortably above SPEC §2.1
PER = {"qualified": (5.0, 6.0), "backbone": (1.5, 1.5), "pe_art": (1.2, 1.2)}
FACILITY = {
    "教学及辅助用房面积": 6.0,
    "体育运动场馆面积": 10.0,
    "教学仪器设备值": 2600.0,
    "网络多媒体教室数": 2.5,
}
FACILITY_PER_HUNDRED = {"网络多媒体教室数"}


def school_row(
    code: str,
    school_type: str = "小学",
    primary: int = 0,
    junior: int = 0,
    senior: int = 0,
    **overrides: Any,
) -> dict[str, Any]:
    """A schools-file row that passes every rule; per-student facility figures are the same
    for every 学段 after the 1 : 1.1 split (so the junior share gets 1.1×)."""
    ratio_senior = 1.2 if school_type == "完全中学" else 1.32
    weighted = primary + (1.0 if school_type == "完全中学" else 1.1) * junior
    weighted += senior * ratio_senior if school_type in ("完全中学", "十二年一贯制") else 0
    classes = -(-primary // 40) + -(-junior // 45)
    row: dict[str, Any] = {
        "学校代码": code,
        "学校名称": f"{code}学校",
        "学校类型": school_type,
        "城乡类型": "镇区",
        "所属学校代码": "",
        "小学在校生数": primary,
        "初中在校生数": junior,
        "高中在校生数": senior,
        "小学高于规定学历教师数": primary * PER["qualified"][0] / 100,
        "初中高于规定学历教师数": junior * PER["qualified"][1] / 100,
        "小学县级以上骨干教师数": primary * PER["backbone"][0] / 100,
        "初中县级以上骨干教师数": junior * PER["backbone"][1] / 100,
        "小学体育艺术专任教师数": primary * PER["pe_art"][0] / 100,
        "初中体育艺术专任教师数": junior * PER["pe_art"][1] / 100,
        "室内体育用房面积": 0,
        "班级数": max(classes, 1),
        "小学最大班额": 40 if primary else "",
        "初中最大班额": 45 if junior else "",
        "音乐专用教室数": max(1, -(-max(classes, 1) // 12)),
        "音乐专用教室最小面积": 100,
        "美术专用教室数": max(1, -(-max(classes, 1) // 12)),
        "美术专用教室最小面积": 95,
        "是否寄宿制": "否",
    }
    for header, per in FACILITY.items():
        scale = 100 if header in FACILITY_PER_HUNDRED else 1
        row[header] = round(weighted * per / scale, 4)
    row.update(overrides)
    return row


def schools_csv(rows: Sequence[Mapping[str, Any]], encoding: str = "utf-8") -> bytes:
    return csv_bytes(
        SCHOOL_HEADERS, [[r.get(h, "") for h in SCHOOL_HEADERS] for r in rows], encoding
    )


GOVERNMENT_OK = [
    ("1", "", "达标"),
    ("2", "", "达标"),
    ("6", "", "达标"),
    ("7", "6500", ""),
    ("8.1", "", "达标"),
    ("8.2", "", "达标"),
    ("9", "100%", ""),
    ("10", "", "达标"),
    ("11.1", "12%", ""),
    ("11.2", "22%", ""),
    ("12", "100%", ""),
    ("13.1", "100%", ""),
    ("13.2", "96%", ""),
    ("14.1", "55%", ""),
    ("14.2", "", "达标"),
    ("15.1", "", "达标"),
    ("15.2", "90%", ""),
]
QUALITY_OK = [
    ("1", "97%", ""),
    ("2", "96%", ""),
    ("3", "", "达标"),
    ("4", "6%", ""),
    ("5", "", "达标"),
    ("6", "", "达标"),
    ("7", "", "达标"),
    ("8", "", "达标"),
    ("9.1", "0.10", "达标"),
]


def county_rows(
    basic: str = "2019",
    year: str = "2023",
    monitoring: str = "达标",
    replace: Mapping[tuple[str, str], tuple[str, str, str] | None] | None = None,
) -> list[list[str]]:
    """类别, 编号, 值, 判定, 说明 rows on which everything passes; ``replace`` edits them."""
    replace = dict(replace or {})
    rows = [
        ["基本情况", "基本均衡认定年份", basic, "", ""],
        ["基本情况", "评估年份", year, "", ""],
        ["基本情况", "年度监测", "", monitoring, ""],
    ]
    rows += [["政府保障", i, v, j, ""] for i, v, j in GOVERNMENT_OK]
    rows += [["教育质量", i, v, j, "数学" if i.startswith("9.") else ""] for i, v, j in QUALITY_OK]
    rows += [["否决", str(k), "", "否", ""] for k in range(1, 7)]
    out = []
    for row in rows:
        key = (row[0], row[1])
        if key in replace:
            new = replace.pop(key)
            if new is None:
                continue
            row = [row[0], row[1], *new]
        out.append(row)
    for (category, item), new in replace.items():
        if new is not None:
            out.append([category, item, *new])
    return out


def county_csv(rows: Sequence[Sequence[str]]) -> bytes:
    return csv_bytes(["类别", "编号", "值", "判定", "说明"], rows)
