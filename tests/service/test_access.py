"""Who may open what: a matrix over roles and pages."""

from __future__ import annotations

from datetime import timedelta

import pytest

PAGES = [
    "/",
    "/a/{id}",
    "/a/{id}/links",
    "/a/{id}/export.csv",
    "/a/{id}/links/{link}/qr.png",
    "/a/{id}/questionnaires/social",
    "/a/{id}/questionnaires/social/preview",
]


@pytest.fixture
def world(session, make_assessment, make_link, make_user, make_county):
    """One assessment in 本县 (测试州), and a user of every role inside and outside its scope."""
    from surveyapp.models import AgencyAssignment

    home = make_county(name="本县")
    elsewhere = make_county(name="外县")
    elsewhere.prefecture = "外州"
    assessment = make_assessment(county=home)
    link = make_link(assessment=assessment)
    users = {
        "admin": make_user("admin", role="admin"),
        "province": make_user("province", role="province"),
        "own_prefecture": make_user("pref", role="prefecture"),
        "other_prefecture": make_user("pref2", role="prefecture"),
        "own_evaluator": make_user("own", role="evaluator", county=home),
        "other_evaluator": make_user("other", role="evaluator", county=elsewhere),
        "own_agency": make_user("agency", role="agency"),
        "other_agency": make_user("agency2", role="agency"),
    }
    users["own_prefecture"].prefecture = "测试州"
    users["other_prefecture"].prefecture = "外州"
    session.add(AgencyAssignment(user_id=users["own_agency"].id, assessment_id=assessment.id))
    session.flush()
    return assessment, link, users


IN_SCOPE = ("admin", "province", "own_prefecture", "own_evaluator", "own_agency")
OUT_OF_SCOPE = ("other_prefecture", "other_evaluator", "other_agency")


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302)] + [(who, 200) for who in IN_SCOPE] + [(w, 403) for w in OUT_OF_SCOPE],
)
def test_access_matrix(client, login, world, page, who, expected):
    assessment, link, users = world
    if who != "anonymous":
        login(users[who])
    url = page.format(id=assessment.id, link=link.id)
    response = client.get(url)
    if page == "/" and who in OUT_OF_SCOPE:
        expected = 200  # their own list, without this assessment
        assert assessment.title not in response.get_data(as_text=True)
    assert response.status_code == expected, (url, who)
    if expected == 302:
        assert "/login" in response.headers["Location"]


def test_evaluator_list_shows_only_their_county(client, login, world):
    assessment, _, users = world
    login(users["other_evaluator"])
    assert assessment.title not in client.get("/").get_data(as_text=True)
    client.post("/logout", data={})  # no CSRF token: refused, still signed in
    login(users["own_evaluator"])
    assert assessment.title in client.get("/").get_data(as_text=True) or "本县" in client.get(
        "/"
    ).get_data(as_text=True)


def test_wrong_password_is_refused(client, make_user):
    user = make_user("someone", role="province")
    client.get("/login")
    with client.session_transaction() as state:
        token = state["csrf"]
    response = client.post(
        "/login", data={"username": user.username, "password": "wrong", "csrf_token": token}
    )
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client, make_user):
    user = make_user("someone", role="province")
    response = client.post("/login", data={"username": user.username, "password": "correct horse"})
    assert response.status_code == 400


@pytest.mark.parametrize("target", ["https://evil.example.com/", "//evil.example.com/x", "/a/1"])
def test_login_redirects_only_within_the_site(client, make_user, target):
    user = make_user("someone", role="province")
    client.get("/login")
    with client.session_transaction() as state:
        token = state["csrf"]
    response = client.post(
        f"/login?next={target}",
        data={"username": user.username, "password": "correct horse", "csrf_token": token},
    )
    location = response.headers["Location"]
    assert "evil.example.com" not in location
    if target == "/a/1":
        assert location.endswith("/a/1")


def test_logout(client, login, make_user):
    user = make_user("someone", role="province")
    login(user)
    with client.session_transaction() as state:
        token = state["csrf"]
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_unknown_assessment_is_404(client, login, make_user):
    login(make_user("someone", role="admin"))
    assert client.get("/a/999999").status_code == 404
    assert client.get("/a/999999/links/1/qr.png").status_code == 404


def test_qr_of_a_link_of_another_assessment_is_404(
    client, login, make_user, make_assessment, make_link
):
    login(make_user("someone", role="admin"))
    first = make_assessment()
    other_link = make_link(assessment=make_assessment())
    assert client.get(f"/a/{first.id}/links/{other_link.id}/qr.png").status_code == 404
    assert client.get(f"/a/{first.id}/links/{other_link.id}/qr.gif").status_code == 404


def test_a_stale_form_says_so(client, make_user):
    user = make_user("someone", role="province")
    client.get("/login")
    response = client.post(
        "/login", data={"username": user.username, "password": "correct horse", "csrf_token": "old"}
    )
    assert response.status_code == 400
    assert "表单已过期，请刷新页面后重试" in response.get_data(as_text=True)


# Writes (SPEC §1): set-up, links and collection are the admin's and the county's own;
# the province reads them. Indicator files: the role whose stage the assessment is.
WRITES = [
    ("/a/new", {}),
    ("/a/{id}/settings", {"title": "x"}),
    ("/a/{id}/state/close", {}),
    ("/a/{id}/links/generate", {}),
    ("/a/{id}/links/{link}/toggle", {}),
    ("/a/{id}/questionnaires/social", {"title": "改过的标题"}),
]


@pytest.mark.parametrize(("page", "form"), WRITES)
@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("admin", True),
        ("province", False),
        ("own_prefecture", False),
        ("other_prefecture", False),
        ("own_evaluator", True),
        ("other_evaluator", False),
        ("own_agency", True),
        ("other_agency", False),
    ],
)
def test_write_matrix(client, login, world, page, form, who, allowed):
    assessment, link, users = world
    login(users[who])
    with client.session_transaction() as state:
        token = state["csrf"]
    url = page.format(id=assessment.id, link=link.id)
    response = client.post(url, data={**form, "csrf_token": token})
    if page == "/a/new" and who == "other_evaluator":
        allowed = True  # for their own county, whatever was posted
    if page == "/a/new" and who == "own_agency":
        allowed = False  # an agency runs the assessments assigned to it, creates none
    if allowed:
        assert response.status_code in (200, 302, 422), (url, who, response.status_code)
    else:
        assert response.status_code == 403, (url, who, response.status_code)
        if who in {"province", "own_prefecture"}:
            assert "只能查看" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("stage", "who", "allowed"),
    [
        ("county", "admin", True),
        ("county", "own_evaluator", True),
        ("county", "province", False),
        ("province", "province", True),
        ("province", "own_evaluator", False),
        ("county", "other_evaluator", False),
        ("prefecture", "own_prefecture", True),
        ("prefecture", "other_prefecture", False),
        ("county", "own_prefecture", False),
        ("prefecture", "own_evaluator", False),
        ("county", "own_agency", False),
    ],
)
def test_upload_matrix(client, login, world, make_assessment, stage, who, allowed):
    import io

    from tests.verdict.county40 import schools_csv

    assessment, _, users = world
    target = make_assessment(county=assessment.county, stage=stage, state="draft", year=2031)
    login(users[who])
    with client.session_transaction() as state:
        token = state["csrf"]
    response = client.post(
        f"/a/{target.id}/data/schools",
        data={"csrf_token": token, "file": (io.BytesIO(schools_csv()), "s.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == (302 if allowed else 403), (stage, who)


# Individual responses (SPEC §1): everyone in scope reads them, except the county role
# from 州市复核 on; changing them is the admin's, the agency's and the county's (at 县级自评).
@pytest.mark.parametrize("stage", ["county", "prefecture"])
@pytest.mark.parametrize("who", IN_SCOPE + OUT_OF_SCOPE)
def test_responses_by_role_scope_and_stage(client, login, world, session, stage, who):
    assessment, _, users = world
    assessment.stage = stage
    session.flush()
    login(users[who])
    seen = who in IN_SCOPE and not (who == "own_evaluator" and stage != "county")
    response = client.get(f"/a/{assessment.id}/integrity")
    assert response.status_code == (200 if seen else 403), (stage, who)
    if who == "own_evaluator" and not seen:
        assert "不能查看或修改单份答卷" in response.get_data(as_text=True)
    with client.session_transaction() as state:
        token = state["csrf"]
    changed = client.post(
        f"/a/{assessment.id}/integrity/compute", data={"csrf_token": token}
    ).status_code
    may_change = seen and who in {"admin", "own_agency", "own_evaluator"}
    assert (changed == 302) == may_change, (stage, who, changed)
    assert changed in (302, 403)


@pytest.mark.parametrize(
    ("page", "allowed"),
    [
        ("/counties", {"admin", "province"}),
        (
            "/accounts",
            {
                "admin",
                "province",
                "own_prefecture",
                "other_prefecture",
                "own_evaluator",  # its county's interviewers
                "other_evaluator",
            },
        ),
        (
            "/audit",
            {
                "admin",
                "province",
                "own_prefecture",
                "other_prefecture",
                "own_evaluator",
                "other_evaluator",
            },
        ),
    ],
)
@pytest.mark.parametrize("who", IN_SCOPE + OUT_OF_SCOPE)
def test_service_pages_by_role(client, login, world, page, allowed, who):
    _, _, users = world
    login(users[who])
    assert client.get(page).status_code == (200 if who in allowed else 403), (page, who)


# Interviewer accounts (SPEC §1 "accounts"): admin any; province in scope, below it;
# 州市 in scope (evaluator, interviewer); the county its county's interviewers.
@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("admin", True),
        ("province", True),
        ("own_prefecture", True),
        ("other_prefecture", False),
        ("own_evaluator", True),
        ("other_evaluator", False),
        ("own_agency", False),
    ],
)
def test_who_adds_an_interviewer_of_the_county(client, login, world, session, who, allowed):
    from sqlalchemy import select

    from surveyapp.models import User

    assessment, _, users = world
    login(users[who])
    page = client.get("/accounts")
    if who == "own_agency":
        assert page.status_code == 403
    else:  # offered to every manager, for its own scope
        assert '<option value="interviewer"' in page.get_data(as_text=True)
    with client.session_transaction() as state:
        token = state["csrf"]
    response = client.post(
        "/accounts/add",
        data={
            "csrf_token": token,
            "username": "volunteer",
            "role": "interviewer",
            "county": str(assessment.county_id),
            "password": "a long enough pass",
        },
    )
    expected = 302 if allowed else 403 if who == "own_agency" else 422
    assert response.status_code == expected, who
    session.expire_all()
    added = session.scalars(select(User).where(User.username == "volunteer")).one_or_none()
    assert (added is not None) == allowed
    if added is not None:
        assert (added.role, added.county_id) == ("interviewer", assessment.county_id)


def test_a_county_manages_its_own_interviewers_only(client, login, world, session, make_user):
    assessment, _, users = world
    own = make_user("own-iv", role="interviewer", county=assessment.county)
    other = make_user("other-iv", role="interviewer", county=users["other_evaluator"].county)
    login(users["own_evaluator"])
    listed = client.get("/accounts").get_data(as_text=True)
    assert "own-iv" in listed and "other-iv" not in listed and ">own<" not in listed
    with client.session_transaction() as state:
        token = state["csrf"]
    for user, code in [(own, 302), (other, 403), (users["other_evaluator"], 403)]:
        reply = client.post(f"/accounts/{user.id}/disable", data={"csrf_token": token})
        assert reply.status_code == code, user.username
    added = client.post(
        "/accounts/add",
        data={
            "csrf_token": token,
            "username": "another",
            "role": "evaluator",
            "county": str(assessment.county_id),
            "password": "a long enough pass",
        },
    )
    assert added.status_code == 422 and "您的角色不能添加这种账号" in added.get_data(as_text=True)


# Commissioning a 第三方机构 (SPEC §1): admin and province assign and withdraw; audited.
@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("admin", True),
        ("province", True),
        ("own_prefecture", False),
        ("own_evaluator", False),
        ("own_agency", False),
        ("other_agency", False),
    ],
)
def test_only_admin_and_province_commission_an_agency(client, login, world, session, who, allowed):
    from surveyapp.models import AgencyAssignment

    assessment, _, users = world
    login(users[who])
    with client.session_transaction() as state:
        token = state["csrf"]
    response = client.post(
        f"/a/{assessment.id}/agencies/assign",
        data={"agency": str(users["other_agency"].id), "csrf_token": token},
    )
    assert response.status_code == (302 if allowed else 403), (who, response.status_code)
    session.expire_all()
    assigned = session.get(AgencyAssignment, (users["other_agency"].id, assessment.id))
    assert (assigned is not None) == allowed


def test_a_commissioned_agency_sees_the_assessment_until_withdrawn(client, login, world, session):
    from sqlalchemy import select

    from surveyapp.models import AuditEntry

    assessment, _, users = world
    agency, province = users["other_agency"], users["province"]

    def as_user(user):
        client.post("/logout", data={"csrf_token": csrf()})
        login(user)

    def csrf():
        with client.session_transaction() as state:
            return state.get("csrf")

    login(agency)
    assert client.get(f"/a/{assessment.id}").status_code == 403
    as_user(province)
    page = client.get(f"/a/{assessment.id}").get_data(as_text=True)
    assert "委托第三方机构" in page and agency.username in page  # offered in the list
    client.post(
        f"/a/{assessment.id}/agencies/assign", data={"agency": str(agency.id), "csrf_token": csrf()}
    )
    # a second assignment, or a county account as "agency", is refused with the reason
    again = client.post(
        f"/a/{assessment.id}/agencies/assign",
        data={"agency": str(agency.id), "csrf_token": csrf()},
        follow_redirects=True,
    )
    assert f"本评估已委托给 {agency.username}" in again.get_data(as_text=True)
    wrong = client.post(
        f"/a/{assessment.id}/agencies/assign",
        data={"agency": str(users["own_evaluator"].id), "csrf_token": csrf()},
        follow_redirects=True,
    )
    assert "不是在用的第三方机构账号" in wrong.get_data(as_text=True)
    as_user(agency)
    assert client.get(f"/a/{assessment.id}").status_code == 200
    as_user(province)
    client.post(
        f"/a/{assessment.id}/agencies/withdraw",
        data={"agency": str(agency.id), "csrf_token": csrf()},
    )
    as_user(agency)
    assert client.get(f"/a/{assessment.id}").status_code == 403

    session.expire_all()
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "agency").order_by(AuditEntry.id)
    ).all()
    assert [(e.username, e.before, e.after) for e in entries] == [
        ("province", None, {"委托": agency.username}),
        ("province", {"委托": agency.username}, None),
    ]


def test_deleting_a_draft_is_audited(client, login, world, make_assessment, session):
    from sqlalchemy import select

    from surveyapp.models import Assessment, AuditEntry

    assessment, _, users = world
    draft = make_assessment(county=assessment.county, state="draft", year=2031, title="草稿评估")
    draft_id, county_id = draft.id, draft.county_id
    login(users["own_evaluator"])
    with client.session_transaction() as state:
        token = state["csrf"]
    response = client.post(f"/a/{draft_id}/delete", data={"csrf_token": token})
    assert response.status_code == 302
    session.expunge_all()
    assert session.scalars(select(Assessment).where(Assessment.id == draft_id)).first() is None
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "delete")).one()
    assert (entry.username, entry.target, entry.county_id) == ("own", "草稿评估", county_id)


# The responses export is every individual response (SPEC §3), so it follows SPEC §1's
# "individual responses" row: the county role reads it until 县级自评 is frozen, and from
# 州市复核 on it reads it no more; everyone else in scope keeps reading it.
RESPONSE_PAGES = ["/a/{id}/export.csv", "/a/{id}/export.xlsx", "/a/{id}/responses"]


@pytest.mark.parametrize("page", RESPONSE_PAGES)
@pytest.mark.parametrize("who", IN_SCOPE)
def test_the_responses_export_from_prefecture_review_on(client, login, world, session, page, who):
    assessment, _, users = world
    assessment.stage = "prefecture"
    session.flush()
    login(users[who])
    response = client.get(page.format(id=assessment.id))
    response.close()
    assert response.status_code == (403 if who == "own_evaluator" else 200), (page, who)


@pytest.mark.parametrize("page", RESPONSE_PAGES + ["/a/{id}/integrity"])
def test_the_county_role_sees_no_responses_once_its_verdict_is_frozen(
    client, login, session, make_user, make_assessment, page
):
    from tests.service.test_imports_and_verdict import upload
    from tests.service.test_verdict_freeze import closed_ago
    from tests.verdict.county40 import schools_csv

    assessment = closed_ago(session, make_assessment, timedelta(hours=3))
    login(make_user("boss", role="evaluator", county=assessment.county))
    url = page.format(id=assessment.id)
    before = client.get(url)
    before.close()
    assert before.status_code == 200
    with client.session_transaction() as state:
        token = state["csrf"]
    upload(client, assessment, token, "schools", schools_csv())
    frozen = client.post(f"/a/{assessment.id}/verdict/freeze", data={"csrf_token": token})
    assert frozen.status_code == 302, frozen.get_data(as_text=True)
    after = client.get(url)
    after.close()
    assert after.status_code == 403, url
