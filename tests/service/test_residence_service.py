"""Residence classes in the service: county kind, the quota table, the export, settings."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from surveyapp import quotas
from surveyapp.assessments.services import export_csv
from surveyapp.models import Assessment, County, Response

KEY = re.compile(r'name="key" value="([^"]+)"')


def answer(client, link, **answers):
    """Open the form and submit every question's first option, with ``answers`` over it."""
    page = client.get(f"/s/{link.token}").get_data(as_text=True)
    key = KEY.search(page).group(1)
    names = dict.fromkeys(re.findall(r'name="([a-z0-9_]+)" value=', page))
    body = {}
    for name in names:
        if name != "key":
            body[name] = re.search(rf'name="{name}" value="([^"]+)"', page).group(1)
    body.update(answers)
    return client.post(f"/s/{link.token}", data={"key": key, **body})


def stored(session, assessment):
    session.expire_all()
    return session.scalars(
        select(Response).where(Response.assessment_id == assessment.id).order_by(Response.id)
    ).all()


def test_a_new_county_takes_its_kind_from_its_name(session):
    for name, kind in (("安宁市", "县级市"), ("五华区", "市辖区"), ("石林彝族自治县", "自治县")):
        county = County(province="云南省", prefecture="昆明市", name=name)
        session.add(county)
        session.flush()
        assert county.kind == kind
    chosen = County(province="云南省", prefecture="昆明市", name="某地", kind="县级市")
    session.add(chosen)
    session.flush()
    assert chosen.kind == "县级市"


@pytest.mark.parametrize(
    ("name", "answer_text", "area"),
    [
        ("甲县", "县城（市区）", "镇区"),
        ("乙市", "县城（市区）", "城区"),
        ("丙区", "县城（市区）", "城区"),
        ("丁自治县", "县城（市区）", "镇区"),
        ("甲县", "乡上（乡政府所在地）", "乡村"),
        ("乙市", "镇上（镇政府所在地）", "镇区"),
    ],
)
def test_the_answer_is_kept_and_counted_in_its_class(
    client, session, make_county, make_assessment, make_link, name, answer_text, area
):
    assessment = make_assessment(county=make_county(name=name), min_duration_s=0)
    link = make_link(assessment=assessment, instrument="staff")
    assert answer(client, link, area=answer_text).status_code == 303
    [response] = stored(session, assessment)
    assert response.area == area
    assert response.residence == answer_text.replace("乡上（乡政府所在地）", "乡政府所在地")
    rows = {row.area: row.done for row in quotas.progress(session, assessment).area_rows}
    assert rows[area] == 1 and sum(rows.values()) == 1
    [exported] = list(csv.DictReader(io.StringIO(export_csv(session, assessment.id, "UTC"))))
    assert exported["area"] == area
    assert exported["residence"] == response.residence


def test_the_quota_table_and_the_reader_use_the_class(session, unmet_assessment):
    from analysis.responses import read_responses

    progress = quotas.progress(session, unmet_assessment)
    by_class = {row.area: row for row in progress.area_rows}
    assert [row.area for row in progress.area_rows] == ["城区", "镇区", "乡村"]
    assert by_class["城区"].target == 0 and by_class["镇区"].target == 309
    assert by_class["乡村"].target == 390
    assert by_class["镇区"].answers == "县城、镇上"  # a 县: its 县城 is 镇区
    responses = stored(session, unmet_assessment)
    for area in ("城区", "镇区", "乡村"):
        assert by_class[area].done == sum(1 for r in responses if r.valid and r.area == area)
    assert progress.outside == sum(1 for r in responses if r.residence == "县外")
    read = read_responses(export_csv(session, unmet_assessment.id, "UTC").encode(), scheme=None)
    assert set(read.area.labels) <= {"城区", "镇区", "乡村"}
    assert "县城（市区）" in read.residence.labels


def test_a_城镇_乡村_split_gives_two_area_quotas(session, make_assessment, make_link):
    assessment = make_assessment(
        population=300_000,
        population_urban=None,
        population_town=None,
        population_urban_town=100_000,
        population_rural=200_000,
    )
    for area in ("城区", "镇区", "镇区", "乡村"):
        session.add(_response(assessment, area))
    session.flush()
    rows = quotas.progress(session, assessment).area_rows
    # N = 450; 450 × 1/3 = 150, 450 × 2/3 = 300
    assert [(row.area, row.target, row.done) for row in rows] == [
        ("城镇", 150, 3),
        ("乡村", 300, 1),
    ]


def _response(assessment: Assessment, area: str) -> Response:
    from datetime import UTC, datetime

    from surveyapp.responses import response_row
    from surveyapp.standards import scheme_for

    row = response_row(
        assessment_id=assessment.id,
        link_id=None,
        instrument="social",
        group="其他群众",
        school_code=None,
        residence=None,
        area=area,
        grade=None,
        mode="自填",
        issued_at=None,
        submitted_at=datetime.now(UTC),
        device_hash=None,
        submission_key=None,
        reasons=(),
        answers={"q1": "满意"},
        scheme=scheme_for(assessment),
    )
    return Response(**row)


def csrf(client):
    with client.session_transaction() as state:
        return state["csrf"]


SETTINGS = {
    "prefecture": "文山壮族苗族自治州",
    "county": "西畴县",
    "year": "2026",
    "stage": "county",
    "title": "",
    "population": "236000",
    "population_source": "第七次全国人口普查，2020 年",
    "opens": "2026-12-01",
    "closes": "2026-12-15",
    "min_duration_s": "40",
    "confirm": "1",  # the quotas that move are confirmed (collection has started)
}


@pytest.fixture(autouse=True)
def registry(session):
    """The counties the forms name, in the registry (new assessments are for its counties)."""
    from surveyapp.models import County

    session.add(County(province="云南省", prefecture="文山壮族苗族自治州", name="西畴县"))
    session.add(County(province="云南省", prefecture="文山壮族苗族自治州", name="西畴", kind="县"))
    session.flush()


def test_settings_accept_a_城镇_乡村_split(client, session, login, make_user):
    login(make_user("root", role="admin"))
    split = {"population_urban_town": "96000", "population_rural": "140000"}
    response = client.post("/a/new", data={**SETTINGS, **split, "csrf_token": csrf(client)})
    assert response.status_code == 302
    assessment = session.scalars(select(Assessment)).one()
    assert assessment.population_split == {"城镇": 96_000, "乡村": 140_000}
    assert assessment.county.kind == "县"


@pytest.mark.parametrize(
    ("split", "field", "message"),
    [
        (
            {"population_urban_town": "96000", "population_town": "1", "population_rural": "1"},
            "population_urban_town",
            "只填一种",
        ),
        ({"population_urban_town": "96000"}, "population_rural", "两项请都填写"),
        (
            {"population_urban_town": "96000", "population_rural": "1"},
            "population_rural",
            "两项之和 96,001 应等于常住人口 236,000",
        ),
    ],
)
def test_settings_refuse_a_mixed_or_incomplete_split(
    client, session, login, make_user, split, field, message
):
    login(make_user("root", role="admin"))
    response = client.post("/a/new", data={**SETTINGS, **split, "csrf_token": csrf(client)})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True).split(f'id="{field}"', 1)[1]


def test_a_name_that_says_no_kind_must_be_given_one(client, session, login, make_user):
    login(make_user("root", role="admin"))
    data = {**SETTINGS, "county": "西畴", "csrf_token": csrf(client)}
    refused = client.post("/a/new", data=data)
    assert refused.status_code == 422
    assert "从县名看不出类型" in refused.get_data(as_text=True).split('id="kind"', 1)[1]
    accepted = client.post("/a/new", data={**data, "kind": "县级市"})
    assert accepted.status_code == 302
    assert session.scalars(select(County).where(County.name == "西畴")).one().kind == "县级市"


def test_城区_in_a_县_is_warned_on_save_and_on_the_page(
    client, session, login, make_user, make_assessment
):
    assessment = make_assessment()  # 测试N县 with schools coded 城区 and 乡村
    login(make_user("root", role="admin"))
    split = {"population_urban": "36000", "population_town": "100000", "population_rural": "100000"}
    saved = client.post(
        f"/a/{assessment.id}/settings",
        data={**SETTINGS, **split, "csrf_token": csrf(client)},
        follow_redirects=True,
    )
    page = saved.get_data(as_text=True)
    assert "县的县城属于镇区：城区人口一般为 0" in page and "城区 36,000 人" in page
    assert "1 所标为城区：测试第1小学" in page
    form = client.get(f"/a/{assessment.id}/settings").get_data(as_text=True)
    assert "城区 36,000 人" in form and "县和自治县的县城属于镇区" in form


def test_correcting_the_kind_re_classes_the_stored_responses(
    client, session, login, make_user, make_county, make_assessment, make_link
):
    assessment = make_assessment(county=make_county(name="某县"), min_duration_s=0)
    link = make_link(assessment=assessment, instrument="staff")
    answer(client, link, area="县城（市区）")
    assert stored(session, assessment)[0].area == "镇区"
    login(make_user("root", role="admin"))
    response = client.post(
        f"/a/{assessment.id}/settings",
        data={**SETTINGS, "kind": "县级市", "csrf_token": csrf(client)},
    )
    assert response.status_code == 302
    [reclassed] = stored(session, assessment)
    assert reclassed.area == "城区" and reclassed.residence == "县城（市区）"
