"""The schools file (SPEC §3) and the units it makes (SPEC §2.1).

One row per school, figures of the statistics year. :func:`read_schools` parses and checks
a file, refusing it whole with every problem by row and column; :func:`build_units`
turns the schools into the units of 办法 第六条: an independent 小学 or 初中 is one unit,
a 九年一贯制 or 十二年一贯制 school splits into its 小学部 and 初中部, a 完全中学 keeps its
初中部, and 特殊教育学校 and small 教学点 are excluded (or merged, by setting).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import pandas as pd

from analysis.standards import SECTION_LABELS, Section, Standard, load_standard
from analysis.tables import (
    InputRefused,
    Problem,
    Source,
    is_blank,
    missing_columns,
    parse_numbers,
    read_table,
    without_total_row,
)

SCHOOL_TYPES = ("小学", "初中", "九年一贯制", "十二年一贯制", "完全中学", "教学点", "特殊教育学校")
LOCALES = ("城区", "镇区", "乡村")
TYPE_SYNONYMS = {
    "九年一贯制学校": "九年一贯制",
    "十二年一贯制学校": "十二年一贯制",
    "完中": "完全中学",
    "小学教学点": "教学点",
    "特教学校": "特殊教育学校",
    "特殊教育": "特殊教育学校",
    "初级中学": "初中",
}
OWNERSHIPS = ("公办", "民办")
YES = ("是", "1", "TRUE", "true", "True", "Y", "y", "yes")
NO = ("否", "0", "FALSE", "false", "False", "N", "n", "no")


# 学校代码 (the 10-digit 学校标识码, or a county's own code): letters, digits, - and _ only;
# it becomes part of links, file names and exported cells (issue 10: "../../etc/passwd"
# and "<b>X</b>" were schools with links).
SCHOOL_CODE: Final = re.compile(r"[0-9A-Za-z_-]+")
SCHOOL_CODE_MESSAGE: Final = "只能包含数字、字母、“-”和“_”（如 2153000123）"


@dataclass(frozen=True)
class Column:
    """A column of the schools file: key, Chinese header, unit and 教育事业统计 source."""

    key: str
    header: str
    unit: str
    source: str
    required: bool = True
    integer: bool = False
    note: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("code", "学校代码", "", "学校（机构）基本情况：学校标识码"),
    Column("name", "学校名称", "", "学校（机构）基本情况：学校名称"),
    Column(
        "school_type",
        "学校类型",
        "",
        "学校（机构）基本情况：办学类型",
        note="小学 | 初中 | 九年一贯制 | 十二年一贯制 | 完全中学 | 教学点 | 特殊教育学校",
    ),
    Column(
        "locale",
        "城乡类型",
        "",
        "学校（机构）基本情况：城乡分类",
        required=False,
        note="城区 | 镇区 | 乡村",
    ),
    Column(
        "parent_code",
        "所属学校代码",
        "",
        "学校（机构）基本情况：教学点所属学校标识码",
        required=False,
        note="教学点填所属中心校的学校代码",
    ),
    Column("primary_students", "小学在校生数", "人", "小学学生数：在校生合计", integer=True),
    Column("junior_students", "初中在校生数", "人", "初中学生数：在校生合计", integer=True),
    Column(
        "senior_students",
        "高中在校生数",
        "人",
        "普通高中学生数：在校生合计",
        required=False,
        integer=True,
        note="完全中学、十二年一贯制学校填写",
    ),
    Column(
        "primary_teachers_qualified",
        "小学高于规定学历教师数",
        "人",
        "小学专任教师学历：专科及以上合计",
    ),
    Column(
        "junior_teachers_qualified",
        "初中高于规定学历教师数",
        "人",
        "初中专任教师学历：本科及以上合计",
    ),
    Column(
        "primary_teachers_backbone",
        "小学县级以上骨干教师数",
        "人",
        "县级以上骨干教师认定名册（非教育事业统计）：小学",
    ),
    Column(
        "junior_teachers_backbone",
        "初中县级以上骨干教师数",
        "人",
        "县级以上骨干教师认定名册（非教育事业统计）：初中",
    ),
    Column(
        "primary_teachers_pe_art",
        "小学体育艺术专任教师数",
        "人",
        "小学专任教师任课情况：体育（与健康）、音乐、美术",
    ),
    Column(
        "junior_teachers_pe_art",
        "初中体育艺术专任教师数",
        "人",
        "初中专任教师任课情况：体育（与健康）、音乐、美术",
    ),
    Column(
        "teaching_area", "教学及辅助用房面积", "㎡", "校舍情况：教学及辅助用房（含室内体育用房）"
    ),
    Column(
        "indoor_gym_area",
        "室内体育用房面积",
        "㎡",
        "校舍情况：教学及辅助用房中的室内体育用房",
        required=False,
        note="按设置从教学及辅助用房面积中减去，避免与体育运动场馆重复计算",
    ),
    Column(
        "sports_area", "体育运动场馆面积", "㎡", "办学条件：体育运动场（馆）面积，含室内体育用房"
    ),
    Column(
        "equipment_value",
        "教学仪器设备值",
        "元",
        "办学条件：教学、实验仪器设备资产值（以元填报，不是万元）",
    ),
    Column("multimedia_rooms", "网络多媒体教室数", "间", "办学条件：网络多媒体教室"),
    Column("classes", "班级数", "个", "班额情况：义务教育班数合计（不含高中班）", integer=True),
    Column(
        "primary_max_class",
        "小学最大班额",
        "人",
        "小学班额情况：最大班额",
        integer=True,
        note="有小学在校生时必填",
    ),
    Column(
        "junior_max_class",
        "初中最大班额",
        "人",
        "初中班额情况：最大班额",
        integer=True,
        note="有初中在校生时必填",
    ),
    Column("music_rooms", "音乐专用教室数", "间", "校舍情况：专用教室（音乐）", integer=True),
    Column(
        "music_min_area",
        "音乐专用教室最小面积",
        "㎡",
        "学校专用教室台账（非教育事业统计）",
        note="有音乐专用教室时必填",
    ),
    Column("art_rooms", "美术专用教室数", "间", "校舍情况：专用教室（美术）", integer=True),
    Column(
        "art_min_area",
        "美术专用教室最小面积",
        "㎡",
        "学校专用教室台账（非教育事业统计）",
        note="有美术专用教室时必填",
    ),
    Column(
        "boarding",
        "是否寄宿制",
        "",
        "学校（机构）基本情况：是否寄宿制学校",
        required=False,
        note="是 | 否",
    ),
    Column(
        "ownership",
        "办学性质",
        "",
        "学校（机构）基本情况：举办者（公办、民办）",
        required=False,
        note="公办 | 民办；空白按公办",
    ),
)
COLUMN_BY_KEY: Mapping[str, Column] = {column.key: column for column in COLUMNS}
TEXT_KEYS = ("code", "name", "school_type", "locale", "parent_code", "boarding", "ownership")
COUNTY_HEADERS = ("类别", "编号", "判定")
FIGURE_KEYS = tuple(c.key for c in COLUMNS if c.key not in TEXT_KEYS)
_UNIT_WORDS = ("m2", "平方米", "元", "人", "间", "个", "班")


def _aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for column in COLUMNS:
        aliases[column.header] = column.key
        for word in _UNIT_WORDS:
            aliases[f"{column.header}({word})"] = column.key
    return aliases


ALIASES: Mapping[str, str] = _aliases()


def header_with_unit(column: Column) -> str:
    """The header of a template column, its unit in brackets: "体育运动场馆面积（㎡）"."""
    return f"{column.header}（{column.unit}）" if column.unit else column.header


@dataclass(frozen=True)
class School:
    """One row of the schools file, parsed. Figures left blank are ``None``."""

    row: int
    code: str
    name: str
    school_type: str
    locale: str | None
    parent_code: str | None
    primary_students: int
    junior_students: int
    senior_students: int
    boarding: bool | None
    figures: Mapping[str, float | None] = field(default_factory=dict)
    public: bool = True

    def figure(self, key: str) -> float:
        """A figure, 0 when blank (only asked for figures the reader made required)."""
        value = self.figures.get(key)
        return 0.0 if value is None else value

    @property
    def compulsory_students(self) -> int:
        """义务教育 students: 小学 and 初中."""
        return self.primary_students + self.junior_students

    def students(self, section: Section) -> int:
        return self.primary_students if section == "primary" else self.junior_students

    @property
    def sections(self) -> tuple[Section, ...]:
        """The 学段 with students (a 学段 with 0 students makes no unit)."""
        found: list[Section] = []
        if self.primary_students > 0:
            found.append("primary")
        if self.junior_students > 0:
            found.append("junior")
        return tuple(found)


@dataclass(frozen=True)
class SchoolFile:
    """A schools file that was accepted, with its plausibility warnings."""

    schools: tuple[School, ...]
    warnings: tuple[Problem, ...] = ()
    name: str = "学校数据"


@dataclass(frozen=True)
class Excluded:
    """A school left out of the units, and why (SPEC §2.1 Excluded)."""

    code: str
    name: str
    reason: str
    merged_into: str | None = None


@dataclass(frozen=True)
class Unit:
    """A 学段 of a school assessed under 办法 第六条, with its share of the figures.

    ``facilities`` are the unit's teaching space (after subtracting the indoor gym when
    the setting says so), sports space, equipment value and multimedia rooms; teachers
    are the 学段's own counts.
    """

    code: str
    name: str
    section: Section
    school_type: str
    row: int
    students: int
    teachers_qualified: float
    teachers_backbone: float
    teachers_pe_art: float
    teaching_space: float
    sports_space: float
    equipment_value: float
    multimedia_rooms: float
    merged: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """ "平远镇中学（初中）"."""
        return f"{self.name}（{SECTION_LABELS[self.section]}）"


@dataclass(frozen=True)
class UnitSet:
    """The units of a county, the schools that remain for items 3–5, and those left out."""

    units: tuple[Unit, ...]
    remaining: tuple[School, ...]
    merged_points: tuple[School, ...]
    excluded: tuple[Excluded, ...]


def read_schools(
    source: Source,
    *,
    standard: Standard | None = None,
    name: str | None = None,
) -> SchoolFile:
    """Read and check a schools file (SPEC §3).

    Parameters
    ----------
    source
        Path, bytes or binary file of a CSV (UTF-8, BOM, GB18030) or XLSX file.
    standard
        The standard whose settings decide which rows need figures (excluded schools need
        none) and whether small 教学点 need their 所属学校代码; default ``yunnan-2022``.
    name
        The file name to show in messages.

    Returns
    -------
    SchoolFile
        The schools, and plausibility warnings (not errors): a per-student equipment value
        under 100 元 ("是否以万元填报?"), a class count that seems to include 高中 classes.

    Raises
    ------
    InputRefused
        With every problem, by row and column, when anything is wrong.
    """
    standard = standard or load_standard()
    frame = read_table(source, aliases=ALIASES, name=name)
    display = name or _display_name(source)
    frame, problems = without_total_row(frame)
    required = [c.key for c in COLUMNS if c.required]
    missing = missing_columns(frame, required)
    # a file missing most columns is another file, not one with gaps: say so once
    if len(missing) > len(required) // 2 or (missing and _looks_like_county(frame)):
        raise InputRefused([_not_a_schools_file(frame, len(missing))], source=display)
    problems.extend(missing)
    problems = [_with_header(p) for p in problems]
    if any(p.row == 1 for p in problems):
        raise InputRefused(problems, source=display)
    schools, warnings = _parse_rows(frame, standard, problems)
    if problems:
        raise InputRefused(problems, source=display)
    return SchoolFile(schools=tuple(schools), warnings=tuple(warnings), name=display)


def _looks_like_county(frame: pd.DataFrame) -> bool:
    return all(header in frame.columns for header in COUNTY_HEADERS)


def _not_a_schools_file(frame: pd.DataFrame, missing: int) -> Problem:
    """One message for a file whose headers are not those of a schools file."""
    guess = "，可能上传了县级表" if _looks_like_county(frame) else "，请使用学校数据模板"
    return Problem(None, None, f"这不是学校表：缺少 {missing} 列{guess}")


def _display_name(source: Source) -> str:
    if isinstance(source, bytes):
        return "学校数据"
    return str(getattr(source, "name", source)).rsplit("/", 1)[-1]


def _with_header(problem: Problem) -> Problem:
    column = COLUMN_BY_KEY.get(problem.column or "")
    if column is None:
        return problem
    return Problem(problem.row, column.header, problem.message)


def _text(cell: object) -> str | None:
    if is_blank(cell):
        return None
    return unicodedata.normalize("NFKC", str(cell)).strip() or None


def _parse_rows(
    frame: pd.DataFrame, standard: Standard, problems: list[Problem]
) -> tuple[list[School], list[Problem]]:
    cell_problems: list[Problem] = []
    numbers: dict[str, list[float]] = {}
    for key in FIGURE_KEYS:
        column = COLUMN_BY_KEY[key]
        series = parse_numbers(
            frame, key, cell_problems, required=False, minimum=0.0, integer=column.integer
        )
        numbers[key] = series.tolist()
    rows = [int(r) for r in frame.index.to_numpy()]
    texts = {
        key: (frame[key].tolist() if key in frame.columns else [None] * len(frame))
        for key in TEXT_KEYS
    }
    bad_cells = {(p.row, p.column) for p in cell_problems}
    problems.extend(_with_header(p) for p in cell_problems)
    warnings: list[Problem] = []
    schools: list[School] = []
    first_row_of_code: dict[str, int] = {}
    for position, row in enumerate(rows):
        row_problems: list[Problem] = []
        code = _text(texts["code"][position])
        school_name = _text(texts["name"][position])
        raw_type = _text(texts["school_type"][position])
        school_type = TYPE_SYNONYMS.get(raw_type or "", raw_type)
        if code is None:
            row_problems.append(Problem(row, "学校代码", "不能为空"))
        elif not SCHOOL_CODE.fullmatch(code):
            row_problems.append(Problem(row, "学校代码", SCHOOL_CODE_MESSAGE))
        elif code in first_row_of_code:
            row_problems.append(
                Problem(row, "学校代码", f"“{code}”与第{first_row_of_code[code]}行重复")
            )
        else:
            first_row_of_code[code] = row
        if school_name is None:
            row_problems.append(Problem(row, "学校名称", "不能为空"))
        if school_type is None:
            row_problems.append(Problem(row, "学校类型", "不能为空"))
        elif school_type not in SCHOOL_TYPES:
            row_problems.append(
                Problem(row, "学校类型", f"“{raw_type}”不是可选值（{' / '.join(SCHOOL_TYPES)}）")
            )
            school_type = None
        locale = _text(texts["locale"][position])
        if locale is not None and locale not in LOCALES:
            row_problems.append(
                Problem(row, "城乡类型", f"“{locale}”不是可选值（{' / '.join(LOCALES)}）")
            )
        boarding_text = _text(texts["boarding"][position])
        boarding: bool | None = None
        if boarding_text is not None:
            if boarding_text in YES:
                boarding = True
            elif boarding_text in NO:
                boarding = False
            else:
                row_problems.append(Problem(row, "是否寄宿制", f"“{boarding_text}”应为 是 或 否"))
        ownership = _text(texts["ownership"][position])
        if ownership is not None and ownership not in OWNERSHIPS:
            row_problems.append(
                Problem(row, "办学性质", f"“{ownership}”不是可选值（{' / '.join(OWNERSHIPS)}）")
            )
        figures: dict[str, float | None] = {}
        for key in FIGURE_KEYS:
            value = numbers[key][position]
            figures[key] = None if math.isnan(value) else float(value)
        students = {
            key: int(figures[key] or 0)
            for key in ("primary_students", "junior_students", "senior_students")
        }
        school = School(
            row=row,
            code=code or "",
            name=school_name or code or "",
            school_type=school_type or "",
            locale=locale,
            parent_code=_text(texts["parent_code"][position]),
            primary_students=students["primary_students"],
            junior_students=students["junior_students"],
            senior_students=students["senior_students"],
            boarding=boarding,
            figures=figures,
            public=ownership != "民办",
        )
        if school_type is not None:
            row_problems.extend(_check_school(school, standard, bad_cells, frame.columns))
            warnings.extend(_plausibility(school, standard))
        problems.extend(row_problems)
        schools.append(school)
    problems.extend(_check_parents(schools, standard))
    return schools, warnings


def _needed(school: School, standard: Standard) -> str:
    """How a school takes part: "unit", "merged" (small 教学点, merge setting), or "none"."""
    settings = standard.units
    if school.school_type == "特殊教育学校" and settings.exclude_special_education:
        return "none"
    if (
        school.school_type == "教学点"
        and school.primary_students < settings.teaching_point_min_students
    ):
        return "merged" if settings.small_teaching_points == "merge" else "none"
    return "unit" if school.compulsory_students > 0 else "none"


_FORBIDDEN_SECTIONS: Mapping[str, tuple[str, ...]] = {
    "小学": ("junior_students", "senior_students"),
    "教学点": ("junior_students", "senior_students"),
    "初中": ("primary_students", "senior_students"),
    "九年一贯制": ("senior_students",),
    "完全中学": ("primary_students",),
}


def _check_school(
    school: School,
    standard: Standard,
    bad_cells: set[tuple[int | None, str | None]],
    columns: pd.Index,
) -> list[Problem]:
    row = school.row
    found: list[Problem] = []
    for key in _FORBIDDEN_SECTIONS.get(school.school_type, ()):
        if (school.figures.get(key) or 0) > 0:
            header = COLUMN_BY_KEY[key].header
            found.append(
                Problem(
                    row,
                    header,
                    f"{school.school_type}不应有{header.removesuffix('数')}（学校类型与在校生数不符）",
                )
            )
    if school.senior_students > 0 and "senior_students" not in columns:
        found.append(Problem(row, "高中在校生数", "缺少此列"))
    role = _needed(school, standard)
    if role == "none":
        return found

    def require(key: str, why: str = "") -> None:
        column = COLUMN_BY_KEY[key]
        if school.figures.get(key) is None and (row, key) not in bad_cells:
            found.append(Problem(row, column.header, "不能为空" + (f"（{why}）" if why else "")))

    forbidden = _FORBIDDEN_SECTIONS.get(school.school_type, ())
    for section in school.sections:
        if f"{section}_students" in forbidden:
            continue
        label = SECTION_LABELS[section]
        for kind in ("teachers_qualified", "teachers_backbone", "teachers_pe_art", "max_class"):
            require(f"{section}_{kind}", f"该校有{label}在校生")
    for key in ("teaching_area", "sports_area", "equipment_value", "multimedia_rooms", "classes"):
        require(key)
    if role == "unit":
        require("music_rooms")
        require("art_rooms")
        if (school.figures.get("music_rooms") or 0) > 0:
            require("music_min_area", "该校有音乐专用教室")
        if (school.figures.get("art_rooms") or 0) > 0:
            require("art_min_area", "该校有美术专用教室")
    if school.figures.get("classes") == 0:
        found.append(Problem(row, "班级数", "有在校生，班级数不能为 0"))
    teaching = school.figures.get("teaching_area")
    gym = school.figures.get("indoor_gym_area")
    if teaching is not None and gym is not None and gym > teaching:
        found.append(Problem(row, "室内体育用房面积", "大于教学及辅助用房面积（后者应包含前者）"))
    return found


def _plausibility(school: School, standard: Standard) -> list[Problem]:
    if _needed(school, standard) == "none":
        return []
    found: list[Problem] = []
    everyone = school.compulsory_students + school.senior_students
    equipment = school.figures.get("equipment_value")
    rule = standard.plausibility
    if equipment is not None and everyone > 0:
        per_student = equipment / everyone
        if per_student < rule.min_equipment_per_student:
            found.append(
                Problem(
                    school.row,
                    "教学仪器设备值",
                    f"{school.name}生均教学仪器设备值仅 {per_student:.1f} 元，是否以万元填报?",
                )
            )
    classes = school.figures.get("classes")
    largest = max(
        school.figures.get("primary_max_class") or 0, school.figures.get("junior_max_class") or 0
    )
    if school.senior_students > 0 and classes and largest:
        average = school.compulsory_students / classes
        if average < rule.senior_class_ratio * largest:
            found.append(
                Problem(
                    school.row,
                    "班级数",
                    f"{school.name}义务教育平均班额仅 {average:.1f} 人（最大班额 {largest:g} 人），"
                    "班级数似乎包含高中班级；请只填义务教育班级数",
                )
            )
    found.extend(_teacher_plausibility(school, rule.max_teachers_per_hundred))
    return found


def _teacher_plausibility(school: School, limit: float) -> list[Problem]:
    """A teacher count far beyond what the 学段's students could need (e.g. 3,800
    teachers for 620 students: a total typed into one school's row)."""
    found = []
    for section in school.sections:
        students = school.students(section)
        for kind in ("teachers_qualified", "teachers_backbone", "teachers_pe_art"):
            key = f"{section}_{kind}"
            teachers = school.figures.get(key)
            if teachers is None or 100 * teachers / students <= limit:
                continue
            header = COLUMN_BY_KEY[key].header
            found.append(
                Problem(
                    school.row,
                    header,
                    f"{school.name}{header} {teachers:,.0f} 人，而{SECTION_LABELS[section]}"
                    f"在校生仅 {students:,} 人（每百名学生 {100 * teachers / students:,.1f} 人），"
                    "请核对是否填了全县合计或填错了列",
                )
            )
    return found


def _check_parents(schools: Sequence[School], standard: Standard) -> list[Problem]:
    by_code = {school.code: school for school in schools}
    found = [
        Problem(school.row, "所属学校代码", f"所属学校代码“{school.parent_code}”不在本表中")
        for school in schools
        if school.school_type == "教学点"
        and school.parent_code is not None
        and school.parent_code not in by_code
    ]
    if standard.units.small_teaching_points != "merge":
        return found
    for school in schools:
        if not school.school_type or _needed(school, standard) != "merged":
            continue
        parent = by_code.get(school.parent_code or "")
        if school.parent_code is None:
            found.append(
                Problem(
                    school.row, "所属学校代码", "不足 50 人的教学点须填写所属学校代码（合并计算）"
                )
            )
        elif parent is None:
            continue  # reported above
        elif _needed(parent, standard) != "unit" or parent.primary_students == 0:
            found.append(
                Problem(
                    school.row,
                    "所属学校代码",
                    f"“{school.parent_code}”不是有小学在校生的学校，无法合并",
                )
            )
    return found


def facility_shares(school: School, standard: Standard) -> dict[Section, float]:
    """Each 学段's share of a school's facility figures (SPEC §2.1 Units [setting]).

    Weighted student shares: 小学生 : 初中生 : 高中生 = 1 : 1.1 : 1.32 for 九年一贯制 and
    十二年一贯制 (高中 left out of the units), 初中 : 高中 = 1 : 1.2 for a 完全中学. An
    independent school keeps the whole figure.

    Examples
    --------
    166 小学生 and 210 初中生 of a 九年一贯制 school: 166 : 231, so 23226 books split as
    9711.6 and 13514.4.
    """
    settings = standard.units
    weights: dict[Section, float]
    if school.school_type == "完全中学":
        weights = {"junior": school.junior_students * settings.complete_junior}
        senior = school.senior_students * settings.complete_senior
    else:
        weights = {
            "primary": school.primary_students * settings.split_primary,
            "junior": school.junior_students * settings.split_junior,
        }
        senior = (
            school.senior_students * settings.split_senior
            if school.school_type == "十二年一贯制"
            else 0.0
        )
    total = sum(weights.values()) + senior
    if total <= 0:
        return {}
    return {section: weight / total for section, weight in weights.items() if weight > 0}


def build_units(schools: Sequence[School], standard: Standard) -> UnitSet:
    """The units of 办法 第六条 and the schools that remain for 第七条（三）至（五）.

    Raises
    ------
    InputRefused
        When a small 教学点 is to be merged (``small_teaching_points = "merge"``) into a
        school that is not in the file; :func:`read_schools` with the same standard finds
        this first.
    """
    settings = standard.units
    excluded: list[Excluded] = []
    remaining: list[School] = []
    merged_points: list[School] = []
    for school in schools:
        role = _needed(school, standard)
        if role == "unit":
            remaining.append(school)
        elif role == "merged":
            merged_points.append(school)
        elif school.school_type == "特殊教育学校":
            excluded.append(Excluded(school.code, school.name, "特殊教育学校不参与校际均衡计算"))
        elif (
            school.school_type == "教学点"
            and school.primary_students < settings.teaching_point_min_students
        ):
            excluded.append(
                Excluded(
                    school.code,
                    school.name,
                    f"不足 {settings.teaching_point_min_students} 人的教学点，不计入",
                )
            )
        else:
            excluded.append(Excluded(school.code, school.name, "没有义务教育在校生"))
    extra: dict[str, list[School]] = {}
    by_code = {school.code: school for school in remaining}
    problems = []
    for point in merged_points:
        parent = by_code.get(point.parent_code or "")
        if parent is None or parent.primary_students == 0:
            problems.append(
                Problem(point.row, "所属学校代码", f"无法合并到“{point.parent_code or ''}”")
            )
            continue
        extra.setdefault(parent.code, []).append(point)
        excluded.append(
            Excluded(
                point.code,
                point.name,
                f"不足 {settings.teaching_point_min_students} 人的教学点，并入所属学校计算",
                merged_into=parent.code,
            )
        )
    if problems:
        raise InputRefused(problems)
    units: list[Unit] = []
    for school in remaining:
        units.extend(_school_units(school, standard, extra.get(school.code, [])))
    return UnitSet(
        units=tuple(units),
        remaining=tuple(remaining),
        merged_points=tuple(merged_points),
        excluded=tuple(excluded),
    )


def _school_units(school: School, standard: Standard, points: Sequence[School]) -> list[Unit]:
    shares = facility_shares(school, standard)
    teaching_total = school.figure("teaching_area")
    if standard.units.subtract_indoor_gym:
        teaching_total -= school.figure("indoor_gym_area")
    units = []
    for section in school.sections:
        share = shares[section]
        unit = Unit(
            code=school.code,
            name=school.name,
            section=section,
            school_type=school.school_type,
            row=school.row,
            students=school.students(section),
            teachers_qualified=school.figure(f"{section}_teachers_qualified"),
            teachers_backbone=school.figure(f"{section}_teachers_backbone"),
            teachers_pe_art=school.figure(f"{section}_teachers_pe_art"),
            teaching_space=teaching_total * share,
            sports_space=school.figure("sports_area") * share,
            equipment_value=school.figure("equipment_value") * share,
            multimedia_rooms=school.figure("multimedia_rooms") * share,
        )
        if section == "primary" and points:
            unit = _merge(unit, points, standard)
        units.append(unit)
    return units


def _merge(unit: Unit, points: Sequence[School], standard: Standard) -> Unit:
    """Add small 教学点 to their 中心校's 小学 unit (``small_teaching_points = "merge"``)."""
    students = unit.students
    values = {
        "teachers_qualified": unit.teachers_qualified,
        "teachers_backbone": unit.teachers_backbone,
        "teachers_pe_art": unit.teachers_pe_art,
        "teaching_space": unit.teaching_space,
        "sports_space": unit.sports_space,
        "equipment_value": unit.equipment_value,
        "multimedia_rooms": unit.multimedia_rooms,
    }
    for point in points:
        students += point.primary_students
        values["teachers_qualified"] += point.figure("primary_teachers_qualified")
        values["teachers_backbone"] += point.figure("primary_teachers_backbone")
        values["teachers_pe_art"] += point.figure("primary_teachers_pe_art")
        teaching = point.figure("teaching_area")
        if standard.units.subtract_indoor_gym:
            teaching -= point.figure("indoor_gym_area")
        values["teaching_space"] += teaching
        values["sports_space"] += point.figure("sports_area")
        values["equipment_value"] += point.figure("equipment_value")
        values["multimedia_rooms"] += point.figure("multimedia_rooms")
    return Unit(
        code=unit.code,
        name=unit.name,
        section=unit.section,
        school_type=unit.school_type,
        row=unit.row,
        students=students,
        merged=tuple(point.code for point in points),
        **values,
    )
