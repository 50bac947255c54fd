from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from surveyapp import audit, csrf, db
from surveyapp.accounts import services, throttle
from surveyapp.accounts.services import AccountError, authenticate
from surveyapp.auth import login_required
from surveyapp.counties.services import counties_of
from surveyapp.form_values import ascii_int
from surveyapp.models import County, User
from surveyapp.models.account import ROLES

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
        audit.record(session_db, user, "sign_in", f"账号 {user.username}", county_id=user.county_id)
        session_db.commit()
        session.clear()
        session.permanent = True  # PERMANENT_SESSION_LIFETIME (RENKE_SESSION_HOURS)
        session["user_id"] = user.id
        session["version"] = user.session_version
        csrf.rotate()
        return redirect(_safe_next(request.args.get("next")))
    throttle.record_failure(session_db, username, address, now)
    audit.record(
        session_db,
        None,
        "sign_in_failed",
        f"账号 {throttle.account_key(username)}",
        username=throttle.account_key(username),
    )
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


# ------------------------------------------------------------------ accounts


def _managed(user_id: int) -> User:
    user = db.session().get(User, user_id)
    if user is None:
        abort(404)
    if not services.may_manage_account(g.user, user):
        abort(403, description="您的角色不能管理这个账号")
    return user


def _accounts_page(error: str | None = None, code: int = 200) -> ResponseReturnValue:
    if g.user.role not in services.GRANTS:
        abort(403, description="您的角色不能管理账号")
    session_db = db.session()
    counties = [c for c in counties_of(session_db) if services.county_in_scope(g.user, c)]
    page = render_template(
        "accounts/list.html",
        users=services.managed_users(session_db, g.user),
        grants={role: ROLES[role] for role in services.GRANTS[g.user.role]},
        counties=counties,
        error=error,
        form=request.form,
    )
    return page, code


@blueprint.get("/accounts")
@login_required
def accounts() -> ResponseReturnValue:
    return _accounts_page()


@blueprint.post("/accounts/add")
@login_required
def add_account() -> ResponseReturnValue:
    if g.user.role not in services.GRANTS:
        abort(403, description="您的角色不能管理账号")
    form, session_db = request.form, db.session()
    county = None
    if (county_id := ascii_int(form.get("county"))) is not None:
        county = session_db.get(County, county_id)
    try:
        user = services.add_user(
            session_db,
            form.get("username", ""),
            form.get("password", ""),
            form.get("role", ""),
            county,
            prefecture=form.get("prefecture", "").strip() or None,
            actor=g.user,
        )
    except AccountError as refused:
        session_db.rollback()
        return _accounts_page(str(refused), 422)
    session_db.commit()
    flash(f"已添加账号 {user.username}（{user.role_label}）。")
    return redirect(url_for("accounts.accounts"))


@blueprint.post("/accounts/<int:user_id>/<action>")
@login_required
def account_action(user_id: int, action: str) -> ResponseReturnValue:
    user, session_db = _managed(user_id), db.session()
    if action not in {"disable", "enable", "reset"}:
        abort(404)
    try:
        if action == "reset":
            password = services.reset_to_one_time(session_db, g.user, user)
            session_db.commit()
            # Shown this once; never stored in clear, never sent again.
            return render_template("accounts/reset.html", user=user, password=password)
        services.set_disabled(session_db, g.user, user, action == "disable")
    except AccountError as refused:
        flash(str(refused), "warning")
        return redirect(url_for("accounts.accounts"))
    session_db.commit()
    flash(
        f"账号 {user.username} 已{'停用，其登录已全部失效' if action == 'disable' else '重新启用'}。"
    )
    return redirect(url_for("accounts.accounts"))


@blueprint.route("/account/password", methods=["GET", "POST"])
@login_required
def password() -> ResponseReturnValue:
    forced = g.user.must_change_password
    if request.method == "GET":
        return render_template("accounts/password.html", forced=forced, error=None)
    session_db = db.session()
    try:
        services.change_own_password(
            session_db, g.user, request.form.get("old"), request.form.get("new", "")
        )
    except AccountError as refused:
        return render_template("accounts/password.html", forced=forced, error=str(refused)), 422
    session_db.commit()
    # The change ended every session, this one too: keep this one, with the new version.
    session["version"] = g.user.session_version
    flash("密码已修改；其他设备上的登录已失效。")
    return redirect(url_for("assessments.index"))
