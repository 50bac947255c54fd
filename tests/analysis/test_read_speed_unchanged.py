"""The fast CSV reading (issue 15) leaves every estimate as it was, to 1e-12.

``fixtures/speed/expected.json`` holds the figures the reader produced before the Arrow
changes (trimming, blanks and label encoding in Arrow, no header copies), on a seeded
file made by ``benchmarks/bench_approval.py``'s generator with cells padded by spaces
(ASCII and full-width), blank cells and a BOM, so the trimming and blank rules are exercised.
Regenerate only on purpose: ``python tests/analysis/test_read_speed_unchanged.py``.
"""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from analysis.approval import analyze_responses
from analysis.responses import read_responses

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = Path(__file__).parent / "fixtures" / "speed" / "expected.json"


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "bench_approval", ROOT / "benchmarks" / "bench_approval.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate


def messy_file(tmp: Path, rows: int = 6000) -> Path:
    """The seeded file, then padded and blanked cells, written with a BOM."""
    plain = tmp / "plain.csv"
    _generator()(plain, rows)
    table = pacsv.read_csv(plain, convert_options=pacsv.ConvertOptions(strings_can_be_null=False))
    rng = np.random.default_rng(7)
    columns = {}
    for name in table.column_names:
        cells = np.array(table[name].cast(pa.string()).to_pylist(), dtype=object)
        pad = rng.random(rows) < 0.05
        cells[pad] = [f" {cell}\u3000" if cell else cell for cell in cells[pad]]
        if name in {"weight", "duration_s", "q3", "school"}:
            cells[rng.random(rows) < 0.03] = "  "
        columns[name] = pa.array(cells.tolist(), type=pa.string())
    path = tmp / "messy.csv"
    body = tmp / "body.csv"
    pacsv.write_csv(pa.table(columns), body)
    path.write_bytes(b"\xef\xbb\xbf" + body.read_bytes())
    return path


def figures(path: Path) -> dict[str, float | None]:
    responses = read_responses(path)
    out: dict[str, float | None] = {"rows": float(len(responses))}
    for cluster in ("school", "none"):
        report = analyze_responses(responses, cluster=cluster)
        out[f"{cluster}.approval"] = report.overall.approval
        out[f"{cluster}.se"] = report.overall.se
        out[f"{cluster}.deff"] = report.overall.deff
        for name, group in report.groups.items():
            out[f"{cluster}.{name}.approval"] = group.approval
            out[f"{cluster}.{name}.se"] = group.se
    out["weight.sum"] = float(responses.weight.sum())
    out["duration.nansum"] = float(np.nansum(responses.duration_s))
    out["valid.sum"] = float(responses.valid.sum())
    out["school.labels"] = float(len(responses.school.labels))
    out["school.blank"] = float((responses.school.codes < 0).sum())
    return out


def test_estimates_unchanged_by_fast_reading(tmp_path: Path) -> None:
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    found = figures(messy_file(tmp_path))
    assert found.keys() == expected.keys()
    for key, value in expected.items():
        if value is None:
            assert found[key] is None, key
        else:
            assert math.isclose(found[key], value, rel_tol=0, abs_tol=1e-12), key


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        EXPECTED.write_text(json.dumps(figures(messy_file(Path(tmp))), indent=1), encoding="utf-8")
    sys.exit(0)


def test_a_quoted_line_break_across_a_block_boundary_is_read_as_written(tmp_path: Path) -> None:
    """Arrow splits a CSV at line ends to read it on every core; a quoted cell whose line
    break falls on a block boundary (4 MiB) must send the reader to the quote-aware
    splitter, never mis-read the rows (SPEC §3: a file is read as written)."""
    from analysis import tables

    header = "response_id,group,invalid_reason,q1\n"
    rows = [
        f'R{k},家长,"第一行\n第二行 {k}",满意\n' if k % 3 == 0 else f"R{k},教师,,一般\n"
        for k in range(300_000)
    ]
    raw = (header + "".join(rows)).encode()
    assert len(raw) > 2 * (1 << 22)  # at least two block boundaries
    path = tmp_path / "breaks.csv"
    path.write_bytes(raw)
    types = {f"c{i}": pa.string() for i in range(4)}
    # The file does trip Arrow's line-end splitter (else this test would prove nothing):
    # "out of sync with chunker", or a row of too few columns, as its threads happen to
    # meet the boundary ...
    try:
        tables._arrow_table(raw, 0, types, quoted_line_breaks=False)
    except pa.ArrowInvalid as error:
        assert "out of sync" in str(error) or "Expected 4 columns" in str(error), error
    else:
        raise AssertionError("the line-end splitter read the file: no boundary in a cell")
    # ... and the reader still reads every row and cell as written.
    responses = read_responses(path)
    assert len(responses) == 300_000
    assert responses.rows.tolist() == list(range(2, 300_002))
    from analysis.vocabulary import GROUPS

    assert [GROUPS[responses.group[k]] for k in (0, 1, 2, 3, 299_999)] == [
        "家长",
        "教师",
        "教师",
        "家长",
        "教师",
    ]
    reasons = responses.invalid_reason.values()
    assert reasons[0] == "第一行\n第二行 0" and reasons[199_998] == "第一行\n第二行 199998"
    assert reasons[1] is None
