"""A responses file on disk is mapped, not copied (issue 15): it reads as its bytes read.

Every file of ``test_reader_unchanged`` and every file the reader refuses before parsing
is read from disk (mapped) and from its bytes (in memory), with the same outcome: the
respondents or every problem, in order.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import mmap
from pathlib import Path
from typing import Any

import pytest

from analysis.responses import read_responses
from analysis.tables import READ_LIMITS, InputRefused, count_line_ends, map_bytes
from analysis.text_table import read_text_table


def _reader_cases() -> Any:
    spec = importlib.util.spec_from_file_location(
        "reader_cases", Path(__file__).parent / "test_reader_unchanged.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CASES = _reader_cases()
REFUSED_UNREAD = {
    "empty": b"",
    "blank": b" \r\n" * 40_000,  # blank past the first 64 KiB
    "utf16": "group,q1\n家长,满意\n".encode("utf-16"),
    "cr_only": "group,q1\r家长,满意\r".encode(),
    "xls": b"\xd0\xcf\x11\xe0" + b"\x00" * 600,
    "blank_header": b"\n\ngroup,q1\n",
    "not_a_zip": b"PK\x03\x04 damaged",
    "ragged": "group,q1\n家长,满意,多\n".encode(),
}


@pytest.mark.parametrize("name", sorted({**CASES.fixtures(), **REFUSED_UNREAD}))
def test_a_file_reads_from_disk_as_from_its_bytes(name: str, tmp_path: Path) -> None:
    data = {**CASES.fixtures(), **REFUSED_UNREAD}[name]
    path = tmp_path / name
    path.write_bytes(data)
    from_bytes = CASES.outcome(lambda: read_responses(data, name=name), CASES.respondents)
    from_disk = CASES.outcome(lambda: read_responses(path), CASES.respondents)
    assert from_disk == from_bytes
    if name in REFUSED_UNREAD:
        assert "refused" in from_disk


def test_the_row_limit_is_checked_on_the_mapped_file(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_bytes(b"group,q1\n" + b"a,b\n" * 3_000_001)  # line ends straddle windows
    raw, _ = map_bytes(path)
    assert isinstance(raw, mmap.mmap)
    assert count_line_ends(raw) == 3_000_002
    limits = dataclasses.replace(READ_LIMITS, rows=3_000_000)
    with pytest.raises(InputRefused) as refused:
        read_text_table(path, aliases={}, limits=limits)
    assert [str(p) for p in refused.value.problems] == ["行数超过上限 3,000,000 行，请拆分后上传"]
    just_enough = dataclasses.replace(READ_LIMITS, rows=3_000_001)
    assert len(read_text_table(path, aliases={}, limits=just_enough)) == 3_000_001


def test_an_empty_file_is_read_not_mapped(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert map_bytes(path) == (b"", "empty.csv")
