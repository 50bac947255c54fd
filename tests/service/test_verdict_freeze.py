"""特殊情况 with their documents, freezing a verdict (定稿), and the versions of a file."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from surveyapp.db import utcnow
from surveyapp.models import SpecialCaseRecord, VerdictFreeze
from surveyapp.models.verdict_freeze import FrozenVerdictImmutable
from tests.service.test_imports_and_verdict import upload
from tests.verdict.county40 import county_csv, schools_csv, schools_rows

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FAILING_J01 = [
    ({**r, "体育运动场馆面积": 4860} if r["学校代码"] == "J01" else r) for r in schools_rows()
]


def _token(client):
    with client.session_transaction() as state:
        return state["csrf"]


def closed_ago(session, make_assessment, delay):
    assessment = make_assessment(state="closed")
    assessment.closed_at = utcnow() - delay
    session.flush()
    return assessment


@pytest.fixture
def closed(client, session, login, make_user, make_assessment):
    """A 县级自评 closed 3 hours ago (past its 2-hour grace period), its evaluator signed in."""
    assessment = closed_ago(session, make_assessment, timedelta(hours=3))
    user = make_user("boss", role="evaluator", county=assessment.county)
    login(user)
    token = _token(client)
    upload(client, assessment, token, "schools", schools_csv(FAILING_J01), "学校.csv")
    upload(client, assessment, token, "county", county_csv(assessment_year=assessment.year))
    return assessment, token


def freeze(client, assessment, token):
    return client.post(f"/a/{assessment.id}/verdict/freeze", data={"csrf_token": token})


def record_case(client, assessment, token, document=PDF, **fields):
    data = {
        "csrf_token": token,
        "school_code": "J01",
        "section": "junior",
        "target": "sports_space",
        "value": "10.4",
        "note": "租用县体育场（步行 8 分钟）",
        "document": (io.BytesIO(document), "租用协议.pdf"),
        **fields,
    }
    return client.post(f"/a/{assessment.id}/special", data=data, content_type="multipart/form-data")


# ------------------------------------------------------------------ 特殊情况


def test_exception_turns_a_failing_school_into_a_passing_one_with_the_note(client, closed):
    assessment, token = closed
    reason = "平远镇中学（初中）生均体育运动场馆面积 8.1㎡，低于标准 10.2㎡ 的 85%"
    assert reason in client.get(f"/a/{assessment.id}/verdict").get_data(as_text=True)
    assert record_case(client, assessment, token).status_code == 302
    page = client.get(f"/a/{assessment.id}/verdict").get_data(as_text=True)
    assert reason not in page
    assert "按特殊情况认定（计算值 8.100；租用县体育场（步行 8 分钟）；boss" in page
    data = client.get(f"/a/{assessment.id}/verdict.json").get_json()
    [school] = [s for s in data["resource"]["schools"] if s["code"] == "J01"]
    assert school["passed"] is True and school["special"]["sports_space"]["accepted_by"] == "boss"


@pytest.mark.parametrize(
    ("document", "fields", "problem"),
    [
        (b"<html><script>alert(1)</script>", {}, "只接受 PDF、PNG 或 JPEG 文件（按文件内容判断）"),
        (PDF, {"school_code": "X99"}, "当前学校数据中没有学校代码“X99”"),
        (PDF, {"note": " "}, "“理由”列：不能为空"),
    ],
)
def test_bad_exception_is_refused_with_its_problem(
    client, session, closed, document, fields, problem
):
    assessment, token = closed
    response = record_case(client, assessment, token, document=document, **fields)
    assert response.status_code == 422
    assert problem in response.get_data(as_text=True)
    assert session.scalars(select(SpecialCaseRecord)).all() == []


def test_document_over_the_size_limit_is_refused(session, closed, make_user):
    # through the service: the test client would spool a 5 MB body to a file it never closes
    from analysis.standards import load_standard
    from analysis.tables import InputRefused
    from surveyapp.verdicts.special_cases import CaseForm, record_special_case

    assessment, _ = closed
    form = CaseForm(
        "J01", "junior", "sports_space", "10.4", "租用", "a.pdf", PDF + b"0" * 5 * 2**20
    )
    with pytest.raises(InputRefused) as refused:
        record_special_case(
            session, assessment, form, make_user("boss3", county=assessment.county), utcnow(),
            standard=load_standard(), school_codes={"J01"},
        )  # fmt: skip
    assert [str(p) for p in refused.value.problems] == ["“附件”列：文件超过 5 MB"]


@pytest.mark.parametrize(
    ("role", "same_county", "status"),
    [
        ("evaluator", True, 200),
        ("evaluator", False, 403),
        ("province", False, 200),
        ("admin", False, 200),
    ],
)
def test_exception_document_by_role_and_county(
    client, session, closed, login, make_user, make_county, role, same_county, status
):
    assessment, token = closed
    record_case(client, assessment, token)
    [case] = session.scalars(select(SpecialCaseRecord)).all()
    county = assessment.county if same_county else make_county()
    login(make_user(f"{role}2", role=role, county=county if role == "evaluator" else None))
    response = client.get(f"/a/{assessment.id}/special/{case.id}/document")
    assert response.status_code == status
    if status == 200:
        assert response.data == PDF and response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_only_the_stage_role_records_exceptions(client, closed, login, make_user):
    assessment, _ = closed
    login(make_user("prov", role="province"))
    assert record_case(client, assessment, _token(client)).status_code == 403


# ------------------------------------------------------------------ 定稿


def test_freeze_refused_while_collecting(client, login, make_user, make_assessment):
    assessment = make_assessment()  # collecting, for two weeks more
    login(make_user("boss", role="evaluator", county=assessment.county))
    token = _token(client)
    upload(client, assessment, token, "schools", schools_csv())
    response = freeze(client, assessment, token)
    assert response.status_code == 409
    assert "问卷收集尚未结束，不能定稿" in response.get_data(as_text=True)


def test_freeze_refused_in_the_grace_period(client, session, login, make_user, make_assessment):
    assessment = closed_ago(session, make_assessment, timedelta(minutes=90))
    login(make_user("boss", role="evaluator", county=assessment.county))
    token = _token(client)
    upload(client, assessment, token, "schools", schools_csv())
    response = freeze(client, assessment, token)
    assert response.status_code == 409
    assert "问卷收集结束后还有 2 小时的补交期" in response.get_data(as_text=True)
    assert session.scalars(select(VerdictFreeze)).all() == []


@pytest.mark.parametrize("role", ["province", "admin"])
def test_freeze_refused_for_the_wrong_role(client, session, closed, login, make_user, role):
    assessment, _ = closed
    login(make_user("other", role=role))
    response = freeze(client, assessment, _token(client))
    assert response.status_code == 409
    assert "县级自评的认定结论只能由县级评估人员定稿" in response.get_data(as_text=True)
    assert session.scalars(select(VerdictFreeze)).all() == []


def test_unreviewed_flags_block_freezing(client, session, closed):
    from surveyapp.models import IntegrityFlag, IntegrityRun, Response

    assessment, token = closed
    responses = session.scalars(
        select(Response).where(Response.assessment_id == assessment.id).limit(3)
    ).all()
    if len(responses) < 3:  # the fixture's assessment has no responses: store three
        from surveyapp.models.response import invalid_fields

        for number in range(3):
            session.add(
                Response(
                    public_id=f"flagged{number}", assessment_id=assessment.id,
                    instrument="social", respondent_group="家长", submitted_at=utcnow(),
                    answers={}, **invalid_fields([]),
                )
            )  # fmt: skip
        session.flush()
        responses = session.scalars(
            select(Response).where(Response.assessment_id == assessment.id)
        ).all()
    run = IntegrityRun(
        assessment_id=assessment.id, computed_at=utcnow(), checked=3, flagged=3,
        incidents=[], approval={}, notes=[],
    )  # fmt: skip
    session.add(run)
    session.flush()
    for response in responses[:3]:
        session.add(IntegrityFlag(run_id=run.id, response_id=response.id, incident=1, rules=[]))
    session.commit()
    response = freeze(client, assessment, token)
    assert response.status_code == 409
    assert "还有 3 条数据质量标记未复核" in response.get_data(as_text=True)
    assert session.scalars(select(VerdictFreeze)).all() == []


def test_frozen_verdict_is_unchanged_by_a_later_upload(client, session, closed):
    assessment, token = closed
    assert freeze(client, assessment, token).status_code == 302
    [frozen] = session.scalars(select(VerdictFreeze)).all()
    kept = dict(frozen.verdict)
    assert frozen.certified is False and frozen.invalidations == 0
    assert len(frozen.schools_sha256) == 64 and frozen.frozen_by_name == "boss"
    # a corrected schools file afterwards: the record stays, the page shows the difference
    upload(client, assessment, token, "schools", schools_csv(), "更正.csv")
    session.expire_all()
    [again] = session.scalars(select(VerdictFreeze)).all()
    assert again.verdict == kept and again.certified is False
    page = client.get(f"/a/{assessment.id}/verdict").get_data(as_text=True)
    assert "已定稿" in page and "与定稿不同" in page
    assert "学校数据已更新（第 2 版，定稿后上传）" in page
    assert "不再成立的原因：平远镇中学（初中）生均体育运动场馆面积 8.1㎡" in page
    assert freeze(client, assessment, token).status_code == 409  # once only
    refused = record_case(client, assessment, token)
    assert refused.status_code == 409
    assert "认定结论已定稿，不能再认定特殊情况" in refused.get_data(as_text=True)
    again.certified = True
    with pytest.raises(FrozenVerdictImmutable):
        session.flush()


def test_printed_verdict_has_signature_and_page_numbers(client, closed):
    assessment, _ = closed
    page = client.get(f"/a/{assessment.id}/verdict").get_data(as_text=True)
    assert "counter(page)" in page and "评估人员（签字）" in page and "生成日期" in page
    assert "示例数据，非真实评估" not in page  # not demo data


def test_every_stored_version_downloads(client, closed):
    assessment, token = closed
    upload(client, assessment, token, "schools", schools_csv(), "更正.csv")
    first = client.get(f"/a/{assessment.id}/data/schools/v1")
    second = client.get(f"/a/{assessment.id}/data/schools/v2")
    assert first.data == schools_csv(FAILING_J01) and second.data == schools_csv()
    assert first.headers["Content-Disposition"] == "attachment; filename=renke-schools-v1.csv"
    assert client.get(f"/a/{assessment.id}/data/schools/v3").status_code == 404
    page = client.get(f"/a/{assessment.id}/data").get_data(as_text=True)
    assert f"/a/{assessment.id}/data/schools/v1" in page


def test_county_file_as_schools_upload_is_one_message(client, closed):
    assessment, token = closed
    response = upload(client, assessment, token, "schools", county_csv())
    assert response.status_code == 422
    assert "这不是学校表：缺少 22 列，可能上传了县级表" in response.get_data(as_text=True)


def test_freezing_stores_the_summary_the_province_reads(client, session, closed):
    from surveyapp.models import VerdictSummary

    assessment, token = closed
    assert freeze(client, assessment, token).status_code == 302
    session.expire_all()
    summary = session.get(VerdictSummary, assessment.id)
    [frozen] = session.scalars(select(VerdictFreeze)).all()
    assert summary is not None and summary.frozen is True
    assert summary.certified == frozen.certified
    assert summary.reasons == frozen.verdict["reasons"]
