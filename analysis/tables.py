"""Reading the tables officials exchange (SPEC §3).

CSV (UTF-8 with or without BOM, or GB18030) and XLSX, accepted as officials make them:
full-width digits, thousands separators, trailing spaces. Every cell comes back as text
(or missing); the readers of each file kind parse what they need and collect every
problem, so that a bad file is refused whole with all its problems listed by row and
column (:class:`InputRefused`).

Row numbers are the spreadsheet's: the header is row 1, the first data row is row 2.
A DataFrame returned by :func:`read_table` is indexed by those numbers.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

TOTAL_ROW_MESSAGE = "第{row}行是合计行，请删除后重新上传"
TOTAL_ROW_WORDS = ("合计", "总计", "小计")
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls
DATA_SHEET_NAMES = ("数据", "data")


@dataclass(frozen=True)
class Problem:
    """One problem in an input file, located by spreadsheet row and column."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None and self.message.startswith(f"第{self.row}行"):
            return self.message
        if self.row is not None:
            where.append(f"第{self.row}行")
        if self.column:
            where.append(f"“{self.column}”列")
        return ("，".join(where) + "：" if where else "") + self.message


class InputRefused(Exception):
    """A file refused whole; ``problems`` lists every reason, by row and column."""

    def __init__(self, problems: Iterable[Problem], *, source: str | None = None) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.source = source
        super().__init__(self.describe())

    def describe(self) -> str:
        head = f"{self.source}：" if self.source else ""
        return (
            head
            + f"文件未被接受，共 {len(self.problems)} 个问题：\n"
            + "\n".join(f"- {problem}" for problem in self.problems)
        )


Source = str | Path | bytes | IO[bytes]


def read_bytes(source: Source) -> tuple[bytes, str]:
    """The raw bytes of ``source`` and a display name for messages."""
    if isinstance(source, bytes):
        return source, "上传文件"
    if isinstance(source, str | Path):
        path = Path(source)
        return path.read_bytes(), path.name
    name = getattr(source, "name", None) or getattr(source, "filename", None) or "上传文件"
    return source.read(), str(name)


def decode_text(raw: bytes) -> str:
    """Decode CSV bytes: UTF-8 (with or without BOM), else GB18030."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def read_table(
    source: Source,
    *,
    aliases: Mapping[str, str] | None = None,
    name: str | None = None,
) -> pd.DataFrame:
    """Read a CSV or XLSX table; every cell as text (missing when blank).

    Column names are stripped, normalised (NFKC: full-width letters and digits become
    ASCII) and mapped through ``aliases`` (e.g. Chinese header -> canonical key). The
    index holds spreadsheet row numbers (first data row = 2). Rows that are entirely
    blank are dropped (Excel leaves them after deleting content).

    Raises
    ------
    InputRefused
        When the file is empty, not a table, a legacy ``.xls``, or has duplicate or
        blank column headers.
    """
    raw, display = read_bytes(source)
    display = name or display
    if not raw[:65536].strip() and not raw.strip():
        raise InputRefused([Problem(None, None, "文件是空的")], source=display)
    if raw.startswith(OLE_MAGIC):
        raise InputRefused(
            [
                Problem(
                    None,
                    None,
                    "这是旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV（UTF-8）后上传",
                )
            ],
            source=display,
        )
    if raw.startswith(XLSX_MAGIC):
        frame = _read_xlsx(raw, display)
    else:
        frame = _read_csv(raw, display)
    return _tidy(frame, aliases or {}, display)


def _read_csv(raw: bytes, display: str) -> pd.DataFrame:
    """Arrow's multi-threaded reader straight on the bytes; GB18030 re-encoded first.

    UTF-8 (the common case, and the large exports) is not decoded in Python at all:
    Arrow validates it while reading. Only when that fails is the file decoded as
    GB18030, which officials' Excel writes on Chinese Windows.
    """
    data = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    try:
        return _arrow_csv(data)
    except pa.ArrowInvalid as error:
        if "UTF8" not in str(error) and "utf8" not in str(error).lower():
            raise _csv_refusal(data, error, display) from error
    text = decode_text(raw)
    data = text.encode("utf-8")
    try:
        return _arrow_csv(data)
    except pa.ArrowInvalid as error:
        raise _csv_refusal(data, error, display) from error


def _arrow_csv(data: bytes) -> pd.DataFrame:
    names = _csv_header(data)
    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(
            column_names=[f"c{i}" for i in range(len(names))],
            skip_rows=1,
            block_size=1 << 22,
        ),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={f"c{i}": pa.string() for i in range(len(names))},
            strings_can_be_null=True,
            null_values=[""],
            quoted_strings_can_be_null=True,
        ),
    )
    frame: pd.DataFrame = table.to_pandas()
    frame.columns = pd.Index(names)
    return frame


def _csv_refusal(data: bytes, error: Exception, display: str) -> InputRefused:
    text = data.decode("utf-8", errors="replace")
    problems = _ragged_rows(text, len(_csv_header(data))) or [
        Problem(None, None, f"无法作为 CSV 表格读取：{str(error).splitlines()[0][:200]}")
    ]
    return InputRefused(problems, source=display)


def _csv_header(data: bytes) -> list[str]:
    first_line = data.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        text = first_line.decode("utf-8")
    except UnicodeDecodeError:
        text = first_line.decode("gb18030", errors="replace")
    return next(csv.reader(io.StringIO(text)), [])


def _ragged_rows(text: str, width: int) -> list[Problem]:
    """Rows whose cell count differs from the header's (slow path, errors only)."""
    problems = []
    for number, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        if number > 1 and cells and len(cells) != width:
            problems.append(
                Problem(
                    number,
                    None,
                    f"有 {len(cells)} 列，表头有 {width} 列（数字中的千位分隔符请加引号或删除）",
                )
            )
    return problems


def _read_xlsx(raw: bytes, display: str) -> pd.DataFrame:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise InputRefused(
            [Problem(None, None, f"无法作为 XLSX 表格读取：{type(error).__name__}")], source=display
        ) from error
    try:
        sheet = next(
            (book[name] for name in book.sheetnames if name.strip().lower() in DATA_SHEET_NAMES),
            book.worksheets[0],
        )
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise InputRefused([Problem(None, None, "工作表是空的")], source=display)
        names = ["" if cell is None else str(cell) for cell in header]
        width = len(names)
        body = []
        for row in rows:
            cells = [_xlsx_cell(cell) for cell in row[:width]]
            cells.extend([None] * (width - len(cells)))
            body.append(cells)
    finally:
        book.close()
    # trailing header cells left blank by Excel are not columns
    while names and not names[-1].strip() and all(row[len(names) - 1] is None for row in body):
        names.pop()
        body = [row[: len(names)] for row in body]
    return pd.DataFrame(body, columns=pd.Index(names), dtype=object)


def _xlsx_cell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def normalise_header(name: str) -> str:
    return unicodedata.normalize("NFKC", str(name)).strip()


def _tidy(frame: pd.DataFrame, aliases: Mapping[str, str], display: str) -> pd.DataFrame:
    names = [normalise_header(name) for name in frame.columns]
    problems = [
        Problem(1, f"第{position + 1}列", "表头为空")
        for position, name in enumerate(names)
        if not name
    ]
    canonical = [aliases.get(name, name) for name in names]
    seen: dict[str, str] = {}
    for original, key in zip(names, canonical, strict=True):
        if key and key in seen:
            problems.append(Problem(1, original, f"与“{seen[key]}”列重复"))
        seen.setdefault(key, original)
    if problems:
        raise InputRefused(problems, source=display)
    frame.columns = pd.Index(canonical)
    frame.index = pd.RangeIndex(2, 2 + len(frame))
    for column in frame.columns:
        frame[column] = _strip_cells(frame[column])
    blank = frame.isna().all(axis=1)
    if blank.any():
        frame = frame.loc[~blank]
    return frame


def _strip_cells(column: pd.Series) -> pd.Series:
    """Trimmed text with blanks as missing, kept as pandas' (Arrow-backed) ``str``."""
    text = column.astype("str") if column.dtype == object else column
    text = text.str.strip()
    return text.mask(text == "")


def _row_numbers(frame: pd.DataFrame) -> list[int]:
    return [int(row) for row in frame.index.to_numpy()]


def is_blank(cell: object) -> bool:
    """True for a missing cell (None or NaN), as :func:`read_table` returns them."""
    return cell is None or (isinstance(cell, float) and math.isnan(cell))


def total_row_problem(frame: pd.DataFrame) -> Problem | None:
    """The problem a trailing 合计 row makes, if the last row is one (SPEC §3)."""
    if frame.empty:
        return None
    row = int(frame.index.to_numpy()[-1])
    for value in frame.iloc[-1].tolist():
        if value is not None and any(word in str(value) for word in TOTAL_ROW_WORDS):
            return Problem(row, None, TOTAL_ROW_MESSAGE.format(row=row))
    return None


def without_total_row(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """The table without a trailing 合计 row, and the problem that row makes (SPEC §3).

    The reader goes on with the other rows, so the refusal lists every problem.
    """
    problem = total_row_problem(frame)
    if problem is None:
        return frame, []
    return frame.iloc[:-1], [problem]


def missing_columns(frame: pd.DataFrame, required: Iterable[str]) -> list[Problem]:
    """One problem for each required column the table lacks."""
    return [Problem(1, name, "缺少此列") for name in required if name not in frame.columns]


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def clean_number_text(text: str) -> str:
    """Full-width to ASCII, thousands separators and spaces removed."""
    text = unicodedata.normalize("NFKC", text).strip()
    return text.replace(",", "").replace("，", "").replace(" ", "").replace("\u00a0", "")


def parse_numbers(
    frame: pd.DataFrame,
    column: str,
    problems: list[Problem],
    *,
    required: bool = True,
    minimum: float | None = 0.0,
    integer: bool = False,
    percent: bool = False,
) -> pd.Series:
    """Parse a text column to floats, appending a :class:`Problem` for each bad cell.

    Accepts thousands separators, full-width digits and surrounding spaces; with
    ``percent`` a trailing ``%`` is allowed (``96.5%`` and ``96.5`` both mean 96.5).
    Blank cells are NaN, and a problem when ``required``.
    """
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype=float)
    values = np.full(len(frame), np.nan)
    for position, (row, cell) in enumerate(zip(_row_numbers(frame), frame[column], strict=True)):
        if is_blank(cell):
            if required:
                problems.append(Problem(row, column, "不能为空"))
            continue
        text = clean_number_text(str(cell))
        if percent and text.endswith("%"):
            text = text[:-1]
        if not _NUMBER.match(text):
            problems.append(Problem(row, column, f"“{cell}”不是数字"))
            continue
        number = float(text)
        if integer and not number.is_integer():
            problems.append(Problem(row, column, f"“{cell}”应为整数"))
            continue
        if minimum is not None and number < minimum:
            problems.append(Problem(row, column, f"“{cell}”不能小于 {minimum:g}"))
            continue
        values[position] = number
    return pd.Series(values, index=frame.index, dtype=float)


def parse_choice(
    frame: pd.DataFrame,
    column: str,
    allowed: Iterable[str],
    problems: list[Problem],
    *,
    required: bool = True,
) -> pd.Series:
    """Check a text column against the allowed labels, one problem per bad cell."""
    options = tuple(allowed)
    if column not in frame.columns:
        return pd.Series(None, index=frame.index, dtype=object)
    for row, cell in zip(_row_numbers(frame), frame[column], strict=True):
        if is_blank(cell):
            if required:
                problems.append(Problem(row, column, "不能为空"))
        elif cell not in options:
            problems.append(Problem(row, column, f"“{cell}”不是可选值（{' / '.join(options)}）"))
    return frame[column]
