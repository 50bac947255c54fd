"""Exports open in Excel as data, never as formulas (issue 10)."""

from __future__ import annotations

import csv
import io

import pytest

from analysis.tables import spreadsheet_safe
from surveyapp.models import Response


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("满意", "满意"),
        (-3, -3),
        (0.5, 0.5),
        ("", ""),
    ],
)
def test_spreadsheet_safe(cell, safe):
    assert spreadsheet_safe(cell) == safe


def _formula_response(session, make_link) -> Response:
    from datetime import UTC, datetime

    link = make_link(instrument="social")
    response = Response(
        public_id="R-formula-1",
        assessment_id=link.assessment_id,
        link_id=link.id,
        instrument="social",
        respondent_group="其他群众",
        school_code='=HYPERLINK("http://evil.example","点我")',
        mode="自填",
        answers={"q1": "=1+1"},
        submitted_at=datetime.now(UTC),
        valid=True,
        weight=1.0,
    )
    session.add(response)
    session.flush()
    return response


def test_csv_export_neutralises_formulas(client, session, login, make_user, make_link):
    response = _formula_response(session, make_link)
    login(make_user("boss", role="admin"))
    text = client.get(f"/a/{response.assessment_id}/export.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert '\'=HYPERLINK("http://evil.example","点我")' in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
