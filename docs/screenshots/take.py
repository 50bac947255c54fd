"""Regenerate the README screenshots: `.venv/bin/python docs/screenshots/take.py`.

Serves a fresh demo instance on a free port and drives Debian's Chromium with Playwright.
"""

from __future__ import annotations

import socket
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from surveyapp import create_app, db
from surveyapp.demo import DEMO_PASSWORD, DEMO_USER, seed_demo
from surveyapp.models import CollectionLink

HERE = Path(__file__).resolve().parent
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = Path(tempfile.mkdtemp())
    url = f"sqlite:///{folder / 'renke.sqlite3'}"
    app = create_app(
        {
            "SECRET_KEY": "screenshots",
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(folder),
            "RENKE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        }
    )
    db.upgrade(url)
    with app.app_context():
        session = db.session()
        assessment = seed_demo(session)
        session.commit()
        link = session.scalars(
            select(CollectionLink).where(
                CollectionLink.instrument == "social", CollectionLink.preset_group.is_(None)
            )
        ).first()
        token, assessment_id = link.token, assessment.id
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
            phone.goto(f"{base}/s/{token}")
            phone.screenshot(path=HERE / "respondent.png")
            laptop = browser.new_page(viewport={"width": 1280, "height": 900})
            laptop.goto(f"{base}/login")
            laptop.fill("input[name=username]", DEMO_USER)
            laptop.fill("input[name=password]", DEMO_PASSWORD)
            laptop.click("button[type=submit]")
            laptop.goto(f"{base}/a/{assessment_id}")
            laptop.screenshot(path=HERE / "assessment.png")
            laptop.goto(f"{base}/a/{assessment_id}/verdict")
            laptop.screenshot(path=HERE / "verdict.png")
            laptop.goto(f"{base}/a/{assessment_id}/links")
            laptop.screenshot(path=HERE / "links.png")
            browser.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
