"""Security headers on every kind of page (issue 10): CSP without inline script."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def _check(response) -> None:
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "script-src" not in policy or "script-src 'none'" in policy
    if response.mimetype != "text/html":
        assert policy.startswith("default-src 'none'")
        return
    page = response.get_data(as_text=True)
    assert "<script" not in page and " style=" not in page and " on" + "click" not in page
    for block in STYLE.findall(page):  # every style block is allowed by its own hash
        digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy


@pytest.fixture
def pages(client, login, make_user, make_link):
    link = make_link(instrument="social")
    assessment = link.assessment
    return link, assessment


def test_respondent_pages(client, pages):
    link, _ = pages
    for path in (f"/s/{link.token}", f"/s/{link.token}/done", "/s/unknown", "/healthz"):
        _check(client.get(path))


def test_signed_in_pages(client, login, make_user, pages):
    link, assessment = pages
    login(make_user("boss", role="admin"))
    for path in (
        "/",
        f"/a/{assessment.id}",
        f"/a/{assessment.id}/links",
        f"/a/{assessment.id}/settings",
        f"/a/{assessment.id}/data",
        f"/a/{assessment.id}/verdict",
        f"/a/{assessment.id}/gaps",
        f"/a/{assessment.id}/integrity",
        f"/a/{assessment.id}/report",
        "/province/",
        f"/a/{assessment.id}/export.csv",
        f"/a/{assessment.id}/links/{link.id}/qr.svg",
        f"/a/{assessment.id}/templates/schools.xlsx",
        "/a/new",
        "/a/999999",
    ):
        response = client.get(path)
        assert response.status_code < 500, path
        _check(response)


def test_sign_in_and_error_pages(client):
    _check(client.get("/login"))
    _check(client.post("/login", data={"csrf_token": "stale"}))
    _check(client.get("/nowhere"))


def test_compressed_pages_keep_their_headers(client, pages):
    link, _ = pages
    response = client.get(f"/s/{link.token}", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "sha256-" in response.headers["Content-Security-Policy"]
