from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from surveyapp import csrf, db
from surveyapp.accounts.services import authenticate

blueprint = Blueprint("accounts", __name__)
View = TypeVar("View", bound=Callable[..., Any])


def login_required(view: View) -> View:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("user") is None:
            return redirect(url_for("accounts.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def require_county(county_id: int) -> None:
    if not g.user.may_see_county(county_id):
        abort(403)


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    error = None
    if request.method == "POST":
        user = authenticate(
            db.session(), request.form.get("username", "").strip(), request.form.get("password", "")
        )
        if user is not None:
            session.clear()
            session["user_id"] = user.id
            csrf.rotate()
            return redirect(_safe_next(request.args.get("next")))
        error = "用户名或密码不正确"
    return render_template("accounts/login.html", error=error)


@blueprint.post("/logout")
def logout() -> Response:
    session.clear()
    return redirect(url_for("accounts.login"))


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
