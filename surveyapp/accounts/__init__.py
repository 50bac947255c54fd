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
    user_id = session.get("user_id")
    g.user = db.session().get(User, user_id) if isinstance(user_id, int) else None
