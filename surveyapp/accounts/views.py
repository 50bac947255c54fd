from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from surveyapp import csrf, db
from surveyapp.accounts import throttle
from surveyapp.accounts.services import authenticate

blueprint = Blueprint("accounts", __name__)


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if request.method == "GET":
        return render_template("accounts/login.html", error=None)
    username = request.form.get("username", "").strip()
    address = throttle.address_key(current_app.config["SECRET_KEY"], request.remote_addr)
    session_db, now = db.session(), db.utcnow()
    if throttle.is_throttled(session_db, username, address, now):
        return render_template("accounts/login.html", error=throttle.THROTTLED_MESSAGE), 429
    user = authenticate(session_db, username, request.form.get("password", ""))
    if user is not None and not _demo_refused(user.username):
        throttle.forget_failures(session_db, username)
        session_db.commit()
        session.clear()
        session.permanent = True  # PERMANENT_SESSION_LIFETIME (RENKE_SESSION_HOURS)
        session["user_id"] = user.id
        session["version"] = user.session_version
        csrf.rotate()
        return redirect(_safe_next(request.args.get("next")))
    throttle.record_failure(session_db, username, address, now)
    session_db.commit()
    return render_template("accounts/login.html", error="用户名或密码不正确"), 200


@blueprint.post("/logout")
def logout() -> Response:
    user = g.get("user")
    if user is not None:
        # Ends this session on the server: the cookie, even a copy of it, is refused.
        user.end_sessions()
        db.session().commit()
    session.clear()
    return redirect(url_for("accounts.login"))


def _demo_refused(username: str) -> bool:
    """The demo account, whose password is published, never signs in in production."""
    from surveyapp.demo import DEMO_USER

    return username == DEMO_USER and current_app.config["RENKE_ENV"] == "production"


def _safe_next(target: str | None) -> str:
    # Only same-site paths: never redirect a signed-in official to another host.
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("assessments.index")
