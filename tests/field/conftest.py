"""Fixtures of the field tests: the CJK font posters and share cards are drawn in.

Posters are printed matter, as the report's PDF: with ``RENKE_TEST_PDF`` set (``.ci/run``
sets it) a missing font fails these tests loudly; without it they are skipped with the
reason, as the PDF tests are (tests/report/conftest.py).
"""

from __future__ import annotations

import os

import pytest

from tests.report.conftest import PDF_ENV


@pytest.fixture
def cjk_font() -> None:
    """The font file of ``fonts-noto-cjk`` (or ``RENKE_CJK_FONT``) is here."""
    from surveyapp.field import images

    try:
        images.font(12)
    except images.FontMissing as missing:
        if os.environ.get(PDF_ENV):
            pytest.fail(f"{missing} ({PDF_ENV} is set, so the poster tests must run)")
        pytest.skip(f"{missing} — poster tests skipped; set {PDF_ENV} to require them")
