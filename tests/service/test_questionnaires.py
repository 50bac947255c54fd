"""The built-in questionnaires as created for a county (SPEC §2.5 wording rules)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from surveyapp.models import Questionnaire
from surveyapp.questionnaires.builtin import SCALE, TOPICS

# 第九条 and the national invitations, in the seed's words (考试评估制度改革).
CONTENT_POINTS = [
    "落实立德树人",
    "教育公平政策",
    "优质资源共享",
    "规范办学行为",
    "素质教育",
    "考试评估制度改革",
    "教育质量",
    "减轻过重课业负担",
]
POLICY_TOPICS = {"教育公平政策", "优质资源共享"}  # 第九条: 县级人民政府及有关部门 as actor


def texts(questionnaire: Questionnaire) -> list[str]:
    """Every text a respondent reads: title, intro, questions, hints, options, messages."""
    found = [questionnaire.title, questionnaire.intro]
    for question in questionnaire.questions:
        found += [question["text"], question.get("hint", ""), *question["options"]]
        found += list(question.get("screen_out", {}).values())
    return found


@pytest.mark.parametrize("county", ["砚山县", "安宁市"])
def test_the_texts_name_the_county_and_never_本县(session, make_county, make_assessment, county):
    assessment = make_assessment(county=make_county(name=county))
    questionnaires = session.scalars(
        select(Questionnaire).where(Questionnaire.assessment_id == assessment.id)
    ).all()
    assert {q.instrument for q in questionnaires} == {"social", "staff", "student"}
    for questionnaire in questionnaires:
        words = texts(questionnaire)
        assert not [text for text in words if "本县" in text], questionnaire.instrument
        assert not [text for text in words if "{" in text or "}" in text]
        assert county in questionnaire.title
        for item in questionnaire.items:
            assert item["options"] == SCALE == ["满意", "比较满意", "一般", "不满意", "不了解"]
            if item["topic"] in POLICY_TOPICS:
                assert f"{county}人民政府及有关部门" in item["text"], item["id"]
        assert [item["topic"] for item in questionnaire.items] == CONTENT_POINTS
        assert TOPICS == CONTENT_POINTS
        # stored as JSON: the screening values map the filled options
        json.dumps(questionnaire.questions, ensure_ascii=False)
        for question in questionnaire.questions:
            if "values" in question:
                assert set(question["values"]) == set(question["options"])


def test_no_item_asks_about_two_things_joined_by_和_or_presupposes_compliance(
    session, make_assessment
):
    """Guards against the first release's faults coming back (docs/questionnaires.md)."""
    assessment = make_assessment()
    items = [
        item
        for questionnaire in session.scalars(
            select(Questionnaire).where(Questionnaire.assessment_id == assessment.id)
        )
        for item in questionnaire.items
    ]
    assert len({item["id"] for item in items}) == 24
    for item in items:
        text = item["text"]
        assert "不多、能按时完成" not in text and "不随便" not in text and "不公布" not in text
        assert text.endswith("满意吗？"), item["id"]
        assert item["hint"], item["id"]  # every item has its example line
