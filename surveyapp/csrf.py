"""CSRF for signed-in pages: a per-session token in every form of the evaluators' side.

The respondent's path has its own protection (the signed form key, see
:mod:`surveyapp.security`) and is exempt here, so a respondent needs no session.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, abort, request, session

EXEMPT_BLUEPRINTS = {"collect"}


def init_app(app: Flask) -> None:
    app.before_request(_check)
    app.jinja_env.globals["csrf_token"] = csrf_token


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    token: str = session["csrf"]
    return token


def rotate() -> None:
    """A new token at sign-in (the session was cleared, so no fixation either)."""
    session["csrf"] = secrets.token_urlsafe(24)


def _check() -> None:
    if request.method in {"GET", "HEAD", "OPTIONS"} or request.blueprint in EXEMPT_BLUEPRINTS:
        return
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf")
    # compare_digest takes ASCII str only: compare the UTF-8 bytes, whatever was sent
    if not expected or not hmac.compare_digest(str(sent).encode(), str(expected).encode()):
        abort(400, description="表单已过期，请刷新页面后重试")
