"""How `renke analyze` sets up its process for speed (issue 15), each choice observable."""

from __future__ import annotations

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


def test_the_analysis_commands_skip_the_collections_at_exit() -> None:
    """``gc.freeze()`` runs at exit (atexit: later registrations run first), once however
    often the command is looked up."""
    code = (
        "import atexit, gc, types\n"
        "import renke.cli\n"
        "calls = []\n"
        "def freeze():\n"
        "    calls.append(gc.get_freeze_count())\n"
        "    gc.freeze()\n"
        "renke.cli.gc = types.SimpleNamespace(freeze=freeze)\n"
        "atexit.register(lambda: print(calls, gc.get_freeze_count() > 0))\n"
        "for _ in range(3):\n"
        "    renke.cli.main.get_command(None, 'analyze')\n"
    )
    assert run_probe(code) == "[0] True"
