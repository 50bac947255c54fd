"""Fixtures of the report tests: the PDF toolchain, required in CI.

With ``RENKE_TEST_PDF`` set (``.ci/run`` sets it) a missing WeasyPrint, pango, CJK font
or poppler fails these tests loudly; without it they are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

PDF_ENV = "RENKE_TEST_PDF"
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "report"


def _unavailable(reason: str) -> None:
    if os.environ.get(PDF_ENV):
        pytest.fail(f"{reason} ({PDF_ENV} is set, so the PDF tests must run)", pytrace=False)
    pytest.skip(f"{reason} — PDF tests skipped; set {PDF_ENV} to require them")


@pytest.fixture
def pdf_ready() -> Path:
    """WeasyPrint with the CJK font and poppler's tools are here; the output folder."""
    from surveyapp.report.pdf import pdf_problem

    problem = pdf_problem()
    if problem is not None:
        _unavailable(problem)
    for tool in ("pdftoppm", "pdftotext"):
        if shutil.which(tool) is None:
            _unavailable(f"{tool} not found (Debian package poppler-utils)")
    try:
        import pypdf  # noqa: F401
    except ImportError:
        _unavailable("pypdf not installed (pip install -e '.[dev]')")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT
