"""Sign-in for evaluators and provincial staff (respondents never sign in)."""

from __future__ import annotations

from flask import Flask, g, session

from surveyapp import db
from surveyapp.models import User


def init_app(app: Flask) -> None:
    from surveyapp.accounts.views import blueprint

    app.register_blueprint(blueprint)
    app.before_request(_load_user)
    app.context_processor(lambda: {"current_user": g.get("user")})


def _load_user() -> None:
    """The signed-in user, if the cookie's session version is still the user's.

    Signing out (or a password change) bumps the version, so a cookie issued before
    it — kept, or copied elsewhere — opens nothing (SPEC §1: every page checks).
    """
    g.user = None
    user_id = session.get("user_id")
    if not isinstance(user_id, int) or "user_id" not in session:
        return
    user = db.session().get(User, user_id)
    if (
        user is None
        or user.disabled_at is not None
        or session.get("version") != user.session_version
    ):
        session.clear()
        return
    g.user = user
