"""A new county from the registry to an open collection; accounts; the audit log."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner, Result
from flask.testing import FlaskClient
from sqlalchemy import select

from renke.cli import main
from surveyapp.models import Assessment, AuditEntry, CollectionLink, County
from tests.verdict.county40 import schools_csv

PASSWORD = "丘北评估2026密码"
SETTINGS = {
    "year": "2026",
    "stage": "county",
    "title": "",
    "population": "480000",
    "population_urban": "0",
    "population_town": "180000",
    "population_rural": "300000",
    "population_source": "第七次全国人口普查，2020 年",
    "opens": "2026-12-01",
    "closes": "2026-12-20",
    "min_duration_s": "40",
}


def csrf(client: FlaskClient) -> str:
    client.get("/login")
    with client.session_transaction() as state:
        return str(state["csrf"])


def sign_in(client: FlaskClient, username: str, password: str) -> object:
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf(client)}
    )


def sign_out(client: FlaskClient) -> None:
    client.post("/logout", data={"csrf_token": csrf(client)})


def actions(session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_a_new_county_from_the_registry_to_an_open_collection(client, session, login, make_user):
    # 1. the admin adds the county to the registry
    login(make_user("root", role="admin"))
    page = client.post(
        "/counties",
        data={
            "prefecture": "文山州",
            "name": "丘北县",
            "code": "532626",
            "csrf_token": csrf(client),
        },
    )
    assert page.status_code == 302
    county = session.scalars(select(County).where(County.name == "丘北县")).one()
    assert (county.kind, county.code) == ("县", "532626")
    # 2. … and its evaluator
    added = client.post(
        "/accounts/add",
        data={
            "username": "qiubei",
            "role": "evaluator",
            "county": str(county.id),
            "password": PASSWORD,
            "csrf_token": csrf(client),
        },
    )
    assert added.status_code == 302
    sign_out(client)
    # 3. the evaluator signs in; 新建评估 has the county fixed, and says why
    assert sign_in(client, "qiubei", PASSWORD).status_code == 302
    form = client.get("/a/new").get_data(as_text=True)
    assert 'value="丘北县" readonly' in form and "已按您的账号固定" in form
    created = client.post("/a/new", data={**SETTINGS, "county": "外县", "csrf_token": csrf(client)})
    assert created.status_code == 302, created.get_data(as_text=True)
    assessment = session.scalars(select(Assessment).where(Assessment.county_id == county.id)).one()
    # 4. upload the schools, make the usual links, open the collection
    uploaded = client.post(
        f"/a/{assessment.id}/data/schools",
        data={"csrf_token": csrf(client), "file": (io.BytesIO(schools_csv()), "学校.csv")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 302, uploaded.get_data(as_text=True)
    assert (
        client.post(
            f"/a/{assessment.id}/links/generate", data={"csrf_token": csrf(client)}
        ).status_code
        == 302
    )
    links = session.scalars(
        select(CollectionLink).where(CollectionLink.assessment_id == assessment.id)
    ).all()
    assert len(links) > 3
    opened = client.post(f"/a/{assessment.id}/state/open", data={"csrf_token": csrf(client)})
    assert opened.status_code == 302
    session.expire_all()
    assert session.get(Assessment, assessment.id).state == "collecting"
    # every step is in the audit log, by whom
    done = {(e.action, e.username) for e in session.scalars(select(AuditEntry))}
    assert {("county", "root"), ("account", "root"), ("sign_in", "qiubei")} <= done
    assert {
        ("create", "qiubei"),
        ("upload", "qiubei"),
        ("link", "qiubei"),
        ("state", "qiubei"),
    } <= done


def test_an_assessment_for_a_county_not_in_the_registry_is_refused(client, login, make_user):
    login(make_user("root", role="admin"))
    data = {**SETTINGS, "prefecture": "文山州", "county": "不存在县", "csrf_token": csrf(client)}
    response = client.post("/a/new", data=data)
    assert response.status_code == 422
    assert "县名录中没有“文山州不存在县”" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"prefecture": "文山壮族苗族自治州", "name": "丘北县"}, "已有此县：文山州丘北县"),
        ({"prefecture": "文山州", "name": "别名县", "code": "532626"}, "已有此县"),
        ({"prefecture": "文山州", "name": "新县", "code": "53262"}, "应为 6 位数字"),
        ({"prefecture": "文山州", "name": "西畴"}, "无法从县名“西畴”判断类型"),
        ({"prefecture": "", "name": "新县"}, "都必须填写"),
    ],
)
def test_a_county_is_never_added_twice_or_badly(client, session, login, make_user, fields, message):
    session.add(County(province="云南省", prefecture="文山州", name="丘北县", code="532626"))
    session.flush()
    login(make_user("prov", role="province"))
    response = client.post("/counties", data={**fields, "csrf_token": csrf(client)})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


@pytest.fixture
def renke(tmp_path):
    """`renke …` against a fresh migrated SQLite instance."""
    env = {
        "RENKE_INSTANCE": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'renke.sqlite3'}",
        "SECRET_KEY": "cli-test-secret",
    }
    runner = CliRunner(env=env)
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0

    def run(*args: str) -> Result:
        return runner.invoke(main, list(args))

    return run


def test_renke_county_add(renke):
    result = renke("county", "add", "丘北县", "--prefecture", "文山州", "--code", "532626")
    assert result.exit_code == 0, result.output
    again = renke("county", "add", "丘北县", "--prefecture", "文山壮族苗族自治州")
    assert again.exit_code == 2 and "已有此县" in again.output
    assert renke("audit", "--format", "json").output.count('"新增县"') == 1


# ------------------------------------------------------------------ accounts


def test_account_lifecycle(client, session, login, make_user):
    admin = make_user("root", role="admin")
    target = make_user("eva", role="evaluator")
    login(admin)
    # disabled: refused at sign-in, with the usual words
    client.post(f"/accounts/{target.id}/disable", data={"csrf_token": csrf(client)})
    sign_out(client)
    refused = sign_in(client, "eva", "correct horse")
    assert refused.status_code == 200 and "用户名或密码不正确" in refused.get_data(as_text=True)
    # re-enabled: signs in again
    login(admin)
    client.post(f"/accounts/{target.id}/enable", data={"csrf_token": csrf(client)})
    # reset: a one-time password, shown once
    shown = client.post(f"/accounts/{target.id}/reset", data={"csrf_token": csrf(client)})
    text = shown.get_data(as_text=True)
    code = text.split('<p class="code">')[1].split("</p>")[0]
    assert len(code) == 12 and "只显示这一次" in text
    sign_out(client)
    assert sign_in(client, "eva", "correct horse").status_code == 200  # the old one is gone
    assert sign_in(client, "eva", code).status_code == 302
    # until a new password is set, every page leads to the password page
    assert client.get("/").headers["Location"].endswith("/account/password")
    weak = client.post("/account/password", data={"new": "short", "csrf_token": csrf(client)})
    assert weak.status_code == 422 and "至少 10 个字符" in weak.get_data(as_text=True)
    done = client.post("/account/password", data={"new": PASSWORD, "csrf_token": csrf(client)})
    assert done.status_code == 302
    assert client.get("/").status_code == 200  # this session kept
    sign_out(client)
    assert sign_in(client, "eva", code).status_code == 200  # the one-time password: once
    assert sign_in(client, "eva", PASSWORD).status_code == 302
    # changing one's own password asks for the old one
    wrong = client.post(
        "/account/password",
        data={"old": "nope", "new": "另一个好密码2026", "csrf_token": csrf(client)},
    )
    assert "原密码不正确" in wrong.get_data(as_text=True)
    entries = [e.after for e in actions(session, "account")]
    assert {"状态": "停用"} in entries and {"状态": "启用"} in entries
    assert {"重置密码": "一次性密码"} in entries and {"修改密码": "本人"} in entries


def test_a_prefecture_manages_only_its_counties_evaluators(
    client, session, login, make_user, make_county
):
    prefecture = make_user("pref", role="prefecture")
    prefecture.prefecture = "测试州"
    own = make_user("own", role="evaluator")
    stranger = make_user("far", role="evaluator", county=make_county(name="远县"))
    stranger.county.prefecture = "外州"
    session.flush()
    login(prefecture)
    listed = client.get("/accounts").get_data(as_text=True)
    assert "own" in listed and "far" not in listed
    assert (
        client.post(
            f"/accounts/{stranger.id}/disable", data={"csrf_token": csrf(client)}
        ).status_code
        == 403
    )
    as_admin = client.post(
        "/accounts/add",
        data={
            "username": "boss",
            "role": "admin",
            "password": PASSWORD,
            "csrf_token": csrf(client),
        },
    )
    assert as_admin.status_code == 422 and "不能添加这种账号" in as_admin.get_data(as_text=True)
    assert (
        client.post(f"/accounts/{own.id}/disable", data={"csrf_token": csrf(client)}).status_code
        == 302
    )


def test_renke_user_list_disable_enable(renke):
    assert renke("county", "add", "丘北县", "--prefecture", "文山州").exit_code == 0
    added = renke(
        "user", "add", "eva", "--role", "evaluator", "--county", "丘北县", "--password", PASSWORD
    )
    assert added.exit_code == 0, added.output
    assert renke("user", "disable", "eva").exit_code == 0
    listed = json.loads(renke("user", "list", "--format", "json").output)
    assert listed == [
        {
            "username": "eva",
            "role": "evaluator",
            "role_label": "县级评估人员",
            "county": "丘北县",
            "prefecture": "文山州",
            "disabled": True,
            "must_change_password": False,
        }
    ]
    assert renke("user", "enable", "eva").exit_code == 0
    assert "启用" in renke("user", "list").output
    no_prefecture = renke("user", "add", "zhou", "--role", "prefecture", "--password", PASSWORD)
    assert no_prefecture.exit_code == 2 and "必须指定所属州市" in no_prefecture.output
    logged = json.loads(renke("audit", "--format", "json", "--action", "account").output)
    assert [row["after"] for row in logged][:2] == ['{"状态": "启用"}', '{"状态": "停用"}']


def test_renke_user_add_keeps_an_interviewers_county(renke):
    # docs/field.md: `renke user add NAME --role interviewer --county 砚山县`; the county is
    # the interviewer's scope (SPEC §1 "its county's links").
    assert renke("county", "add", "丘北县", "--prefecture", "文山州").exit_code == 0
    added = renke(
        "user", "add", "iv", "--role", "interviewer", "--county", "丘北县", "--password", PASSWORD
    )
    assert added.exit_code == 0, added.output
    listed = json.loads(renke("user", "list", "--format", "json").output)
    assert [(row["username"], row["county"]) for row in listed] == [("iv", "丘北县")]
    no_county = renke("user", "add", "iv2", "--role", "interviewer", "--password", PASSWORD)
    assert no_county.exit_code != 0 and "调查员必须指定所属县" in no_county.output


# ------------------------------------------------------------------ audit


def test_sign_in_failures_and_settings_changes_are_logged(
    client, session, login, make_user, make_assessment
):
    assert sign_in(client, "nobody", "wrong password").status_code == 200
    evaluator = make_user("eva", role="evaluator")
    assessment = make_assessment(county=evaluator.county)
    login(evaluator)
    values = {
        **SETTINGS,
        "year": str(assessment.year),
        "population": "300000",
        "population_urban": "60000",
        "population_town": "100000",
        "population_rural": "140000",
    }
    asked = client.post(f"/a/{assessment.id}/settings", data={**values, "csrf_token": csrf(client)})
    # collection has started: the quotas that move are shown, nothing is saved yet
    text = asked.get_data(as_text=True)
    assert asked.status_code == 409 and "收集已经开始，这次修改会改变配额" in text
    assert "<td>样本量 N</td><td>300</td><td>450</td>" in text
    session.expire_all()
    assert session.get(Assessment, assessment.id).population == 200_000
    assert actions(session, "settings") == []
    saved = client.post(
        f"/a/{assessment.id}/settings", data={**values, "confirm": "1", "csrf_token": csrf(client)}
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    failed = actions(session, "sign_in_failed")
    assert [e.username for e in failed] == ["nobody"]
    (change,) = actions(session, "settings")
    assert change.before["population"] == 200_000 and change.after["population"] == 300_000
    assert change.username == "eva" and change.role == "evaluator"
    page = client.get("/audit?action=settings").get_data(as_text=True)
    assert "修改评估设置" in page and "300000" in page and "nobody" not in page
    export = client.get("/audit.xlsx")
    assert export.status_code == 200 and export.data[:2] == b"PK"
    assert "起始日期" in client.get("/audit?from=yesterday").get_data(as_text=True)


# ------------------------------------------------------------------ data control


def test_any_response_invalidated_and_restored_moves_the_live_approval(
    client, session, login, make_user, unmet_assessment
):
    from surveyapp.approval import live_approval
    from surveyapp.models import Response

    assessment = unmet_assessment
    evaluator = make_user("eva", role="evaluator", county=assessment.county)
    before = live_approval(session, assessment).overall
    # a response no integrity signal flagged, scoring low: invalidating it raises the figure
    target = session.scalars(
        select(Response)
        .where(Response.assessment_id == assessment.id, Response.score_count > 0)
        .order_by(Response.score_sum / Response.score_count, Response.id)
    ).first()
    login(evaluator)
    listed = client.get(f"/a/{assessment.id}/responses?page=1")
    assert listed.status_code == 200 and "第 1 / 7 页" in listed.get_data(as_text=True)
    form = {"response": str(target.id), "from": "responses", "page": "1"}
    no_reason = client.post(
        f"/a/{assessment.id}/integrity/review",
        data={**form, "action": "confirm", "csrf_token": csrf(client)},
    )
    assert no_reason.status_code == 302
    session.expire_all()
    assert session.get(Response, target.id).valid
    done = client.post(
        f"/a/{assessment.id}/integrity/review",
        data={**form, "action": "confirm", "reason": "同一人重复填写", "csrf_token": csrf(client)},
    )
    assert done.headers["Location"].endswith(f"/a/{assessment.id}/responses?page=1")
    session.expire_all()
    invalid = session.get(Response, target.id)
    assert not invalid.valid and invalid.codes[-1] == "manual"
    assert "同一人重复填写" in invalid.invalid_reason
    during = live_approval(session, assessment).overall
    assert during.n == before.n - 1 and during.approval > before.approval
    client.post(
        f"/a/{assessment.id}/integrity/review",
        data={**form, "action": "restore", "csrf_token": csrf(client)},
    )
    session.expire_all()
    assert session.get(Response, target.id).valid
    after = live_approval(session, assessment).overall
    assert (after.n, after.approval) == (before.n, before.approval)
    logged = [
        (e.action, e.after["答卷"])
        for e in session.scalars(select(AuditEntry))
        if e.action in {"invalidate", "restore"}
    ]
    assert logged == [("invalidate", [target.id]), ("restore", [target.id])]


def test_province_reads_the_responses_but_cannot_invalidate(
    client, session, login, make_user, unmet_assessment
):
    login(make_user("prov", role="province"))
    page = client.get(f"/a/{unmet_assessment.id}/responses").get_data(as_text=True)
    assert "全部答卷" in page and "认定无效的理由" not in page
    refused = client.post(
        f"/a/{unmet_assessment.id}/integrity/review",
        data={"action": "confirm", "response": "1", "reason": "x", "csrf_token": csrf(client)},
    )
    assert refused.status_code == 403


# ------------------------------------------------------------------ monitoring


def test_the_links_page_counts_each_link_and_the_assessment_page_refreshes(
    client, session, login, make_user, unmet_assessment
):
    from sqlalchemy import func

    from surveyapp.models import Response

    login(make_user("eva", role="evaluator", county=unmet_assessment.county))
    per_link = dict(
        session.execute(
            select(Response.link_id, func.count())
            .where(Response.assessment_id == unmet_assessment.id, Response.link_id.is_not(None))
            .group_by(Response.link_id)
        ).all()
    )
    assert per_link, "the fixture's responses come through links"
    page = client.get(f"/a/{unmet_assessment.id}/links").get_data(as_text=True)
    shown = [int(part.split("</strong>")[0]) for part in page.split("已收到 <strong>")[1:]]
    assert sorted(n for n in shown if n) == sorted(per_link.values())
    assert "最近一份" in page
    detail = client.get(f"/a/{unmet_assessment.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="60">' in detail


def test_each_school_has_its_share_of_the_student_and_parent_quotas(
    client, session, login, make_user, unmet_assessment
):
    from surveyapp.assessments.services import school_targets
    from surveyapp.quotas import sample_plan

    quotas = dict(sample_plan(unmet_assessment).groups.quotas)
    rows = school_targets(session, unmet_assessment, quotas)
    enrolment = sum(row.students for row in rows)
    for row in rows:
        for group in ("学生", "家长"):
            share = quotas[group] * row.students / enrolment
            assert share <= row.target[group] < share + 1
    assert sum(row.target["家长"] for row in rows) >= quotas["家长"]
    login(make_user("eva", role="evaluator", county=unmet_assessment.county))
    page = client.get(f"/a/{unmet_assessment.id}").get_data(as_text=True)
    first = rows[0]
    assert f"{first.done['学生']} / {first.target['学生']}" in page


def test_responses_per_hour_is_an_svg_drawn_on_the_server(
    client, session, login, make_user, unmet_assessment
):
    from datetime import timedelta

    from sqlalchemy import func

    from surveyapp.db import utcnow
    from surveyapp.models import Response

    start = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(hours=47)
    in_window = session.scalar(
        select(func.count()).where(
            Response.assessment_id == unmet_assessment.id, Response.submitted_at >= start
        )
    )
    assert in_window, "the fixture's responses fall in the last two days"
    login(make_user("eva", role="evaluator", county=unmet_assessment.county))
    page = client.get(f"/a/{unmet_assessment.id}").get_data(as_text=True)
    chart = page.split('<svg class="hours"')[1].split("</svg>")[0]
    assert chart.count("<rect ") == 48 and "<script" not in page
    drawn = sum(int(part.split(" 份</title>")[0]) for part in chart.split("：")[1:])
    assert drawn == in_window
