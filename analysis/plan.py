"""The province's schedule of counties by planned year (SPEC §2.4, §5 `renke plan import`).

The Yunnan plan (云政教督〔2022〕2号, 附件 进度表; ``../shared/data/yunnan_plan.csv``)
ships as package data. A plan file has one row per county: 州市, 县 and the planned year
of certification, optionally the 行政区划代码 and the 认定年份 (the year a county passed
its 省级评估 before Renke was in use, recorded by the province). A bad file is refused
whole with every problem by row and column (SPEC §3).

The plan writes short names ("石林县" for 石林彝族自治县, "文山州" for 文山壮族苗族自治州):
:func:`short_name` gives the short form of a full name, so a registry can match both.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Final

import pandas as pd

from analysis.tables import (
    InputRefused,
    Problem,
    Source,
    clean_number_text,
    is_blank,
    missing_columns,
    normalise_header,
    read_table,
    without_total_row,
)

#: The years a plan may schedule: the 2022–2035 programme (云政教督〔2022〕2号 一(三)).
FIRST_YEAR: Final = 2022
LAST_YEAR: Final = 2035

#: What a 认定年份 cell says to clear a year recorded by mistake (a blank keeps it).
NOT_CERTIFIED: Final = frozenset({"无", "未认定"})
#: The years a 认定年份 may name: from 教督〔2017〕6号 (the national 办法) to the plan's end.
FIRST_CERTIFIED_YEAR: Final = 2017

#: Milestones of the Yunnan plan: (year, share of all counties certified by then).
#: Source: 云政教督〔2022〕2号 一(三)「到2025年，争取全省20%的县、市、区实现…；到2035年，全省所有县、市、区实现…」.
YUNNAN_MILESTONES: Final[tuple[tuple[int, float], ...]] = ((2025, 0.20), (2035, 1.0))

#: Chinese header -> canonical column.
ALIASES: Final[dict[str, str]] = {
    normalise_header(chinese): key
    for chinese, key in {
        "州市": "prefecture",
        "州（市）": "prefecture",
        "州(市)": "prefecture",
        "县": "county",
        "县名": "county",
        "县（市、区）": "county",
        "县(市、区)": "county",
        "规划年份": "planned_year",
        "年份": "planned_year",
        "行政区划代码": "code",
        "认定年份": "certified_year",
    }.items()
}
REQUIRED: Final = ("prefecture", "county", "planned_year")
OPTIONAL: Final = ("code", "certified_year")

_AUTONOMOUS = re.compile(r"^(.{2,}?)(?:.{1,3}族)+自治(县|州)$")
_CODE = re.compile(r"^\d{6}$")


def short_name(name: str) -> str:
    """The short form the plan uses: 石林彝族自治县 → 石林县, 文山壮族苗族自治州 → 文山州."""
    name = name.strip()
    match = _AUTONOMOUS.match(name)
    if match is None:
        return name
    return match.group(1) + match.group(2)


@dataclass(frozen=True)
class PlannedCounty:
    """One row of a plan: where the county is, and the year it is to be certified.

    ``certified_year`` is the 认定年份 the province recorded: the year the county passed
    its 省级评估 (and went on to 国家认定) before Renke held its verdicts; None when the
    plan leaves it blank (a year recorded before is kept) or says 无 (``clears_certified``:
    a year recorded before, by mistake, is cleared).
    """

    prefecture: str
    county: str
    planned_year: int
    code: str | None = None
    row: int | None = None
    certified_year: int | None = None
    clears_certified: bool = False

    @property
    def key(self) -> tuple[str, str]:
        """Prefecture and county by their short names: how plan rows are told apart."""
        return short_name(self.prefecture), short_name(self.county)


@dataclass(frozen=True)
class Plan:
    """The counties of a plan, in file order, and the plan's milestones."""

    counties: tuple[PlannedCounty, ...]
    milestones: tuple[tuple[int, float], ...] = YUNNAN_MILESTONES

    def planned_by_year(self) -> dict[int, int]:
        """How many counties each year plans to certify, every year of the plan listed."""
        counts = {year: 0 for year in range(FIRST_YEAR, LAST_YEAR + 1)}
        for county in self.counties:
            counts[county.planned_year] += 1
        return counts

    def required(self, share: float) -> int:
        """How many counties a milestone of ``share`` needs: ceil(share × all)."""
        return math.ceil(round(share * len(self.counties), 9))


def read_plan(source: Source, *, name: str | None = None, this_year: int | None = None) -> Plan:
    """Read a plan file (CSV or XLSX), refusing it whole with every problem.

    Problems: a missing column, a blank 州市 or 县, a 规划年份 that is not a whole number or
    lies outside 2022–2035, a 认定年份 (optional, blank when the county was not certified
    before Renke) that is not a whole number, lies outside 2017–2035 or, given
    ``this_year`` (the service passes the current year in its time zone), lies after it —
    a certification cannot be recorded for a year still to come —, a county listed
    twice (by short names within its 州市), a 行政区划代码 that is not six digits or is
    listed twice, a trailing 合计 row. Years are read as the file's other numbers are
    (full-width digits, thousands separators, a trailing 年).
    """
    frame = read_table(source, aliases=ALIASES, name=name)
    frame, problems = without_total_row(frame)
    missing = missing_columns(frame, REQUIRED)
    if missing:
        raise InputRefused([*missing, *problems], source=name)
    counties: list[PlannedCounty] = []
    seen: dict[tuple[str, str], int] = {}
    codes: dict[str, int] = {}
    for row, record in zip(frame.index.to_numpy(), frame.to_dict("records"), strict=True):
        county = _plan_row(int(row), record, problems, this_year)
        if county is None:
            continue
        if county.key in seen:
            problems.append(
                Problem(county.row, "county", f"{county.county}与第{seen[county.key]}行重复")
            )
            continue
        seen[county.key] = int(row)
        if county.code is not None:
            if county.code in codes:
                problems.append(
                    Problem(county.row, "code", f"行政区划代码与第{codes[county.code]}行重复")
                )
                continue
            codes[county.code] = int(row)
        counties.append(county)
    if not counties and not problems:
        problems.append(Problem(None, None, "规划表没有任何县"))
    if problems:
        raise InputRefused(problems, source=name)
    return Plan(tuple(counties))


def _plan_row(
    row: int, record: Mapping[Hashable, object], problems: list[Problem], this_year: int | None
) -> PlannedCounty | None:
    before = len(problems)
    texts: dict[str, str] = {}
    for column in (*REQUIRED, *OPTIONAL):
        cell = record.get(column)
        if is_blank(cell) or not str(cell).strip():
            if column not in OPTIONAL:
                problems.append(Problem(row, column, "不能为空"))
            continue
        texts[column] = str(cell).strip()
    year = _year(row, "planned_year", texts, FIRST_YEAR, problems)
    clears = texts.get("certified_year") in NOT_CERTIFIED
    if clears:
        del texts["certified_year"]
    certified = _year(row, "certified_year", texts, FIRST_CERTIFIED_YEAR, problems)
    if certified is not None and this_year is not None and certified > this_year:
        problems.append(
            Problem(
                row,
                "certified_year",
                f"{certified} 年还未到来：认定年份不能晚于今年（{this_year} 年）",
            )
        )
    code = texts.get("code")
    if code is not None:
        code = clean_number_text(code)
        if not _CODE.match(code):
            problems.append(Problem(row, "code", f"“{texts['code']}”不是六位行政区划代码"))
    if len(problems) > before or year is None:
        return None
    return PlannedCounty(texts["prefecture"], texts["county"], year, code, row, certified, clears)


def _year(
    row: int, column: str, texts: Mapping[str, str], first: int, problems: list[Problem]
) -> int | None:
    """A year cell, read as the file's numbers are (``２０２３``, ``2,023``, ``2023年``);
    None when blank or refused (the problem appended)."""
    if column not in texts:
        return None
    text = clean_number_text(texts[column]).removesuffix("年")
    if not re.fullmatch(r"\d{4}", text):
        problems.append(Problem(row, column, f"“{texts[column]}”不是年份"))
        return None
    if not first <= int(text) <= LAST_YEAR:
        problems.append(Problem(row, column, f"{text} 不在 {first}–{LAST_YEAR} 年之间"))
        return None
    return int(text)


def yunnan_plan() -> Plan:
    """The Yunnan schedule (云政教督〔2022〕2号 附件), shipped with the package."""
    data = resources.files("analysis").joinpath("plans/yunnan.csv").read_bytes()
    return read_plan(data, name="yunnan.csv")


def plan_frame(plan: Plan) -> pd.DataFrame:
    """The plan as a table (州市, 县, 规划年份, 行政区划代码, 认定年份), for exports."""
    return pd.DataFrame(
        [(c.prefecture, c.county, c.planned_year, c.code, c.certified_year) for c in plan.counties],
        columns=["州市", "县", "规划年份", "行政区划代码", "认定年份"],
    )
