"""The gap ledger as text (``renke gaps --format table``) and as a workbook (``xlsx``)."""

from __future__ import annotations

from typing import IO, Any

from analysis.gaps import CVGap, IndicatorGap, Ledger, UnitGaps
from analysis.resources import display_cv, display_figure
from analysis.standards import SECTION_LABELS, format_number
from analysis.tables import spreadsheet_safe_row


def _amount(n: int, unit: str) -> str:
    return f"{n:,} {unit}"


def gap_words(gap: IndicatorGap) -> str:
    figure = display_figure(gap.value, gap.standard, trim=True)
    standard = format_number(gap.standard)
    floor = "，不低于标准的 85%" if gap.floor_met else "，低于标准的 85%"
    shared = (
        f"（按学生折算本学段占全校的 {gap.share:.1%}，学校需增加）" if gap.share < 1 else "，需增加"
    )
    return f"{gap.label} {figure}，标准 {standard}{floor}{shared} {_amount(gap.to_add, gap.unit)}"


def unit_words(unit: UnitGaps) -> str:
    if unit.passes:
        return f"{unit.label}：达到“7 项中 6 项达标、其余 1 项不低于 85%”，下列差距不影响认定"
    return (
        f"{unit.label}：未达到单校要求，须补齐下列 {len(unit.gaps)} 项中的至少 {unit.must_close} 项"
    )


def cv_words(cv: CVGap) -> str:
    section = SECTION_LABELS[cv.section]
    if cv.cv is None:
        return f"{section}{cv.label}差异系数无法计算（{cv.note or ''}）"
    words = (
        f"{section}{cv.label}差异系数 {display_cv(cv.cv, cv.threshold)}，大于 {cv.threshold:.2f}"
    )
    if cv.lowest:
        low = "、".join(
            f"{u.name} {display_figure(u.value, cv.mean or 0, trim=True)}" for u in cv.lowest
        )
        words += f"；低于全县均值 {format_number(cv.mean or 0)} 最多的：{low}"
    return words


def ledger_table(ledger: Ledger) -> str:
    """The ledger in plain Chinese lines."""
    lines = [f"差距台账{'：' + ledger.county if ledger.county else ''}"]
    lines.append("结论：" + ("存在影响认定的差距" if ledger.blocking else "没有影响认定的差距"))
    lines.append("")
    lines.append("一、学校资源配置（办法 第六条）")
    if not ledger.units:
        lines.append("  各校 7 项指标均达到标准。")
    for unit in ledger.units:
        lines.append(f"  {unit.code} {unit_words(unit)}")
        lines.extend(f"    {gap_words(gap)}" for gap in unit.gaps)
    lines.append("")
    lines.append("二、校际差异系数")
    if not ledger.cv:
        lines.append("  各项差异系数均达到要求。")
    lines.extend(f"  {cv_words(cv)}" for cv in ledger.cv)
    lines.append("")
    lines.append("三、政府保障第 3–5 项（由学校数据计算）")
    if not ledger.items:
        lines.append("  各校均达到要求。")
    lines.extend(f"  {gap.item} {gap.failure.code} {gap.failure.text}" for gap in ledger.items)
    if ledger.totals:
        lines.append("")
        lines.append("合计需增加（共用校舍、设备的学校按其中需要最多的学段计一次）：")
        lines.extend(
            f"  {label} {_amount(amount, unit)}" for label, (amount, unit) in ledger.totals.items()
        )
    return "\n".join(lines)


UNIT_HEADER = [
    "学校代码",
    "学校名称",
    "学段",
    "单校是否达标",
    "须补齐项数",
    "指标",
    "现值",
    "标准",
    "不低于85%",
    "学生数",
    "本学段占全校设施比例",
    "学校需增加",
    "单位",
]


def write_ledger_xlsx(ledger: Ledger, target: IO[bytes]) -> None:
    """The ledger as a workbook: 学校差距, 差异系数, 政府保障3-5, 合计."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    units = book.create_sheet("学校差距")
    units.append(UNIT_HEADER)
    for unit in ledger.units:
        for gap in unit.gaps:
            row: list[Any] = [
                gap.code,
                gap.name,
                SECTION_LABELS[gap.section],
                "是" if unit.passes else "否",
                unit.must_close,
                gap.label,
                gap.value,
                gap.standard,
                "是" if gap.floor_met else "否",
                gap.students,
                gap.share,
                gap.to_add,
                gap.unit,
            ]
            units.append(spreadsheet_safe_row(row))
    cvs = book.create_sheet("差异系数")
    cvs.append(["学段", "指标", "差异系数", "要求（不大于）", "全县均值", "低于均值最多的学校"])
    for cv in ledger.cv:
        lowest = "、".join(f"{u.name}（{u.code}）" for u in cv.lowest)
        cvs.append(
            spreadsheet_safe_row(
                [SECTION_LABELS[cv.section], cv.label, cv.cv, cv.threshold, cv.mean, lowest]
            )
        )
    items = book.create_sheet("政府保障3-5")
    items.append(["项目", "学校代码", "学校名称", "现值", "要求", "说明"])
    for item in ledger.items:
        failure = item.failure
        items.append(
            spreadsheet_safe_row(
                [item.item, failure.code, failure.name, failure.value, failure.limit, failure.text]
            )
        )
    totals = book.create_sheet("合计")
    totals.append(["指标", "学校需增加（合计）", "单位"])
    for label, (amount, unit_name) in ledger.totals.items():
        totals.append([label, amount, unit_name])
    book.save(target)
