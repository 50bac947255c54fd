"""Sign-in and sessions: no way in (issue 10), on both databases."""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

import pytest

from surveyapp.accounts import throttle
from surveyapp.accounts.passwords import password_problem
from surveyapp.accounts.services import AccountError, add_user, reset_password


def _token(client) -> str:
    client.get("/login")
    with client.session_transaction() as state:
        return str(state["csrf"])


def _sign_in(client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": _token(client)},
        environ_base={"REMOTE_ADDR": address},
    )


def test_sign_out_ends_the_session_on_the_server(app, client, login, make_user, make_assessment):
    assessment = make_assessment()
    login(make_user("boss", role="admin"))
    copied = app.test_client()
    with client.session_transaction() as state:
        kept = dict(state)
    with copied.session_transaction() as state:
        state.update(kept)  # the cookie copied to another browser
    assert copied.get(f"/a/{assessment.id}/export.csv").status_code == 200
    assert client.post("/logout", data={"csrf_token": kept["csrf"]}).status_code == 302
    for path in (f"/a/{assessment.id}", f"/a/{assessment.id}/export.csv"):
        response = copied.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_password_change_ends_every_session(app, client, login, make_user, session):
    user = make_user("boss", role="admin")
    login(user)
    assert client.get("/").status_code == 200
    reset_password(user, "a-new-long-password")
    session.flush()
    assert client.get("/").status_code == 302


def test_the_session_lasts_as_configured(app, client, login, make_user):
    login(make_user("boss", role="admin"))
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.expires is not None
    assert app.permanent_session_lifetime == timedelta(hours=12)


def test_an_account_is_throttled_after_ten_failures(client, make_user, cheap_dummy_hash):
    make_user("target", role="admin")
    for attempt in range(throttle.ACCOUNT_LIMIT):
        response = _sign_in(client, "target", f"wrong-{attempt}", address=f"10.0.1.{attempt}")
        assert response.status_code == 200 and "用户名或密码不正确" in response.get_data(
            as_text=True
        )
    # the right password no longer helps, from any address, until the window passes
    refused = _sign_in(client, "target", "correct horse", address="10.9.9.9")
    assert refused.status_code == 429
    assert throttle.THROTTLED_MESSAGE in refused.get_data(as_text=True)


@pytest.fixture
def cheap_dummy_hash(monkeypatch):
    """The dummy hash at the suite's cheap cost (as make_user's), for many attempts."""
    from werkzeug.security import generate_password_hash

    from surveyapp.accounts import services

    cheap = generate_password_hash("x", method="pbkdf2:sha256:1000")
    monkeypatch.setattr(services, "_dummy_hash", lambda: cheap)


def test_an_address_is_throttled_but_a_school_office_is_not(client, make_user, cheap_dummy_hash):
    for number in range(30):  # thirty colleagues behind one address, each mistyping once
        make_user(f"teacher{number}", role="admin")
        assert _sign_in(client, f"teacher{number}", "mistyped-pw").status_code == 200
    assert _sign_in(client, "teacher0", "correct horse").status_code == 302
    for number in range(throttle.ADDRESS_LIMIT):
        _sign_in(client, f"guess{number}", "x")
    assert _sign_in(client, "teacher1", "correct horse").status_code == 429
    assert _sign_in(client, "teacher1", "correct horse", address="10.0.0.2").status_code == 302


def test_no_address_is_stored_in_clear(client, session, make_user):
    from sqlalchemy import select

    from surveyapp.models import SignInFailure

    _sign_in(client, "nobody", "wrong", address="203.0.113.77")
    stored = session.scalars(select(SignInFailure)).all()
    assert stored and all("203.0.113" not in row.address for row in stored)


def test_unknown_and_known_names_take_the_same_time(client, session, make_county):
    add_user(session, "real-user", "a-real-long-password", "admin")  # production hashing
    session.flush()

    def timed(name: str) -> float:
        started = time.perf_counter()
        _sign_in(client, name, "not-the-password")
        return time.perf_counter() - started

    known = statistics.median(timed("real-user") for _ in range(5))
    unknown = statistics.median(timed(f"ghost{n}") for n in range(5))
    assert known > 0.005  # a real hash was computed
    assert 0.5 < unknown / known < 2.0, (unknown, known)


@pytest.mark.parametrize(
    ("username", "password", "problem"),
    [
        ("wang", "", "至少 10 个字符"),
        ("wang", "a", "至少 10 个字符"),
        ("wang", "short-pw", "至少 10 个字符"),
        ("wangxiaoming", "WangXiaoMing", "不能与用户名相同"),
        ("wang", "1234567890", "太常见"),
        ("wang", "aaaaaaaaaaaa", "太常见"),
        ("demo", "renke-demo", None),
        ("wang", "砚山县督导评估2026", None),
    ],
)
def test_password_policy(username, password, problem):
    found = password_problem(username, password)
    assert (found is None) if problem is None else (problem in (found or ""))


def test_the_policy_holds_for_every_way_an_account_is_made(session, make_user):
    with pytest.raises(AccountError, match="至少 10 个字符"):
        add_user(session, "weak", "a", "admin")
    user = make_user("someone", role="admin")
    with pytest.raises(AccountError, match="太常见"):
        reset_password(user, "password123")


def test_the_demo_account_cannot_sign_in_in_production(app, client, session, make_county):
    from surveyapp.demo import DEMO_PASSWORD, DEMO_USER

    add_user(session, DEMO_USER, DEMO_PASSWORD, "evaluator", make_county())
    session.flush()
    app.config["RENKE_ENV"] = "production"
    assert _sign_in(client, DEMO_USER, DEMO_PASSWORD).status_code == 200
    app.config["RENKE_ENV"] = "development"
    assert _sign_in(client, DEMO_USER, DEMO_PASSWORD).status_code == 302


def test_a_disabled_account_cannot_sign_in_and_its_sessions_end(client, login, make_user, session):
    user = make_user("leaver", role="admin")
    login(user)
    assert client.get("/").status_code == 200
    user.disable(user.created_at)
    session.flush()
    assert client.get("/").status_code == 302
    assert _sign_in(client, "leaver", "correct horse").status_code == 200  # refused


def test_user_disable_and_reset_commands(tmp_path):
    from click.testing import CliRunner

    from renke.cli import main

    env = {
        "RENKE_INSTANCE": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'r.sqlite3'}",
        "SECRET_KEY": "s" * 8 + "q7Hk2pX9vLm4Rt8Wz1Nc6Bf3Yd5Gs0Ja",
    }
    runner = CliRunner(env=env)
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    add = ["user", "add", "zhao", "--role", "admin", "--password", "first-long-pw"]
    assert runner.invoke(main, add).exit_code == 0
    weak = runner.invoke(main, ["user", "reset", "zhao", "--password", "short"])
    assert weak.exit_code == 2 and "至少 10 个字符" in weak.output
    assert (
        runner.invoke(main, ["user", "reset", "zhao", "--password", "second-long-pw"]).exit_code
        == 0
    )
    assert runner.invoke(main, ["user", "disable", "zhao"]).exit_code == 0
    missing = runner.invoke(main, ["user", "disable", "nobody"])
    assert missing.exit_code == 2 and "找不到用户" in missing.output
