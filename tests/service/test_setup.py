"""Setting up an assessment: create, settings, links, open and close."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from surveyapp.models import Assessment, CollectionLink, County, School


def csrf(client):
    with client.session_transaction() as state:
        return state["csrf"]


SETTINGS = {
    "prefecture": "文山壮族苗族自治州",
    "county": "西畴县",
    "year": "2026",
    "stage": "county",
    "title": "",
    "population": "236,000",
    "population_urban": "60000",
    "population_town": "70000",
    "population_rural": "106000",
    "population_source": "第七次全国人口普查，2020 年",
    "opens": "2026-12-01",
    "closes": "2026-12-15",
    "min_duration_s": "40",
    "confirm": "1",  # the quotas that move are confirmed (collection has started)
}


@pytest.fixture(autouse=True)
def registry(session):
    """The counties the forms name, in the registry (new assessments are for its counties)."""

    session.add(County(province="云南省", prefecture="文山壮族苗族自治州", name="西畴县"))
    session.add(County(province="云南省", prefecture="文山壮族苗族自治州", name="西畴", kind="县"))
    session.flush()


def test_admin_creates_an_assessment_and_its_county(client, session, login, make_user):
    login(make_user("prov", role="admin"))
    response = client.post("/a/new", data={**SETTINGS, "csrf_token": csrf(client)})
    assert response.status_code == 302
    assessment = session.scalars(
        select(Assessment).where(Assessment.title.contains("西畴县"))
    ).one()
    assert assessment.state == "draft" and assessment.population == 236_000
    assert (
        assessment.county.province == "云南省"
        and assessment.county.prefecture == "文山壮族苗族自治州"
    )
    # days are Beijing days: open from 00:00 on 1 Dec, closed from 00:00 on 16 Dec
    assert assessment.opens_at == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert assessment.closes_at == datetime(2026, 12, 15, 16, 0, tzinfo=UTC)
    assert assessment.title == "西畴县2026年义务教育优质均衡发展社会认可度调查"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "样本量 N = ⌈236000 × 1.5‰⌉ = <strong>354</strong>" in page


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"population_rural": "1"}, "population_rural", "应等于常住人口"),
        ({"population_town": ""}, "population_rural", "三项请都填写"),
        ({"population_source": ""}, "population_source", "请注明常住人口的来源"),
        ({"closes": "2026-11-01"}, "closes", "结束日期不能早于开始日期"),
        ({"year": "二〇二六"}, "year", "请填写整数"),
        ({"opens": "12/01/2026"}, "opens", "日期格式"),
        ({"stage": "nation"}, "stage", "请选择评估阶段"),
        ({"county": ""}, "county", "请填写"),
    ],
)
def test_settings_errors_are_shown_next_to_the_field_with_values_kept(
    client, session, login, make_user, change, field, message
):
    login(make_user("prov", role="admin"))
    response = client.post("/a/new", data={**SETTINGS, **change, "csrf_token": csrf(client)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page.split(f'id="{field}"', 1)[1]
    assert 'value="第七次全国人口普查，2020 年"' in page or field == "population_source"
    assert session.scalar(select(func.count()).select_from(Assessment)) == 0


def test_the_same_county_year_and_stage_twice_is_refused(client, login, make_user):
    login(make_user("prov", role="admin"))
    assert client.post("/a/new", data={**SETTINGS, "csrf_token": csrf(client)}).status_code == 302
    again = client.post("/a/new", data={**SETTINGS, "csrf_token": csrf(client)})
    assert again.status_code == 422 and "评估已经存在" in again.get_data(as_text=True)


def test_an_evaluator_creates_only_for_their_own_county(
    client, session, login, make_user, make_county
):
    home = make_county(name="本县")
    login(make_user("eva", role="evaluator", county=home))
    response = client.post("/a/new", data={**SETTINGS, "csrf_token": csrf(client)})
    assert response.status_code == 302
    assessment = session.scalars(select(Assessment)).one()
    assert assessment.county_id == home.id
    assert session.scalars(select(Assessment.county_id)).all() == [home.id]


def test_settings_edit_keeps_county_and_year(client, session, login, make_user, make_assessment):
    assessment = make_assessment()
    login(make_user("prov", role="admin"))
    form = client.get(f"/a/{assessment.id}/settings").get_data(as_text=True)
    assert f'value="{assessment.year}" readonly' in form
    response = client.post(
        f"/a/{assessment.id}/settings",
        data={**SETTINGS, "year": "1999", "county": "别的县", "csrf_token": csrf(client)},
    )
    assert response.status_code == 302
    session.expire_all()
    saved = session.get(Assessment, assessment.id)
    assert saved.year == assessment.year and saved.county.name != "别的县"
    assert saved.population == 236_000 and saved.min_duration_s == 40


def test_lifecycle_buttons(client, session, login, make_user, make_assessment):
    assessment = make_assessment(state="draft")
    login(make_user("prov", role="admin"))
    token = csrf(client)
    client.post(f"/a/{assessment.id}/state/open", data={"csrf_token": token})
    session.expire_all()
    assert session.get(Assessment, assessment.id).state == "collecting"
    client.post(f"/a/{assessment.id}/state/close", data={"csrf_token": token})
    session.expire_all()
    closed = session.get(Assessment, assessment.id)
    assert closed.state == "closed" and closed.closed_at is not None
    page = client.post(
        f"/a/{assessment.id}/state/close", data={"csrf_token": token}, follow_redirects=True
    )
    assert "只有收集中的评估可以结束" in page.get_data(as_text=True)
    assert (
        client.post(f"/a/{assessment.id}/state/explode", data={"csrf_token": token}).status_code
        == 404
    )


def test_generate_links_is_idempotent_and_county_level_for_staff(
    client, session, login, make_user, make_assessment
):
    assessment = make_assessment()
    login(make_user("prov", role="admin"))
    token = csrf(client)
    client.post(f"/a/{assessment.id}/links/generate", data={"csrf_token": token})
    client.post(f"/a/{assessment.id}/links/generate", data={"csrf_token": token})
    links = session.scalars(
        select(CollectionLink).where(CollectionLink.assessment_id == assessment.id)
    ).all()
    schools = session.scalar(
        select(func.count()).select_from(School).where(School.county_id == assessment.county_id)
    )
    assert len(links) == 2 * schools + 5
    assert all(link.school_id is None for link in links if link.instrument == "staff")


def test_a_link_can_be_stopped_and_started(client, session, login, make_user, make_link):
    link = make_link()
    login(make_user("prov", role="admin"))
    client.post(
        f"/a/{link.assessment_id}/links/{link.id}/toggle", data={"csrf_token": csrf(client)}
    )
    assert client.get(f"/s/{link.token}").status_code == 410
    client.post(
        f"/a/{link.assessment_id}/links/{link.id}/toggle", data={"csrf_token": csrf(client)}
    )
    assert client.get(f"/s/{link.token}").status_code == 200


def test_another_countys_evaluator_cannot_change_anything(
    client, login, make_user, make_assessment, make_link
):
    assessment = make_assessment()
    link = make_link(assessment=assessment)
    login(make_user("stranger", role="evaluator"))
    token = csrf(client)
    for path in (
        f"/a/{assessment.id}/settings",
        f"/a/{assessment.id}/state/close",
        f"/a/{assessment.id}/links/generate",
        f"/a/{assessment.id}/links/{link.id}/toggle",
    ):
        assert client.post(path, data={"csrf_token": token}).status_code == 403, path
