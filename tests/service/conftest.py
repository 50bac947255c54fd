"""Fixtures of the service tests."""

from __future__ import annotations

import pytest

from surveyapp.collect import views
from tests.service.respondent import Clock


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The time the respondent pages see, moved by the test (no sleeping)."""
    clock = Clock()
    monkeypatch.setattr(views, "utcnow", clock)
    return clock
