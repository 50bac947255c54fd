"""Editing the wording until the first response, then frozen (SPEC §2.5)."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import select

from surveyapp.collect.links import freeze_wording, read_link
from surveyapp.models import AuditEntry, Questionnaire
from surveyapp.models.questionnaire import INSTRUMENTS, QuestionnaireFrozen
from surveyapp.questionnaires import wording
from surveyapp.questionnaires.builtin import builtin_questionnaire
from tests.service.respondent import full_answers, open_form, submit


def csrf(client):
    with client.session_transaction() as state:
        return state["csrf"]


def questionnaire_of(session, assessment, instrument="social") -> Questionnaire:
    session.expire_all()
    return session.scalars(
        select(Questionnaire).where(
            Questionnaire.assessment_id == assessment.id, Questionnaire.instrument == instrument
        )
    ).one()


def posted(questionnaire: Questionnaire, **changes: str) -> dict[str, str]:
    """The edit form as the page posts it: every field with its stored value, then changes."""
    fields = {"title": questionnaire.title, "intro": questionnaire.intro}
    for question in questionnaire.questions:
        fields[f"text-{question['id']}"] = question["text"]
        fields[f"hint-{question['id']}"] = question.get("hint", "")
    fields.update(changes)
    return fields


@pytest.fixture
def evaluator(client, login, make_user, make_assessment):
    assessment = make_assessment(min_duration_s=0)
    login(make_user("own", role="evaluator", county=assessment.county))
    return assessment


def test_an_edit_shows_on_the_phone_and_is_audited(app, client, session, evaluator, make_link):
    assessment = evaluator
    link = make_link(assessment=assessment, instrument="social", preset_group="家长")
    stored = questionnaire_of(session, assessment)
    before = copy.deepcopy(stored.questions)
    county = assessment.county.name
    new_text = f"您对{county}的学校教孩子做人的工作满意吗？"
    response = client.post(
        f"/a/{assessment.id}/questionnaires/social",
        data={**posted(stored, **{"text-q1": new_text, "hint-q1": ""}), "csrf_token": csrf(client)},
    )
    assert response.status_code == 302
    after = questionnaire_of(session, assessment)
    q1 = after.question("q1")
    assert q1 is not None and q1["text"] == new_text and "hint" not in q1
    # only the texts change: the ids, the options and who is asked stay as they were
    strip = [{k: v for k, v in q.items() if k not in ("text", "hint")} for q in after.questions]
    assert strip == [{k: v for k, v in q.items() if k not in ("text", "hint")} for q in before]
    page = app.test_client().get(f"/s/{link.token}").get_data(as_text=True)
    assert new_text in page
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "wording")).one()
    assert entry.after == {"text-q1": new_text, "hint-q1": ""}
    q1_before = next(q for q in before if q["id"] == "q1")
    assert entry.before == {"text-q1": q1_before["text"], "hint-q1": q1_before["hint"]}


def test_every_problem_is_named_and_nothing_is_stored(client, session, evaluator):
    assessment = evaluator
    before = questionnaire_of(session, assessment)
    stored = copy.deepcopy(before.questions)
    county = assessment.county.name
    response = client.post(
        f"/a/{assessment.id}/questionnaires/social",
        data={
            **posted(
                before,
                title="   ",
                **{
                    "text-q1": "您对本县的学校满意吗？",
                    "hint-q2": "很长" * 200,
                    "text-area": "",
                },
            ),
            "csrf_token": csrf(client),
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "有 4 处需要修改" in page and "没有保存" in page
    assert f"请写明县名“{county}”，不要写“本县”" in page
    assert "太长：400 字，最多 300 字" in page
    assert page.count("不能为空") == 2
    assert "您对本县的学校满意吗？" in page  # what was typed comes back to be corrected
    assert questionnaire_of(session, assessment).questions == stored


def test_a_bracket_in_an_item_is_a_warning_and_saved(client, session, evaluator):
    assessment = evaluator
    before = questionnaire_of(session, assessment)
    text = f"您对{assessment.county.name}学校的作业量（不多、能按时完成）满意吗？"
    response = client.post(
        f"/a/{assessment.id}/questionnaires/social",
        data={**posted(before, **{"text-q8": text}), "csrf_token": csrf(client)},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "题目里有括号" in response.get_data(as_text=True)
    assert questionnaire_of(session, assessment).question("q8")["text"] == text


def test_the_first_response_freezes_the_wording(app, client, session, evaluator, make_link):
    assessment = evaluator
    link = make_link(assessment=assessment, instrument="student")
    phone = app.test_client()
    submit(phone, link, open_form(phone, link), full_answers("student"))
    page = client.get(f"/a/{assessment.id}/questionnaires/student").get_data(as_text=True)
    assert "措辞已冻结" in page and 'name="text-q17"' not in page
    before = questionnaire_of(session, assessment, "student")
    title = before.title
    response = client.post(
        f"/a/{assessment.id}/questionnaires/student",
        data={**posted(before, title="改过的标题"), "csrf_token": csrf(client)},
    )
    assert response.status_code == 409
    assert "不能再修改" in response.get_data(as_text=True)
    assert questionnaire_of(session, assessment, "student").title == title


def test_a_response_arriving_during_the_edit_wins(session, make_assessment, make_link):
    """The wording was read unfrozen; a first response froze it before the save."""
    assessment = make_assessment()
    link = make_link(assessment=assessment, instrument="social")
    questionnaire = questionnaire_of(session, assessment)
    form = wording.read_wording(questionnaire, {"title": "新标题"}, assessment.county.name)
    found = read_link(session, link.token)
    assert found is not None and found[1] is not None
    freeze_wording(session, found[1], assessment.opens_at)  # the response's UPDATE
    with pytest.raises(QuestionnaireFrozen):
        wording.save_wording(session, questionnaire, form, questionnaire.questions)
    assert questionnaire_of(session, assessment).title != "新标题"


def test_the_builtin_wording_comes_back(client, session, evaluator):
    assessment = evaluator
    before = questionnaire_of(session, assessment, "staff")
    client.post(
        f"/a/{assessment.id}/questionnaires/staff",
        data={**posted(before, title="临时标题"), "csrf_token": csrf(client)},
    )
    assert questionnaire_of(session, assessment, "staff").title == "临时标题"
    client.post(
        f"/a/{assessment.id}/questionnaires/staff",
        data={"builtin": "1", "csrf_token": csrf(client)},
    )
    restored = questionnaire_of(session, assessment, "staff")
    builtin = builtin_questionnaire("staff", assessment.county.name)
    assert restored.title == builtin["title"] and restored.questions == builtin["questions"]


@pytest.mark.parametrize("instrument", list(INSTRUMENTS))
@pytest.mark.parametrize("county", ["砚山县", "石林彝族自治县", "安宁市", "五华区"])
def test_the_builtin_wording_passes_its_own_checks(
    session, make_assessment, make_county, instrument, county
):
    assessment = make_assessment(county=make_county(name=county))
    questionnaire = questionnaire_of(session, assessment, instrument)
    form = wording.read_wording(questionnaire, posted(questionnaire), county)
    assert form.errors == {} and form.warnings == {}
    assert wording.changes(questionnaire, form) == {}


def test_the_preview_is_the_phone_page_without_a_submit(client, evaluator):
    assessment = evaluator
    general = client.get(f"/a/{assessment.id}/questionnaires/social/preview")
    parents = client.get(f"/a/{assessment.id}/questionnaires/social/preview?group=家长")
    assert general.status_code == parents.status_code == 200
    general_page, parent_page = general.get_data(as_text=True), parents.get_data(as_text=True)
    assert "预览" in parent_page and "提交问卷" not in parent_page and "action=" not in parent_page
    # the identity question is asked on the general link only
    assert 'name="identity"' in general_page and 'name="identity"' not in parent_page
    assert (
        client.get(f"/a/{assessment.id}/questionnaires/social/preview?group=学生").status_code
        == 404
    )
    assert client.get(f"/a/{assessment.id}/questionnaires/other").status_code == 404


def test_the_province_reads_the_wording_but_cannot_edit(
    client, session, login, make_user, make_assessment
):
    assessment = make_assessment()
    login(make_user("prov", role="province"))
    page = client.get(f"/a/{assessment.id}/questionnaires/social").get_data(as_text=True)
    assert "您可以查看措辞" in page and 'name="title"' not in page
    before = questionnaire_of(session, assessment)
    response = client.post(
        f"/a/{assessment.id}/questionnaires/social",
        data={**posted(before, title="x"), "csrf_token": csrf(client)},
    )
    assert response.status_code == 403
