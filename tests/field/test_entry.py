"""代填 and 纸质: recorded with their mode and who entered them, counted per mode; the
interviewer of another county refused; the double-entry error rate per batch."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.integrity import find_signals
from surveyapp import db
from surveyapp.collect.forms import Submission
from surveyapp.field import entry
from surveyapp.integrity.services import integrity_table, read_aloud_seconds
from surveyapp.models import (
    Assessment,
    CollectionLink,
    PaperCheck,
    Questionnaire,
    Response,
    User,
)
from surveyapp.questionnaires.builtin import BUILTIN

KEY = re.compile(r'name="key" value="([^"]+)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(db, "utcnow", clock)
    return clock


def parent_answers() -> dict[str, str]:
    """A 家长's complete answers to the 社会卷: the first option of each question asked."""
    questions = BUILTIN["social"]["questions"]
    return {q["id"]: q["options"][0] for q in questions if q["kind"] != "resident"}


def parent_digits(**changes: str) -> dict[str, str]:
    questions = BUILTIN["social"]["questions"]
    digits = {q["id"]: "1" for q in questions if q["kind"] != "resident"}
    return digits | changes


def stored(session: Session, assessment: Assessment) -> list[Response]:
    session.expire_all()
    query = select(Response).where(Response.assessment_id == assessment.id)
    return list(session.scalars(query.order_by(Response.id)))


@pytest.fixture
def field_link(
    make_assessment: Callable[..., Assessment], make_link: Callable[..., CollectionLink]
) -> CollectionLink:
    assessment = make_assessment()
    return make_link(assessment, "social", school=assessment.county.schools[0])


def interview(client: FlaskClient, link: CollectionLink, clock: Clock, seconds: float):
    page = client.get(f"/field/s/{link.token}")
    assert page.status_code == 200, page.get_data(as_text=True)
    text = page.get_data(as_text=True)
    assert "代填" in text
    key, csrf = KEY.search(text), CSRF.search(text)
    assert key and csrf
    clock.now += timedelta(seconds=seconds)
    data = {"key": key.group(1), "csrf_token": csrf.group(1), **parent_answers()}
    return client.post(f"/field/s/{link.token}", data=data)


def test_interviewer_records_daitian_without_the_device_rule(
    client: FlaskClient,
    session: Session,
    clock: Clock,
    field_link: CollectionLink,
    make_user: Callable[..., User],
    login: Callable[[User], None],
) -> None:
    interviewer = make_user("volunteer", "interviewer", county=field_link.assessment.county)
    login(interviewer)
    # one phone, three grandparents: all three are valid (no device rule)
    for _ in range(3):
        saved = interview(client, field_link, clock, seconds=90)
        assert saved.status_code == 303
    too_fast = interview(client, field_link, clock, seconds=5)
    assert too_fast.status_code == 303
    responses = stored(session, field_link.assessment)
    assert [r.mode for r in responses] == ["代填"] * 4
    assert {r.entered_by_id for r in responses} == {interviewer.id}
    assert all(r.device_hash is None for r in responses)
    assert [r.valid for r in responses] == [True, True, True, False]
    assert responses[3].codes == ["too_fast"]  # the minimum time still applies to 代填
    counts = entry.mode_counts(session, field_link.assessment_id)
    assert counts == {"代填": {"all": 4, "valid": 3}}
    home = client.get("/field").get_data(as_text=True)
    assert "我已录入 4 份" in home
    assert home.count("<td>代填</td>") == 4 and "无效：用时过短" in home


def test_interviewer_of_another_county_is_refused(
    client: FlaskClient,
    session: Session,
    clock: Clock,
    field_link: CollectionLink,
    make_county: Callable[..., object],
    make_user: Callable[..., User],
    login: Callable[[User], None],
) -> None:
    login(make_user("elsewhere", "interviewer", county=make_county("别处县")))
    page = client.get(f"/field/s/{field_link.token}")
    assert page.status_code == 403
    assert "只有本县的调查员或评估人员" in page.get_data(as_text=True)
    assert client.get(f"/field/paper/{field_link.token}").status_code == 403
    assert stored(session, field_link.assessment) == []


def test_interviewer_sees_no_assessment_pages(
    client: FlaskClient,
    field_link: CollectionLink,
    make_user: Callable[..., User],
    login: Callable[[User], None],
) -> None:
    login(make_user("volunteer", "interviewer", county=field_link.assessment.county))
    assessment_id = field_link.assessment_id
    assert client.get(f"/a/{assessment_id}").status_code == 403
    assert client.get(f"/a/{assessment_id}/export.csv").status_code == 403


def paper(client: FlaskClient, link: CollectionLink, batch: str, sheet: str, digits: dict):
    text = client.get(f"/field/paper/{link.token}").get_data(as_text=True)
    csrf = CSRF.search(text)
    assert csrf
    data = {"csrf_token": csrf.group(1), "batch": batch, "sheet": sheet, **digits}
    return client.post(f"/field/paper/{link.token}", data=data)


def test_paper_entry_and_the_double_entry_error_rate(
    client: FlaskClient,
    session: Session,
    clock: Clock,
    field_link: CollectionLink,
    make_user: Callable[..., User],
    login: Callable[[User], None],
) -> None:
    clerk = make_user("clerk", "evaluator", county=field_link.assessment.county)
    login(clerk)
    first = paper(client, field_link, "B1", "001", parent_digits())
    assert first.status_code == 303
    assert first.headers["Location"].endswith("batch=B1&sheet=002")
    assert paper(client, field_link, "B1", "002", parent_digits(q2="3")).status_code == 303
    assert paper(client, field_link, "B2", "001", parent_digits()).status_code == 303
    # check entries: sheet 001 of B1 the same; 002 with two fields entered differently
    assert paper(client, field_link, "B1", "001", parent_digits()).status_code == 303
    assert paper(client, field_link, "B1", "002", parent_digits(q5="2")).status_code == 303

    responses = stored(session, field_link.assessment)
    assert len(responses) == 3  # a check entry is never a second response
    assert {r.mode for r in responses} == {"纸质"}
    assert all(r.valid and r.duration_s is None for r in responses)  # no minimum time
    assert [(r.paper_batch, r.paper_sheet) for r in responses] == [
        ("B1", "001"),
        ("B1", "002"),
        ("B2", "001"),
    ]
    assert responses[1].answers["q2"] == "一般"
    checks = session.scalars(select(PaperCheck).order_by(PaperCheck.id)).all()
    fields = 3 + 8  # group, grade, residence and the eight items
    assert [(c.compared, c.differences) for c in checks] == [(fields, 0), (fields, 2)]
    [b1, b2] = entry.batch_errors(session, field_link.assessment_id)
    assert (b1.batch, b1.sheets, b1.checked, b1.differences) == ("B1", 2, 2, 2)
    assert b1.error_rate == pytest.approx(2 / (2 * fields))
    assert (b2.batch, b2.sheets, b2.checked, b2.error_rate) == ("B2", 1, 0, None)
    overview = client.get(f"/a/{field_link.assessment_id}/field").get_data(as_text=True)
    assert "clerk" in overview and "9.1%" in overview
    detail = client.get(f"/a/{field_link.assessment_id}").get_data(as_text=True)
    assert "<h2>填答方式</h2>" in detail and "<tr><td>纸质</td>" in detail


def test_paper_digit_out_of_range_comes_back(
    client: FlaskClient,
    session: Session,
    field_link: CollectionLink,
    make_user: Callable[..., User],
    login: Callable[[User], None],
) -> None:
    login(make_user("clerk", "evaluator", county=field_link.assessment.county))
    refused = paper(client, field_link, "B1", "001", parent_digits(q1="7"))
    assert refused.status_code == 422
    assert "请输入选项前的数字（1–5）" in refused.get_data(as_text=True)
    blank_item = paper(client, field_link, "B1", "009", parent_digits(q3="0"))
    assert blank_item.status_code == 303  # kept, invalid as 未答完
    [kept] = stored(session, field_link.assessment)
    assert kept.codes == ["incomplete"] and "q3" not in kept.answers and kept.mode == "纸质"
    identity_blank = paper(client, field_link, "B1", "010", parent_digits(identity="0"))
    assert identity_blank.status_code == 422  # only an item may be blank
    missing = paper(client, field_link, "", "001", parent_digits())
    assert missing.status_code == 422 and "请填写批次号" in missing.get_data(as_text=True)
    assert len(stored(session, field_link.assessment)) == 1


def test_interviewer_pace_flags_the_hurried_not_the_careful(
    session: Session,
    field_link: CollectionLink,
    make_user: Callable[..., User],
) -> None:
    """代填 faster than reading the questions aloud is flagged for review (never invalid)."""
    county = field_link.assessment.county
    hurried = make_user("hurried", "interviewer", county=county)
    careful = make_user("careful", "interviewer", county=county)
    questionnaire = session.scalars(
        select(Questionnaire).where(
            Questionnaire.assessment_id == field_link.assessment_id,
            Questionnaire.instrument == "social",
        )
    ).one()
    read_aloud = read_aloud_seconds(session, field_link.assessment)
    assert read_aloud == 10.0 * min(len(q["questions"]) for q in BUILTIN.values())
    start = datetime.now(UTC) - timedelta(hours=3)
    answers = {f"q{n}": "满意" for n in range(1, 9)}
    for user, step in ((hurried, 40.0), (careful, read_aloud + 30)):
        for number in range(8):
            issued = start + timedelta(seconds=number * step)
            entry.record_entry(
                session,
                link=field_link,
                questionnaire=questionnaire,
                submission=Submission("家长", 4, "城区", True, answers, "县城（市区）"),
                user=user,
                mode="代填",
                now=issued + timedelta(seconds=step - 1),
                issued_at=issued,
            )
    session.flush()
    table = integrity_table(session, field_link.assessment)
    result = find_signals(table, min_duration_s=30, read_aloud_s=read_aloud)
    by_user = dict(zip(table.index, table["entered_by"], strict=True))
    flagged = [f for f in result.flagged if any(x.rule == "interviewer_pace" for x in f.flags)]
    positions = {r: i for i, r in enumerate(table["response_id"])}
    assert {by_user[positions[f.response_id]] for f in flagged} == {"hurried"}
    assert len(flagged) == 8
    assert "调查员 hurried 有 8 份代填" in flagged[0].flags[0].figure
    assert all(r.valid for r in stored(session, field_link.assessment))  # never invalidated


@pytest.mark.parametrize("digit", ["²", "①", "٣", "9" * 5000])
def test_paper_digits_that_are_not_ascii_come_back(
    client: FlaskClient,
    session: Session,
    field_link: CollectionLink,
    make_user: Callable[..., User],
    login: Callable[[User], None],
    digit: str,
) -> None:
    """str.isdigit() takes "²", "①" and "٣", which int() refuses: the form comes back."""
    login(make_user("clerk", "evaluator", county=field_link.assessment.county))
    refused = paper(client, field_link, "B1", digit, parent_digits(q1=digit))
    assert refused.status_code == 422
    assert "请输入选项前的数字（1–5）" in refused.get_data(as_text=True)
    assert stored(session, field_link.assessment) == []


@pytest.mark.parametrize("mode", ["代填", "纸质"])
def test_the_first_field_entry_freezes_the_wording(
    client: FlaskClient,
    session: Session,
    clock: Clock,
    field_link: CollectionLink,
    make_user: Callable[..., User],
    login: Callable[[User], None],
    mode: str,
) -> None:
    """A 代填 or 纸质 response is a response: the wording is frozen from it on (SPEC §2.5)."""
    questionnaire = session.scalars(
        select(Questionnaire).where(
            Questionnaire.assessment_id == field_link.assessment_id,
            Questionnaire.instrument == field_link.instrument,
        )
    ).one()
    assert questionnaire.frozen_at is None
    login(make_user("clerk", "evaluator", county=field_link.assessment.county))
    if mode == "代填":
        saved = interview(client, field_link, clock, seconds=90)
    else:
        saved = paper(client, field_link, "B1", "001", parent_digits())
    assert saved.status_code == 303
    session.refresh(questionnaire)
    assert questionnaire.frozen_at == clock.now
