"""Yearly monitoring through the service (SPEC §2.4): summaries store the measures, the
overview reviews them, and flags 问责 and 撤销称号 on a three-year fixture."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from analysis.county import read_county
from analysis.schools import read_schools
from analysis.verdict import ApprovalInput, compute_verdict
from surveyapp.assessments import setup
from surveyapp.assessments.forms import read_settings
from surveyapp.models import Assessment, VerdictSummary
from surveyapp.province import services, stages
from surveyapp.province.export import COLUMNS
from surveyapp.province.monitoring import monitoring_refusal
from surveyapp.province.services import Filters, summary_from_verdict
from tests.service.test_imports_and_verdict import upload
from tests.verdict.county40 import county_csv, schools_csv, schools_rows

NOW = datetime(2028, 3, 1, tzinfo=UTC)
FAILING_J01 = [
    ({**r, "体育运动场馆面积": 4860} if r["学校代码"] == "J01" else r) for r in schools_rows()
]
GOVERNMENT_1_FAILS = {("政府保障", "1"): ("", "不达标", "")}


def verdict_json(year, approval, se, *, schools=None, replace=None):
    """The verdict JSON of the 40-school county in ``year`` with a given approval and SE."""
    school_file = read_schools(schools_csv(schools))
    county_file = read_county(county_csv(assessment_year=year, replace=replace))
    ci = (approval - 2 * se, approval + 2 * se)
    given = ApprovalInput(approval, ci, approval >= 0.85, None, "--approval", se=se)
    return compute_verdict(school_file, county_file, given).to_dict()


def monitored_county(session, make_county, make_assessment, name, years, *, frozen=False):
    """A county certified (省级评估 定稿) in 2024 and monitored in each of ``years``
    (their verdicts frozen when ``frozen``)."""
    county = make_county(name)
    county.planned_year = 2024
    baseline = make_assessment(county=county, year=2024, stage="province", state="closed")
    certified = verdict_json(2024, 0.91, 0.012)
    assert certified["certified"] is True
    summary_from_verdict(session, baseline, certified, frozen=True)
    for year, (approval, se, options) in years.items():
        monitoring = make_assessment(county=county, year=year, stage="monitoring", state="closed")
        verdict = verdict_json(year, approval, se, **options)
        summary_from_verdict(session, monitoring, verdict, frozen=frozen)
    session.flush()
    return county


@pytest.fixture
def three_years(session, make_county, make_assessment):
    """Three certified counties, each monitored in 2025, 2026 and 2027.

    平安县: the approval drifts 91.0% → 90.0% → 89.0% → 88.5% with SE 1.2 points, every
    fall within noise (p ≥ 0.27), everything else 达标: listed, never flagged.
    下滑县: 2025 政府保障第 1 项 达标 → 不达标 (下滑, 问责); 2026 the approval 90.0% →
    86.0% with SE 1.0 (z = 2.83, p = 0.0023: 下滑) — the second consecutive year: 撤销称号;
    2027 all 达标 again.
    问责县: 2027 a school falls below 第六条 (下滑 and 问责, one year only).
    """
    calm = {2025: (0.90, 0.012, {}), 2026: (0.89, 0.012, {}), 2027: (0.885, 0.012, {})}
    falling = {
        2025: (0.90, 0.010, {"replace": GOVERNMENT_1_FAILS}),
        2026: (0.86, 0.010, {"replace": GOVERNMENT_1_FAILS}),
        2027: (0.87, 0.010, {}),
    }
    below = {
        2025: (0.91, 0.01, {}),
        2026: (0.91, 0.01, {}),
        2027: (0.91, 0.01, {"schools": FAILING_J01}),
    }
    return {
        "calm": monitored_county(session, make_county, make_assessment, "平安县", calm),
        "falling": monitored_county(session, make_county, make_assessment, "下滑县", falling),
        "below": monitored_county(session, make_county, make_assessment, "问责县", below),
        "never": make_county("未认定县"),
    }


def monitoring_settings(county, year):
    """The set-up form's fields for a 年度监测 of ``county`` in ``year``, as read from a post."""
    posted = {
        "prefecture": county.prefecture,
        "county": county.name,
        "year": str(year),
        "stage": "monitoring",
        "min_duration_s": "30",
    }
    form, fields = read_settings(posted, "Asia/Shanghai")
    assert fields is not None, form.errors
    return fields


def rows_by_name(session, filters=None):
    result = services.overview(session, "云南省", NOW, filters or Filters())
    return {row.county: row for row in result.rows}


def test_summaries_store_the_measures_and_the_approval_se(session, make_assessment):
    assessment = make_assessment(year=2025, stage="monitoring", state="closed")
    summary_from_verdict(session, assessment, verdict_json(2025, 0.9, 0.011, schools=FAILING_J01))
    summary = session.get(VerdictSummary, assessment.id)
    assert summary.approval_se == pytest.approx(0.011)
    measures, labels = summary.measures, summary.measure_labels
    assert measures["indicators.junior.J01"] is False
    assert labels["indicators.junior.J01"].startswith("平远镇中学（初中）资源配置指标")
    assert "体育" in labels["indicators.junior.J01"]
    assert measures["indicators.primary.P01"] is True
    assert labels["cv.primary.sports_space"].startswith("小学生均体育运动场馆面积差异系数")
    assert measures["items.government.1"] is True
    assert labels["items.government.1"].startswith("政府保障程度第 1 项：")
    assert "items.quality.9" in measures and set(labels) == set(measures)
    kinds = {key.split(".", 1)[0] for key in measures}
    assert kinds == {"indicators", "cv", "items"}


def test_noise_only_is_not_flagged_and_two_consecutive_declines_revoke(session, three_years):
    rows = rows_by_name(session)
    calm = rows["平安县"].monitoring
    assert calm is not None and calm.certified_year == 2024
    assert [y.year for y in calm.years] == [2024, 2025, 2026, 2027]
    assert not calm.revoke and not calm.accountability and calm.flagged_falls == []
    for year in calm.years[1:]:
        [fall] = year.listed
        assert fall.label == "社会认可度" and not fall.flagged and "不计为下滑" in fall.note

    falling = rows["下滑县"].monitoring
    assert falling.revoke and falling.revoke_year == 2026
    assert not falling.accountability  # 2027, the latest year, is 达标 again
    flagged = [
        (year, fall.measure, fall.before, fall.after) for year, fall in falling.flagged_falls
    ]
    assert flagged == [
        (2025, "items.government.1", "达标", "不达标"),
        (2026, "approval", "90.0%", "86.0%"),
    ]
    by_year = {y.year: y for y in falling.years}
    assert by_year[2025].review.accountability and not by_year[2025].review.revoke
    assert "p = 0.0023" in by_year[2026].flagged[0].note

    below = rows["问责县"].monitoring
    assert below.accountability and not below.revoke
    assert below.below[0].startswith("平远镇中学（初中）资源配置指标")
    assert rows["未认定县"].monitoring is None


def test_the_overview_filters_accountability_and_revocation(session, three_years):
    assert list(rows_by_name(session, Filters(verdict="accountability"))) == ["问责县"]
    assert list(rows_by_name(session, Filters(verdict="revoke"))) == ["下滑县"]
    ranked = services.overview(session, "云南省", NOW, sort="monitoring", descending=True)
    assert [row.county for row in ranked.rows][:3] == ["下滑县", "问责县", "平安县"]


def test_the_json_fields_read_back(session, three_years):
    rows = rows_by_name(session)
    data = json.loads(json.dumps([row.as_dict() for row in rows.values()], ensure_ascii=False))
    by_name = {county["county"]: county for county in data}
    falling = by_name["下滑县"]
    for key in ("prefecture", "stage", "certified", "approval", "ci", "overdue", "reasons"):
        assert key in falling  # the fields before monitoring are kept
    monitoring = falling["monitoring"]
    assert monitoring["revoke"] is True and monitoring["accountability"] is False
    assert [f["measure"] for f in monitoring["falls"]] == ["items.government.1", "approval"]
    assert [y["year"] for y in monitoring["years"]] == [2024, 2025, 2026, 2027]
    assert monitoring["years"][2]["revoke"] is True
    assert by_name["平安县"]["monitoring"]["falls"] == []
    assert by_name["平安县"]["monitoring"]["years"][1]["falls"][0]["flagged"] is False
    assert by_name["未认定县"]["monitoring"] is None


def test_the_xlsx_columns_read_back(client, session, three_years, make_user, login):
    login(make_user("sheng", role="province"))
    sheet = load_workbook(io.BytesIO(client.get("/province/export.xlsx").data)).worksheets[0]
    headings = [cell.value for cell in sheet[2]]
    assert headings[-2:] == ["年度监测", "监测下滑及未达标项"] == [c[0] for c in COLUMNS[-2:]]
    rows = {r[2]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    # the fixture's 年度监测 verdicts are not frozen: the flags are provisional, and say so
    assert rows["下滑县"][-2] == "撤销称号（未定稿）"
    assert "2025年下滑：政府保障程度第 1 项" in rows["下滑县"][-1]
    assert "2026年下滑：社会认可度（90.0%→86.0%）" in rows["下滑县"][-1]
    assert (
        rows["问责县"][-2] == "问责（未定稿）" and "2027年未达标：平远镇中学" in rows["问责县"][-1]
    )
    assert rows["平安县"][-2] == "正常" and rows["平安县"][-1] in ("", None)
    assert rows["未认定县"][-2] in ("", None)


def test_flags_resting_on_frozen_years_are_not_marked_provisional(
    session, make_county, make_assessment
):
    """Once the 年度监测 verdicts a flag rests on are frozen, the mark goes; a flag whose
    latest year alone is unfrozen keeps it (问责 rests on the latest year only)."""
    from surveyapp.province.export import monitoring_status

    below = {2025: (0.91, 0.01, {}), 2026: (0.91, 0.01, {"schools": FAILING_J01})}
    signed = monitored_county(session, make_county, make_assessment, "定稿县", below, frozen=True)
    draft = monitored_county(session, make_county, make_assessment, "草稿县", below)
    rows = rows_by_name(session)
    assert monitoring_status(rows[signed.name].monitoring) == "问责"
    assert rows[signed.name].monitoring.provisional_flags == ()
    assert monitoring_status(rows[draft.name].monitoring) == "问责（未定稿）"
    assert rows[draft.name].monitoring.provisional_flags == ("accountability",)


def test_the_pages_show_the_flags_and_each_year(client, session, three_years, make_user, login):
    login(make_user("sheng", role="province"))
    page = client.get("/province/?verdict=revoke").get_data(as_text=True)
    falling = three_years["falling"]
    assert f'href="/province/county/{falling.id}/monitoring"' in page and "撤销称号" in page
    assert "2026年下滑：社会认可度（90.0%→86.0%）" in page  # the tooltip
    detail = client.get(f"/province/county/{falling.id}/monitoring").get_data(as_text=True)
    assert "2026 年为连续第二年下滑，应撤销称号" in detail
    assert "政府保障程度第 1 项" in detail and "p = 0.0023" in detail
    calm = client.get(f"/province/county/{three_years['calm'].id}/monitoring").get_data(
        as_text=True
    )
    assert "在抽样误差范围内，不计为下滑" in calm and "应撤销称号" not in calm
    never = client.get(f"/province/county/{three_years['never'].id}/monitoring")
    assert "尚未通过省级评估" in never.get_data(as_text=True)


@pytest.mark.parametrize("role", ["evaluator", "prefecture", "interviewer", "agency"])
def test_only_the_province_sees_the_monitoring(client, three_years, make_user, login, role):
    county = three_years["falling"]
    login(make_user("someone", role=role, county=county if role != "agency" else None))
    assert client.get("/province/").status_code == 403
    assert client.get(f"/province/county/{county.id}/monitoring").status_code == 403


def test_a_monitoring_year_is_set_up_only_after_certification(session, three_years, make_user):
    never, calm = three_years["never"], three_years["calm"]
    assert monitoring_refusal(session, never, 2026) == (
        "未认定县尚未通过省级评估（定稿为达标），不能开展年度监测"
    )
    assert monitoring_refusal(session, calm, 2024) == (
        "平安县于 2024 年通过省级评估，年度监测应在 2025 年及以后"
    )
    assert monitoring_refusal(session, calm, 2028) is None

    settings = monitoring_settings

    with pytest.raises(setup.StageRefused, match="不能开展年度监测"):
        setup.create_from_settings(session, settings(never, 2026), province="云南省")
    created = setup.create_from_settings(session, settings(calm, 2028), province="云南省")
    assert created.stage_label == "年度监测"
    # not a step of the workflow: nothing follows it
    refusal = stages.advance_refusal(session, created, make_user("chief", role="admin"))
    assert refusal is not None and refusal.code == "last"


def test_an_unfrozen_certification_is_not_a_baseline(session, make_county, make_assessment):
    county = make_county("暂定县")
    baseline = make_assessment(county=county, year=2024, stage="province", state="closed")
    summary_from_verdict(session, baseline, verdict_json(2024, 0.91, 0.012))  # not frozen
    session.flush()
    assert rows_by_name(session)["暂定县"].monitoring is None
    assert "尚未通过省级评估" in monitoring_refusal(session, county, 2025)


def test_the_province_uploads_a_monitoring_years_files_and_the_summary_fills(
    client, session, three_years, make_user, make_assessment, login
):
    county = three_years["calm"]
    assessment = make_assessment(county=county, year=2028, stage="monitoring", state="closed")
    login(make_user("sheng", role="province"))
    with client.session_transaction() as state:
        token = state["csrf"]
    assert upload(client, assessment, token, "schools", schools_csv(FAILING_J01)).status_code == 302
    assert (
        upload(client, assessment, token, "county", county_csv(assessment_year=2028)).status_code
        == 302
    )
    session.expire_all()
    summary = session.get(VerdictSummary, assessment.id)
    assert summary.measures["indicators.junior.J01"] is False
    monitoring = rows_by_name(session)["平安县"].monitoring
    assert monitoring.years[-1].year == 2028 and monitoring.accountability
    ids = session.scalars(select(Assessment.id).where(Assessment.county_id == county.id)).all()
    assert assessment.id in ids


def test_the_settings_page_refuses_a_monitoring_year_with_the_reason(
    client, session, three_years, make_user, login
):
    login(make_user("chief", role="admin"))
    with client.session_transaction() as state:
        token = state["csrf"]
    form = {
        "csrf_token": token,
        "prefecture": "测试州",
        "stage": "monitoring",
        "population": "66000",
        "population_urban": "0",
        "population_town": "24000",
        "population_rural": "42000",
        "population_source": "示例",
        "min_duration_s": "30",
    }
    refused = client.post("/a/new", data={**form, "county": "未认定县", "year": "2026"})
    assert refused.status_code == 422
    assert "未认定县尚未通过省级评估（定稿为达标），不能开展年度监测" in refused.get_data(
        as_text=True
    )
    created = client.post("/a/new", data={**form, "county": "平安县", "year": "2028"})
    assert created.status_code == 302
    [assessment] = session.scalars(
        select(Assessment).where(Assessment.stage == "monitoring", Assessment.year == 2028)
    ).all()
    assert assessment.county_id == three_years["calm"].id


def test_the_overview_reads_the_review_stored_with_the_summaries(
    session, three_years, make_assessment
):
    """The review is stored when a summary is written, equal to the one computed from the
    summaries, and the overview reads it; a new year's summary replaces it at once."""
    from surveyapp.models import MonitoringReview
    from surveyapp.province.monitoring import monitoring_from_json, monitoring_json, monitoring_of

    for county in three_years.values():
        stored = session.get(MonitoringReview, county.id)
        live = monitoring_of(session, county)
        if live is None:
            assert stored is None  # never certified: nothing stored
            continue
        assert stored is not None and stored.review == monitoring_json(live)
        assert monitoring_from_json(stored.review) == live
        row = rows_by_name(session)[county.name]
        assert row.monitoring == live
        # the flags the overview filters and sorts by, read without building the review
        assert row.review is not None
        assert (row.review.accountability, row.review.revoke) == (live.accountability, live.revoke)
    calm = three_years["calm"]
    assert rows_by_name(session)["平安县"].monitoring.revoke is False
    # 2028 and 2029: two significant falls in a row — the stored review says 撤销称号 now
    for year, approval in ((2028, 0.85), (2029, 0.80)):
        later = make_assessment(county=calm, year=year, stage="monitoring", state="closed")
        summary_from_verdict(session, later, verdict_json(year, approval, 0.008))
    session.flush()
    row = rows_by_name(session)["平安县"]
    assert row.monitoring.revoke is True and row.monitoring.revoke_year == 2029
    assert row.review is not None and row.review.revoke is True
    # a county certified before Renke (认定年份 recorded from the plan): its review is
    # stored by the import and by each 年度监测 summary, equal to the live one
    from analysis.plan import read_plan
    from surveyapp.models import County

    recorded_plan = "州市,县,规划年份,认定年份\n测试州,旧认定县,2022,2023\n".encode()
    services.import_plan(session, read_plan(recorded_plan), "云南省")
    recorded = session.scalars(select(County).where(County.name == "旧认定县")).one()
    for year, approval in ((2024, 0.84), (2025, 0.80)):
        later = make_assessment(county=recorded, year=year, stage="monitoring", state="closed")
        summary_from_verdict(session, later, verdict_json(year, approval, 0.008))
    session.flush()
    live = monitoring_of(session, recorded)
    assert live is not None and live.recorded and [y.year for y in live.years] == [2024, 2025]
    assert session.get(MonitoringReview, recorded.id).review == monitoring_json(live)
    row = rows_by_name(session)["旧认定县"]
    assert row.monitoring == live and row.review is not None
    assert (row.review.accountability, row.review.revoke) == (live.accountability, live.revoke)
