"""Fixtures of the service tests."""

from __future__ import annotations

import pytest
from flask import Flask

from surveyapp import limits
from surveyapp.collect import views
from tests.service.respondent import Clock


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The time the respondent pages see, moved by the test (no sleeping)."""
    clock = Clock()
    monkeypatch.setattr(views, "utcnow", clock)
    return clock


@pytest.fixture
def unlimited(app: Flask) -> Flask:
    """The app with the submit limits off, for tests posting many forms (not of the limits)."""
    app.config["RENKE_SUBMIT_RATE_LIMIT"] = "off"
    limits.init_app(app)
    return app
