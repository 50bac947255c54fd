"""Deterrence on the respondent path (SPEC §2.5 Integrity, §6), on SQLite and PostgreSQL.

Device-bound form keys, key expiry and the grace period on a fixed clock (no sleeping),
late responses, the three submit-limit tiers, and the scripted attack of issue 7.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from surveyapp import limits
from surveyapp.collect import views
from surveyapp.config import ConfigurationError
from tests.service.respondent import KEY, full_answers, open_form, stored, submit

NAT = {"REMOTE_ADDR": "198.51.100.7"}


def limited(app: Flask, **tiers: str) -> None:
    """Restart the app's limits with these tiers (setting name without RENKE_ and _RATE_LIMIT)."""
    for tier, value in tiers.items():
        app.config[limits.TIER_SETTINGS[tier]] = value
    limits.init_app(app)


def curl(app: Flask) -> FlaskClient:
    """A scripted client with no cookie jar."""
    return app.test_client(use_cookies=False)


def post(client: FlaskClient, link, key: str, answers: dict[str, str], **environ: str):
    return client.post(f"/s/{link.token}", data={"key": key, **answers}, environ_base=environ)


# ---------------------------------------------------------------- device-bound keys
def test_a_cookieless_post_is_refused_with_the_answers_kept(app, session, make_link, clock):
    link = make_link(instrument="social")
    script = curl(app)
    page = script.get(f"/s/{link.token}")
    assert "rk_device=" in page.headers["Set-Cookie"]  # the page set a cookie …
    key = KEY.search(page.get_data(as_text=True)).group(1)
    clock.advance(60)
    body = full_answers("social", identity="其他群众", q3="不满意")
    refused = post(script, link, key, body)  # … that the script did not keep
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert views.NO_COOKIE_MESSAGE in text
    assert 'name="q3" value="不满意" checked' in text
    assert stored(session, link.assessment) == []


def test_a_browser_that_lost_its_cookie_succeeds_on_the_second_tap(app, session, make_link, clock):
    link = make_link(instrument="student")
    phone = app.test_client()
    key = open_form(phone, link)
    phone.delete_cookie("rk_device")
    clock.advance(60)
    refused = submit(phone, link, key, full_answers("student"))
    assert refused.status_code == 409 and phone.get_cookie("rk_device") is not None
    again = KEY.search(refused.get_data(as_text=True)).group(1)
    assert submit(phone, link, again, full_answers("student")).status_code == 303
    [saved] = stored(session, link.assessment)
    assert saved.valid


def test_a_key_posted_with_another_devices_cookie_is_refused(app, session, make_link, clock):
    link = make_link(instrument="student")
    key = open_form(app.test_client(), link)  # issued to device A
    other = app.test_client()
    other.set_cookie("rk_device", "device-b")
    clock.advance(60)
    refused = submit(other, link, key, full_answers("student", q18="一般"))
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert views.OTHER_DEVICE_MESSAGE in text and 'name="q18" value="一般" checked' in text
    assert stored(session, link.assessment) == []


def test_a_reissued_key_keeps_the_first_issue_time(app, session, make_link, clock):
    # 40 s of answering, a refusal, then an immediate second tap: not "too fast" (30 s).
    link = make_link(instrument="student")
    phone = app.test_client()
    key = open_form(phone, link)
    phone.set_cookie("rk_device", "a-new-cookie")  # e.g. the browser replaced it
    clock.advance(40)
    refused = submit(phone, link, key, full_answers("student"))
    assert refused.status_code == 409
    clock.advance(1)
    again = KEY.search(refused.get_data(as_text=True)).group(1)
    assert again != key
    assert submit(phone, link, again, full_answers("student")).status_code == 303
    [saved] = stored(session, link.assessment)
    assert saved.valid and saved.duration_s == pytest.approx(41, abs=0.5)


# ---------------------------------------------------------------- expiry and grace period
@pytest.mark.parametrize(
    ("hours", "outcome"), [(23.99, 303), (24.001, 409)], ids=["within-a-day", "after-a-day"]
)
def test_a_key_is_accepted_for_24_hours(client, session, make_link, clock, hours, outcome):
    link = make_link(instrument="student")
    key = open_form(client, link)
    clock.advance(hours * 3600)
    response = submit(client, link, key, full_answers("student"))
    assert response.status_code == outcome
    if outcome == 409:
        assert views.EXPIRED_MESSAGE in response.get_data(as_text=True)
        assert stored(session, link.assessment) == []


@pytest.mark.parametrize("how", ["evaluator closes", "link stopped", "window ends"])
@pytest.mark.parametrize(
    ("after_end", "outcome"),
    [(timedelta(hours=1, minutes=59), "late"), (timedelta(hours=2), "ended")],
    ids=["in-grace", "grace-over"],
)
def test_the_grace_period_after_the_end(
    client, session, make_assessment, make_link, clock, how, after_end, outcome
):
    assessment = make_assessment(closes_at=clock.now + timedelta(hours=3))
    link = make_link(assessment=assessment, instrument="student")
    key = open_form(client, link)
    end = clock.now + timedelta(minutes=10)
    if how == "evaluator closes":
        assessment.close(end)
    elif how == "link stopped":
        link.stop(end)
    else:
        assessment.closes_at = end
    session.commit()
    clock.now = end + after_end
    response = submit(client, link, key, full_answers("student"))
    saved = stored(session, assessment)
    if outcome == "late":
        assert response.status_code == 303
        assert len(saved) == 1 and saved[0].late and saved[0].valid
    else:
        assert response.status_code == 410
        assert views.ENDED_MESSAGE in response.get_data(as_text=True)
        assert saved == []


def test_a_form_shown_after_the_stop_is_never_accepted(
    client, session, make_assessment, make_link, clock
):
    link = make_link(instrument="student")
    key = open_form(client, link)
    link.stop(clock.now - timedelta(seconds=1))  # stopped before the key was signed
    session.commit()
    clock.advance(60)
    assert submit(client, link, key, full_answers("student")).status_code == 410
    assert stored(session, link.assessment) == []


def test_on_time_responses_are_not_late(client, session, make_link, clock):
    link = make_link(instrument="student")
    key = open_form(client, link)
    clock.advance(60)
    submit(client, link, key, full_answers("student"))
    [saved] = stored(session, link.assessment)
    assert saved.valid and not saved.late


def test_late_responses_are_counted_for_the_evaluator(
    app, client, session, make_user, make_assessment, make_link, login, clock
):
    user = make_user("late-evaluator")
    assessment = make_assessment(county=user.county)
    link = make_link(assessment=assessment, instrument="student")
    phones = [app.test_client() for _ in range(3)]
    keys = [open_form(phone, link) for phone in phones]
    clock.advance(60)
    submit(phones[0], link, keys[0], full_answers("student"))  # on time
    assessment.close(clock.now)
    session.commit()
    clock.advance(600)
    for phone, key in zip(phones[1:], keys[1:], strict=True):
        assert submit(phone, link, key, full_answers("student")).status_code == 303
    assert [r.late for r in stored(session, assessment)] == [False, True, True]
    login(user)
    page = client.get(f"/a/{assessment.id}").get_data(as_text=True)
    assert "迟交：2 份" in page and "其中有效 2 份" in page


# ---------------------------------------------------------------- rate limits
def test_the_device_tier(app, session, make_link, clock):
    limited(app, device="3/minute")
    link = make_link(instrument="social")
    phone = app.test_client()
    keys = [open_form(phone, link) for _ in range(4)]
    clock.advance(60)
    body = full_answers("social", identity="其他群众", q4="一般")
    assert [submit(phone, link, key, body).status_code for key in keys[:3]] == [303] * 3
    refused = submit(phone, link, keys[3], body)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    text = refused.get_data(as_text=True)
    assert "提交太频繁" in text and f"{refused.headers['Retry-After']} 秒后" in text
    assert 'name="q4" value="一般" checked' in text and f'value="{keys[3]}"' in text
    assert len(stored(session, link.assessment)) == 3
    # Another phone on the same link is not affected.
    other = app.test_client()
    assert submit(other, link, open_form(other, link), body).status_code == 303


@pytest.mark.parametrize("school_link", [True, False], ids=["school", "county-level"])
def test_the_link_tier_is_higher_for_county_level_links(
    app, session, make_assessment, make_link, clock, school_link
):
    limited(app, link="5/minute", county_link="50/minute")
    assessment = make_assessment()
    school = assessment.county.schools[0] if school_link else None
    link = make_link(assessment=assessment, instrument="student", school=school)
    phones = [app.test_client() for _ in range(6)]
    keys = [open_form(phone, link) for phone in phones]
    clock.advance(60)
    codes = [
        submit(phone, link, key, full_answers("student")).status_code
        for phone, key in zip(phones, keys, strict=True)
    ]
    assert codes == ([303] * 5 + [429] if school_link else [303] * 6)
    assert len(stored(session, assessment)) == (5 if school_link else 6)


def test_the_address_tier(app, session, make_link, clock):
    limited(app, address="4/minute")
    link = make_link(instrument="student")
    phones = [app.test_client() for _ in range(5)]
    keys = [open_form(phone, link) for phone in phones]
    clock.advance(60)
    codes = [
        post(phone, link, key, full_answers("student"), **NAT).status_code
        for phone, key in zip(phones, keys, strict=True)
    ]
    assert codes == [303] * 4 + [429]
    # Another address is not affected.
    phone = app.test_client()
    key = open_form(phone, link)
    assert (
        post(phone, link, key, full_answers("student"), REMOTE_ADDR="192.0.2.9").status_code == 303
    )


def test_forty_parents_behind_one_address_within_ten_minutes_are_all_accepted(
    app, session, make_assessment, make_link, clock
):
    # The default tiers: a class group answering together from a school's NAT.
    assessment = make_assessment()
    link = make_link(
        assessment=assessment,
        instrument="social",
        preset_group="家长",
        school=assessment.county.schools[0],
    )
    parents = [app.test_client() for _ in range(40)]
    keys = [open_form(parent, link) for parent in parents]
    clock.advance(45)  # the first answers for 45 s
    codes = []
    for parent, key in zip(parents, keys, strict=True):
        clock.advance(14)  # 45 s + 40 × 14 s: all within ten minutes
        answers = {
            k: v for k, v in full_answers("social", grade="3年级").items() if k != "identity"
        }
        codes.append(post(parent, link, key, answers, **NAT).status_code)
    assert codes == [303] * 40
    saved = stored(session, assessment)
    assert len(saved) == 40 and all(r.valid for r in saved)


def test_a_signed_in_account_is_limited_per_account_instead(
    app, client, session, make_user, make_link, login, clock, monkeypatch
):
    # The hook for interviewers and paper-entry clerks (their 代填 mode is a later
    # issue): a signed-in account of a limited role has its own tier, not the device's.
    monkeypatch.setattr(limits, "ACCOUNT_LIMITED_ROLES", frozenset({"evaluator"}))
    limited(app, device="1/minute", account="3/minute")
    link = make_link(instrument="student")
    login(make_user("clerk"))
    keys = [open_form(client, link) for _ in range(4)]
    clock.advance(60)
    codes = [submit(client, link, key, full_answers("student")).status_code for key in keys]
    assert codes == [303, 303, 303, 429]


def test_off_disables_every_tier(app, session, make_link, clock):
    limited(app, device="off", link="1/minute", address="1/minute")
    assert app.extensions[limits.EXTENSION] is None
    link = make_link(instrument="student")
    phones = [app.test_client() for _ in range(3)]
    keys = [open_form(phone, link) for phone in phones]
    clock.advance(60)
    for phone, key in zip(phones, keys, strict=True):
        assert submit(phone, link, key, full_answers("student")).status_code == 303


def test_an_unreadable_limit_is_refused_at_start(app):
    app.config["RENKE_LINK_RATE_LIMIT"] = "lots"
    with pytest.raises(ConfigurationError, match="RENKE_LINK_RATE_LIMIT"):
        limits.init_app(app)


# ---------------------------------------------------------------- the scripted attack
def test_scripted_attack_without_a_cookie_jar_stores_nothing(app, session, make_link, clock):
    """Issue 7: N forms fetched by curl, held past the minimum time, posted all 不满意."""
    link = make_link(instrument="social")
    script = curl(app)
    keys = [
        KEY.search(script.get(f"/s/{link.token}").get_data(as_text=True)).group(1)
        for _ in range(25)
    ]
    clock.advance(31)
    body = full_answers("social", identity="其他群众", **{f"q{n}": "不满意" for n in range(1, 9)})
    codes = [post(script, link, key, body).status_code for key in keys]
    # Then sequentially, as fast as it can, retrying with whatever key comes back.
    key = keys[0]
    for _ in range(30):
        answer = post(script, link, key, body)
        codes.append(answer.status_code)
        found = KEY.search(answer.get_data(as_text=True))
        key = found.group(1) if found else key
    assert set(codes) <= {409, 429} and 409 in codes and 429 in codes
    assert stored(session, link.assessment) == []


def test_no_address_or_cookie_reaches_the_limit_storage(app, make_link, clock):
    link = make_link(instrument="student")
    phone = app.test_client()
    key = open_form(phone, link)
    clock.advance(60)
    post(phone, link, key, full_answers("student"), REMOTE_ADDR="203.0.113.99")
    storage = app.extensions[limits.EXTENSION].strategy.storage
    held = " ".join(str(k) for k in getattr(storage, "events", {}))
    assert held and "203.0.113.99" not in held
    assert phone.get_cookie("rk_device").value not in held
    assert re.search(r"submit", held)


# ---------------------------------------------------------------- migration 0005
def test_migration_0005_codes_the_reasons_already_stored(tmp_path):
    """Rows stored before 0005 get the codes of their exact reason texts (SQLite)."""
    from datetime import UTC, datetime

    from sqlalchemy import MetaData, insert, select

    from surveyapp.db import make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    upgrade(url, "0004")
    engine = make_engine(url)
    tables = MetaData()
    tables.reflect(engine)

    def filled(table: str, **values: object) -> dict[str, object]:
        for column in tables.tables[table].columns:
            if column.name in values or column.nullable or column.server_default is not None:
                continue
            if column.primary_key:
                continue
            kind = column.type.python_type
            values[column.name] = {str: "x", int: 1, float: 1.0, bool: True, dict: {}}.get(
                kind, datetime(2026, 5, 1, tzinfo=UTC)
            )
        return values

    reasons = [None, "用时过短", "非本县居民；用时过短", "问卷答案自相矛盾"]
    with engine.begin() as connection:
        connection.execute(insert(tables.tables["county"]).values(filled("county", id=1)))
        connection.execute(
            insert(tables.tables["assessment"]).values(
                filled("assessment", id=1, county_id=1, state="collecting", stage="county")
            )
        )
        for number, reason in enumerate(reasons):
            connection.execute(
                insert(tables.tables["response"]).values(
                    filled(
                        "response",
                        assessment_id=1,
                        public_id=f"r{number}",
                        instrument="social",
                        respondent_group="家长",
                        mode="自填",
                        valid=reason is None,
                        invalid_reason=reason,
                        answers={},
                    )
                )
            )
    engine.dispose()
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        response = MetaData()
        response.reflect(engine, only=["response"])
        table = response.tables["response"]
        rows = connection.execute(
            select(table.c.invalid_codes, table.c.late).order_by(table.c.public_id)
        ).all()
    engine.dispose()
    assert rows == [
        (None, False),
        ("too_fast", False),
        ("not_resident,too_fast", False),
        ("manual", False),
    ]
