"""An evaluator records an exception to the 家长 share (SPEC §2.5); it is shown with the
check and makes it pass, with reason, document, who and when."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.service.test_imports_and_verdict import answer_many


def _evaluator(client, login, make_user, assessment, role="evaluator"):
    county = assessment.county if role == "evaluator" else None
    login(make_user("boss", role=role, county=county))
    with client.session_transaction() as state:
        return state["csrf"]


def test_recorded_exception_passes_the_parent_share_check(
    app, client, login, make_user, make_assessment, make_link
):
    assessment = make_assessment(min_duration_s=0)
    answer_many(app, assessment, make_link, 6)  # 其他群众 only: 家长 0%
    token = _evaluator(client, login, make_user, assessment)
    page = client.get(f"/a/{assessment.id}").get_data(as_text=True)
    assert "✗ 家长有效问卷占 0.0%，低于 50%" in page
    assert "记录家长占比的例外" in page
    reply = client.post(
        f"/a/{assessment.id}/sample-exception",
        data={
            "csrf_token": token,
            "reason": "寄宿制学校家长难以联系",
            "document": "文教函〔2026〕12号",
        },
    )
    assert reply.status_code == 302
    page = client.get(f"/a/{assessment.id}").get_data(as_text=True)
    assert (
        "✓ 家长有效问卷占 0.0%，低于 50%；例外：寄宿制学校家长难以联系（依据：文教函〔2026〕12号；boss，"
        in page
    )
    verdict = client.get(f"/a/{assessment.id}/verdict").get_data(as_text=True)
    assert "例外：寄宿制学校家长难以联系" in verdict


def test_an_exception_needs_reason_and_document(
    app, client, login, make_user, make_assessment, make_link
):
    assessment = make_assessment(min_duration_s=0)
    answer_many(app, assessment, make_link, 6)
    token = _evaluator(client, login, make_user, assessment)
    client.post(
        f"/a/{assessment.id}/sample-exception",
        data={"csrf_token": token, "reason": "  ", "document": ""},
    )
    page = client.get(f"/a/{assessment.id}").get_data(as_text=True)
    assert "请填写例外的理由（不超过 500 字）" in page
    assert "请填写依据文件（文号或名称，不超过 200 字）" in page
    assert "✗ 家长有效问卷占 0.0%，低于 50%" in page


def test_only_evaluators_record_exceptions(client, login, make_user, make_assessment):
    # provincial staff see the assessment but do not record the county's exceptions
    assessment = make_assessment(min_duration_s=0)
    token = _evaluator(client, login, make_user, assessment, role="province")
    reply = client.post(
        f"/a/{assessment.id}/sample-exception",
        data={"csrf_token": token, "reason": "理由", "document": "文件"},
    )
    assert reply.status_code == 403


# SPEC §1 "indicator files, 特殊情况, exceptions": the role whose stage the assessment is
# (county at 县级自评, 州市 at 州市复核, province at 省级评估), and the admin.
@pytest.mark.parametrize(
    ("stage", "role", "allowed"),
    [
        ("county", "evaluator", True),
        ("county", "admin", True),
        ("county", "prefecture", False),
        ("prefecture", "evaluator", False),
        ("prefecture", "prefecture", True),
        ("province", "evaluator", False),
        ("province", "province", True),
    ],
)
def test_the_stage_role_records_the_exception(
    app, client, login, session, make_user, make_assessment, make_link, stage, role, allowed
):
    from surveyapp.models import SampleException

    assessment = make_assessment(min_duration_s=0, stage=stage)
    answer_many(app, assessment, make_link, 6)  # 其他群众 only: 家长 0%
    user = make_user("boss", role=role, county=assessment.county if role == "evaluator" else None)
    if role == "prefecture":
        user.prefecture = assessment.county.prefecture
        session.flush()
    login(user)
    page = client.get(f"/a/{assessment.id}").get_data(as_text=True)
    assert ("记录家长占比的例外" in page) == allowed
    with client.session_transaction() as state:
        token = state["csrf"]
    reply = client.post(
        f"/a/{assessment.id}/sample-exception",
        data={"csrf_token": token, "reason": "理由", "document": "文件"},
    )
    assert reply.status_code == (302 if allowed else 403), (stage, role)
    recorded = session.scalars(
        select(SampleException).where(SampleException.assessment_id == assessment.id)
    ).all()
    assert len(recorded) == (1 if allowed else 0)
