"""The blank form kept per wording and link (issue 15): the same page, changes at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from surveyapp.collect import pages
from surveyapp.db import utcnow
from surveyapp.models import Questionnaire
from surveyapp.questionnaires.wording import WordingForm, save_wording
from tests.service.respondent import KEY, full_answers, open_form, submit

pytestmark = pytest.mark.filterwarnings("error")


def _questionnaire(session, link) -> Questionnaire:
    return session.scalars(
        select(Questionnaire).where(
            Questionnaire.assessment_id == link.assessment_id,
            Questionnaire.instrument == link.instrument,
        )
    ).one()


def _frozen(session, link) -> Questionnaire:
    questionnaire = _questionnaire(session, link)
    questionnaire.frozen_at = utcnow()  # as its first response does (collect.links)
    session.flush()
    return questionnaire


def _page(client, link) -> str:
    page = client.get(f"/s/{link.token}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_a_kept_page_is_the_rendered_page_with_its_own_key(app, session, make_link):
    link = make_link(instrument="social")
    unfrozen = _page(app.test_client(), link)  # rendered: nothing kept before the freeze
    assert len(app.extensions[pages.EXTENSION]) == 0
    _frozen(session, link)
    first, second = _page(app.test_client(), link), _page(app.test_client(), link)
    assert len(app.extensions[pages.EXTENSION]) == 1
    keys = [KEY.search(page).group(1) for page in (unfrozen, first, second)]
    assert len(set(keys)) == 3  # a key of its own each time
    for page, key in zip((first, second), keys[1:], strict=True):
        assert page.replace(key, "K") == unfrozen.replace(keys[0], "K")
    assert "\x00" not in first


def test_a_kept_page_serves_a_whole_submission(app, session, make_link, clock):
    link = make_link(instrument="student")
    _frozen(session, link)
    phone = app.test_client()
    _page(phone, link)  # kept
    key = open_form(phone, link)
    clock.advance(60)
    assert submit(phone, link, key, full_answers("student")).status_code == 303


def test_links_of_one_questionnaire_keep_their_own_pages(app, session, make_link):
    social = make_link(instrument="social")
    parents = make_link(assessment=social.assessment, instrument="social", preset_group="家长")
    _frozen(session, social)
    everyone, only_parents = _page(app.test_client(), social), _page(app.test_client(), parents)
    assert 'name="identity"' in everyone and 'name="identity"' not in only_parents
    assert f"/s/{parents.token}" in only_parents and f"/s/{social.token}" not in only_parents


def test_a_stopped_link_or_a_closed_collection_takes_effect_at_once(app, session, make_link):
    link = make_link(instrument="social")
    _frozen(session, link)
    _page(app.test_client(), link)  # kept
    link.stop(utcnow())
    session.flush()
    assert app.test_client().get(f"/s/{link.token}").status_code == 410
    link.resume()
    link.assessment.close(utcnow())
    session.flush()
    page = app.test_client().get(f"/s/{link.token}").get_data(as_text=True)
    assert 'name="key"' not in page


def test_a_renamed_school_or_new_wording_shows_at_once(app, session, make_assessment, make_link):
    assessment = make_assessment()
    school = assessment.county.schools[0]
    link = make_link(assessment=assessment, instrument="social", school=school)
    questionnaire = _questionnaire(session, link)
    before = _page(app.test_client(), link)
    # before the first response the wording may change, and every page shows it
    questions = [dict(q) for q in questionnaire.questions]
    questions[-1]["text"] = "新的措辞：您对砚山县的教育满意吗？"
    save_wording(session, questionnaire, WordingForm.of(questionnaire), questions)
    session.flush()
    assert "新的措辞" in _page(app.test_client(), link) and "新的措辞" not in before
    _frozen(session, link)
    assert "新的措辞" in _page(app.test_client(), link)  # kept from here on
    school.name = "改名后的学校"
    session.flush()
    assert "学校：改名后的学校" in _page(app.test_client(), link)


def test_a_form_coming_back_is_rendered_with_its_answers(app, session, make_link, clock):
    link = make_link(instrument="student")
    _frozen(session, link)
    phone = app.test_client()
    key = open_form(phone, link)
    clock.advance(60)
    answers = full_answers("student")
    answers.pop(next(iter(answers)))
    back = submit(phone, link, key, answers)
    assert back.status_code == 422
    page = back.get_data(as_text=True)
    assert " checked" in page and "题未答" in page
