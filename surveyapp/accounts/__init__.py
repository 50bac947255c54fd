"""Sign-in for evaluators and provincial staff (respondents never sign in)."""

from __future__ import annotations

from flask import Flask, Request, g, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from surveyapp import db
from surveyapp.models import User


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie sessions; a request without the cookie (every respondent's)
    gets an empty session without building the signer it would not use."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    from surveyapp.accounts.views import blueprint

    app.session_interface = SessionCookies()
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
