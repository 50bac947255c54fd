"""Reading the responses table (SPEC §3 "responses"), vectorised for a million rows.

The table is the export of collected responses and the input of ``renke analyze``:
``response_id, group, school, area, residence, grade, instrument, mode, submitted_at, duration_s,
valid, invalid_reason, weight, <item columns>``, with the Chinese aliases of SPEC §3.
Only ``group`` and at least one item column (``q<number>``, optionally followed by the
question text: ``q3 您对…``) are required; unknown extra columns are ignored.

Each text column is label-encoded once, by Arrow while it reads the file
(:mod:`analysis.text_table`), so that checking a million answers costs one look-up per
distinct label, and problems are located by row only on the error path. Answer labels are
checked against a scoring scheme on every row, valid or not (:func:`check_labels`).
No pandas here: ``renke analyze`` does not pay its import.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Final

import numpy as np
import numpy.typing as npt

from analysis.schemes import Scheme, load_scheme
from analysis.tables import (
    InputRefused,
    Problem,
    Source,
    clean_number_text,
    normalise_header,
)
from analysis.text_table import Coded, TextTable, read_text_table
from analysis.vocabulary import GROUPS

#: Canonical column -> its Chinese header (SPEC §3 aliases; ``renke export --headers zh``).
CHINESE_HEADERS: Final[dict[str, str]] = {
    "response_id": "编号",
    "group": "群体",
    "school": "学校代码",
    "area": "区域",
    "residence": "居住地",
    "grade": "年级",
    "instrument": "问卷",
    "mode": "方式",
    "link": "链接",
    "device": "设备",
    "submitted_at": "提交时间",
    "duration_s": "用时（秒）",
    "valid": "有效",
    "invalid_reason": "无效原因",
    "weight": "权重",
    "late": "逾期",
}

#: Chinese header -> canonical column (SPEC §3).
ALIASES: Final[dict[str, str]] = {
    normalise_header(chinese): key
    for chinese, key in [
        *((chinese, key) for key, chinese in CHINESE_HEADERS.items()),
        ("用时(秒)", "duration_s"),
    ]
}

#: Text columns encoded only when asked for (see :class:`Responses`).
LAZY_COLUMNS: Final = (
    "school",
    "area",
    "residence",
    "grade",
    "instrument",
    "mode",
    "invalid_reason",
    # kept as text for the integrity signals (analysis.integrity), not parsed here
    "response_id",
    "link",
    "device",
    "submitted_at",
    "late",
)

#: Text columns with one distinct value per row: read as text, not as labels.
UNIQUE_TEXT_COLUMNS: Final = ("response_id", "device", "submitted_at")

TRUE_WORDS: Final = frozenset({"1", "是", "true"})
FALSE_WORDS: Final = frozenset({"0", "否", "false"})

# "q3", "Q3", "q3 您对…", "q3：您对…"; the number is the item id.
_ITEM_HEADER = re.compile(r"^[qQ](\d+)(?![\d])(?:[\s:：.．、_\-]+(.*))?$", re.DOTALL)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class Item:
    """One item column: its id (``q3``), question text, header and answers."""

    id: str
    text: str | None
    column: str
    answers: Coded


@dataclass(frozen=True, eq=False)
class Responses:
    """A responses table, read and checked (SPEC §3).

    Attributes
    ----------
    source : str
        Display name of the file.
    rows : ndarray of int
        Spreadsheet row numbers (header = 1), for messages.
    group : ndarray of int
        Index into :data:`GROUPS`, -1 when blank (allowed only on invalid rows).
    valid : ndarray of bool
        ``valid`` column (blank = valid).
    weight : ndarray of float
        Design weight ≥ 0 (blank = 1).
    duration_s : ndarray of float
        Answering time in seconds, NaN when blank or absent.
    items : tuple of Item
        Item columns in file order.
    table : TextTable
        The cells; the columns in :data:`LAZY_COLUMNS` are encoded on first use as the
        properties ``school``, ``area``, ``residence``, ``grade``, ``instrument``,
        ``mode`` and ``invalid_reason`` (:class:`Coded`, all blank when the column is
        absent). ``response_id``, ``link``, ``device``, ``submitted_at`` and ``late``
        are kept as text for :mod:`analysis.integrity` (:meth:`texts`).
    """

    source: str
    rows: IntArray
    group: IntArray
    valid: BoolArray
    weight: FloatArray
    duration_s: FloatArray
    items: tuple[Item, ...]
    table: TextTable = field(repr=False)

    # Columns only some analyses need are encoded on first use (a few ms each for a
    # million rows); ``cached_property`` stores into the instance dict, which a frozen
    # dataclass allows.
    def _coded(self, key: str) -> Coded:
        return self.table.coded(key)

    def texts(self, key: str) -> list[str | None]:
        """A text column's cells, trimmed, None when blank (all None when absent)."""
        return self.table.texts(key)

    @cached_property
    def school(self) -> Coded:
        """学校代码 (the cluster of ``--cluster school``)."""
        return self._coded("school")

    @cached_property
    def area(self) -> Coded:
        """区域: the residence's statistical class (城区 / 镇区 / 乡村, SPEC §2.5)."""
        return self._coded("area")

    @cached_property
    def residence(self) -> Coded:
        """The residence as asked (县城（市区）/ 镇上 / 乡政府所在地 / 村里 / 县外)."""
        return self._coded("residence")

    @cached_property
    def grade(self) -> Coded:
        """年级: the student's grade or a parent's child's grade."""
        return self._coded("grade")

    @cached_property
    def instrument(self) -> Coded:
        """问卷: 社会卷 / 校长教师卷 / 学生卷."""
        return self._coded("instrument")

    @cached_property
    def mode(self) -> Coded:
        """方式: 自填 / 代填 / 纸质."""
        return self._coded("mode")

    @cached_property
    def invalid_reason(self) -> Coded:
        """无效原因, as the service recorded it."""
        return self._coded("invalid_reason")

    def __len__(self) -> int:
        return int(self.rows.shape[0])

    @property
    def valid_rate(self) -> float | None:
        """Valid rows over all rows (SPEC §5 ``valid_rate``); None for an empty table."""
        return float(self.valid.mean()) if len(self) else None

    def item(self, item_id: str) -> Item:
        """The item with id ``item_id`` (``q3``); KeyError when absent."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)


def _problems_for_label(
    coded: Coded, rows: IntArray, column: str, message_of: dict[int, str]
) -> list[Problem]:
    """One problem per row whose code is a key of ``message_of``, in row order."""
    if not message_of:
        return []
    bad = np.isin(coded.codes, np.fromiter(message_of, dtype=np.int64))
    return [
        Problem(int(rows[position]), column, message_of[int(coded.codes[position])])
        for position in np.flatnonzero(bad)
    ]


def parse_number_labels(labels: Sequence[str]) -> tuple[FloatArray, list[int]]:
    """Numbers for distinct cell texts (thousands separators, full-width digits allowed).

    Returns the values (NaN where unreadable) and the positions that are unreadable.
    A label is read as written, else cleaned (:func:`analysis.tables.clean_number_text`).
    """
    values = np.full(len(labels), math.nan)
    bad: list[int] = []
    for position, label in enumerate(labels):
        try:
            values[position] = float(label)
        except ValueError:
            pass
        if math.isnan(values[position]):
            try:
                values[position] = float(clean_number_text(label))
            except ValueError:
                bad.append(position)
    return values, bad


def _numbers(
    coded: Coded,
    rows: IntArray,
    column: str,
    problems: list[Problem],
    *,
    blank: float,
    name: str,
) -> FloatArray:
    """A numeric column from its encoding: blank -> ``blank``; negatives are problems."""
    parsed, unreadable = parse_number_labels(coded.labels)
    message_of = {k: f"“{coded.labels[k]}”不是数字" for k in unreadable}
    for k, value in enumerate(parsed.tolist()):
        if k not in message_of and not (math.isfinite(value) and value >= 0):
            message_of[k] = f"{name}“{coded.labels[k]}”应为不小于 0 的数"
    problems.extend(_problems_for_label(coded, rows, column, message_of))
    table = np.append(parsed, blank)  # code -1 picks the last entry
    return np.asarray(table[coded.codes], dtype=np.float64)


def _item_columns(
    columns: Iterable[str], problems: list[Problem]
) -> list[tuple[str, str, str | None]]:
    """(header, item id, question text) for each item column."""
    found: list[tuple[str, str, str | None]] = []
    seen: dict[str, str] = {}
    for header in columns:
        match = _ITEM_HEADER.match(header)
        if match is None:
            continue
        item_id = f"q{int(match.group(1))}"
        text = (match.group(2) or "").strip() or None
        if item_id in seen:
            problems.append(Problem(1, header, f"题号 {item_id} 与“{seen[item_id]}”列重复"))
            continue
        seen[item_id] = header
        found.append((header, item_id, text))
    return found


def read_responses(
    source: Source,
    *,
    scheme: Scheme | str | None = "top2",
    name: str | None = None,
    while_parsing: Callable[[], object] | None = None,
) -> Responses:
    """Read and check a responses table (SPEC §3), CSV or XLSX, English or Chinese headers.

    Parameters
    ----------
    source : path, bytes or binary file
        As :func:`analysis.tables.read_table`.
    scheme : Scheme, "top2", TOML path or None
        Answer labels are checked against it on every row, valid or not
        (:func:`check_labels`); None skips the label check.
    name : str, optional
        Display name for messages.
    while_parsing : callable, optional
        Called once as Arrow starts parsing a CSV, for work to run beside it
        (:func:`analysis.text_table.read_text_table`).

    Returns
    -------
    Responses

    Raises
    ------
    InputRefused
        With every problem by row and column: missing ``group`` or item columns,
        duplicate item ids, a trailing 合计 row, an unknown group, a blank group on a
        valid row, a ``valid`` cell other than 1/0, 是/否, TRUE/FALSE, a weight or
        duration that is not a number ≥ 0, and answer labels outside the scheme.
    """
    table = read_text_table(
        source,
        aliases=ALIASES,
        name=name,
        as_text=UNIQUE_TEXT_COLUMNS,
        while_parsing=while_parsing,
    )
    display = table.source
    table, problems = table.without_total_row()
    if "group" not in table.columns:
        problems.append(Problem(1, "group", "缺少此列（群体）"))
    item_columns = _item_columns(table.columns, problems)
    if not item_columns:
        problems.append(Problem(1, None, "缺少题目列（表头为 q1、q2 … 或“q3 题目文字”）"))
    if any(problem.row == 1 for problem in problems):  # no table to check further
        raise InputRefused(problems, source=display)

    rows = table.rows
    valid = _valid_flags(table.coded("valid"), rows, problems)
    group = _groups(table.coded("group"), rows, valid, problems)
    weight = _numbers(table.coded("weight"), rows, "weight", problems, blank=1.0, name="权重")
    duration = _numbers(
        table.coded("duration_s"), rows, "duration_s", problems, blank=math.nan, name="用时"
    )
    items = tuple(
        Item(item_id, text, header, table.coded(header)) for header, item_id, text in item_columns
    )
    responses = Responses(
        source=display,
        rows=rows,
        group=group,
        valid=valid,
        weight=weight,
        duration_s=duration,
        items=items,
        table=table,
    )
    if scheme is not None:
        problems.extend(check_labels(responses, load_scheme(scheme)))
    if problems:
        raise InputRefused(_in_row_order(problems), source=display)
    return responses


def _in_row_order(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda problem: problem.row or 0)


def _valid_flags(coded: Coded, rows: IntArray, problems: list[Problem]) -> BoolArray:
    """``valid``: 1/0, 是/否, TRUE/FALSE (any case); blank means valid (SPEC §3)."""
    flags = np.ones(len(coded.labels) + 1, dtype=bool)
    message_of: dict[int, str] = {}
    for k, label in enumerate(coded.labels):
        word = clean_number_text(label).lower()
        if word in FALSE_WORDS:
            flags[k] = False
        elif word not in TRUE_WORDS:
            message_of[k] = f"“{label}”不是可选值（1/0、是/否、TRUE/FALSE）"
    problems.extend(_problems_for_label(coded, rows, "valid", message_of))
    return np.asarray(flags[coded.codes], dtype=np.bool_)


def _groups(coded: Coded, rows: IntArray, valid: BoolArray, problems: list[Problem]) -> IntArray:
    """Group index per row; an unknown label is a problem, a blank one on a valid row too."""
    to_group = np.full(len(coded.labels) + 1, -1, dtype=np.int64)
    message_of: dict[int, str] = {}
    for k, label in enumerate(coded.labels):
        if label in GROUPS:
            to_group[k] = GROUPS.index(label)
        else:
            message_of[k] = f"“{label}”不是可选值（{' / '.join(GROUPS)}）"
    problems.extend(_problems_for_label(coded, rows, "group", message_of))
    blank_valid = np.flatnonzero((coded.codes < 0) & valid)
    problems.extend(Problem(int(rows[p]), "group", "有效回答的群体不能为空") for p in blank_valid)
    return np.asarray(to_group[coded.codes], dtype=np.int64)


def check_labels(responses: Responses, scheme: Scheme) -> list[Problem]:
    """Every answer outside ``scheme`` (SPEC §4 "Schemes"), by row and column.

    Scored labels are the scheme's keys; 不了解, blank and the scheme's ``skip`` are
    known and unscored; anything else is a problem on every row it appears, valid or
    not, in every item column.
    """
    known = set(scheme.scores) | scheme.unscored
    problems: list[Problem] = []
    for item in responses.items:
        message_of = {
            k: f"“{label}”不是评分方案 {scheme.name} 中的选项"
            for k, label in enumerate(item.answers.labels)
            if label not in known
        }
        problems.extend(_problems_for_label(item.answers, responses.rows, item.column, message_of))
    return problems


def select_items(responses: Responses, items: Sequence[str] | None) -> tuple[Item, ...]:
    """The items to score: all, or those named (``["q1", "q3"]``; ``Q3`` and ``3`` too).

    Raises
    ------
    InputRefused
        Naming every requested item the table lacks.
    """
    if not items:
        return responses.items
    by_id = {item.id: item for item in responses.items}
    chosen: list[Item] = []
    problems: list[Problem] = []
    for wanted in items:
        text = normalise_header(wanted)
        match = re.fullmatch(r"[qQ]?(\d+)", text)
        item_id = f"q{int(match.group(1))}" if match else text
        if item_id not in by_id:
            available = "、".join(by_id)
            problems.append(
                Problem(None, "--items", f"文件中没有题目“{wanted}”（有：{available}）")
            )
        elif by_id[item_id] not in chosen:
            chosen.append(by_id[item_id])
    if problems:
        raise InputRefused(problems, source=responses.source)
    return tuple(chosen)


def score(
    responses: Responses, scheme: Scheme, items: Sequence[str] | None = None
) -> tuple[FloatArray, FloatArray]:
    """Per respondent a_i = Σ scores and b_i = number of scored answers (SPEC §4).

    Items are those of :func:`select_items`; unscored labels (不了解, blank, ``skip``)
    add nothing. Labels outside the scheme must have been refused by
    :func:`check_labels`; here they raise.
    """
    chosen = select_items(responses, items)
    total = np.zeros(len(responses), dtype=np.float64)
    count = np.zeros(len(responses), dtype=np.float64)
    for item in chosen:
        lookup = np.full(len(item.answers.labels) + 1, math.nan)
        for k, label in enumerate(item.answers.labels):
            if label in scheme.scores:
                lookup[k] = scheme.scores[label]
            elif label not in scheme.unscored:
                raise InputRefused(check_labels(responses, scheme), source=responses.source)
        values = lookup[item.answers.codes]
        scored = ~np.isnan(values)
        total += np.where(scored, values, 0.0)
        count += scored
    return total, count
