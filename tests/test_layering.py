"""Imports flow one way: surveyapp → analysis. `analysis` and the analysis commands
never import Flask, SQLAlchemy or surveyapp (STYLE.md, SPEC §5)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("flask", "sqlalchemy", "surveyapp", "werkzeug", "alembic")


def modules_loaded_by(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


def test_analysis_package_imports_no_web_stack():
    modules = {path.stem for path in (ROOT / "analysis").glob("*.py") if path.stem != "__init__"}
    code = "\n".join(f"import analysis.{name}" for name in sorted(modules))
    loaded = modules_loaded_by(code)
    assert not {m for m in loaded if m.split(".")[0] in FORBIDDEN}


def test_analysis_sources_do_not_mention_the_web_stack():
    for path in (ROOT / "analysis").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for name in FORBIDDEN:
            assert f"import {name}" not in source and f"from {name}" not in source, path


def test_the_analysis_commands_import_no_web_stack():
    """SPEC §5: `renke analyze`, `renke verdict` and `renke gaps` need no database."""
    for name in ("analyze", "verdict", "gaps"):
        loaded = modules_loaded_by(
            f"from renke.cli import main\nassert main.get_command(None, {name!r}) is not None"
        )
        assert not {m for m in loaded if m.split(".")[0] in FORBIDDEN}, name


def test_analyze_imports_no_pandas(tmp_path: Path) -> None:
    """`renke analyze` reads its responses through Arrow alone (issue 15: pandas' import
    was a tenth of the command's time); the other readers keep pandas."""
    responses = tmp_path / "r.csv"
    responses.write_text("group,school,q1,q2\n家长,S1,满意,一般\n学生,S2,比较满意,满意\n", "utf-8")
    code = (
        "import sys\n"
        f"sys.argv = ['renke', 'analyze', {str(responses)!r}, '--format', 'json']\n"
        "from renke.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
    )
    loaded = modules_loaded_by(code)
    assert "analysis.text_table" in loaded
    assert not {m for m in loaded if m.split(".")[0] in {"pandas", "openpyxl", *FORBIDDEN}}
