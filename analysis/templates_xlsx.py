"""The downloadable XLSX templates of the schools and county files (SPEC §3).

Each template has a 数据 sheet (the one the readers read) whose headers name the unit,
with a comment on each header giving the unit, the source (the 教育事业统计 table and
field, or the ledger the figure comes from when it is not in the statistics) and the
statistics year; and a 说明 sheet listing the same for printing. The service only serves
the bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from analysis.county import (
    ASSESSMENT_YEAR,
    BASIC,
    BASIC_YEAR,
    COUNTY_NAME,
    GOVERNMENT,
    JUDGEMENTS,
    MONITORING,
    POPULATION,
    QUALITY,
    VETO,
)
from analysis.schools import COLUMNS, LOCALES, SCHOOL_TYPES, header_with_unit
from analysis.standards import ItemSpec, Standard, load_standard

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
OPTIONAL_FILL = PatternFill("solid", fgColor="F2F2F2")
SUBJECT_ROWS = 3


def _year_words(statistics_year: int | None) -> str:
    return (
        f"{statistics_year} 年" if statistics_year else "评估年份上一学年（与教育事业统计同一年度）"
    )


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _style_header(sheet: Worksheet, widths: Sequence[int]) -> None:
    for position, width in enumerate(widths, start=1):
        cell = sheet.cell(row=1, column=position)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.freeze_panes = "A2"


def _notes_sheet(
    book: Workbook,
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    notes: Sequence[str],
) -> None:
    sheet = book.create_sheet("说明")
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    for note in notes:
        sheet.append([note])
    sheet.append([])
    sheet.append(list(header))
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for row in rows:
        sheet.append(list(row))
    for position, width in enumerate((26, 8, 8, 52, 22, 40), start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width


def schools_template(
    *, standard: Standard | None = None, statistics_year: int | None = None
) -> bytes:
    """The schools-file template: one column per SPEC §3 field, unit in the header, and
    each column's unit, 教育事业统计 source and statistics year in a comment and on the
    说明 sheet."""
    standard = standard or load_standard()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "数据"
    year = _year_words(statistics_year)
    sheet.append([header_with_unit(column) for column in COLUMNS])
    for position, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=position)
        text = [
            f"单位：{column.unit or '—'}",
            f"来源：{column.source}",
            f"统计年度：{year}",
            "必填" if column.required else "选填",
        ]
        if column.note:
            text.append(column.note)
        cell.comment = Comment("\n".join(text), "Renke", width=320, height=140)
        if not column.required:
            cell.fill = OPTIONAL_FILL
        else:
            cell.fill = HEADER_FILL
        if column.key in ("code", "parent_code"):
            # codes are text: Excel would drop leading zeros
            for row in range(2, 3002):
                sheet.cell(row=row, column=position).number_format = "@"
    _style_header(sheet, [max(12, len(header_with_unit(c)) * 2) for c in COLUMNS])
    for key, options in (
        ("school_type", SCHOOL_TYPES),
        ("locale", LOCALES),
        ("boarding", ("是", "否")),
    ):
        position = [c.key for c in COLUMNS].index(key) + 1
        letter = get_column_letter(position)
        validation = DataValidation(
            type="list", formula1='"' + ",".join(options) + '"', allow_blank=True
        )
        validation.add(f"{letter}2:{letter}5000")
        sheet.add_data_validation(validation)
    gym_note = "（按设置减去室内体育用房面积）" if standard.units.subtract_indoor_gym else ""
    _notes_sheet(
        book,
        "学校数据模板：每所学校一行（县域内全部义务教育学校、教学点和特殊教育学校）",
        ("列名", "单位", "必填", "来源（教育事业统计表及字段）", "统计年度", "说明"),
        [
            (
                column.header,
                column.unit,
                "是" if column.required else "否",
                column.source,
                year,
                column.note,
            )
            for column in COLUMNS
        ],
        (
            "请在“数据”工作表填写，不要改动表头，不要添加合计行。",
            "数字可带千位分隔符；教学仪器设备值以元填报（不是万元）；班级数只计义务教育班级。",
            "九年一贯制、十二年一贯制学校的教师数按学段分列；校舍、场馆、设备和多媒体教室填全校数，"
            f"按学生折算比例分摊到各学段{gym_note}。",
            f"特殊教育学校和不足 {standard.units.teaching_point_min_students} 人的教学点只需填写基本信息和在校生数。",
            f"标准：{standard.title}（{standard.id}）。",
        ),
    )
    return _save(book)


def _county_rows(standard: Standard) -> list[tuple[str, str, str, str]]:
    """(类别, 编号, 指标, 标准) for every row a county fills in."""
    rows = [
        (BASIC, BASIC_YEAR, "通过国家义务教育基本均衡发展认定的年份（值）", "办法第四条：三年以上"),
        (BASIC, ASSESSMENT_YEAR, "本次评估年份（值）", ""),
        (BASIC, MONITORING, "基本均衡认定后年度监测（判定：达标 / 不达标）", "持续保持较高水平"),
        (BASIC, COUNTY_NAME, "县名（值，选填）", ""),
        (BASIC, POPULATION, "常住人口（值，人；选填，用于核对样本量）", "来源和年份写在说明"),
    ]

    def add(category: str, item: ItemSpec) -> None:
        if item.computed is not None:
            return
        if item.subs:
            for sub in item.subs:
                rows.append((category, sub.id, f"{item.title}：{sub.title}", _standard_words(sub)))
        elif item.open_sub:
            for k in range(1, SUBJECT_ROWS + 1):
                rows.append(
                    (
                        category,
                        f"{item.id}.{k}",
                        f"{item.title}（每科一行，科目名称写在说明）",
                        "值：校际差异率"
                        + (f"，{_standard_words(item)}" if item.measure else "")
                        + "；判定：学业水平 III 级以上",
                    )
                )
        else:
            rows.append((category, item.id, item.title, _standard_words(item)))

    for item in standard.government:
        add(GOVERNMENT, item)
    for item in standard.quality:
        add(QUALITY, item)
    for veto in standard.vetoes:
        rows.append((VETO, veto.id, veto.title, "判定：是 / 否"))
    return rows


def _standard_words(item: ItemSpec) -> str:
    words = "判定：达标 / 不达标" if item.measure is None else f"值：{item.measure.describe()}"
    if item.hint:
        words += f"；{item.hint}"
    if item.not_applicable is None:
        return words + "；不允许不适用"
    condition = item.not_applicable_source.removeprefix("[setting]").strip()
    return words + f"；{condition}"


def county_template(
    *, standard: Standard | None = None, statistics_year: int | None = None
) -> bytes:
    """The county-file template: every row a county fills in, with the item and its
    standard beside it (columns 指标 and 标准, which the reader ignores)."""
    standard = standard or load_standard()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "数据"
    sheet.append(["类别", "编号", "值", "判定", "说明", "指标", "标准"])
    for category, item_id, title, words in _county_rows(standard):
        sheet.append([category, item_id, None, None, None, title, words])
    last = sheet.max_row
    for row in range(2, last + 1):
        sheet.cell(row=row, column=2).number_format = "@"  # keep "9.10" and "8.1" as text
        sheet.cell(row=row, column=3).number_format = "@"
        for column in (6, 7):
            sheet.cell(row=row, column=column).fill = OPTIONAL_FILL
    _style_header(sheet, (10, 18, 12, 10, 30, 60, 34))
    comments = {
        1: "基本情况 | 政府保障 | 教育质量 | 否决",
        2: "政府保障 3–5 项由学校数据计算，不要填写",
        3: "定量指标填数值：百分数写 96.5% 或 96.5；金额以元填报；质量监测填校际差异率（如 0.12）",
        4: "达标 / 不达标 / 不适用（不适用须写说明）；否决事项填 是 / 否",
        5: "不适用的原因、科目名称或其他说明",
    }
    for column, text in comments.items():
        sheet.cell(row=1, column=column).comment = Comment(text, "Renke", width=300, height=90)
    items_validation = DataValidation(
        type="list", formula1='"' + ",".join(JUDGEMENTS) + '"', allow_blank=True
    )
    veto_validation = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    first_veto = last - len(standard.vetoes) + 1
    items_validation.add(f"D2:D{first_veto - 1}")
    veto_validation.add(f"D{first_veto}:D{last}")
    sheet.add_data_validation(items_validation)
    sheet.add_data_validation(veto_validation)
    _notes_sheet(
        book,
        "县级数据模板：每个指标一行",
        ("类别", "编号", "指标", "标准"),
        [(c, i, t, w) for c, i, t, w in _county_rows(standard)],
        (
            "定量指标以“值”判定；“判定”与“值”矛盾的文件不被接受。",
            "多项指标（如 8.1、8.2）逐项填写；也可只填第 N 项的判定代表整项。",
            "缺少的指标按缺失处理，不能通过认定。",
            f"统计年度：{_year_words(statistics_year)}。标准：{standard.title}（{standard.id}）。",
        ),
    )
    return _save(book)
