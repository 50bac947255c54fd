"""The CSV reader's Arrow memory pool (issue 15): jemalloc where pyarrow has it.

pyarrow's default on Linux (mimalloc) cost 0.5–1.3 s of the kernel's time zeroing huge
pages on the benchmark's million rows; ``ARROW_DEFAULT_MEMORY_POOL``, when set, still wins.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pytest

from analysis import tables

RAW = ("group,q1\n" + "家长,满意\n" * 50_000).encode()


@pytest.fixture(autouse=True)
def fresh_pool_choice() -> Iterator[None]:
    tables.csv_memory_pool.cache_clear()
    yield
    tables.csv_memory_pool.cache_clear()


def _read() -> tables.CsvCells:
    return tables.read_csv_cells(RAW, "t.csv", lambda names: [pa.string()] * len(names))


def test_the_columns_are_allocated_from_jemalloc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    try:
        jemalloc = pa.jemalloc_memory_pool()
    except NotImplementedError:
        pytest.skip("this pyarrow is built without jemalloc")
    assert tables.csv_memory_pool().backend_name == "jemalloc"
    before = jemalloc.bytes_allocated()
    cells = _read()
    assert jemalloc.bytes_allocated() - before >= 50_000 * len("家长满意")
    assert cells.table.column("c0").to_pylist()[-1] == "家长"


def test_a_pool_the_user_names_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "system")
    assert tables.csv_memory_pool().backend_name == pa.default_memory_pool().backend_name
