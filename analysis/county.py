"""The county file (SPEC §3): one row per county-level item.

Columns 类别 (基本情况 | 政府保障 | 教育质量 | 否决), 编号, 值, 判定, 说明. :func:`read_county`
parses and checks it against a standard's items, refusing the file whole with every
problem by row and column; the rules that judge the items live in
:mod:`analysis.government`, :mod:`analysis.education_quality` and :mod:`analysis.verdict`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from analysis.standards import ItemSpec, Measure, Standard, format_number, load_standard
from analysis.tables import (
    InputRefused,
    Problem,
    Source,
    clean_number_text,
    is_blank,
    missing_columns,
    read_table,
    without_total_row,
)

BASIC = "基本情况"
GOVERNMENT = "政府保障"
QUALITY = "教育质量"
VETO = "否决"
CATEGORIES = (BASIC, GOVERNMENT, QUALITY, VETO)
CATEGORY_SYNONYMS = {
    "基本条件": BASIC,
    "政府保障程度": GOVERNMENT,
    "否决项": VETO,
    "否决事项": VETO,
    "一票否决": VETO,
}
BASIC_YEAR = "基本均衡认定年份"
ASSESSMENT_YEAR = "评估年份"
MONITORING = "年度监测"
COUNTY_NAME = "县名"
COUNTY_CODE = "行政区划代码"
POPULATION = "常住人口"
# optional 基本情况 rows (SPEC §3): text, and counts (the population, its split, the caps)
BASIC_TEXT_IDS = (COUNTY_NAME, COUNTY_CODE)
BASIC_COUNT_IDS = (
    POPULATION,
    "城区人口",
    "镇区人口",
    "乡村人口",
    "城镇人口",
    "校长数",
    "教师数",
    "人大代表数",
    "政协委员数",
)
BASIC_IDS = (BASIC_YEAR, ASSESSMENT_YEAR, MONITORING, *BASIC_TEXT_IDS, *BASIC_COUNT_IDS)
EMPTY_FILE = "未填写任何项目"

PASS = "达标"
FAIL = "不达标"
NOT_APPLICABLE = "不适用"
JUDGEMENTS = (PASS, FAIL, NOT_APPLICABLE)
VETO_PRESENT = ("是", "有", "存在")
VETO_ABSENT = ("否", "无", "不存在")
DECIMAL_WARNING = "是否以小数填报?"

COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("category", "类别", True),
    ("id", "编号", True),
    ("value", "值", True),
    ("judgement", "判定", True),
    ("note", "说明", False),
)
HEADERS = {key: header for key, header, _ in COLUMNS}
ALIASES: Mapping[str, str] = {
    "类别": "category",
    "编号": "id",
    "值": "value",
    "数值": "value",
    "判定": "judgement",
    "结论": "judgement",
    "说明": "note",
    "备注": "note",
}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


@dataclass(frozen=True)
class CountyEntry:
    """One row of the county file, parsed.

    ``value`` is the number of a quantitative (sub-)item (in its unit: a percentage as
    96.5 for 96.5%), ``value_text`` what was written (kept for informational values).
    """

    row: int
    category: str
    id: str
    value: float | None
    value_text: str | None
    judgement: str | None
    note: str | None


@dataclass(frozen=True)
class CountyFile:
    """A county file that was accepted, with its warnings."""

    entries: tuple[CountyEntry, ...]
    warnings: tuple[Problem, ...] = ()
    name: str = "县级数据"

    def entry(self, category: str, item_id: str) -> CountyEntry | None:
        """The row for ``item_id`` of ``category``, if the file has one."""
        for entry in self.entries:
            if entry.category == category and entry.id == item_id:
                return entry
        return None

    def subs_of(self, category: str, item_id: str) -> tuple[CountyEntry, ...]:
        """The ``N.k`` rows of item ``N``, in the order of k."""
        prefix = f"{item_id}."
        found = [e for e in self.entries if e.category == category and e.id.startswith(prefix)]
        return tuple(sorted(found, key=lambda e: int(e.id.split(".", 1)[1])))

    @property
    def basic_year(self) -> int | None:
        entry = self.entry(BASIC, BASIC_YEAR)
        return None if entry is None or entry.value is None else int(entry.value)

    @property
    def assessment_year(self) -> int | None:
        entry = self.entry(BASIC, ASSESSMENT_YEAR)
        return None if entry is None or entry.value is None else int(entry.value)

    @property
    def monitoring(self) -> str | None:
        entry = self.entry(BASIC, MONITORING)
        return None if entry is None else entry.judgement

    @property
    def county_name(self) -> str | None:
        """基本情况 row 县名, as written (the verdict names the county with it)."""
        entry = self.entry(BASIC, COUNTY_NAME)
        return None if entry is None else entry.value_text

    def count(self, item_id: str) -> int | None:
        """A 基本情况 count (常住人口, 城区人口, …, 校长数), or ``None`` when not given."""
        entry = self.entry(BASIC, item_id)
        return None if entry is None or entry.value is None else int(entry.value)

    @property
    def population(self) -> int | None:
        """常住人口 (SPEC §2.5), when the file gives it."""
        return self.count(POPULATION)


def normalise_id(text: str) -> str:
    """ "第 8.1 项" → "8.1"; full-width digits and spaces as officials type them."""
    text = unicodedata.normalize("NFKC", text).strip()
    text = re.sub(r"\s+", "", text)
    text = text.removeprefix("第").removesuffix("项").removesuffix("条")
    return text


def item_spec(items: tuple[ItemSpec, ...], item_id: str) -> tuple[ItemSpec | None, ItemSpec | None]:
    """The top-level item and, for ``N.k``, the sub-item a (sanitised) id names."""
    head, _, tail = item_id.partition(".")
    for item in items:
        if item.id == head:
            if not tail:
                return item, None
            if tail.isdigit() and int(tail) > 0:
                return item, item.sub(item_id)
            return item, None
    return None, None


def read_county(
    source: Source,
    *,
    standard: Standard | None = None,
    name: str | None = None,
) -> CountyFile:
    """Read and check a county file (SPEC §3).

    Rules checked here, each refusal naming row and column: known 类别 and 编号 (sub-items
    ``N.k`` of multi-part items); rows for 政府保障 items 3–5 refused (they are computed from
    the school file); 判定 one of 达标 / 不达标 / 不适用 (不适用 with a 说明), or 是 / 否 for a
    veto; 值 a number for a quantitative (sub-)item — a percentage written ``96.5%`` or
    ``96.5`` (a bare value ≤ 1 is read as a percent with the warning "是否以小数填报?") — and
    a 判定 that contradicts its 值 refused; a plain ``N`` row whose 判定 disagrees with its
    ``N.k`` rows refused; a trailing 合计 row refused.

    Raises
    ------
    InputRefused
        With every problem, by row and column.
    """
    standard = standard or load_standard()
    frame = read_table(source, aliases=ALIASES, name=name, percent_cells=True)
    display = name or _display_name(source)
    frame, problems = without_total_row(frame)
    required = [key for key, _, needed in COLUMNS if needed]
    missing = missing_columns(frame, required)
    # a file missing most columns is another file, not one with a gap: say so once
    if len(missing) > len(required) // 2 or (missing and "学校代码" in frame.columns):
        guess = "，可能上传了学校表" if "学校代码" in frame.columns else "，请使用县级数据模板"
        raise InputRefused(
            [Problem(None, None, f"这不是县级表：缺少 {len(missing)} 列{guess}")], source=display
        )
    if missing:
        raise InputRefused(
            [Problem(1, HEADERS[p.column or ""], p.message) for p in missing], source=display
        )
    warnings: list[Problem] = []
    entries: list[CountyEntry] = []
    seen: dict[tuple[str, str], int] = {}
    columns = {
        key: frame[key].tolist() if key in frame.columns else [None] * len(frame) for key in HEADERS
    }
    for position, row in enumerate(int(r) for r in frame.index.to_numpy()):
        cells = {key: _text(values[position]) for key, values in columns.items()}
        entry = _parse_row(row, cells, standard, problems, warnings)
        if entry is None:
            continue
        key = (entry.category, entry.id)
        if key in seen:
            problems.append(
                Problem(row, "编号", f"{entry.category}“{entry.id}”与第{seen[key]}行重复")
            )
            continue
        seen[key] = row
        entries.append(entry)
    county = CountyFile(entries=tuple(entries), warnings=tuple(warnings), name=display)
    if not problems and all(e.value_text is None and e.judgement is None for e in entries):
        # the template as downloaded: every row there, nothing filled in
        raise InputRefused([Problem(None, None, EMPTY_FILE)], source=display)
    problems.extend(_consistency(county, standard))
    if problems:
        raise InputRefused(problems, source=display)
    return county


def _display_name(source: Source) -> str:
    if isinstance(source, bytes):
        return "县级数据"
    return str(getattr(source, "name", source)).rsplit("/", 1)[-1]


def _text(cell: object) -> str | None:
    if is_blank(cell):
        return None
    return unicodedata.normalize("NFKC", str(cell)).strip() or None


def _parse_row(
    row: int,
    cells: Mapping[str, str | None],
    standard: Standard,
    problems: list[Problem],
    warnings: list[Problem],
) -> CountyEntry | None:
    raw_category = cells["category"]
    category = CATEGORY_SYNONYMS.get(raw_category or "", raw_category)
    raw_id = cells["id"]
    item_id = normalise_id(raw_id) if raw_id else None
    value_text = cells["value"]
    judgement = cells["judgement"]
    note = cells["note"]
    before = len(problems)
    if category is None:
        problems.append(Problem(row, "类别", "不能为空"))
    elif category not in CATEGORIES:
        problems.append(
            Problem(row, "类别", f"“{raw_category}”不是可选值（{' / '.join(CATEGORIES)}）")
        )
    if item_id is None:
        problems.append(Problem(row, "编号", "不能为空"))
    if len(problems) > before or category is None or item_id is None:
        return None
    if category == BASIC:
        return _parse_basic(row, item_id, value_text, judgement, note, problems)
    if category == VETO:
        return _parse_veto(row, item_id, value_text, judgement, note, standard, problems)
    items = standard.government if category == GOVERNMENT else standard.quality
    top, sub = item_spec(items, item_id)
    if top is None or ("." in item_id and sub is None):
        known = "、".join(_known_ids(items))
        problems.append(Problem(row, "编号", f"{category}没有第“{raw_id}”项（可填：{known}）"))
        return None
    if top.computed is not None:
        problems.append(
            Problem(
                row,
                "编号",
                f"{category}第 {top.id} 项（{top.title}）由学校数据计算，县级数据中不能填写，请删除此行",
            )
        )
        return None
    spec = sub or top
    plain_of_multi = sub is None and (bool(top.subs) or top.open_sub)
    if judgement is not None and judgement not in JUDGEMENTS:
        problems.append(
            Problem(row, "判定", f"“{judgement}”不是可选值（{' / '.join(JUDGEMENTS)}）")
        )
        judgement = None
    if judgement == NOT_APPLICABLE and note is None:
        problems.append(Problem(row, "说明", "判定为不适用时须在说明中写明原因"))
    if judgement == NOT_APPLICABLE and value_text is not None:
        problems.append(Problem(row, "值", "判定为不适用，但填写了值；请删除值或改判定"))
        value_text = None
    value: float | None = None
    measure = spec.measure
    if value_text is not None and measure is not None and not plain_of_multi:
        value = _parse_value(row, value_text, measure, problems, warnings)
        if value is not None and judgement in (PASS, FAIL) and not top.open_sub:
            holds = measure.holds(value, standard.tolerance)
            if holds != (judgement == PASS):
                shown = measure.figure(value) + ("%" if measure.is_percent else "")
                problems.append(
                    Problem(
                        row,
                        "判定",
                        f"判定“{judgement}”与值 {shown} 不符（标准：{measure.describe()}）",
                    )
                )
    if value_text is None and judgement is None:
        warnings.append(Problem(row, None, f"{category}第 {item_id} 项没有值或判定，按缺失处理"))
    return CountyEntry(row, category, item_id, value, value_text, judgement, note)


def _known_ids(items: tuple[ItemSpec, ...]) -> list[str]:
    known = []
    for item in items:
        if item.computed is not None:
            continue
        known.append(item.id)
        known.extend(sub.id for sub in item.subs)
        if item.open_sub:
            known.append(f"{item.id}.k")
    return known


def _number(text: str) -> float | None:
    cleaned = clean_number_text(text)
    return float(cleaned) if _NUMBER.match(cleaned) else None


def _parse_value(
    row: int, text: str, measure: Measure, problems: list[Problem], warnings: list[Problem]
) -> float | None:
    cleaned = clean_number_text(text)
    has_percent = cleaned.endswith("%")
    number = _number(cleaned.removesuffix("%"))
    if number is None:
        problems.append(Problem(row, "值", f"“{text}”不是数字"))
        return None
    if number < 0:
        problems.append(Problem(row, "值", f"“{text}”不能小于 0"))
        return None
    if measure.unit == "ratio":
        if has_percent:
            return number / 100
        if number > 1:
            problems.append(Problem(row, "值", f"“{text}”应为小数（如 0.12）或百分数（如 12%）"))
            return None
        return number
    if measure.is_percent:
        if not has_percent and number <= 1:
            warnings.append(
                Problem(
                    row, "值", f"“{text}”按 {format_number(number, 4)}% 读取，{DECIMAL_WARNING}"
                )
            )
        elif number > 100:
            warnings.append(Problem(row, "值", f"“{text}”超过 100%，请核对"))
        return number
    if has_percent:
        problems.append(Problem(row, "值", f"“{text}”应以{measure.unit}填写，不是百分数"))
        return None
    return number


def _parse_basic(
    row: int,
    item_id: str,
    value_text: str | None,
    judgement: str | None,
    note: str | None,
    problems: list[Problem],
) -> CountyEntry | None:
    if item_id not in BASIC_IDS:
        problems.append(
            Problem(row, "编号", f"基本情况没有“{item_id}”（可填：{'、'.join(BASIC_IDS)}）")
        )
        return None
    value: float | None = None
    if item_id in BASIC_TEXT_IDS:
        return CountyEntry(row, BASIC, item_id, None, value_text, judgement, note)
    if item_id in BASIC_COUNT_IDS:
        number = None if value_text is None else _number(value_text.removesuffix("人"))
        if value_text is not None and (number is None or not number.is_integer() or number < 0):
            problems.append(Problem(row, "值", f"“{value_text}”不是人数"))
        return CountyEntry(row, BASIC, item_id, number, value_text, judgement, note)
    if item_id == MONITORING:
        if judgement is not None and judgement not in (PASS, FAIL):
            problems.append(Problem(row, "判定", f"“{judgement}”不是可选值（{PASS} / {FAIL}）"))
            judgement = None
    elif value_text is not None:
        number = _number(value_text.removesuffix("年"))
        if number is None or not number.is_integer() or not 1990 <= number <= 2100:
            problems.append(Problem(row, "值", f"“{value_text}”不是年份"))
        else:
            value = number
    return CountyEntry(row, BASIC, item_id, value, value_text, judgement, note)


def _parse_veto(
    row: int,
    item_id: str,
    value_text: str | None,
    judgement: str | None,
    note: str | None,
    standard: Standard,
    problems: list[Problem],
) -> CountyEntry | None:
    ids = [veto.id for veto in standard.vetoes]
    if item_id not in ids:
        problems.append(Problem(row, "编号", f"否决没有第“{item_id}”项（可填：{'、'.join(ids)}）"))
        return None
    if judgement is not None:
        if judgement in VETO_PRESENT:
            judgement = "是"
        elif judgement in VETO_ABSENT:
            judgement = "否"
        else:
            problems.append(Problem(row, "判定", f"“{judgement}”不是可选值（是 / 否）"))
            judgement = None
    return CountyEntry(row, VETO, item_id, None, value_text, judgement, note)


def _consistency(county: CountyFile, standard: Standard) -> list[Problem]:
    """Year order, and plain ``N`` rows against their ``N.k`` rows."""
    problems: list[Problem] = []
    basic, assessed = county.basic_year, county.assessment_year
    if basic is not None and assessed is not None and basic > assessed:
        entry = county.entry(BASIC, BASIC_YEAR)
        problems.append(
            Problem(
                entry.row if entry else None,
                "值",
                f"基本均衡认定年份 {basic} 晚于评估年份 {assessed}",
            )
        )
    for category, items in ((GOVERNMENT, standard.government), (QUALITY, standard.quality)):
        for item in items:
            plain = county.entry(category, item.id)
            if plain is None or plain.judgement is None:
                continue
            for sub in county.subs_of(category, item.id):
                sub_spec = item.sub(sub.id)
                passed = _sub_passes(sub, sub_spec, standard)
                if passed is None:
                    continue
                whole_passes = plain.judgement != FAIL
                if whole_passes and not passed:
                    problems.append(
                        Problem(
                            plain.row,
                            "判定",
                            f"判定“{plain.judgement}”与第 {sub.id} 项（第{sub.row}行）不达标不符",
                        )
                    )
            subs = county.subs_of(category, item.id)
            defined = [sub.id for sub in item.subs] or [sub.id for sub in subs]
            results = [
                _sub_passes(county.entry(category, sub_id), item.sub(sub_id), standard)
                for sub_id in defined
            ]
            if plain.judgement == FAIL and defined and all(result is True for result in results):
                problems.append(
                    Problem(
                        plain.row, "判定", f"判定“{FAIL}”与各子项（{'、'.join(defined)}）均达标不符"
                    )
                )
    return problems


def _sub_passes(
    entry: CountyEntry | None, spec: ItemSpec | None, standard: Standard
) -> bool | None:
    """Whether a sub-item row passes on its own; ``None`` when it does not say."""
    if entry is None or spec is None:
        return None
    if entry.judgement == NOT_APPLICABLE:
        return True
    measure = spec.measure
    by_value = (
        None
        if measure is None or entry.value is None
        else measure.holds(entry.value, standard.tolerance)
    )
    by_judgement = None if entry.judgement is None else entry.judgement == PASS
    if spec.measure is not None and spec.measure.unit == "ratio":
        # 9.k: the value is the 校际差异率, the 判定 the level-III part; both must hold
        if by_value is False or by_judgement is False:
            return False
        if by_value is None or by_judgement is None:
            return None
        return True
    return by_value if by_value is not None else by_judgement
