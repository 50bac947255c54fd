"""The links' print sheet in Chromium, printed (print media) to a screenshot and a PDF.

In print media no control of the page shows, and every card is kept whole across pages
(``break-inside: avoid``; the printed PDF is kept in test-output/ to look at). The
screenshot is kept as test output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from surveyapp.demo import DEMO_PASSWORD, DEMO_USER
from tests.browser.conftest import LiveServer


def sign_in(page: Any, server: LiveServer) -> None:
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", DEMO_USER)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_print_sheet_has_no_controls_and_no_split_cards(
    chromium: Any, live_server: LiveServer, output_dir: Path
) -> None:
    page = chromium.new_page(viewport={"width": 794, "height": 1123})
    try:
        sign_in(page, live_server)
        page.goto(f"{live_server.url}/a/{live_server.assessment_id}/links/print")
        page.wait_for_load_state("networkidle")
        page.emulate_media(media="print")
        assert page.locator(".screen").first.is_hidden()
        assert page.locator("button, form, input").count() == 0
        cards = page.locator(".card")
        assert cards.count() > 10
        images = page.eval_on_selector_all(
            ".card img", "els => els.map(e => e.complete && e.naturalWidth > 0)"
        )
        assert images and all(images), "every QR has loaded"
        screenshots = output_dir / "screenshots"
        page.screenshot(path=str(screenshots / "links-print-sheet.png"), full_page=True)
        pdf = page.pdf(format="A4", print_background=True)
        (output_dir / "links-print-sheet.pdf").write_bytes(pdf)
        assert pdf.startswith(b"%PDF")
        breaks = page.eval_on_selector_all(
            ".card", "els => els.map(e => getComputedStyle(e).breakInside)"
        )
        assert set(breaks) == {"avoid"}
        # the links page itself hides its forms and buttons in print
        page.goto(f"{live_server.url}/a/{live_server.assessment_id}/links")
        page.emulate_media(media="print")
        assert all(not b.is_visible() for b in page.locator("button").all())
    finally:
        page.close()
