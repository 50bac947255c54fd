"""How `renke analyze` sets up its process for speed (issue 15), each choice observable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_probe(code: str, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
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


def test_a_huge_page_setting_the_user_made_is_kept() -> None:
    assert run_probe(NUMPY_HUGE_PAGES.format(command="analyze"), NUMPY_MADVISE_HUGEPAGE="1") == (
        "True"
    )
