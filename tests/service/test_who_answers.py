"""Who answers (SPEC §2.5): 家长 wherever they live, staff only on the 校长教师卷."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from surveyapp.models import Questionnaire, Response
from surveyapp.questionnaires.builtin import builtin_questionnaire

KEY = re.compile(r'name="key" value="([^"]+)"')


def submit(client, link, answers):
    page = client.get(f"/s/{link.token}").get_data(as_text=True)
    key = KEY.search(page).group(1)
    return client.post(f"/s/{link.token}", data={"key": key, **answers})


def items(instrument, county="测试1县"):
    questions = builtin_questionnaire(instrument, county)["questions"]
    return {q["id"]: "满意" for q in questions if q["kind"] == "item"}


def stored(session, assessment):
    session.expire_all()
    return session.scalars(select(Response).where(Response.assessment_id == assessment.id)).all()


@pytest.fixture
def assessment(make_assessment, make_county):
    return make_assessment(county=make_county(name="砚山县"), min_duration_s=0)


def test_a_grandparent_living_elsewhere_is_a_valid_家长(client, session, assessment, make_link):
    link = make_link(assessment=assessment, instrument="social")
    page = client.get(f"/s/{link.token}").get_data(as_text=True)
    assert "爷爷奶奶、外公外婆等监护人，不论您住在哪里" in page
    answers = {"identity": "学生家长", "grade": "3年级", "area": "不住在砚山县", **items("social")}
    response = submit(client, link, answers)  # no answer to the 常住 question: not asked
    assert response.status_code == 303
    [saved] = stored(session, assessment)
    assert saved.valid and saved.respondent_group == "家长"
    assert saved.residence == "县外" and saved.area is None


def test_a_家长_link_does_not_ask_whether_one_lives_in_the_county(client, make_link, assessment):
    link = make_link(assessment=assessment, instrument="social", preset_group="家长")
    page = client.get(f"/s/{link.token}").get_data(as_text=True)
    assert 'id="f-resident"' not in page and 'id="f-grade"' in page


def test_another_adult_not_living_or_working_here_is_kept_invalid(
    client, session, assessment, make_link
):
    link = make_link(assessment=assessment, instrument="social")
    answers = {"identity": "其他群众", "resident": "否", "area": "不住在砚山县", **items("social")}
    assert submit(client, link, answers).status_code == 303
    [saved] = stored(session, assessment)
    assert not saved.valid and saved.invalid_reason == "非本县居民"


def test_a_teacher_on_the_社会卷_is_sent_to_the_staff_questionnaire(
    client, session, assessment, make_link
):
    link = make_link(assessment=assessment, instrument="social")
    answers = {
        "identity": "学校的校长或老师",
        "resident": "是",
        "area": "村里",
        **items("social"),
    }
    response = submit(client, link, answers)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    message = page.split('id="f-identity"', 1)[1].split("</fieldset>", 1)[0]
    assert "学校的校长和老师请填写“校长教师卷”" in message
    assert "请向学校或砚山县教育部门索取" in message
    assert stored(session, assessment) == []


def test_a_parent_of_a_special_school_pupil_need_not_give_a_grade(
    client, session, assessment, make_link
):
    link = make_link(assessment=assessment, instrument="social")
    answers = {
        "identity": "学生家长",
        "grade": "孩子在特殊教育学校，不分年级",
        "area": "村里",
        **items("social"),
    }
    assert submit(client, link, answers).status_code == 303
    [saved] = stored(session, assessment)
    assert saved.valid and saved.respondent_group == "家长" and saved.grade is None


def test_a_special_school_pupil_answers_without_a_grade(client, session, assessment, make_link):
    # The independent wording review: the 学生卷 forced a grade on a pupil who has none.
    link = make_link(assessment=assessment, instrument="student")
    answers = {"grade": "在特殊教育学校，不分年级", "resident": "是", "area": "村里"}
    assert submit(client, link, {**answers, **items("student")}).status_code == 303
    [saved] = stored(session, assessment)
    assert saved.valid and saved.respondent_group == "学生" and saved.grade is None


def test_the_grade_is_not_asked_of_others(client, session, assessment, make_link):
    link = make_link(assessment=assessment, instrument="social")
    answers = {"identity": "人大代表", "resident": "是", "area": "村里", **items("social")}
    assert submit(client, link, answers).status_code == 303
    [saved] = stored(session, assessment)
    assert saved.respondent_group == "人大代表" and saved.grade is None


def test_a_pupil_under_grade_3_is_thanked_and_not_stored(client, session, assessment, make_link):
    link = make_link(assessment=assessment, instrument="student")
    answers = {"grade": "1年级或2年级", "resident": "是", "area": "村里", **items("student")}
    response = submit(client, link, answers)
    assert response.status_code == 422
    assert "这份问卷请三年级到初三的同学填写" in response.get_data(as_text=True)
    assert stored(session, assessment) == []


def test_the_staff_questionnaire_asks_staff_only(session, assessment):
    staff = session.scalars(
        select(Questionnaire).where(
            Questionnaire.assessment_id == assessment.id, Questionnaire.instrument == "staff"
        )
    ).one()
    identity = staff.question("identity")
    assert set(identity["values"].values()) == {"校长", "教师"}
    assert staff.question("resident")["text"] == "您在砚山县的学校工作吗？"


def test_the_常住_question_tells_a_parent_they_may_skip_it(client, assessment, make_link):
    link = make_link(assessment=assessment, instrument="social")
    page = client.get(f"/s/{link.token}").get_data(as_text=True)
    resident = page.split('id="f-resident"', 1)[1].split("</legend>", 1)[0]
    assert "学生家长不用答这一题" in resident and 'class="req"' not in resident
