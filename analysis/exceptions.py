"""Accepted 特殊情况 (SPEC §2.1 [setting; provincial practice]) as a file, for
``renke verdict --exceptions FILE``; the service records the same per school.

One row per school and indicator (the 7 of 第六条) or item (政府保障 3–5):

======== ===================================================================
学校代码  the school (as in the schools file)
学段      小学 | 初中 — required for an indicator, blank for an item
指标      an indicator key (``sports_space``), its name (生均体育运动场馆面积) or
          short name, or an item: 政府保障3 / 政府保障4 / 政府保障5
认定值    the adjusted figure, in the indicator's unit (per student or per
          100 students, as the verdict shows it); blank for an item (the
          item is accepted for that school)
理由      why it was accepted (required)
认定人    who accepted it (required: never silently)
认定日期  when (YYYY-MM-DD, required)
附件      the document's name or number (optional)
======== ===================================================================
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from analysis.resources import SpecialCase
from analysis.standards import SECTION_LABELS, Section, Standard, load_standard
from analysis.tables import (
    InputRefused,
    Problem,
    Source,
    clean_number_text,
    is_blank,
    missing_columns,
    read_table,
)

ALIASES: Mapping[str, str] = {
    "学校代码": "code",
    "学段": "section",
    "指标": "target",
    "认定值": "value",
    "理由": "note",
    "认定人": "accepted_by",
    "认定日期": "accepted_at",
    "附件": "document",
}
HEADERS = {key: header for header, key in ALIASES.items()}
REQUIRED = ("code", "section", "target", "value", "note", "accepted_by", "accepted_at")
ITEMS = {"政府保障3": "3", "政府保障4": "4", "政府保障5": "5"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^(\d+(\.\d*)?|\.\d+)$")


@dataclass(frozen=True)
class ItemException:
    """A school accepted for 政府保障 item 3, 4 or 5 (SPEC §2.1: "or the accepted item")."""

    code: str
    item: str
    note: str
    accepted_by: str | None = None
    accepted_at: str | None = None
    document: str | None = None


@dataclass(frozen=True)
class Exceptions:
    """The accepted 特殊情况 of a county: per indicator, and per computed item."""

    special_cases: tuple[SpecialCase, ...] = ()
    items: tuple[ItemException, ...] = ()


def _indicator_key(text: str, standard: Standard) -> str | None:
    for indicator in standard.indicators:
        if text in (indicator.key, indicator.name, indicator.short):
            return indicator.key
    return None


def read_exceptions(source: Source, *, standard: Standard | None = None) -> Exceptions:
    """Read and check an exceptions file (columns in the module docstring).

    Raises
    ------
    InputRefused
        With every problem, by row and column.
    """
    standard = standard or load_standard()
    frame = read_table(source, aliases=ALIASES, name=None)
    problems = [
        Problem(1, HEADERS[p.column or ""], p.message) for p in missing_columns(frame, REQUIRED)
    ]
    if problems:
        raise InputRefused(problems, source="特殊情况")
    cases: list[SpecialCase] = []
    items: list[ItemException] = []
    for position, row in enumerate(int(r) for r in frame.index.to_numpy()):
        cells = {
            key: (None if is_blank(v) else str(v).strip() or None)
            for key, v in (
                (k, frame[k].iloc[position] if k in frame.columns else None) for k in HEADERS
            )
        }
        parsed = _parse_row(row, cells, standard, problems)
        if isinstance(parsed, SpecialCase):
            cases.append(parsed)
        elif isinstance(parsed, ItemException):
            items.append(parsed)
    if problems:
        raise InputRefused(problems, source="特殊情况")
    return Exceptions(tuple(cases), tuple(items))


def _parse_row(
    row: int, cells: Mapping[str, str | None], standard: Standard, problems: list[Problem]
) -> SpecialCase | ItemException | None:
    before = len(problems)
    for column in ("code", "target", "note", "accepted_by"):
        if cells[column] is None:
            problems.append(Problem(row, HEADERS[column], "不能为空"))
    when = cells["accepted_at"]
    if when is None or not _DATE.match(when):
        problems.append(Problem(row, "认定日期", "应为日期，如 2024-05-20"))
    target = cells["target"] or ""
    named = target.replace("第", "").replace("项", "").replace(" ", "")
    item = ITEMS.get(named)
    indicator = _indicator_key(target, standard)
    if target and item is None and indicator is None:
        problems.append(Problem(row, "指标", f"“{target}”不是资源配置指标，也不是政府保障 3–5 项"))
    if len(problems) > before:
        return None
    note, by, document = cells["note"] or "", cells["accepted_by"], cells["document"]
    if item is not None:
        if cells["value"] is not None:
            problems.append(Problem(row, "认定值", "政府保障 3–5 项按学校认可，不填认定值"))
            return None
        return ItemException(cells["code"] or "", item, note, by, when, document)
    section = {label: s for s, label in SECTION_LABELS.items()}.get(cells["section"] or "")
    if section is None:
        problems.append(Problem(row, "学段", "应为 小学 或 初中"))
    value_text = clean_number_text(cells["value"] or "")
    if not _NUMBER.match(value_text):
        problems.append(Problem(row, "认定值", "应为不小于 0 的数字（调整后的指标值）"))
    if len(problems) > before or section is None or indicator is None:
        return None
    chosen: Section = section
    return SpecialCase(
        code=cells["code"] or "",
        section=chosen,
        indicator=indicator,
        value=float(value_text),
        note=note,
        document=document,
        accepted_by=by,
        accepted_at=when,
    )
