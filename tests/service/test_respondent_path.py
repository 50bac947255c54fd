"""The respondent's path through the Flask test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from surveyapp.collect import views
from surveyapp.models import Questionnaire, Response
from surveyapp.questionnaires.builtin import BUILTIN
from tests.service.respondent import KEY, full_answers, open_form, stored, submit


@pytest.mark.parametrize(
    ("instrument", "preset", "answers", "group", "grade"),
    [
        ("social", None, {"identity": "学生家长", "grade": "4年级"}, "家长", 4),
        ("social", None, {"identity": "人大代表", "grade": ""}, "人大代表", None),
        ("social", "政协委员", {}, "政协委员", None),
        ("staff", None, {"identity": "校长（含副校长）"}, "校长", None),
        ("staff", None, {"identity": "教师"}, "教师", None),
        ("student", None, {"grade": "初二（8年级）"}, "学生", 8),
    ],
)
def test_each_instrument_is_answered_and_counted(
    client, session, make_link, clock, instrument, preset, answers, group, grade
):
    link = make_link(instrument=instrument, preset_group=preset, school=None)
    key = open_form(client, link)
    clock.advance(95)
    body = full_answers(instrument, area="村里", **answers)
    if preset:
        body.pop("identity")
    response = submit(client, link, key, body)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/s/{link.token}/done")
    thanks = client.get(response.headers["Location"])
    assert "提交成功" in thanks.get_data(as_text=True)

    [saved] = stored(session, link.assessment)
    assert saved.respondent_group == group
    assert saved.grade == grade
    assert saved.area == "乡村"
    assert saved.valid and saved.invalid_reason is None
    assert saved.instrument == instrument
    assert saved.duration_s == pytest.approx(95, abs=1)
    items = [q["id"] for q in BUILTIN[instrument]["questions"] if q["kind"] == "item"]
    assert sorted(saved.answers) == sorted(items)
    assert set(saved.answers.values()) == {"满意"}


def test_preset_group_link_hides_the_identity_question(client, make_link):
    link = make_link(instrument="social", preset_group="人大代表")
    page = client.get(f"/s/{link.token}").get_data(as_text=True)
    assert "您的身份是" not in page
    assert "您的孩子读几年级" not in page


def test_school_link_records_the_school(client, session, make_assessment, make_link, clock):
    assessment = make_assessment()
    school = assessment.county.schools[0]
    link = make_link(assessment=assessment, instrument="student", school=school)
    key = open_form(client, link)
    clock.advance(60)
    submit(client, link, key, full_answers("student"))
    [saved] = stored(session, assessment)
    assert saved.school_code == school.code


def test_missing_answers_come_back_with_errors_and_kept_answers(client, session, make_link, clock):
    link = make_link(instrument="social")
    key = open_form(client, link)
    clock.advance(60)
    body = full_answers("social", identity="学生家长", q3="一般")
    del body["q5"]
    del body["grade"]
    response = submit(client, link, key, body)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.count('role="alert">请选择一项') == 2
    assert 'id="f-q5"' in page and 'class="card q bad" id="f-q5"' in page
    assert 'name="q3" value="一般" checked' in page
    assert 'name="identity" value="学生家长" checked' in page
    assert stored(session, link.assessment) == []


def test_grade_is_not_required_from_non_parents(client, session, make_link, clock):
    link = make_link(instrument="social")
    key = open_form(client, link)
    clock.advance(60)
    body = full_answers("social", identity="其他群众")
    del body["grade"]
    assert submit(client, link, key, body).status_code == 303
    [saved] = stored(session, link.assessment)
    assert saved.grade is None


def test_an_answer_outside_the_options_is_refused(client, session, make_link, clock):
    link = make_link(instrument="student")
    key = open_form(client, link)
    clock.advance(60)
    response = submit(client, link, key, full_answers("student", q17="<script>"))
    assert response.status_code == 422
    assert "请从选项中选择" in response.get_data(as_text=True)
    assert stored(session, link.assessment) == []


def test_double_submit_stores_one_response(client, session, make_link, clock):
    link = make_link(instrument="student")
    key = open_form(client, link)
    clock.advance(60)
    first = submit(client, link, key, full_answers("student"))
    second = submit(client, link, key, full_answers("student"))
    assert first.status_code == second.status_code == 303
    assert len(stored(session, link.assessment)) == 1


def test_same_device_same_instrument_is_kept_but_invalid(
    client, session, make_assessment, make_link, clock
):
    assessment = make_assessment()
    link = make_link(assessment=assessment, instrument="social")
    other = make_link(assessment=assessment, instrument="student")
    # Two forms opened on one phone before either was sent (two tabs, or a second
    # family member): both are kept, the second as a duplicate.
    keys = [open_form(client, link), open_form(client, link)]
    clock.advance(60)
    for key in keys:
        submit(client, link, key, full_answers("social", identity="学生家长", grade="2年级"))
    # A child on the family phone answers the student questionnaire: not a duplicate.
    key = open_form(client, other)
    clock.advance(60)
    submit(client, other, key, full_answers("student"))
    first, duplicate, child = stored(session, assessment)
    assert first.valid
    assert not duplicate.valid and "重复提交" in duplicate.invalid_reason
    assert duplicate.invalid_codes == "duplicate"
    assert child.valid
    assert first.device_hash == duplicate.device_hash == child.device_hash


def test_another_device_is_not_a_duplicate(app, session, make_link, clock):
    link = make_link(instrument="social")
    for _ in range(2):
        device = app.test_client()
        key = open_form(device, link)
        clock.advance(60)
        submit(device, link, key, full_answers("social", identity="其他群众"))
    assert [r.valid for r in stored(session, link.assessment)] == [True, True]


def test_device_hash_is_salted_per_assessment(client, session, make_assessment, make_link, clock):
    first = make_link(assessment=make_assessment(), instrument="student")
    second = make_link(assessment=make_assessment(year=2030), instrument="student")
    for link in (first, second):
        key = open_form(client, link)
        clock.advance(60)
        submit(client, link, key, full_answers("student"))
    [a] = stored(session, first.assessment)
    [b] = stored(session, second.assessment)
    assert a.device_hash and b.device_hash and a.device_hash != b.device_hash
    assert client.get_cookie("rk_device").value not in (a.device_hash, b.device_hash)


def test_too_fast_is_kept_but_invalid(client, session, make_link, clock):
    link = make_link(instrument="student")
    key = open_form(client, link)
    clock.advance(12)  # the assessment's minimum is 30 s
    submit(client, link, key, full_answers("student"))
    [saved] = stored(session, link.assessment)
    assert not saved.valid and saved.invalid_reason == "用时过短"
    assert saved.invalid_codes == "too_fast"
    assert saved.duration_s == pytest.approx(12, abs=0.5)


def test_non_resident_is_kept_but_invalid(client, session, make_link, clock):
    link = make_link(instrument="staff")
    key = open_form(client, link)
    clock.advance(60)
    submit(client, link, key, full_answers("staff", resident="否"))
    [saved] = stored(session, link.assessment)
    assert not saved.valid and saved.invalid_reason == "非本县居民"
    assert saved.invalid_codes == "not_resident"


def test_straight_lining_is_not_a_reason(client, session, make_link, clock):
    link = make_link(instrument="student")
    key = open_form(client, link)
    clock.advance(45)
    submit(client, link, key, full_answers("student"))  # all 满意
    [saved] = stored(session, link.assessment)
    assert saved.valid


def test_a_form_left_open_for_days_comes_back_once_then_is_accepted(
    client, session, make_link, clock
):
    # The key expires after 24 h; a parent who answers half and finishes two days later
    # gets the form back with the answers and a fresh key keeping the first issue time.
    link = make_link(instrument="social")
    key = open_form(client, link)
    clock.advance(2 * 24 * 3600)
    body = full_answers("social", identity="其他群众", q2="不满意")
    expired = client.post(f"/s/{link.token}", data={"key": key, **body})
    assert expired.status_code == 409
    page = expired.get_data(as_text=True)
    assert views.EXPIRED_MESSAGE in page and 'name="q2" value="不满意" checked' in page
    assert stored(session, link.assessment) == []
    clock.advance(5)
    fresh = KEY.search(page).group(1)
    assert client.post(f"/s/{link.token}", data={"key": fresh, **body}).status_code == 303
    [saved] = stored(session, link.assessment)
    assert saved.valid and saved.duration_s == pytest.approx(2 * 24 * 3600 + 5, abs=1)


def test_a_rotated_secret_still_reads_open_forms(app, client, session, make_link, clock):
    link = make_link(instrument="student")
    key = open_form(client, link)
    app.config["SECRET_KEY_FALLBACKS"] = [app.config["SECRET_KEY"]]
    app.config["SECRET_KEY"] = "a-new-secret-after-rotation"
    clock.advance(60)
    assert submit(client, link, key, full_answers("student")).status_code == 303
    [saved] = stored(session, link.assessment)
    assert saved.valid and saved.duration_s == pytest.approx(60, abs=1)


def test_an_unreadable_key_keeps_the_answers_and_restarts_the_clock(
    client, session, make_link, clock
):
    link = make_link(instrument="social")
    body = full_answers("social", identity="其他群众", q2="不满意")
    response = client.post(f"/s/{link.token}", data={"key": "not-ours", **body})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "已为您保留答案" in page
    assert 'name="q2" value="不满意" checked' in page
    fresh = KEY.search(page).group(1)
    assert stored(session, link.assessment) == []
    clock.advance(60)
    assert client.post(f"/s/{link.token}", data={"key": fresh, **body}).status_code == 303
    [saved] = stored(session, link.assessment)
    assert saved.valid


@pytest.mark.parametrize("key", ["", "forged", "x" * 5000])
def test_forged_or_missing_key_keeps_the_answers(client, session, make_link, key):
    link = make_link(instrument="student")
    response = client.post(f"/s/{link.token}", data={"key": key, **full_answers("student")})
    assert response.status_code == 409
    assert "已为您保留答案" in response.get_data(as_text=True)
    assert stored(session, link.assessment) == []


def test_key_of_another_link_is_refused(client, session, make_assessment, make_link, clock):
    assessment = make_assessment()
    first = make_link(assessment=assessment, instrument="student")
    second = make_link(assessment=assessment, instrument="student")
    key = open_form(client, first)
    clock.advance(60)
    response = submit(client, second, key, full_answers("student"))
    assert response.status_code == 409
    assert stored(session, assessment) == []


def test_unknown_link(client):
    response = client.get("/s/no-such-link")
    assert response.status_code == 404
    assert "链接无效" in response.get_data(as_text=True)
    assert client.post("/s/no-such-link", data={"key": "x"}).status_code == 404


def test_not_yet_open(client, make_assessment, make_link):
    assessment = make_assessment(opens_at=datetime.now(UTC) + timedelta(days=2))
    link = make_link(assessment=assessment)
    page = client.get(f"/s/{link.token}").get_data(as_text=True)
    assert "调查尚未开始" in page and "将于" in page and 'name="key"' not in page


def test_draft_assessment_shows_no_form(client, make_assessment, make_link):
    link = make_link(assessment=make_assessment(state="draft"))
    page = client.get(f"/s/{link.token}").get_data(as_text=True)
    assert "调查尚未开始" in page and 'name="key"' not in page


@pytest.mark.parametrize("how", ["window", "evaluator"])
def test_closed(client, make_assessment, make_link, how):
    if how == "window":
        assessment = make_assessment(closes_at=datetime.now(UTC) - timedelta(minutes=1))
    else:
        assessment = make_assessment(state="closed")
    link = make_link(assessment=assessment)
    page = client.get(f"/s/{link.token}").get_data(as_text=True)
    assert "调查已结束" in page and 'name="key"' not in page


def test_inactive_link(client, make_link):
    link = make_link(active=False)
    response = client.get(f"/s/{link.token}")
    assert response.status_code == 410
    assert "链接已停用" in response.get_data(as_text=True)


def test_a_form_opened_before_closing_is_still_accepted(
    client, session, make_assessment, make_link, clock
):
    assessment = make_assessment(closes_at=clock.now + timedelta(seconds=30))
    link = make_link(assessment=assessment, instrument="student")
    key = open_form(client, link)
    clock.advance(120)  # the window closed while the respondent was answering
    assert client.get(f"/s/{link.token}").status_code == 200  # status page for newcomers
    assert "调查已结束" in client.get(f"/s/{link.token}").get_data(as_text=True)
    assert submit(client, link, key, full_answers("student")).status_code == 303
    [saved] = stored(session, assessment)
    assert saved.valid and saved.late


@pytest.mark.parametrize("what", ["evaluator closes", "link stopped"])
def test_a_form_shown_before_the_evaluator_stops_is_accepted(
    client, session, make_assessment, make_link, clock, what
):
    assessment = make_assessment()
    link = make_link(assessment=assessment, instrument="student")
    key = open_form(client, link)
    clock.advance(90)
    if what == "evaluator closes":
        assessment.close(clock.now - timedelta(seconds=30))
    else:
        link.stop(clock.now - timedelta(seconds=30))
    session.commit()
    assert 'name="key"' not in client.get(f"/s/{link.token}").get_data(as_text=True)
    assert submit(client, link, key, full_answers("student")).status_code == 303
    [saved] = stored(session, assessment)
    assert saved.valid and saved.late


def test_a_form_shown_after_the_evaluator_closed_is_not_accepted(
    client, session, make_assessment, make_link, clock
):
    assessment = make_assessment()
    link = make_link(assessment=assessment, instrument="student")
    assessment.close(clock.now - timedelta(hours=1))
    session.commit()
    # a key minted while closed cannot exist; forge the timing with a real key
    assessment.reopen()
    session.commit()
    key = open_form(client, link)
    assessment.close(clock.now - timedelta(seconds=1))
    session.commit()
    clock.advance(60)
    refused = submit(client, link, key, full_answers("student", q18="不满意"))
    assert refused.status_code == 410
    page = refused.get_data(as_text=True)
    assert views.ENDED_MESSAGE in page and 'name="key"' not in page
    assert 'name="q18" value="不满意" checked' in page  # the answers stay on the page
    assert stored(session, assessment) == []


def test_full_preset_group_stops_new_forms_only(
    client, session, make_assessment, make_link, clock, monkeypatch
):
    from surveyapp import quotas

    assessment = make_assessment(stop_full_groups=True)
    link = make_link(assessment=assessment, preset_group="人大代表")
    monkeypatch.setattr(quotas, "group_quotas", lambda _assessment: {"人大代表": 1})
    key = open_form(client, link)  # before the group fills
    late = client.application.test_client()
    other = open_form(late, link)
    clock.advance(60)
    assert submit(client, link, key, full_answers("social")).status_code == 303
    page = client.application.test_client().get(f"/s/{link.token}").get_data(as_text=True)
    assert "名额已满" in page
    # The respondent who already had the form is never refused.
    assert submit(late, link, other, full_answers("social")).status_code == 303
    assert len(stored(session, assessment)) == 2


def test_full_group_without_the_evaluators_choice_keeps_collecting(
    client, make_assessment, make_link, monkeypatch
):
    from surveyapp import quotas

    assessment = make_assessment(stop_full_groups=False)
    link = make_link(assessment=assessment, preset_group="人大代表")
    monkeypatch.setattr(quotas, "group_quotas", lambda _assessment: {"人大代表": 0})
    assert 'name="key"' in client.get(f"/s/{link.token}").get_data(as_text=True)


def test_first_response_freezes_the_questionnaire(client, session, make_link, clock):
    link = make_link(instrument="student")
    questionnaire = session.scalars(
        select(Questionnaire).where(
            Questionnaire.assessment_id == link.assessment_id, Questionnaire.instrument == "student"
        )
    ).one()
    assert questionnaire.frozen_at is None
    key = open_form(client, link)
    clock.advance(60)
    submit(client, link, key, full_answers("student"))
    session.refresh(questionnaire)
    assert questionnaire.frozen_at is not None


def test_pages_are_gzipped_and_light(client, make_link):
    link = make_link(instrument="social")
    response = client.get(f"/s/{link.token}", headers={"Accept-Encoding": "gzip, deflate"})
    assert response.headers["Content-Encoding"] == "gzip"
    body = response.get_data()
    html = gzip.decompress(body).decode()
    assert "提交问卷" in html
    assert len(body) < 8_000, len(body)
    assert "http://" not in html.replace("http://www.w3.org", "")  # nothing third-party
    assert "<script" not in html


def test_form_works_without_javascript(app, session, make_link, clock):
    # Plain HTML posts (no script) with the cookie the form page set.
    link = make_link(instrument="student")
    key = open_form(client := app.test_client(), link)
    clock.advance(60)
    assert submit(client, link, key, full_answers("student")).status_code == 303
    [saved] = stored(session, link.assessment)
    assert saved.valid and saved.device_hash is not None


def test_no_ip_or_user_agent_is_stored_or_logged(client, session, make_link, clock, caplog):
    link = make_link(instrument="student")
    headers = {
        "User-Agent": "Mozilla/5.0 MicroMessenger/8.0 UNIQUE-AGENT",
        "X-Forwarded-For": "203.0.113.77",
    }
    caplog.set_level("INFO")
    page = client.get(
        f"/s/{link.token}", headers=headers, environ_base={"REMOTE_ADDR": "198.51.100.23"}
    )
    key = KEY.search(page.get_data(as_text=True)).group(1)
    clock.advance(60)
    client.post(
        f"/s/{link.token}",
        data={"key": key, **full_answers("student")},
        headers=headers,
        environ_base={"REMOTE_ADDR": "198.51.100.23"},
    )
    logged = caplog.text
    for secret in ("UNIQUE-AGENT", "203.0.113.77", "198.51.100.23", link.token):
        assert secret not in logged
    [saved] = stored(session, link.assessment)
    row = " ".join(str(getattr(saved, column.key)) for column in Response.__table__.columns)
    for secret in ("UNIQUE-AGENT", "203.0.113.77", "198.51.100.23"):
        assert secret not in row


def test_concurrent_double_tap_is_one_response(session, make_link, clock, app):
    """Two requests with one key, the second arriving after the first stored."""
    from surveyapp.collect.forms import Submission
    from surveyapp.collect.services import link_status, record_response
    from surveyapp.security import FormKey

    status = link_status(session, make_link(instrument="student").token, clock.now)
    link, questionnaire = status.link, status.questionnaire
    issued = clock.now - timedelta(seconds=90)
    key = FormKey(nonce="same-nonce", issued_at=issued, signed_at=issued, device="d")
    submission = Submission(
        group="学生", grade=5, area="城区", resident=True, answers={"q17": "满意"}
    )
    first = record_response(
        session,
        link=link,
        questionnaire=questionnaire,
        submission=submission,
        key=key,
        device_hash=None,
        now=clock.now,
    )
    second = record_response(
        session,
        link=link,
        questionnaire=questionnaire,
        submission=submission,
        key=key,
        device_hash=None,
        now=clock.now,
    )
    assert first == second  # the stored response's id, once
    count = session.scalar(
        select(func.count())
        .select_from(Response)
        .where(Response.assessment_id == link.assessment_id)
    )
    assert count == 1


def test_the_parents_only_question_is_not_marked_required_for_everyone(client, make_link):
    link = make_link(instrument="social")
    page = client.get(f"/s/{link.token}").get_data(as_text=True)
    grade = page.split('id="f-grade"', 1)[1].split("</legend>", 1)[0]
    assert "（家长必答）" in grade and 'class="req"' not in grade
    identity = page.split('id="f-identity"', 1)[1].split("</legend>", 1)[0]
    assert 'class="req"' in identity


def test_a_refusal_names_the_unanswered_questions_with_links(client, session, make_link, clock):
    link = make_link(instrument="social")
    key = open_form(client, link)
    clock.advance(60)
    body = full_answers("social", identity="其他群众")
    del body["q1"], body["q3"]  # shown as questions 5 and 7
    page = submit(client, link, key, body).get_data(as_text=True)
    summary = page.split('role="alert">', 1)[1].split("</p>", 1)[0]
    assert re.sub(r"<[^>]+>", "", summary).startswith("第 5、7 题未答")
    assert '<a href="#f-q1">5</a>' in summary and '<a href="#f-q3">7</a>' in summary
    assert 'class="card q bad" id="f-q1"' in page and 'class="card q bad" id="f-q3"' in page
    assert ".bad{border:3px solid #b42318" in page  # a clear mark, not a faint outline
    assert page.index("题未答") < page.index('id="f-identity"')  # at the top


def test_a_draft_whose_planned_start_has_passed_names_no_past_date(
    client, make_assessment, make_link
):
    past = datetime.now(UTC) - timedelta(days=3)
    link = make_link(assessment=make_assessment(state="draft", opens_at=past))
    page = client.get(f"/s/{link.token}").get_data(as_text=True)
    assert "调查尚未开始" in page and "将于" not in page


def test_a_future_start_is_named(client, make_assessment, make_link):
    start = datetime(2031, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai
    link = make_link(
        assessment=make_assessment(opens_at=start, closes_at=start + timedelta(days=9))
    )
    page = client.get(f"/s/{link.token}").get_data(as_text=True)
    assert "将于 2031-03-02 09:00 开始" in page


def test_a_collection_closed_early_shows_when_it_closed(
    client, session, make_assessment, make_link
):
    planned_end = datetime.now(UTC) + timedelta(days=10)
    assessment = make_assessment(closes_at=planned_end)
    assessment.close(datetime(2026, 5, 6, 7, 30, tzinfo=UTC))
    session.commit()
    link = make_link(assessment=assessment)
    page = client.get(f"/s/{link.token}").get_data(as_text=True)
    assert "调查已结束" in page and "2026-05-06 15:30 截止" in page
    assert planned_end.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d") not in page


def test_a_window_that_ended_shows_its_end(client, make_assessment, make_link):
    end = datetime.now(UTC) - timedelta(hours=5)
    link = make_link(assessment=make_assessment(closes_at=end))
    page = client.get(f"/s/{link.token}").get_data(as_text=True)
    assert f"{end.astimezone(ZoneInfo('Asia/Shanghai')):%Y-%m-%d %H:%M} 截止" in page


def test_returning_after_answering_says_so(app, client, session, make_assessment, make_link, clock):
    assessment = make_assessment()
    link = make_link(assessment=assessment, instrument="social")
    key = open_form(client, link)
    clock.advance(60)
    submit(client, link, key, full_answers("social", identity="其他群众"))
    again = client.get(f"/s/{link.token}").get_data(as_text=True)
    assert "您已在本设备上填写过本问卷" in again and 'name="key"' not in again
    assert "请用自己的手机" in again  # what a family sharing the phone should do
    # The child's questionnaire on the same phone, and another phone, still open.
    student = make_link(assessment=assessment, instrument="student")
    assert 'name="key"' in client.get(f"/s/{student.token}").get_data(as_text=True)
    assert 'name="key"' in app.test_client().get(f"/s/{link.token}").get_data(as_text=True)
