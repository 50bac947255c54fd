"""Stages as a workflow (issue 12): 县级自评 → 州市复核 → 省级评估, with the approver's role."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from analysis.display import format_percent
from surveyapp.assessments.setup import create_default_links
from surveyapp.db import utcnow
from surveyapp.demo import add_synthetic_responses
from surveyapp.models import Assessment, AuditEntry, Questionnaire
from surveyapp.province import stages
from surveyapp.province.services import summary_from_verdict
from surveyapp.verdicts.services import frozen_verdict
from tests.service.test_verdict_freeze import closed, freeze  # noqa: F401 — the fixture

COUNTS = {"家长": 60, "学生": 50, "教师": 30, "校长": 10, "人大代表": 10, "其他群众": 20}


def _token(client):
    with client.session_transaction() as state:
        return state["csrf"]


def _prefecture_user(make_user, session, name, prefecture):
    user = make_user(name, role="prefecture")
    user.prefecture = prefecture
    session.flush()
    return user


@pytest.fixture
def frozen(client, session, closed):  # noqa: F811 — the imported fixture
    """The closed 县级自评 with responses, its verdict frozen by its evaluator."""
    assessment, token = closed
    create_default_links(session, assessment)
    session.flush()
    add_synthetic_responses(session, assessment, COUNTS, random.Random(3), invalid=False)
    session.flush()
    assert freeze(client, assessment, token).status_code == 302
    assert frozen_verdict(session, assessment.id) is not None
    return assessment


def _advance(client, assessment):
    return client.post(f"/a/{assessment.id}/verdict/advance", data={"csrf_token": _token(client)})


def test_no_move_without_a_frozen_verdict(client, session, closed, make_user):  # noqa: F811
    assessment, token = closed
    admin = make_user("chief", role="admin")
    with pytest.raises(stages.StageRefused) as refused:
        stages.advance(session, assessment, admin, utcnow())
    assert refused.value.code == "not_frozen"
    assert str(refused.value) == "县级自评的认定结论尚未定稿，不能进入下一阶段"
    response = _advance(client, assessment)  # the county's own evaluator
    assert response.status_code == 409
    assert "县级自评的认定结论尚未定稿" in response.get_data(as_text=True)
    assert _stage(session, assessment, "prefecture") is None


def test_two_approvers_at_once_store_one_stage(session, frozen, make_user, monkeypatch):
    """Both pass the check before either commits: the database's unique rule decides,
    and the second gets the Chinese reason, not a 500."""
    admin = make_user("chief", role="admin")
    stages.advance(session, frozen, admin, utcnow())
    monkeypatch.setattr(stages, "_stage_assessment", lambda *args: None)  # the race
    with pytest.raises(stages.StageRefused) as refused:
        stages.advance(session, frozen, admin, utcnow())
    assert refused.value.code == "exists" and "州市复核已经存在" in str(refused.value)
    assert _stage(session, frozen, "prefecture") is not None


@pytest.mark.parametrize(
    ("role", "prefecture"), [("province", None), ("evaluator", None), ("prefecture", "别的州")]
)
def test_wrong_approver_is_refused_with_the_reason(session, frozen, make_user, role, prefecture):
    if role == "prefecture":
        user = _prefecture_user(make_user, session, "other", prefecture)
    else:
        user = make_user("wrong", role=role, county=frozen.county if role == "evaluator" else None)
    with pytest.raises(stages.StageRefused) as refused:
        stages.advance(session, frozen, user, utcnow())
    assert refused.value.code == "approver"
    assert str(refused.value) == "进入州市复核须由测试州的州市人员或管理员批准"
    assert _stage(session, frozen, "prefecture") is None


def test_wrong_role_through_the_page(client, session, frozen, login, make_user):
    page = client.get(f"/a/{frozen.id}/verdict").get_data(as_text=True)
    assert "进入下一阶段" not in page  # the county's evaluator may not approve
    login(make_user("prov", role="province"))
    response = _advance(client, frozen)
    assert response.status_code == 409
    assert "进入州市复核须由测试州的州市人员或管理员批准" in response.get_data(as_text=True)


def test_the_prefecture_moves_it_on_with_the_settings_copied(
    client, session, frozen, login, make_user
):
    approver = _prefecture_user(make_user, session, "zhou", "测试州")
    login(approver)
    page = client.get(f"/a/{frozen.id}/verdict").get_data(as_text=True)
    assert "进入下一阶段：州市复核" in page
    response = _advance(client, frozen)
    assert response.status_code == 302
    created = _stage(session, frozen, "prefecture")
    assert created is not None and response.headers["Location"].endswith(f"/a/{created.id}/verdict")
    assert (created.state, created.opens_at, created.closes_at) == ("draft", None, None)
    for name in stages.CARRIED:
        assert getattr(created, name) == getattr(frozen, name), name
    instruments = session.scalars(
        select(Questionnaire.instrument).where(Questionnaire.assessment_id == created.id)
    ).all()
    assert sorted(instruments) == ["social", "staff", "student"]
    [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "stage")).all()
    assert (entry.username, entry.after["阶段"], entry.before["评估"]) == (
        "zhou",
        "prefecture",
        frozen.id,
    )


def test_a_second_move_to_the_same_stage_is_refused(session, frozen, make_user):
    admin = make_user("chief", role="admin")
    stages.advance(session, frozen, admin, utcnow())
    with pytest.raises(stages.StageRefused) as refused:
        stages.advance(session, frozen, admin, utcnow())
    assert refused.value.code == "exists"
    assert "州市复核已经存在" in str(refused.value)


@pytest.mark.parametrize(
    ("role", "prefecture", "stage", "allowed"),
    [
        ("admin", None, "prefecture", True),
        ("prefecture", "测试州", "prefecture", True),
        ("prefecture", "测试州", "province", False),
        ("province", None, "province", True),
        ("province", None, "prefecture", False),
        ("agency", None, "province", False),
    ],
)
def test_who_approves_which_stage(
    session, make_county, make_user, role, prefecture, stage, allowed
):
    user = make_user(f"u{role}", role=role, county=None)
    user.prefecture = prefecture
    assert stages.may_approve(user, make_county(), stage) is allowed


def test_the_last_stage_does_not_move(session, make_assessment, make_user):
    assessment = make_assessment(state="closed", stage="province")
    with pytest.raises(stages.StageRefused) as refused:
        stages.advance(session, assessment, make_user("chief", role="admin"), utcnow())
    assert refused.value.code == "last"


def test_the_comparison_shows_both_stages_side_by_side(client, session, frozen, login, make_user):
    created = stages.advance(session, frozen, make_user("chief", role="admin"), utcnow())
    verdict = frozen_verdict(session, frozen.id).verdict
    county_approval = verdict["approval"]["approval"]
    assert county_approval is not None
    review = {**verdict, "approval": {**verdict["approval"], "approval": 0.887}}
    summary_from_verdict(session, created, review)  # the 复核's computed (not frozen) verdict
    session.flush()
    rows = stages.stage_comparison(session, frozen.county, frozen.year)
    assert [(r.stage, r.approval) for r in rows] == [
        ("county", county_approval),
        ("prefecture", 0.887),
    ]
    assert rows[0].frozen_by == "boss" and rows[1].frozen_at is None
    assert rows[0].reasons == len(verdict["reasons"])
    line = f"自评 认可度 {format_percent(county_approval)}，复核 88.7%"
    for assessment in (frozen, created):
        page = client.get(f"/a/{assessment.id}/verdict").get_data(as_text=True)
        assert line in page


def _stage(session, assessment, stage) -> Assessment | None:
    return session.scalars(
        select(Assessment).where(
            Assessment.county_id == assessment.county_id,
            Assessment.year == assessment.year,
            Assessment.stage == stage,
        )
    ).first()
