"""A live Renke server and Debian's Chromium, for the respondent's path in a real browser.

The server is the app factory behind werkzeug in a thread, on its own SQLite file, seeded
with the demo county (links only). Chromium is the system one (``/usr/bin/chromium``,
from apt); Playwright never downloads a browser here.

With ``RENKE_TEST_BROWSER`` set (CI sets it) a browser that cannot start fails the run;
without it a missing Chromium skips these tests with a message saying why.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest
from flask import Flask
from sqlalchemy import Engine, update
from werkzeug.serving import BaseWSGIServer, make_server

from surveyapp import create_app, db
from surveyapp.demo import seed_demo
from surveyapp.models import Assessment

BROWSER_ENV = "RENKE_TEST_BROWSER"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"


@dataclass(frozen=True)
class LiveServer:
    url: str
    app: Flask
    engine: Engine
    assessment_id: int


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get(BROWSER_ENV):
        pytest.fail(
            f"{reason} ({BROWSER_ENV} is set, so the browser tests must run)", pytrace=False
        )
    pytest.skip(f"{reason} — browser tests skipped; set {BROWSER_ENV} to require them")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, started once for the session."""
    if not (Path(CHROMIUM).exists() and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"{CHROMIUM} not found (apt install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        _unavailable(f"the playwright package is not installed: {error}")
    manager = sync_playwright()
    try:
        playwright = manager.start()
    except Exception as error:  # the driver itself could not start
        _unavailable(f"Playwright could not start: {error}")
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, timeout=60_000
        )
    except Exception as error:  # any launch failure: missing libraries, crash, timeout
        manager.__exit__(None, None, None)
        _unavailable(f"Chromium at {CHROMIUM} could not be launched: {error}")
    try:
        yield browser
    finally:
        browser.close()
        manager.__exit__(None, None, None)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app served on 127.0.0.1:<free port>, its demo assessment accepting any duration."""
    folder = tmp_path_factory.mktemp("live")
    database_url = f"sqlite:///{folder / 'renke.sqlite3'}"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    db.upgrade(database_url)
    app = create_app(
        {
            "SECRET_KEY": "browser-test-secret-key",
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(folder / "instance"),
            "RENKE_PUBLIC_URL": url,
        }
    )
    with app.app_context():
        session = db.session()
        assessment = seed_demo(session, responses=False)
        # The browser answers in a few seconds; 0 keeps the test's response valid.
        session.execute(
            update(Assessment).where(Assessment.id == assessment.id).values(min_duration_s=0)
        )
        session.commit()
        assessment_id = assessment.id
    server: BaseWSGIServer = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="renke-live-server", daemon=True)
    thread.start()
    engine = db.make_engine(database_url)
    try:
        yield LiveServer(url, app, engine, assessment_id)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        engine.dispose()
        app.extensions["renke.engine"].dispose()


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """test-output/ (git-ignored): screenshots and the measured page weight."""
    screenshots = OUTPUT / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    return OUTPUT
