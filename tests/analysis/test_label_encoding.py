"""Label encoding chunk by chunk (issue 15) gives the codes and labels the unified
dictionary gave, and Python's ``str.strip`` trims what Arrow's ``utf8_trim_whitespace``
trims."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from analysis.text_table import Coded, _int32_values, encode

LABELS = pa.dictionary(pa.int32(), pa.string())


def unified_encoding(column: pa.ChunkedArray) -> Coded:
    """The encoding before issue 15's second round: one unified dictionary, trimmed by
    Arrow, its indices concatenated and remapped."""
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column)
    column = column.unify_dictionaries()
    if column.num_chunks == 0 or len(column) == 0:
        return Coded(np.zeros(len(column), dtype=np.int64), ())
    dictionary = column.chunk(0).dictionary
    position: dict[str, int] = {}
    remap = np.full(len(dictionary) + 1, -1, dtype=np.int64)
    for k, label in enumerate(pc.utf8_trim_whitespace(dictionary).to_pylist()):
        if label:
            remap[k] = position.setdefault(label, len(position))
    indices = np.concatenate(
        [_int32_values(chunk.indices, len(dictionary)) for chunk in column.chunks]
    )
    codes = remap.take(indices)
    labels = tuple(position)
    present = np.bincount(codes + 1, minlength=len(labels) + 1)[1:] > 0
    if present.all():
        return Coded(codes, labels)
    renumber = np.append(np.cumsum(present) - 1, -1)
    kept = tuple(label for label, here in zip(labels, present, strict=True) if here)
    return Coded(renumber.take(codes), kept)


def test_str_strip_trims_what_arrow_trims_on_every_code_point() -> None:
    points = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    cells = [f"{chr(c)}{chr(c)}x{chr(c)}y{chr(c)}" for c in points]
    arrow = pc.utf8_trim_whitespace(pa.array(cells)).to_pylist()
    python = [cell.strip() for cell in cells]
    assert [hex(c) for c, a, p in zip(points, arrow, python, strict=True) if a != p] == []
    assert sum(a != cell for a, cell in zip(arrow, cells, strict=True)) == 29  # some trimmed


def _column(rng: np.random.Generator, chunks: int) -> pa.ChunkedArray:
    words = ["家长", " 家长", "家长\u3000", "学生", "教师 ", "  ", "\t", "校长", "其他群众"]
    arrays = []
    for _ in range(chunks):
        size = int(rng.integers(0, 40))
        picked = rng.choice(len(words) + 1, size=size)  # the last: a missing cell
        cells = [None if k == len(words) else words[k] for k in picked]
        arrays.append(pa.array(cells, pa.string()).dictionary_encode())
    return pa.chunked_array(arrays, type=LABELS)


@pytest.mark.parametrize("seed", range(40))
def test_encoding_by_chunk_is_the_unified_encoding(seed: int) -> None:
    rng = np.random.default_rng(seed)
    column = _column(rng, chunks=int(rng.integers(1, 6)))
    cases = [column]
    if len(column) > 2:  # rows taken out after the read: a 合计 row, blank rows
        cases.append(column.slice(0, len(column) - 1))
        keep = pa.array(rng.random(len(column)) < 0.7)
        cases.append(column.filter(keep))
    for case in cases:
        found, expected = encode(case), unified_encoding(case)
        assert found.labels == expected.labels
        assert found.codes.dtype == np.int16
        assert found.codes.tolist() == expected.codes.tolist()


def test_labels_in_order_of_first_appearance_across_chunks() -> None:
    column = pa.chunked_array(
        [
            pa.array(["学生", None, " 家长"]).dictionary_encode(),
            pa.array(["教师", "家长", "学生 ", "  "]).dictionary_encode(),
        ],
        type=LABELS,
    )
    coded = encode(column)
    assert coded.labels == ("学生", "家长", "教师")
    assert coded.codes.tolist() == [0, -1, 1, 2, 1, 0, -1]


def test_a_plain_text_column_is_encoded_too() -> None:
    coded = encode(pa.chunked_array([pa.array([" a", None, "b", "a "])]))
    assert (coded.labels, coded.codes.tolist()) == (("a", "b"), [0, -1, 1, 0])


@pytest.mark.parametrize(("distinct", "dtype"), [(32_766, np.int16), (32_767, np.int32)])
def test_codes_are_int16_while_the_labels_fit(distinct: int, dtype: type) -> None:
    cells = [f"S{k}" for k in range(distinct)] + [None, " S0 "]
    coded = encode(pa.chunked_array([pa.array(cells).dictionary_encode()], type=LABELS))
    assert coded.codes.dtype == dtype and len(coded.labels) == distinct
    assert coded.codes.tolist() == [*range(distinct), -1, 0]
    # what the readers do with codes: +1 for bincount, look-ups; none wraps around
    counts = np.bincount(coded.codes + 1, minlength=distinct + 1)
    assert counts[0] == 1 and counts[1] == 2 and counts[-1] == 1
