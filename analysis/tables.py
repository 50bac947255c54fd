"""Reading the tables officials exchange (SPEC §3).

CSV (UTF-8 with or without BOM, or GB18030) and XLSX, accepted as officials make them:
full-width digits, thousands separators, trailing spaces. Every cell comes back as text
(or missing); the readers of each file kind parse what they need and collect every
problem, so that a bad file is refused whole with all its problems listed by row and
column (:class:`InputRefused`).

Row numbers are the spreadsheet's: the header is row 1, the first data row is row 2.
A DataFrame returned by :func:`read_table` is indexed by those numbers.

pandas is imported only where a DataFrame is made: ``renke analyze`` reads its responses
through Arrow alone (:mod:`analysis.text_table`) and does not pay pandas' import (issue 15).
"""

from __future__ import annotations

import csv
import functools
import io
import math
import mmap
import os
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

if TYPE_CHECKING:
    import pandas as pd

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

#: A file's bytes: read into memory, or (a file on disk, :func:`map_bytes`) mapped read-only.
Raw = bytes | mmap.mmap


@dataclass(frozen=True)
class TableLimits:
    """How large a table may be before it is refused unread.

    ``expanded_bytes`` bounds what an XLSX (a zip) may decompress to, checked from its
    directory before anything is inflated: a zip bomb is refused in milliseconds.
    """

    file_bytes: int
    rows: int
    columns: int
    expanded_bytes: int

    def rows_problem(self) -> Problem:
        return Problem(None, None, f"行数超过上限 {self.rows:,} 行，请拆分后上传")

    def columns_problem(self, found: int) -> Problem:
        return Problem(1, None, f"表头有 {found:,} 列，超过上限 {self.columns:,} 列")


# What `renke analyze` reads on the official's own machine: a million responses and more.
READ_LIMITS = TableLimits(
    file_bytes=2_000_000_000, rows=5_000_000, columns=2_000, expanded_bytes=4_000_000_000
)
# What the web service takes as an upload (a county's schools or indicator file): a county
# has at most a few thousand schools; the request size is bounded by MAX_CONTENT_LENGTH too.
UPLOAD_LIMITS = TableLimits(
    file_bytes=16 * 1024 * 1024, rows=20_000, columns=300, expanded_bytes=100 * 1024 * 1024
)


def check_limits(raw: Raw, limits: TableLimits, display: str | None = None) -> None:
    """Refuse a file over ``limits`` before parsing it (size, zip expansion, rows, columns).

    CSV rows are counted as line ends and columns from the header line; an XLSX is
    bounded by the sizes its zip directory declares (:mod:`zipfile` stops at the declared
    size), and its worksheets' rows are then counted while inflating, without parsing.
    """
    if len(raw) > limits.file_bytes:
        size = f"{len(raw) / 1e6:.1f} MB"
        too_large = Problem(
            None, None, f"文件太大（{size}），上限 {limits.file_bytes / 1e6:.0f} MB"
        )
        raise InputRefused([too_large], source=display)
    if starts_with(raw, XLSX_MAGIC):
        problem = _zip_problem(raw, limits)
    else:
        problem = _csv_size_problem(raw, limits)
    if problem is not None:
        raise InputRefused([problem], source=display)


def starts_with(raw: Raw, magic: bytes) -> bool:
    """``raw.startswith(magic)``, for a mapped file too."""
    return raw[: len(magic)] == magic


def _csv_size_problem(raw: Raw, limits: TableLimits) -> Problem | None:
    if count_line_ends(raw) > limits.rows + 1:
        return limits.rows_problem()
    header = _first_line(raw)
    if header.count(b",") + 1 > limits.columns:
        return limits.columns_problem(header.count(b",") + 1)
    return None


def count_line_ends(raw: Raw) -> int:
    """How many ``\\n`` bytes ``raw`` holds: numpy over 1 MiB windows (0.04 s for the
    benchmark's 223 MB, ``bytes.count`` 0.11 s; a window keeps the comparison's
    temporary small)."""
    cells = np.frombuffer(raw, dtype=np.uint8)
    window = 1 << 20
    return sum(
        int(np.count_nonzero(cells[start : start + window] == ord("\n")))
        for start in range(0, len(cells), window)
    )


def _zip_problem(raw: Raw, limits: TableLimits) -> Problem | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None  # not a readable zip: the XLSX reader says so
    expanded = sum(member.file_size for member in members)
    if expanded > limits.expanded_bytes:
        return Problem(
            None,
            None,
            f"XLSX 解压后有 {expanded / 1e6:,.0f} MB，超过上限 "
            f"{limits.expanded_bytes / 1e6:,.0f} MB（文件可能已损坏或含大量空白格式）",
        )
    for member in members:
        if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml"):
            if _xml_rows(archive, member, limits.rows + 1) > limits.rows + 1:
                return limits.rows_problem()
    return None


_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")


def _xml_rows(archive: zipfile.ZipFile, member: zipfile.ZipInfo, stop: int) -> int:
    """How many <row> elements a worksheet holds, counting at most past ``stop``."""
    found, tail = 0, b""
    try:
        with archive.open(member) as stream:
            while found <= stop and (chunk := stream.read(1 << 20)):
                window = tail + chunk  # a tag may straddle two chunks: count it once
                found += sum(1 for tag in _ROW_TAG.finditer(window) if tag.end() > len(tail))
                tail = chunk[-16:]
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError):
        return 0  # damaged: the XLSX reader refuses it with its own message
    return found


def read_bytes(source: Source) -> tuple[bytes, str]:
    """The raw bytes of ``source`` and a display name for messages."""
    if isinstance(source, bytes):
        return source, "上传文件"
    if isinstance(source, str | Path):
        path = Path(source)
        return path.read_bytes(), path.name
    name = getattr(source, "name", None) or getattr(source, "filename", None) or "上传文件"
    return source.read(), str(name)


def map_bytes(source: Source) -> tuple[Raw, str]:
    """As :func:`read_bytes`, but a file on disk is mapped read-only, not copied.

    Copying the benchmark's 223 MB into the process cost 0.1–0.2 s (most of it the
    kernel's page faults on fresh memory); its pages are in the page cache already, and
    Arrow reads the mapping as it reads bytes (issue 15). An empty file, or one the
    system cannot map (a pipe), is read as before.
    """
    if not isinstance(source, str | Path):
        return read_bytes(source)
    path = Path(source)
    with path.open("rb") as file:
        try:
            return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ), path.name
        except (ValueError, OSError):
            return file.read(), path.name


UTF16_MESSAGE = (
    "文件是 UTF-16 编码（Excel 的“Unicode 文本”），无法读取；"
    "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后上传"
)
CR_ONLY_MESSAGE = (
    "文件的换行符只有 CR（旧版 Mac 的“CSV (Macintosh)”格式），无法分行；"
    "请另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后上传"
)


def decode_text(raw: bytes) -> str:
    """Decode CSV bytes: UTF-8 (with or without BOM), else GB18030.

    Raises
    ------
    InputRefused
        When the bytes are neither (the first bad byte's line is named).
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise InputRefused(
            [
                Problem(
                    line,
                    None,
                    "含有无法识别的字符（既不是 UTF-8 也不是 GB18030 编码）；"
                    "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后上传",
                )
            ]
        ) from error


def text_layout_problem(raw: Raw) -> Problem | None:
    """A CSV whose encoding or line ends the reader cannot take: UTF-16, CR-only."""
    head = raw[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head.count(b"\x00") > len(head) // 4:
        return Problem(None, None, UTF16_MESSAGE)
    if b"\r" in head and raw.find(b"\n") < 0:
        return Problem(None, None, CR_ONLY_MESSAGE)
    return None


def read_table(
    source: Source,
    *,
    aliases: Mapping[str, str] | None = None,
    name: str | None = None,
    limits: TableLimits | None = None,
    percent_cells: bool = False,
) -> pd.DataFrame:
    """Read a CSV or XLSX table; every cell as text (missing when blank).

    Column names are stripped, normalised (NFKC: full-width letters and digits become
    ASCII) and mapped through ``aliases`` (e.g. Chinese header -> canonical key). The
    index holds spreadsheet row numbers (first data row = 2). Rows that are entirely
    blank are dropped (Excel leaves them after deleting content). With ``percent_cells``
    an XLSX number shown as a percentage (typed "96.5%", stored 0.965 with the format
    "0.0%") is read as the text "96.5%", as the official wrote it.

    Raises
    ------
    InputRefused
        When the file is empty, not a table, a legacy ``.xls``, UTF-16, CR-only or
        undecodable, larger than ``limits`` (default :data:`READ_LIMITS`), or has
        duplicate or blank column headers.
    """
    import pandas as pd

    limits = limits or READ_LIMITS
    raw, display = read_bytes(source)
    display = name or display
    refuse_unreadable(raw, display, limits)
    if raw.startswith(XLSX_MAGIC):
        names, body = read_xlsx_rows(raw, display, limits, percent_cells=percent_cells)
        frame = pd.DataFrame(body, columns=pd.Index(names), dtype=object)
    else:
        frame = _read_csv(raw, display)
    return _tidy(frame, aliases or {}, display, stripped=not raw.startswith(XLSX_MAGIC))


def refuse_unreadable(raw: Raw, display: str, limits: TableLimits) -> None:
    """Refuse, before parsing, a file that is empty, a legacy ``.xls``, over ``limits``,
    or a CSV in UTF-16 or with CR-only line ends."""
    if not raw[:65536].strip() and not bytes(raw).strip():
        raise InputRefused([Problem(None, None, "文件是空的")], source=display)
    if starts_with(raw, OLE_MAGIC):
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
    check_limits(raw, limits, display)
    if not starts_with(raw, XLSX_MAGIC):
        layout = text_layout_problem(raw)
        if layout is not None:
            raise InputRefused([layout], source=display)


def _read_csv(raw: bytes, display: str) -> pd.DataFrame:
    import pandas as pd

    # large_string is what pandas' ``str`` holds: no cast in to_pandas
    cells = read_csv_cells(raw, display, lambda names: [pa.large_string()] * len(names))
    frame: pd.DataFrame = pa.table(
        [_stripped(column) for column in cells.table.columns], names=cells.table.column_names
    ).to_pandas()
    frame.columns = pd.Index(cells.names)
    return frame


@dataclass(frozen=True, eq=False)
class CsvCells:
    """What Arrow read of a CSV: the header's cells (as written), and every column
    (named ``c<position>``), untrimmed, blank cells missing."""

    names: list[str]
    table: pa.Table


ColumnTypes = Callable[[list[str]], list[pa.DataType]]


def read_csv_cells(
    raw: Raw,
    display: str,
    column_types: ColumnTypes,
    *,
    while_parsing: Callable[[], object] | None = None,
) -> CsvCells:
    """Arrow's multi-threaded reader straight on the bytes; GB18030 re-encoded first.

    ``column_types`` gives, for the header's cells, the Arrow type to read each column
    as (a string or dictionary type). ``while_parsing`` is called once, just before
    Arrow starts, for work that can run beside it (Arrow parses without the GIL). UTF-8 (the common case, and the large exports) is
    not decoded in Python at all: Arrow validates it while reading. Only when that fails
    is the file decoded as GB18030, which officials' Excel writes on Chinese Windows.
    """
    try:
        return _read_csv_text(raw, display, column_types, while_parsing or _nothing)
    except InputRefused as refused:
        if refused.source is not None:
            raise
        raise InputRefused(refused.problems, source=display) from refused


def _nothing() -> None:
    pass


def _read_csv_text(
    raw: Raw, display: str, column_types: ColumnTypes, while_parsing: Callable[[], object]
) -> CsvCells:
    start = 3 if starts_with(raw, b"\xef\xbb\xbf") else 0
    try:
        return _arrow_csv(raw, start, column_types, while_parsing)
    except pa.ArrowInvalid as error:
        if not _not_utf8(error):
            raise _csv_refusal(raw[start:], error, display) from error
    data = decode_text(bytes(raw)).encode("utf-8")
    try:
        return _arrow_csv(data, 0, column_types, _nothing)
    except pa.ArrowInvalid as error:
        raise _csv_refusal(data, error, display) from error


def _arrow_csv(
    data: Raw, start: int, column_types: ColumnTypes, while_parsing: Callable[[], object]
) -> CsvCells:
    """The CSV in ``data`` from byte ``start`` (after a BOM), read without copying it.

    Arrow first splits the file into blocks at line ends, which is how it reads on every
    core (about 40% faster on the benchmark file). A quoted cell holding a line break
    parses correctly inside a block; one that straddles a block boundary makes Arrow stop —
    with "CSV parser got out of sync with chunker" (its own check) or, when a thread
    parses the block after the boundary first, with a row of too few columns — and then
    the file is read again with the quote-aware splitter, which decides: a file it
    refuses too is refused with its message. Only a file that is not UTF-8 is not read
    again here (the caller decodes it as GB18030, whatever the splitter).
    """
    names = _csv_header(data, start)
    if not any(name.strip() for name in names):
        # Arrow would take the next line as the header, undecoded
        raise InputRefused([Problem(1, None, "第1行（表头）是空的，请删除表头前的空行后重新上传")])
    types = {f"c{i}": kind for i, kind in enumerate(column_types(names))}
    while_parsing()
    try:
        return CsvCells(names, _arrow_table(data, start, types, quoted_line_breaks=False))
    except pa.ArrowInvalid as error:
        if _not_utf8(error):
            raise
    return CsvCells(names, _arrow_table(data, start, types, quoted_line_breaks=True))


def _not_utf8(error: pa.ArrowInvalid) -> bool:
    """Whether Arrow refused the bytes as UTF-8 (rather than the CSV's layout)."""
    return "utf8" in str(error).lower()


def _arrow_table(
    data: Raw, start: int, types: dict[str, pa.DataType], *, quoted_line_breaks: bool
) -> pa.Table:
    return pacsv.read_csv(
        pa.BufferReader(pa.py_buffer(data)[start:]),  # a view: no copy of the bytes
        memory_pool=csv_memory_pool(),
        read_options=pacsv.ReadOptions(
            column_names=list(types), skip_rows=1, block_size=1 << 22, use_threads=True
        ),
        parse_options=pacsv.ParseOptions(newlines_in_values=quoted_line_breaks),
        convert_options=pacsv.ConvertOptions(
            column_types=types,
            strings_can_be_null=True,
            null_values=[""],
            quoted_strings_can_be_null=True,
        ),
    )


@functools.cache
def csv_memory_pool() -> pa.MemoryPool:
    """The Arrow memory pool the CSV reader allocates its columns from: jemalloc where
    pyarrow is built with it, else Arrow's default (or whatever ``ARROW_DEFAULT_MEMORY_POOL``
    names, when set).

    pyarrow's default on Linux, mimalloc, asks the kernel for huge pages, and zeroing them
    cost 0.5–1.3 s of system time on a million rows (about as much as the parse itself);
    with jemalloc the read of the benchmark file takes 0.1 s of it (issue 15).
    """
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return pa.default_memory_pool()
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without jemalloc (Windows wheels)
        return pa.default_memory_pool()


def _stripped(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Cells trimmed of (Unicode) white space, blank ones missing: :func:`_strip_cells` in
    Arrow, on the large strings pandas' ``str`` holds (no cast when converting)."""
    import pyarrow.compute as pc  # 0.03 s to import: not on renke analyze's path

    text = pc.utf8_trim_whitespace(column)
    empty = pc.equal(text, "")
    if not pc.any(empty).as_py():
        return text
    return pc.if_else(empty, pa.scalar(None, pa.large_string()), text)


def _csv_refusal(data: bytes, error: Exception, display: str) -> InputRefused:
    text = data.decode("utf-8", errors="replace")
    problems = _ragged_rows(text, len(_csv_header(data))) or [
        Problem(None, None, f"无法作为 CSV 表格读取：{str(error).splitlines()[0][:200]}")
    ]
    return InputRefused(problems, source=display)


def _first_line(data: Raw, start: int = 0) -> bytes:
    """The bytes from ``start`` to the first line end, without copying the rest."""
    end = data.find(b"\n", start)
    return data[start:] if end < 0 else data[start:end]


def _csv_header(data: Raw, start: int = 0) -> list[str]:
    first_line = _first_line(data, start).rstrip(b"\r")
    text = decode_text(first_line)  # a header neither UTF-8 nor GB18030 is refused
    return next(csv.reader(io.StringIO(text, newline="")), [])


def _ragged_rows(text: str, width: int) -> list[Problem]:
    """Rows whose cell count differs from the header's (slow path, errors only)."""
    problems = []
    for number, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        if number > 1 and cells and len(cells) != width:
            problems.append(
                Problem(
                    number,
                    None,
                    f"有 {len(cells)} 列，表头有 {width} 列（数字中的千位分隔符请加引号或删除）",
                )
            )
    return problems


def read_xlsx_rows(
    raw: Raw, display: str, limits: TableLimits, *, percent_cells: bool = False
) -> tuple[list[str], list[list[str | None]]]:
    """The header cells and the rows of an XLSX's data sheet, every cell as text or None
    (``percent_cells``: a number in a percentage format as "96.5%", see :func:`read_table`)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise InputRefused(
            [Problem(None, None, f"无法作为 XLSX 表格读取：{type(error).__name__}")], source=display
        ) from error
    try:
        names, body = _xlsx_rows(book, display, limits, percent_cells)
    except InputRefused:
        raise
    except Exception as error:  # the XML may break partway: refuse, naming how far it got
        raise InputRefused(
            [Problem(None, None, f"XLSX 文件已损坏，读到中途出错：{type(error).__name__}")],
            source=display,
        ) from error
    finally:
        book.close()
    # trailing header cells left blank by Excel are not columns
    while names and not names[-1].strip() and all(row[len(names) - 1] is None for row in body):
        names.pop()
        body = [row[: len(names)] for row in body]
    return names, body


def _xlsx_rows(
    book: Any, display: str, limits: TableLimits, percent_cells: bool = False
) -> tuple[list[str], list[list[str | None]]]:
    sheet = next(
        (book[name] for name in book.sheetnames if name.strip().lower() in DATA_SHEET_NAMES),
        book.worksheets[0],
    )
    rows = sheet.iter_rows(values_only=not percent_cells)
    header = next(rows, None)
    if header is None:
        raise InputRefused([Problem(None, None, "工作表是空的")], source=display)
    if percent_cells:
        rows = (tuple(_percent_cell(cell) for cell in row) for row in rows)
        header = tuple(cell.value for cell in header)
    names = ["" if cell is None else str(cell) for cell in header]
    width = len(names)
    if width > limits.columns:
        raise InputRefused([limits.columns_problem(width)], source=display)
    body: list[list[str | None]] = []
    for row in rows:
        if len(body) >= limits.rows:
            raise InputRefused([limits.rows_problem()], source=display)
        cells = [_xlsx_cell(cell) for cell in row[:width]]
        cells.extend([None] * (width - len(cells)))
        body.append(cells)
    return names, body


def _percent_cell(cell: Any) -> object:
    """A cell's value; a number in a percentage format as Excel shows it: 0.965 → "96.5%"."""
    value = cell.value
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and "%" in str(getattr(cell, "number_format", "") or "")
    ):
        shifted = Decimal(repr(value)).scaleb(2).normalize()
        return f"{shifted:f}%"
    return value


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


def canonical_header(name: str, aliases: Mapping[str, str]) -> str:
    """The key a header cell stands for: normalised, then through ``aliases``."""
    normal = normalise_header(name)
    return aliases.get(normal, normal)


def canonical_headers(names: Iterable[str], aliases: Mapping[str, str], display: str) -> list[str]:
    """The canonical keys of a header row.

    Raises
    ------
    InputRefused
        For a blank header cell, or two cells standing for the same key.
    """
    normal = [normalise_header(name) for name in names]
    problems = [
        Problem(1, f"第{position + 1}列", "表头为空")
        for position, name in enumerate(normal)
        if not name
    ]
    canonical = [aliases.get(name, name) for name in normal]
    seen: dict[str, str] = {}
    for original, key in zip(normal, canonical, strict=True):
        if key and key in seen:
            problems.append(Problem(1, original, f"与“{seen[key]}”列重复"))
        seen.setdefault(key, original)
    if problems:
        raise InputRefused(problems, source=display)
    return canonical


def _tidy(
    frame: pd.DataFrame, aliases: Mapping[str, str], display: str, *, stripped: bool
) -> pd.DataFrame:
    """Canonical headers, row numbers as index, cells trimmed (unless ``stripped``: the
    CSV reader trims in Arrow), blank rows dropped."""
    import pandas as pd

    frame.columns = pd.Index(canonical_headers(frame.columns, aliases, display))
    frame.index = pd.RangeIndex(2, 2 + len(frame))
    if not stripped:
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
    import pandas as pd

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
    import pandas as pd

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


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: object) -> object:
    """A cell Excel and WPS will show as text, never run as a formula (CSV injection).

    Text beginning with ``= + - @`` (or a tab or CR, which some spreadsheets skip before
    one) gets a leading apostrophe, as OWASP advises; numbers are left as they are.
    """
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def spreadsheet_safe_row(row: Iterable[object]) -> list[object]:
    return [spreadsheet_safe(cell) for cell in row]
