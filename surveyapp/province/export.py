"""The overview as a workbook a 督导办 would circulate, and as a chart on the page."""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from datetime import datetime

from markupsafe import Markup
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from analysis.display import format_percent as percent
from analysis.schedule import STAGES, YearProgress
from surveyapp.province.monitoring import CountyMonitoring
from surveyapp.province.services import CountyRow, Overview, verdict_class

#: The columns of the overview, on the page and in the workbook: (heading, width, sort key).
COLUMNS = (
    ("序号", 6, None),
    ("州（市）", 22, "prefecture"),
    ("县（市、区）", 18, "county"),
    ("行政区划代码", 13, "code"),
    ("规划年份", 9, "planned_year"),
    ("当前阶段", 10, "stage"),
    ("状态", 8, "state"),
    ("县级自评截止", 13, None),
    ("州市复核截止", 13, None),
    ("省级评估截止", 13, None),
    ("认定结论", 10, "certified"),
    ("社会认可度", 11, "approval"),
    ("95%置信区间", 16, None),
    ("样本是否达到计划", 10, "sample_ok"),
    ("逾期", 24, "overdue"),
    ("主要原因", 60, None),
    ("年度监测", 14, "monitoring"),
    ("监测下滑及未达标项", 60, None),
)
MONITORING_COLUMN = 16  # the index of 年度监测 in COLUMNS
STATE_LABELS = {
    "draft": "准备中",
    "scheduled": "未开始",
    "collecting": "收集中",
    "closed": "已结束",
}
VERDICT_LABELS = {"pending": "尚无结论", "certified": "达标", "not_certified": "未达标"}


def yes_no(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")


def row_cells(number: int, row: CountyRow) -> list[str | int]:
    """One county as the cells of :data:`COLUMNS` (the page and the workbook share it)."""
    dates = row.stage_dates
    ci = f"{percent(row.ci[0])}–{percent(row.ci[1])}" if row.ci else ""
    return [
        number,
        row.prefecture,
        row.county,
        row.code or "",
        row.planned_year or "",
        _stage_cell(row),
        STATE_LABELS.get(row.state or "", ""),
        *(dates[s].isoformat() if s in dates else "" for s in ("county", "prefecture", "province")),
        VERDICT_LABELS[verdict_class(row)],
        percent(row.approval) if row.approval is not None else "",
        ci,
        yes_no(row.sample_ok),
        "；".join(o.label for o in row.overdue),
        "；".join(row.reasons[:3]),
        monitoring_status(row.monitoring),
        monitoring_figures(row.monitoring),
    ]


def _stage_cell(row: CountyRow) -> str:
    if row.stage is not None:
        return STAGES[row.stage]
    # certified before Renke (认定年份 from the plan): no assessment, yet not "not started"
    return "已认定（据规划表）" if row.certified_year is not None else "未开始评估"


def monitoring_status(monitoring: CountyMonitoring | None) -> str:
    """撤销称号 / 问责 / 正常 for a certified county, a flag resting on a year not frozen
    yet marked （未定稿）; blank for one never certified."""
    if monitoring is None:
        return ""
    if not monitoring.monitored:
        source = "（据规划表）" if monitoring.recorded else ""
        return f"{monitoring.certified_year}年认定{source}，尚无监测"
    provisional = monitoring.provisional_flags
    flags = [
        word + ("（未定稿）" if key in provisional else "")
        for word, key, flagged in (
            ("撤销称号", "revoke", monitoring.revoke),
            ("问责", "accountability", monitoring.accountability),
        )
        if flagged
    ]
    return "、".join(flags) or "正常"


def monitoring_figures(monitoring: CountyMonitoring | None) -> str:
    """The figures that fell (下滑, by year) and what the latest year has below the standard."""
    if monitoring is None:
        return ""
    parts = [
        f"{year}年下滑：{fall.label}（{fall.before}→{fall.after}）"
        for year, fall in monitoring.flagged_falls
    ]
    if monitoring.accountability:
        parts.append(f"{monitoring.monitored[-1].year}年未达标：" + "、".join(monitoring.below))
    return "；".join(parts)


def rows_html(
    rows: Sequence[CountyRow], first: int, detail_prefix: str, monitoring_url: str
) -> Markup:
    """The table body of the page: each row's :func:`row_cells` (numbered from ``first``)
    as HTML, built in Python, not Jinja (a Jinja loop over 3,000 rows was the main cost).

    Every cell is escaped once, quotes too (the figures that fell also go into an
    attribute); the body is marked safe as a whole, not cell by cell.
    """
    return Markup(
        "".join(
            _row_html(row, row_cells(number, row), detail_prefix, monitoring_url)
            for number, row in enumerate(rows, start=first)
        )
    )


def _row_html(
    row: CountyRow, cells: list[str | int], detail_prefix: str, monitoring_url: str
) -> str:
    """One county's table row. The 年度监测 cell links to the county's monitoring page,
    with the figures that fell in its tooltip; the column of figures is left to the
    workbook and that page. ``detail_prefix`` and ``monitoring_url`` are the app's own
    URLs (url_for), the only text not escaped here."""
    text = [html.escape(cell) if isinstance(cell, str) else str(cell) for cell in cells]
    if row.current is not None:
        text[2] = f'<a href="{detail_prefix}{row.current.assessment_id}">{text[2]}</a>'
    if row.review is not None:
        tip = text[-1] or "无下滑、无未达标项"
        flag = " flag" if row.review.revoke or row.review.accountability else ""
        text[MONITORING_COLUMN] = (
            f'<a class="badge{flag}" href="{monitoring_url.format(row.county_id)}" '
            f'title="{tip}">{text[MONITORING_COLUMN]}</a>'
        )
    return (
        f"<tr><td>{'</td><td>'.join(text[:10])}</td>"
        f'<td class="v-{text[10]}">{text[10]}</td>'
        f"<td>{'</td><td>'.join(text[11:14])}</td>"
        f'<td class="late">{text[14]}</td>'
        f"<td>{'</td><td>'.join(text[15 : MONITORING_COLUMN + 1])}</td></tr>"
    )


def overview_xlsx(overview: Overview, province: str, now: datetime) -> bytes:
    """Sheet 1 the counties, sheet 2 the years and milestones; a title row on each."""
    book = Workbook()
    sheet = book.worksheets[0]
    sheet.title = "各县进度"
    title = f"{province}县域义务教育优质均衡发展督导评估进度表（截至 {now:%Y年%-m月%-d日}）"
    _title(sheet, title, len(COLUMNS))
    sheet.append([name for name, _, _ in COLUMNS])
    for index, (_, width, _) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for number, row in enumerate(overview.rows, start=1):
        sheet.append(row_cells(number, row))
    _header(sheet, 2, len(COLUMNS))
    sheet.freeze_panes = "D3"
    sheet.auto_filter.ref = f"A2:{get_column_letter(len(COLUMNS))}{len(overview.rows) + 2}"
    years = book.create_sheet("按年度")
    _title(years, "按年度：规划与通过省级评估的县数", 5)
    years.append(["年份", "规划数", "通过数", "累计规划", "累计通过"])
    for year in overview.by_year:
        years.append(
            [
                year.year,
                year.planned,
                year.certified,
                year.planned_cumulative,
                year.certified_cumulative,
            ]
        )
    _header(years, 2, 5)
    years.append([])
    years.append(["目标年份", "目标比例", "所需县数", "已通过", "是否达到"])
    for milestone in overview.milestones:
        years.append(
            [
                milestone.year,
                f"{milestone.share:.0%}",
                milestone.required,
                milestone.certified,
                yes_no(milestone.met),
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _title(sheet: Worksheet, text: str, width: int) -> None:
    sheet.append([text])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(bold=True, size=14)


def _header(sheet: Worksheet, row: int, width: int) -> None:
    fill = PatternFill("solid", fgColor="DDE3EA")
    for column in range(1, width + 1):
        cell = sheet.cell(row=row, column=column)
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def year_chart(by_year: Sequence[YearProgress]) -> Markup:
    """Planned vs certified counties per year as an inline SVG bar chart (no script)."""
    width, height, left, bottom = 720, 220, 34, 30
    peak = max([1, *(max(y.planned, y.certified) for y in by_year)])
    step = (width - left) / max(len(by_year), 1)
    bar = step * 0.36
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="各年度规划与通过县数" '
        'class="chart">'
    ]
    scale = (height - bottom - 16) / peak
    for index, year in enumerate(by_year):
        x = left + index * step + step * 0.12
        for offset, count, colour, label in (
            (0.0, year.planned, "#9aa7b5", "规划"),
            (bar, year.certified, "#1a7f37", "通过"),
        ):
            h = count * scale
            parts.append(
                f'<rect x="{x + offset:.1f}" y="{height - bottom - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{year.year}年{label} {count} 个</title></rect>'
            )
            if count:
                parts.append(
                    f'<text x="{x + offset + bar / 2:.1f}" y="{height - bottom - h - 3:.1f}" '
                    f'text-anchor="middle">{count}</text>'
                )
        parts.append(
            f'<text x="{x + bar:.1f}" y="{height - bottom + 14}" text-anchor="middle">{year.year}</text>'
        )
    parts.append(
        f'<rect x="{left}" y="4" width="10" height="10" fill="#9aa7b5"/>'
        f'<text x="{left + 14}" y="13">规划</text>'
        f'<rect x="{left + 54}" y="4" width="10" height="10" fill="#1a7f37"/>'
        f'<text x="{left + 68}" y="13">通过省级评估</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))
