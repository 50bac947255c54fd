"""A table's cells as Arrow text, label-encoded, for the large files (SPEC §3 responses).

The same file rules as :func:`analysis.tables.read_table` — encodings, limits, headers
normalised and mapped through aliases, cells trimmed, blank cells missing, rows blank in
every column dropped, spreadsheet row numbers, the trailing 合计 row — without pandas:
Arrow reads the CSV on every core, straight into dictionary-encoded columns, and a column
becomes :class:`Coded` (codes and labels) by trimming its dictionary, not its cells.
``pyarrow.compute`` (0.03 s to import) is imported only off the common path: for an XLSX,
for the text columns, and for rows blank in every label column.

Every column is read: converting only the columns a command uses (Arrow's
``include_columns``) saved about a tenth of Arrow's time on the benchmark file, and the
rules would then need the others checked apart (their UTF-8, for the choice of GB18030;
the 合计 row; rows blank in every column), which cost as much (issue 15).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from analysis.tables import (
    READ_LIMITS,
    TOTAL_ROW_MESSAGE,
    TOTAL_ROW_WORDS,
    XLSX_MAGIC,
    Problem,
    Source,
    TableLimits,
    canonical_header,
    canonical_headers,
    map_bytes,
    read_csv_cells,
    read_xlsx_rows,
    refuse_unreadable,
    starts_with,
)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
#: A column's codes: int16 while its labels fit (32,766), else int32.
CodeArray = npt.NDArray[np.int16] | npt.NDArray[np.int32]

#: Labels are read into a dictionary per column (few distinct values: groups, answers).
LABELS = pa.dictionary(pa.int32(), pa.string())


@dataclass(frozen=True, eq=False)
class Coded:
    """A text column, dictionary-encoded: ``labels[codes[i]]``, code -1 when blank.

    Labels are in the order of their first appearance in the column. The codes are int16
    while the labels fit, int32 beyond: a quarter of the memory int64 codes take, which
    on a million rows was 0.09 s of page faults and copying (issue 15). Index with them;
    arithmetic on them is done in int64 (``codes.astype(np.int64)``).
    """

    codes: CodeArray
    labels: tuple[str, ...]

    def values(self) -> list[str | None]:
        """The cells as text (None when blank); slow, for small tables and tests."""
        return [None if code < 0 else self.labels[code] for code in self.codes.tolist()]

    def rows_with(self, label: str) -> IntArray:
        """Positions whose cell is ``label``."""
        if label not in self.labels:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(self.codes == self.labels.index(label))


@dataclass(frozen=True, eq=False)
class TextTable:
    """The cells of a table, by canonical column.

    Attributes
    ----------
    source : str
        Display name of the file.
    columns : tuple of str
        Every column of the file (canonical headers, in file order).
    rows : ndarray of int
        Spreadsheet row numbers of the rows kept (header = 1).
    cells : pyarrow.Table
        The columns, untrimmed, blank cells missing; labels as dictionaries.
    """

    source: str
    columns: tuple[str, ...]
    rows: IntArray
    cells: pa.Table = field(repr=False)
    _coded: dict[str, Coded] = field(default_factory=dict, init=False, repr=False)

    def __len__(self) -> int:
        return int(self.rows.shape[0])

    def _column(self, name: str) -> pa.ChunkedArray | None:
        """The column's cells; None when the file lacks it."""
        return self.cells.column(name) if name in self.columns else None

    def coded(self, name: str) -> Coded:
        """The column trimmed and label-encoded (all blank when the file lacks it)."""
        if name not in self._coded:
            column = self._column(name)
            self._coded[name] = (
                Coded(np.full(len(self), -1, dtype=np.int16), ())
                if column is None
                else encode(column)
            )
        return self._coded[name]

    def texts(self, name: str) -> list[str | None]:
        """The column's cells trimmed, None when blank (all None when the file lacks it)."""
        import pyarrow.compute as pc

        column = self._column(name)
        if column is None:
            return [None] * len(self)
        trimmed = pc.utf8_trim_whitespace(column.cast(pa.string()))
        return [cell or None for cell in trimmed.to_pylist()]

    def without_total_row(self) -> tuple[TextTable, list[Problem]]:
        """The table without a trailing 合计 row, and the problem that row makes (SPEC §3)."""
        if not len(self):
            return self, []
        last = [self.cells.column(name)[len(self) - 1].as_py() for name in self.cells.column_names]
        if not any(cell and any(word in cell for word in TOTAL_ROW_WORDS) for cell in last):
            return self, []
        row = int(self.rows[-1])
        shorter = TextTable(
            self.source, self.columns, self.rows[:-1], self.cells.slice(0, len(self) - 1)
        )
        return shorter, [Problem(row, None, TOTAL_ROW_MESSAGE.format(row=row))]


def encode(column: pa.ChunkedArray) -> Coded:
    """Trim and label-encode a text or dictionary column (blank -> code -1).

    The dictionaries are trimmed, not the cells: labels differing only in white space
    become one, a label that trims to nothing is blank. Labels keep the order of first
    appearance (each chunk's dictionary is in that order, and the chunks in the file's),
    and only labels of rows still in the column are kept.

    Each chunk (an Arrow block, with its own dictionary) is remapped straight into the
    codes: no unified dictionary, no concatenation. ``str.strip`` trims what Arrow's
    ``utf8_trim_whitespace`` trims (the same white space, every code point:
    ``tests/analysis/test_label_encoding.py``).
    """
    if not pa.types.is_dictionary(column.type):
        import pyarrow.compute as pc

        column = pc.dictionary_encode(column)
    position: dict[str, int] = {}
    remaps: list[IntArray] = []
    for chunk in column.chunks:
        dictionary = chunk.dictionary.to_pylist()
        remap = np.full(len(dictionary) + 1, -1, dtype=np.int64)  # the last: a missing cell
        for k, label in enumerate(dictionary):
            if label is not None and (trimmed := label.strip()):
                remap[k] = position.setdefault(trimmed, len(position))
        remaps.append(remap)
    codes: CodeArray = (
        np.empty(len(column), dtype=np.int16)
        if len(position) < np.iinfo(np.int16).max
        else np.empty(len(column), dtype=np.int32)
    )
    start = 0
    for chunk, remap in zip(column.chunks, remaps, strict=True):
        stop = start + len(chunk)
        indices = _int32_values(chunk.indices, len(remap) - 1)
        remap.astype(codes.dtype).take(indices, out=codes[start:stop])
        start = stop
    labels = tuple(position)
    if not labels:
        return Coded(codes, labels)
    present = np.bincount(codes + 1, minlength=len(labels) + 1)[1:] > 0
    if present.all():
        return Coded(codes, labels)
    renumber = np.append(np.cumsum(present) - 1, -1).astype(codes.dtype)
    kept = tuple(label for label, here in zip(labels, present, strict=True) if here)
    renumbered = np.empty_like(codes)
    renumber.take(codes, out=renumbered)
    return Coded(renumbered, kept)


def read_text_table(
    source: Source,
    *,
    aliases: Mapping[str, str],
    name: str | None = None,
    limits: TableLimits | None = None,
    as_text: Collection[str] = (),
    while_parsing: Callable[[], object] | None = None,
) -> TextTable:
    """Read a CSV or XLSX table's cells (the rules of :func:`analysis.tables.read_table`).

    Parameters
    ----------
    source, aliases, name, limits
        As :func:`analysis.tables.read_table`.
    as_text : collection of str
        Columns read as plain text, not as labels (one distinct value per row: ids, times).
    while_parsing : callable, optional
        Called once as Arrow starts parsing a CSV (:func:`analysis.tables.read_csv_cells`).

    Raises
    ------
    InputRefused
        As :func:`analysis.tables.read_table`.
    """
    raw, display = map_bytes(source)
    display = name or display
    limits = limits or READ_LIMITS
    refuse_unreadable(raw, display, limits)
    if starts_with(raw, XLSX_MAGIC):
        names, body = read_xlsx_rows(raw, display, limits)
        columns = canonical_headers(names, aliases, display)
        cells = pa.table(
            [pa.array([row[k] for row in body], pa.string()) for k in range(len(names))],
            names=columns,
        )
        return _kept(TextTable(display, tuple(columns), _row_numbers(cells), cells))

    def column_types(names: list[str]) -> list[pa.DataType]:
        keys = [canonical_header(name, aliases) for name in names]
        return [pa.string() if key in as_text else LABELS for key in keys]

    csv = read_csv_cells(raw, display, column_types, while_parsing=while_parsing)
    columns = canonical_headers(csv.names, aliases, display)
    cells = pa.table(csv.table.columns, names=columns)
    return _kept(TextTable(display, tuple(columns), _row_numbers(cells), cells))


def _row_numbers(cells: pa.Table) -> IntArray:
    return np.arange(2, 2 + cells.num_rows, dtype=np.int64)


def _kept(table: TextTable) -> TextTable:
    """The table without the rows blank in every column."""
    blank = _blank_rows(table)
    if blank is None:
        return table
    keep = ~blank
    mask = pa.Array.from_buffers(
        pa.bool_(), len(keep), [None, pa.py_buffer(np.packbits(keep, bitorder="little"))]
    )
    return TextTable(table.source, table.columns, table.rows[keep], table.cells.filter(mask))


def _blank_rows(table: TextTable) -> BoolArray | None:
    """Rows blank in every column; None when there is none (the usual case, found after
    the first column or two)."""
    names = sorted(
        table.cells.column_names,
        key=lambda name: not pa.types.is_dictionary(table.cells.schema.field(name).type),
    )
    blank: BoolArray | None = None
    for name in names:
        column = table.cells.column(name)
        if pa.types.is_dictionary(column.type):
            here = table.coded(name).codes < 0
        else:
            import pyarrow.compute as pc

            lengths = pc.utf8_length(pc.utf8_trim_whitespace(column))
            here = np.concatenate([_int32_values(chunk, 0) == 0 for chunk in lengths.chunks])
        blank = here if blank is None else blank & here
        if not blank.any():
            return None
    return blank


def _int32_values(array: pa.Array, missing: int) -> npt.NDArray[np.int32]:
    """An int32 Arrow array as numpy (a copy), missing cells as ``missing``.

    Read from its buffers: pyarrow's own conversions to numpy import pandas (0.4 s).
    """
    if len(array) == 0:
        return np.zeros(0, dtype=np.int32)
    validity, data = array.buffers()
    end = array.offset + len(array)
    values = np.frombuffer(data, dtype=np.int32, count=end)[array.offset :].copy()
    if array.null_count:
        bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), count=end, bitorder="little")
        values[bits[array.offset :] == 0] = missing
    return values
