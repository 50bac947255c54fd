"""The integrity review in the service: computed on demand, stored, reviewed by hand."""

from __future__ import annotations

import json
import secrets
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from analysis.integrity import find_signals, table_from_responses
from analysis.responses import read_responses
from surveyapp.approval import score_answers
from surveyapp.assessments.services import export_csv
from surveyapp.demo import seed_demo
from surveyapp.integrity import services
from surveyapp.models import CollectionLink, FlagReview, IntegrityRun, Response
from surveyapp.models.response import answer_pattern
from surveyapp.standards import scheme_for

STUFFED = 40


def stuff(session, assessment, *, n=STUFFED, seconds=2.0, label="不满意"):
    """A script on one link: ``n`` all-不满意 forms, one every ``seconds``, fresh cookies."""
    link = session.scalars(
        select(CollectionLink).where(
            CollectionLink.assessment_id == assessment.id, CollectionLink.preset_group == "家长"
        )
    ).first()
    items = [f"q{k}" for k in range(1, 9)]
    start = assessment.opens_at + timedelta(days=2, hours=3)  # 11:xx in Beijing
    scheme = scheme_for(assessment)
    for k in range(n):
        answers = {item: label for item in items}
        score_sum, score_count = score_answers(answers, scheme)
        answered, straight = answer_pattern(answers)
        at = start + timedelta(seconds=seconds * k)
        session.add(
            Response(
                public_id=secrets.token_hex(8),
                assessment_id=assessment.id,
                link_id=link.id,
                instrument="social",
                respondent_group="家长",
                school_code=link.school.code if link.school else None,
                mode="自填",
                issued_at=at - timedelta(seconds=31),
                submitted_at=at,
                duration_s=31.0,
                device_hash=secrets.token_hex(20),
                submission_key=secrets.token_urlsafe(16),
                answers=answers,
                score_sum=score_sum,
                score_count=score_count,
                answered=answered,
                straight_lined=straight,
            )
        )
    session.flush()
    return link


@pytest.fixture
def attacked(session):
    assessment = seed_demo(session, responses=True, seed=5)
    session.flush()
    stuff(session, assessment)
    return assessment


def test_the_database_route_equals_the_file_route_on_the_export(session, attacked):
    from_db = services.integrity_table(session, attacked)
    text = export_csv(session, attacked.id, "Asia/Shanghai").encode("utf-8")
    from_file = table_from_responses(read_responses(text), scheme_for(attacked))
    options = {
        "min_duration_s": attacked.min_duration_s,
        "enrolment": services.enrolment_of(session, attacked),
    }
    db_result = find_signals(from_db, **options)
    file_result = find_signals(from_file, **options)
    assert len(db_result.flagged) >= STUFFED
    assert db_result == file_result
    # the table itself: the same rows (file times are to the second)
    assert list(from_db["response_id"]) == list(from_file["response_id"])
    assert list(from_db["device"]) == list(from_file["device"])
    assert list(from_db["pattern"]) == list(from_file["pattern"])


def test_export_carries_link_and_a_device_pseudonym(session, attacked):
    text = export_csv(session, attacked.id, "Asia/Shanghai")
    header, first = text.splitlines()[:2]
    columns = header.split(",")
    assert columns[8:10] == ["link", "device"]
    row = dict(zip(columns, first.split(","), strict=False))
    assert row["device"] == "D0001"
    hashes = session.scalars(select(Response.device_hash)).all()
    assert not any(h and h in text for h in hashes)  # never the hash


def test_compute_stores_a_run_and_nothing_is_invalidated(session, attacked):
    def validity():
        return sorted(session.execute(select(Response.id, Response.valid)).all())

    before = validity()
    run = services.compute_integrity(session, attacked, None, attacked.opens_at, "Asia/Shanghai")
    assert run.flagged >= STUFFED and run.incidents
    assert services.unreviewed_flags(session, attacked) == run.flagged
    all_, kept = run.approval["all"]["pooled"], run.approval["unflagged"]["pooled"]
    assert kept["approval"] > all_["approval"]
    assert kept["n"] == all_["n"] - run.flagged
    assert validity() == before
    assert session.scalar(select(func.count()).select_from(FlagReview)) == 0


def test_cli_integrity_json_has_the_spec_keys(tmp_path):
    # As tests/service/test_cli.py: the command builds its app from the environment.
    from click.testing import CliRunner
    from sqlalchemy.orm import Session

    from renke.cli import main
    from surveyapp.db import make_engine

    url = f"sqlite:///{tmp_path / 'renke.sqlite3'}"
    env = {"RENKE_INSTANCE": str(tmp_path), "DATABASE_URL": url, "SECRET_KEY": "cli-test-secret"}
    runner = CliRunner(env=env)
    for args in (["db", "upgrade"], ["demo"]):
        assert runner.invoke(main, args, catch_exceptions=False).exit_code == 0
    engine = make_engine(url)
    with Session(engine) as own:
        assessment = seed_demo(own)
        stuff(own, assessment)
        own.commit()
        assessment_id = assessment.id
        exported = export_csv(own, assessment_id, "Asia/Shanghai")
    engine.dispose()
    result = runner.invoke(main, ["integrity", str(assessment_id), "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert {"flagged", "incidents", "approval_all", "approval_unflagged"} <= set(body)
    assert {"response_id", "rules", "incident"} <= set(body["flagged"][0])
    assert set(body["approval_all"]) == {"pooled", "planned", "groups"}
    assert len(body["flagged"]) >= STUFFED
    assert all(f["response_id"] in exported for f in body["flagged"])
    assert "burst" in body["flagged"][0]["rules"]
    unflagged, counted = body["approval_unflagged"]["pooled"], body["approval_all"]["pooled"]
    assert unflagged["approval"] > counted["approval"]
    table = runner.invoke(main, ["integrity", str(assessment_id)])
    assert table.exit_code == 0 and "起事件" in table.output and "链接短时集中提交" in table.output
    missing = runner.invoke(main, ["integrity", "999999"])
    assert missing.exit_code == 1 and "找不到评估 999999" in missing.output


def _token(client):
    with client.session_transaction() as state:
        return state["csrf"]


def _flagged_ids(session, attacked):
    run = session.scalars(
        select(IntegrityRun).where(IntegrityRun.assessment_id == attacked.id)
    ).one()
    return run, [flag.response_id for flag in services.flags_of(session, run)]


def test_confirm_dismiss_and_restore_through_the_page(client, login, make_user, session, attacked):
    evaluator = make_user("own", role="evaluator", county=attacked.county)
    login(evaluator)
    assert (
        client.post(
            f"/a/{attacked.id}/integrity/compute", data={"csrf_token": _token(client)}
        ).status_code
        == 302
    )
    run, every = _flagged_ids(session, attacked)
    page = client.get(f"/a/{attacked.id}/integrity").get_data(as_text=True)
    assert "事件 1" in page and "去除标记答卷" in page and f"未处理 {len(every)} 份" in page

    url = f"/a/{attacked.id}/integrity/review"
    # The script's incident is the one holding its 40 responses (incidents are numbered in
    # time, and the demo's responses spread over a window that ends now, so an organic
    # flag may come first); an honest response flagged elsewhere (new devices are counted
    # county-wide) is dismissed first.
    flags = services.flags_of(session, run)
    script = Counter(flag.incident for flag in flags).most_common(1)[0][0]
    ids = [flag.response_id for flag in flags if flag.incident == script]
    honest = [flag.response_id for flag in flags if flag.incident != script]
    assert len(ids) >= STUFFED and len(honest) <= 2
    if honest:
        client.post(
            url, data={"csrf_token": _token(client), "action": "dismiss", "response": honest}
        )
    refused = client.post(
        url,
        data={"csrf_token": _token(client), "action": "confirm", "response": ids[:2]},
        follow_redirects=True,
    )
    assert "认定无效须填写理由" in refused.get_data(as_text=True)
    whole = {"csrf_token": _token(client), "incident": str(script), "whole": "1"}
    client.post(url, data=whole | {"action": "confirm", "reason": "同一分钟内大量相同答案"})
    first = session.get(Response, ids[0])
    session.expire_all()
    assert first.valid is False
    assert first.invalid_reason == "评估人员认定无效：同一分钟内大量相同答案"
    review = session.scalars(select(FlagReview).where(FlagReview.response_id == ids[0])).one()
    assert review.reviewed_by_id == evaluator.id and review.reviewed_at is not None
    assert services.unreviewed_flags(session, attacked) == 0

    summary = services.integrity_summary(session, attacked)
    assert summary.invalidated == summary.confirmed == len(ids)
    assert summary.dismissed == len(honest)
    assert summary.by_whom == {"own": len(ids)}
    assert summary.distribution is not None and summary.distribution["不满意"] >= STUFFED * 8
    assert summary.approval_counted.overall.approval < summary.approval_now.overall.approval

    client.post(url, data={"csrf_token": _token(client), "action": "restore", "response": ids[0]})
    session.expire_all()
    assert first.valid is True and first.invalid_reason is None
    history = session.scalars(select(FlagReview).where(FlagReview.response_id == ids[0])).one()
    assert history.withdrawn_at is not None and history.withdrawn_by_id == evaluator.id
    assert services.unreviewed_flags(session, attacked) == 1

    client.post(url, data={"csrf_token": _token(client), "action": "dismiss", "response": ids[0]})
    session.expire_all()
    assert first.valid is True
    assert services.unreviewed_flags(session, attacked) == 0
    summary = services.integrity_summary(session, attacked)
    assert (summary.dismissed, summary.confirmed) == (1 + len(honest), len(ids) - 1)


def test_a_response_of_another_assessment_cannot_be_reviewed(
    client, login, make_user, session, attacked, make_assessment
):
    other = make_assessment()
    login(make_user("root", role="admin"))
    foreign = session.scalars(
        select(Response.id).where(Response.assessment_id == attacked.id)
    ).first()
    response = client.post(
        f"/a/{other.id}/integrity/review",
        data={"csrf_token": _token(client), "action": "dismiss", "response": foreign},
        follow_redirects=True,
    )
    assert "所选答卷不属于本评估" in response.get_data(as_text=True)


def test_the_summary_is_on_the_assessment_and_verdict_pages(client, login, make_user, attacked):
    login(make_user("own", role="evaluator", county=attacked.county))
    for page in (f"/a/{attacked.id}", f"/a/{attacked.id}/verdict"):
        text = client.get(page).get_data(as_text=True)
        assert "数据真实性核查" in text and "尚未计算真实性信号" in text, page


INTEGRITY_PAGES = [
    ("get", "/a/{id}/integrity"),
    ("post", "/a/{id}/integrity/compute"),
    ("post", "/a/{id}/integrity/review"),
]


@pytest.mark.parametrize(("method", "page"), INTEGRITY_PAGES)
@pytest.mark.parametrize(
    ("who", "get", "post"),
    [
        ("anonymous", 302, 302),
        ("admin", 200, 302),
        ("province", 200, 403),  # SPEC §1: province reads individual responses
        ("own_evaluator", 200, 302),
        ("other_evaluator", 403, 403),
    ],
)
def test_integrity_access_matrix(
    client, login, make_user, make_county, make_assessment, method, page, who, get, post
):
    home = make_county(name="本县")
    assessment = make_assessment(county=home)
    users = {
        "admin": lambda: make_user("admin", role="admin"),
        "province": lambda: make_user("province", role="province"),
        "own_evaluator": lambda: make_user("own", role="evaluator", county=home),
        "other_evaluator": lambda: make_user("other", role="evaluator", county=make_county()),
    }
    if who != "anonymous":
        login(users[who]())
    url = page.format(id=assessment.id)
    if method == "get":
        response = client.get(url)
    else:
        client.get("/login")
        data = {"csrf_token": _token(client), "action": "dismiss", "response": []}
        response = client.post(url, data=data)
    expected = get if method == "get" else post
    assert response.status_code == expected, (method, url, who)
    if expected == 302 and who == "anonymous":
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(("method", "page"), INTEGRITY_PAGES)
def test_from_prefecture_review_on_the_county_role_sees_no_responses(
    client, login, make_user, make_county, make_assessment, method, page
):
    home = make_county(name="本县")
    assessment = make_assessment(county=home, stage="prefecture")
    login(make_user("own", role="evaluator", county=home))
    url = page.format(id=assessment.id)
    if method == "get":
        response = client.get(url)
    else:
        response = client.post(url, data={"csrf_token": _token(client), "action": "dismiss"})
    assert response.status_code == 403
