"""How `renke analyze` sets up its process for speed (issue 15), each choice observable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_probe(code: str, **env: str) -> str:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"NUMPY_MADVISE_HUGEPAGE", "OPENBLAS_NUM_THREADS"}
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**environment, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


# numpy's own switch reports (and sets) whether it asks for huge pages.
NUMPY_HUGE_PAGES = (
    "from renke.cli import main\n"
    "main.get_command(None, {command!r})\n"
    "import numpy\n"
    "print(numpy._core.multiarray._set_madvise_hugepage(True))"
)


def test_the_analysis_commands_ask_numpy_for_no_huge_pages() -> None:
    for command in ("analyze", "verdict", "gaps"):
        assert run_probe(NUMPY_HUGE_PAGES.format(command=command)) == "False", command


def test_the_analysis_commands_start_no_openblas_threads() -> None:
    code = (
        "from renke.cli import main\n"
        "main.get_command(None, 'analyze')\n"
        "import os\n"
        "print(os.environ['OPENBLAS_NUM_THREADS'])"
    )
    assert run_probe(code) == "1"
    assert run_probe(code, OPENBLAS_NUM_THREADS="2") == "2"  # the user's setting is kept
    # OpenBLAS's threads are the process's, not Python's: count them in /proc
    threads = "import numpy, os\nprint(len(os.listdir('/proc/self/task')))"
    assert run_probe(threads, OPENBLAS_NUM_THREADS="1") == "1"
    if (os.cpu_count() or 1) > 1:
        assert int(run_probe(threads)) > 1  # what the setting saves


def test_a_huge_page_setting_the_user_made_is_kept() -> None:
    assert run_probe(NUMPY_HUGE_PAGES.format(command="analyze"), NUMPY_MADVISE_HUGEPAGE="1") == (
        "True"
    )


def test_the_special_functions_are_imported_as_arrow_starts_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the reader's own steps (the line count), before Arrow's parse, which holds
    no GIL: the import then runs beside the parse, not against the reader."""
    from analysis import approval, tables

    events: list[str] = []

    def recording(event: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def recorded(*args: Any, **kwargs: Any) -> Any:
            events.append(event)
            return function(*args, **kwargs)

        return recorded

    monkeypatch.setattr(tables, "count_line_ends", recording("count", tables.count_line_ends))
    monkeypatch.setattr(tables, "_arrow_table", recording("parse", tables._arrow_table))
    monkeypatch.setattr(
        approval, "import_special_functions_meanwhile", lambda: events.append("import")
    )
    path = tmp_path / "r.csv"
    path.write_text("group,school,q1\n家长,S1,满意\n学生,S2,一般\n家长,S2,满意\n", "utf-8")
    approval.analyze_responses(path)
    assert events == ["count", "import", "parse"]


def test_the_special_functions_are_imported_in_a_thread() -> None:
    code = (
        "import sys, threading\n"
        "from analysis.intervals import import_special_functions_meanwhile as start\n"
        "start()\n"
        "threads = threading.active_count()\n"
        "for thread in threading.enumerate():\n"
        "    if thread is not threading.main_thread():\n"
        "        thread.join()\n"
        "print(threads, 'scipy.special' in sys.modules)\n"
        "start()\n"
        "print(threading.active_count())"  # imported already: no thread
    )
    assert run_probe(code).split() == ["2", "True", "1"]


def test_analyze_does_not_import_pyarrow_compute(tmp_path: Path) -> None:
    """0.03 s of import for one trim of each small dictionary (``str.strip`` does it)."""
    responses = tmp_path / "r.csv"
    responses.write_text("group,school,q1,q2\n家长,S1,满意, 一般\n学生,S2,比较满意,满意\n", "utf-8")
    code = (
        "import sys, threading\n"
        f"sys.argv = ['renke', 'analyze', {str(responses)!r}, '--format', 'json']\n"
        "from renke.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "for thread in threading.enumerate():\n"
        "    if thread is not threading.main_thread():\n"
        "        thread.join()\n"
        "print('pyarrow.csv' in sys.modules, 'pyarrow.compute' in sys.modules, file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert '"approval"' in result.stdout
    assert result.stderr.split() == ["True", "False"]


def _run_console(args: list[str]) -> subprocess.CompletedProcess[str]:
    """``renke ARGS`` as the console script runs it (:func:`renke.cli.run`), with an
    atexit handler that says whether the interpreter's teardown ran."""
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('TEARDOWN', file=sys.stderr))\n"
        f"sys.argv = ['renke', *{args!r}]\n"
        "from renke.cli import run\n"
        "run()\n"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)


@pytest.mark.parametrize(
    ("rows", "code"),
    [
        ("家长,满意\n家长,满意\n", 1),  # met, but the sample check fails (too few)
        ("家长,满意\n" * 5 + "家长,一般\n", 1),  # not met
    ],
)
def test_the_analysis_commands_exit_with_their_code_and_no_teardown(
    tmp_path: Path, rows: str, code: int
) -> None:
    """Arrow's threads torn down at exit aborted about one run in 150 ("terminate called
    without an active exception", exit 134) after the answer was written: the analysis
    commands flush and leave with os._exit, their exit code kept (SPEC §5)."""
    responses = tmp_path / "r.csv"
    responses.write_text("group,q1\n" + rows, "utf-8")
    result = _run_console(["analyze", str(responses), "--population", "1000", "--format", "json"])
    assert result.returncode == code, result.stderr
    assert json.loads(result.stdout)["overall"]["approval"] > 0  # the whole answer, flushed
    assert "TEARDOWN" not in result.stderr


def test_a_met_analysis_exits_0_and_a_refused_file_2(tmp_path: Path) -> None:
    met = tmp_path / "met.csv"
    others = "".join(
        f"{group},满意\n" for group in ("学生", "教师", "校长", "人大代表", "政协委员", "其他群众")
    )
    met.write_text("group,q1\n" + "家长,满意\n" * 8 + others, "utf-8")
    done = _run_console(["analyze", str(met), "--population", "1000", "--format", "json"])
    assert done.returncode == 0 and json.loads(done.stdout)["met"] is True
    bad = tmp_path / "bad.csv"
    bad.write_text("group,q1\n家长,很好\n", "utf-8")
    refused = _run_console(["analyze", str(bad), "--format", "json"])
    assert refused.returncode == 2 and refused.stdout == ""
    assert "第2行" in refused.stderr and "TEARDOWN" not in refused.stderr


def test_other_commands_end_as_usual() -> None:
    """Only the analysis commands skip the teardown (a service command's pool, its logs)."""
    result = _run_console(["--version"])
    assert result.returncode == 0 and "TEARDOWN" in result.stderr
