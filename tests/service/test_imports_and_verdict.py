"""Uploading the schools and county files, and the verdict page built on them."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from surveyapp.models import DataFile, School
from surveyapp.questionnaires.builtin import BUILTIN
from tests.service.respondent import KEY, full_answers
from tests.verdict.county40 import county_csv, schools_csv, schools_rows


@pytest.fixture
def evaluator(client, login, make_user, make_assessment):
    assessment = make_assessment(min_duration_s=0)
    user = make_user("boss", role="evaluator", county=assessment.county)
    login(user)
    with client.session_transaction() as state:
        token = state["csrf"]
    return assessment, token


def upload(client, assessment, token, kind, content, filename="data.csv"):
    return client.post(
        f"/a/{assessment.id}/data/{kind}",
        data={"csrf_token": token, "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def test_accepted_schools_file_is_stored_and_syncs_schools(client, session, evaluator):
    assessment, token = evaluator
    response = upload(client, assessment, token, "schools", schools_csv(), "学校.csv")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已接受学校数据（第 1 版，40 所学校）" in page
    [stored] = session.scalars(
        select(DataFile).where(DataFile.assessment_id == assessment.id)
    ).all()
    assert stored.filename == "学校.csv" and stored.content == schools_csv()
    codes = set(
        session.scalars(select(School.code).where(School.county_id == assessment.county_id))
    )
    assert {"P01", "J08", "C02"} <= codes


def test_bad_file_is_refused_whole_with_every_problem(client, session, evaluator):
    assessment, token = evaluator
    rows = schools_rows()
    rows[3]["小学在校生数"] = "三百"
    rows[7]["学校类型"] = "大学"
    rows.append({"学校代码": "合计", "学校名称": ""})
    from tests.verdict.county40 import schools_csv as build

    response = upload(client, assessment, token, "schools", build(rows))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "文件未被接受，未保存任何内容" in page
    assert "第5行" in page and "第9行" in page
    assert "第42行是合计行，请删除后重新上传" in page
    assert session.scalars(select(DataFile)).all() == []


def test_replacement_keeps_the_previous_version(client, session, evaluator):
    assessment, token = evaluator
    year = assessment.year
    upload(client, assessment, token, "county", county_csv(assessment_year=year), "v1.csv")
    upload(
        client,
        assessment,
        token,
        "county",
        county_csv(basic_year=2018, assessment_year=year),
        "v2.csv",
    )
    files = session.scalars(select(DataFile).order_by(DataFile.version)).all()
    assert [(f.version, f.filename) for f in files] == [(1, "v1.csv"), (2, "v2.csv")]
    page = client.get(f"/a/{assessment.id}/data").get_data(as_text=True)
    assert "当前：第 2 版 · v2.csv" in page and "v1.csv" in page


def test_missing_file_and_unknown_kind(client, evaluator):
    assessment, token = evaluator
    response = client.post(f"/a/{assessment.id}/data/schools", data={"csrf_token": token})
    assert response.status_code == 422 and "请选择要上传的文件" in response.get_data(as_text=True)
    assert upload(client, assessment, token, "other", b"x").status_code == 404


@pytest.mark.parametrize(
    "content", [b"", b"\x00\x01garbage", b"PK\x03\x04broken zip", "学校代码\n".encode()]
)
def test_garbage_is_a_clear_refusal_not_a_500(client, evaluator, content):
    assessment, token = evaluator
    response = upload(client, assessment, token, "schools", content)
    assert response.status_code == 422
    assert "文件未被接受" in response.get_data(as_text=True)


def test_verdict_page_before_any_data(client, evaluator):
    assessment, _ = evaluator
    page = client.get(f"/a/{assessment.id}/verdict").get_data(as_text=True)
    assert "尚未上传学校数据" in page and "还没有可计入的有效答卷" in page


def identity_label(instrument, group):
    """The identity option a respondent of ``group`` picks (the questionnaire's words)."""
    (question,) = [q for q in BUILTIN[instrument]["questions"] if q["id"] == "identity"]
    return next(label for label, value in question["values"].items() if value == group)


def answer_many(app, assessment, make_link, count, instrument="social", **overrides):
    link = make_link(assessment=assessment, instrument=instrument)
    if instrument == "social":
        overrides.setdefault("identity", "其他群众")
    for _ in range(count):
        respondent = app.test_client()
        key = KEY.search(respondent.get(f"/s/{link.token}").get_data(as_text=True)).group(1)
        respondent.post(
            f"/s/{link.token}",
            data={"key": key, **full_answers(instrument, **overrides)},
        )


def test_verdict_page_certifies_a_county_that_meets_everything(
    app, client, session, evaluator, make_link
):
    assessment, token = evaluator
    upload(client, assessment, token, "schools", schools_csv())
    upload(
        client,
        assessment,
        token,
        "county",
        county_csv(assessment_year=assessment.year, basic_year=assessment.year - 4),
    )
    # a sample that meets the plan (SPEC §2.5): 常住人口 20 000 gives N = 30; 家长 18 of 35
    assessment.population = 20_000
    assessment.population_urban = assessment.population_town = assessment.population_rural = None
    session.flush()
    answer_many(app, assessment, make_link, 18, identity=identity_label("social", "家长"))
    for group in ("人大代表", "政协委员", "其他群众"):
        answer_many(app, assessment, make_link, 2, identity=identity_label("social", group))
    answer_many(app, assessment, make_link, 6, instrument="student")
    for group in ("教师", "校长"):
        label = identity_label("staff", group)
        answer_many(app, assessment, make_link, 3, instrument="staff", identity=label)
    page = client.get(f"/a/{assessment.id}/verdict").get_data(as_text=True)
    assert "达到优质均衡认定标准" in page and "未达到" not in page, page
    assert "样本符合计划" in page
    data = client.get(f"/a/{assessment.id}/verdict.json").get_json()
    assert data["certified"] is True
    assert data["approval"]["approval"] == 1.0
    assert data["resource"]["cv"]["primary"]["equipment_value"]["cv"] == pytest.approx(
        620**0.5 / 224, abs=1e-12
    )


def test_verdict_page_lists_the_reasons(app, client, evaluator, make_link):
    assessment, token = evaluator
    upload(client, assessment, token, "schools", schools_csv())
    upload(
        client,
        assessment,
        token,
        "county",
        county_csv(assessment_year=assessment.year, basic_year=assessment.year - 1),
    )
    answer_many(app, assessment, make_link, 6, q1="不满意", q2="不满意", q3="不满意")
    page = client.get(f"/a/{assessment.id}/verdict").get_data(as_text=True)
    assert "未达到优质均衡认定标准" in page
    data = client.get(f"/a/{assessment.id}/verdict.json").get_json()
    assert data["certified"] is False and data["eligible"] is False
    assert any("社会认可度" in reason for reason in data["reasons"])
    assert data["approval"]["approval"] == pytest.approx(5 / 8)


def test_other_county_cannot_upload(client, login, make_user, make_assessment):
    assessment = make_assessment()
    login(make_user("stranger", role="evaluator"))
    with client.session_transaction() as state:
        token = state["csrf"]
    assert upload(client, assessment, token, "schools", schools_csv()).status_code == 403
    assert client.get(f"/a/{assessment.id}/verdict").status_code == 403


@pytest.mark.parametrize("kind", ["schools", "county"])
def test_templates_download_and_name_units_and_sources(client, evaluator, kind):
    from openpyxl import load_workbook

    assessment, _ = evaluator
    response = client.get(f"/a/{assessment.id}/templates/{kind}.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames[0] == "数据"
    text = " ".join(
        str(cell.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value
    )
    if kind == "schools":
        assert "教育事业统计" in text and "㎡" in text and str(assessment.year - 1) in text
    else:
        assert "基本均衡认定年份" in text and "政府保障" in text


def test_the_demo_verdict_reads_as_the_issue_asks(session):
    from surveyapp.demo import seed_demo
    from surveyapp.verdicts.services import assessment_verdict

    assessment = seed_demo(session, responses=True)
    result = assessment_verdict(session, assessment, ZoneInfo("Asia/Shanghai"))
    assert result.missing == []
    assert result.verdict is not None and result.verdict.eligible is True
    assert list(result.verdict.reasons) == [
        "砚山县平远镇中学（初中）生均体育运动场馆面积 8.1㎡，低于标准 10.2㎡ 的 85%",
        "政府保障第 4 项（学校规模）未达标：砚山县第一中学义务教育阶段规模 2,150 人，超过 2,000 人（多 150 人）",
    ]
    # The demo meets its own sample plan (issue 8), so the approval is established.
    assert result.verdict.approval.met is True
    assert result.verdict.approval.sample_ok is True
    assert result.verdict.approval.passed is True


def test_a_county_file_of_another_year_is_refused(client, session, evaluator):
    assessment, token = evaluator
    response = upload(
        client, assessment, token, "county", county_csv(basic_year=2014, assessment_year=2018)
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"评估年份 2018 与本次评估的年份 {assessment.year} 不一致" in page and "第3行" in page
    assert session.scalars(select(DataFile)).all() == []


def test_values_too_long_for_the_database_are_problems_by_row(client, session, evaluator):
    assessment, token = evaluator
    rows = schools_rows()
    rows[4]["学校代码"] = "X" * 41  # P05: no 教学点 belongs to it
    rows[1]["学校名称"] = "很长的名字" * 30
    from tests.verdict.county40 import schools_csv as build

    response = upload(client, assessment, token, "schools", build(rows))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "第6行，“学校代码”列：不能超过 40 个字符" in page
    assert "第3行，“学校名称”列：不能超过 120 个字符" in page


def test_only_the_latest_assessment_updates_the_school_list(
    client, session, evaluator, make_assessment
):
    assessment, token = evaluator
    make_assessment(county=assessment.county, year=assessment.year + 1)
    upload(client, assessment, token, "schools", schools_csv())
    codes = set(
        session.scalars(select(School.code).where(School.county_id == assessment.county_id))
    )
    assert "P01" not in codes  # the older assessment's file is kept, the list untouched


def test_the_gap_ledger_page_and_workbook(client, session, evaluator, login, make_user):
    """The ledger of the latest schools file, as `renke gaps` gives it (analysis.gaps)."""
    from openpyxl import load_workbook

    from analysis.gaps import gap_ledger
    from analysis.gaps_text import gap_words
    from analysis.schools import read_schools

    assessment, token = evaluator
    before = client.get(f"/a/{assessment.id}/gaps").get_data(as_text=True)
    assert "尚未上传学校数据" in before
    assert client.get(f"/a/{assessment.id}/gaps.xlsx").status_code == 404
    rows = schools_rows()
    rows[0]["体育运动场馆面积"] = 10  # far under the standard: P01 fails
    content = schools_csv(rows)
    assert upload(client, assessment, token, "schools", content).status_code == 302
    expected = gap_ledger(read_schools(content))
    assert expected.blocking and expected.units
    page = client.get(f"/a/{assessment.id}/gaps").get_data(as_text=True)
    assert "存在影响认定的差距" in page
    for unit in expected.units:
        for gap in unit.gaps:
            assert gap_words(gap) in page
    workbook = client.get(f"/a/{assessment.id}/gaps.xlsx")
    assert workbook.status_code == 200
    assert "attachment; filename*=UTF-8''" in workbook.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(workbook.data), read_only=True)
    listed = [r for r in book["学校差距"].iter_rows(values_only=True)][1:]
    assert len(listed) == sum(len(u.gaps) for u in expected.units)
    # out of scope: another county's evaluator
    from surveyapp.models import County

    elsewhere = County(province="云南省", prefecture="外州", name="外县")
    session.add(elsewhere)
    session.flush()
    login(make_user("outsider", role="evaluator", county=elsewhere))
    assert client.get(f"/a/{assessment.id}/gaps").status_code == 403
