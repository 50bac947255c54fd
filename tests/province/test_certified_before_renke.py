"""Certifications made before Renke, recorded by the province (认定年份 in the plan): the
import, the one rule of when a county is certified, the overview and its milestones, and
年度监测 of a county whose certifying year has no Renke verdict. Both databases."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from analysis.plan import read_plan
from surveyapp.assessments import setup
from surveyapp.models import County, MonitoringReview
from surveyapp.province import services
from surveyapp.province.monitoring import (
    Certification,
    certification_years,
    monitoring_json,
    monitoring_of,
    monitoring_refusal,
)
from surveyapp.province.services import Filters, summary_from_verdict
from tests.province.test_monitoring_service import (
    FAILING_J01,
    GOVERNMENT_1_FAILS,
    monitoring_settings,
    verdict_json,
)

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def post_plan(client, data: bytes):
    """Upload a plan file on /province as the signed-in user (with the form's CSRF token)."""
    with client.session_transaction() as state:
        token = state["csrf"]
    return client.post(
        "/province/plan",
        data={"csrf_token": token, "file": (io.BytesIO(data), "plan.csv")},
        content_type="multipart/form-data",
    )


HEADER = "州市,县,规划年份,行政区划代码,认定年份\n"


def plan(*rows: str) -> bytes:
    return (HEADER + "".join(f"{row}\n" for row in rows)).encode()


def county_named(session, name: str) -> County:
    return session.scalars(select(County).where(County.name == name)).one()


def rows_by_name(session, filters: Filters | None = None):
    result = services.overview(session, "云南省", NOW, filters or Filters())
    return {row.county: row for row in result.rows}, result


def certify_in_renke(session, make_assessment, county, year, *, frozen=True):
    """A 省级评估 of ``year`` whose verdict is 达标, frozen (定稿) or not."""
    assessment = make_assessment(county=county, year=year, stage="province", state="closed")
    verdict = verdict_json(year, 0.91, 0.012)
    assert verdict["certified"] is True
    summary_from_verdict(session, assessment, verdict, frozen=frozen)
    return assessment


def monitor(session, make_assessment, county, year, approval, se, **options):
    assessment = make_assessment(county=county, year=year, stage="monitoring", state="closed")
    summary_from_verdict(session, assessment, verdict_json(year, approval, se, **options))
    session.flush()
    return assessment


# ------------------------------------------------------------------ the import


def test_the_import_sets_the_year_and_a_blank_cell_keeps_it(session):
    first = services.import_plan(
        session, read_plan(plan("曲靖市,沾益区,2022,,2023", "玉溪市,江川区,2022,,")), "云南省"
    )
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    assert county_named(session, "沾益区").certified_year == 2023
    assert county_named(session, "江川区").certified_year is None
    # the same plan with the column blank (or without it): the recorded year stays
    blank = services.import_plan(session, read_plan(plan("曲靖市,沾益区,2022,,")), "云南省")
    assert (blank.created, blank.updated, blank.unchanged) == (0, 0, 1)
    without = read_plan("州市,县,规划年份\n曲靖市,沾益区,2022\n".encode())
    services.import_plan(session, without, "云南省")
    assert county_named(session, "沾益区").certified_year == 2023
    # a year given again is the same: unchanged; a different one corrects it
    same = services.import_plan(session, read_plan(plan("曲靖市,沾益区,2022,,2023")), "云南省")
    assert (same.updated, same.unchanged) == (0, 1)
    corrected = services.import_plan(
        session, read_plan(plan("曲靖市,沾益区,2022,,2024", "玉溪市,江川区,2022,,2025")), "云南省"
    )
    assert (corrected.created, corrected.updated, corrected.unchanged) == (0, 2, 0)
    assert county_named(session, "沾益区").certified_year == 2024
    assert county_named(session, "江川区").certified_year == 2025


def test_a_year_recorded_by_mistake_is_cleared_by_无(session, make_county):
    services.import_plan(session, read_plan(plan("曲靖市,沾益区,2022,,2023")), "云南省")
    zhanyi = county_named(session, "沾益区")
    assert session.get(MonitoringReview, zhanyi.id) is not None  # certified: reviewed
    cleared = services.import_plan(session, read_plan(plan("曲靖市,沾益区,2022,,无")), "云南省")
    assert (cleared.updated, cleared.unchanged) == (1, 0)
    session.expire_all()
    assert county_named(session, "沾益区").certified_year is None
    assert session.get(MonitoringReview, zhanyi.id) is None  # no longer certified
    rows, _ = rows_by_name(session)
    assert not rows["沾益区"].certified
    # again, or for a county with nothing recorded: nothing changes
    again = services.import_plan(
        session, read_plan(plan("曲靖市,沾益区,2022,,未认定", "玉溪市,江川区,2022,,无")), "云南省"
    )
    assert (again.created, again.updated, again.unchanged) == (1, 0, 1)
    assert county_named(session, "江川区").certified_year is None


def test_the_import_matches_the_plans_short_name_to_the_registry(session):
    session.add(County(province="云南省", prefecture="昆明市", name="石林彝族自治县"))
    session.flush()
    result = services.import_plan(
        session, read_plan(plan("昆明市,石林县,2023,530126,2024")), "云南省"
    )
    assert (result.created, result.updated) == (0, 1)
    assert session.scalar(select(func.count()).select_from(County)) == 1
    shilin = county_named(session, "石林彝族自治县")
    assert (shilin.code, shilin.planned_year, shilin.certified_year) == ("530126", 2023, 2024)
    # matched by its code next time, whatever the name says
    services.import_plan(
        session, read_plan(plan("昆明市,石林彝族自治县,2023,530126,2022")), "云南省"
    )
    assert county_named(session, "石林彝族自治县").certified_year == 2022


# ------------------------------------------------------------------ the rule


def test_certified_from_the_earlier_of_the_recorded_year_and_the_first_frozen_verdict(
    session, make_county, make_assessment
):
    counties = {name: make_county(f"{name}县") for name in "甲乙丙丁戊己"}
    counties["甲"].certified_year = 2023  # recorded before a frozen 2025: 2023, recorded
    certify_in_renke(session, make_assessment, counties["甲"], 2025)
    counties["乙"].certified_year = 2026  # recorded after a frozen 2024: 2024, frozen
    certify_in_renke(session, make_assessment, counties["乙"], 2024)
    counties["丙"].certified_year = 2024  # the same year: the frozen verdict is the baseline
    certify_in_renke(session, make_assessment, counties["丙"], 2024)
    counties["丁"].certified_year = 2019  # recorded only
    certify_in_renke(session, make_assessment, counties["戊"], 2025)  # frozen only
    certify_in_renke(session, make_assessment, counties["己"], 2024, frozen=False)  # neither
    session.flush()
    found = certification_years(session, County.province == "云南省")
    by_name = {name: found.get(county.id) for name, county in counties.items()}
    assert by_name == {
        "甲": Certification(2023, recorded=True),
        "乙": Certification(2024, recorded=False),
        "丙": Certification(2024, recorded=False),
        "丁": Certification(2019, recorded=True),
        "戊": Certification(2025, recorded=False),
        "己": None,
    }
    assert certification_years(session, County.id == counties["丁"].id) == {
        counties["丁"].id: Certification(2019, recorded=True)
    }


def test_the_overview_counts_recorded_counties_in_the_chart_and_the_milestones(
    session, make_assessment
):
    services.import_plan(
        session,
        read_plan(
            plan(
                "曲靖市,沾益区,2022,,2023",
                "玉溪市,红塔区,2022,,2024",
                "玉溪市,江川区,2022,,2019",  # before the plan's first year
                "昆明市,安宁市,2024,,",
                "昆明市,宜良县,2025,,",
                "昆明市,嵩明县,2025,,",
            )
        ),
        "云南省",
    )
    # 宜良县: a 省级评估 达标 computed but not frozen does not count (nor did it count
    # for monitoring before); 嵩明县: frozen, counts
    certify_in_renke(session, make_assessment, county_named(session, "宜良县"), 2025, frozen=False)
    certify_in_renke(session, make_assessment, county_named(session, "嵩明县"), 2025)
    session.flush()
    rows, result = rows_by_name(session)
    years = {y.year: y for y in result.by_year}
    assert (years[2019].planned, years[2019].certified) == (0, 1)
    assert [(years[y].certified, years[y].certified_cumulative) for y in (2023, 2024, 2025)] == [
        (1, 2),
        (1, 3),
        (1, 4),
    ]
    first = result.milestones[0]  # 2025: 20% of 6 counties → 2
    assert (first.year, first.required, first.certified, first.planned) == (2025, 2, 4, 6)
    assert first.met
    zhanyi = rows["沾益区"]
    assert zhanyi.certified is True and zhanyi.stage is None and zhanyi.overdue == ()
    assert rows["安宁市"].overdue != ()  # not certified: its 2024 stages are overdue
    data = zhanyi.as_dict()
    assert (data["certified"], data["certified_year"], data["overdue"]) == (True, 2023, False)
    assert data["monitoring"] == {
        "certified_year": 2023,
        "recorded": True,
        "years": [],
        "accountability": False,
        "revoke": False,
        "revoke_year": None,
        "falls": [],
    }
    assert rows["安宁市"].as_dict()["certified_year"] is None
    assert rows["嵩明县"].as_dict()["certified_year"] == 2025
    names = sorted(rows_by_name(session, Filters(verdict="certified"))[0])
    # 宜良县's latest verdict is 达标 (not frozen): the column shows the latest verdict
    assert names == sorted(["沾益区", "红塔区", "江川区", "宜良县", "嵩明县"])
    from surveyapp.province.export import row_cells

    assert row_cells(1, zhanyi)[5] == "已认定（据规划表）" and row_cells(1, zhanyi)[10] == "达标"
    assert row_cells(1, zhanyi)[16] == "2023年认定（据规划表），尚无监测"


# ------------------------------------------------------------------ monitoring


@pytest.fixture
def recorded(session, make_assessment):
    """下关县, certified in 2023 before Renke (recorded from the plan), monitored since:
    2024 政府保障第 1 项 不达标 (below the standard: 问责; nothing to compare with: no 下滑);
    2025 the approval 90.0% → 86.0% with SE 1.0 (p = 0.0023: 下滑); 2026 a school falls
    below 第六条 (下滑 again: 撤销称号 in 2026, not 2025)."""
    services.import_plan(session, read_plan(plan("测试州,下关县,2022,,2023")), "云南省")
    county = county_named(session, "下关县")
    monitor(session, make_assessment, county, 2024, 0.90, 0.010, replace=GOVERNMENT_1_FAILS)
    monitor(session, make_assessment, county, 2025, 0.86, 0.010, replace=GOVERNMENT_1_FAILS)
    monitor(session, make_assessment, county, 2026, 0.87, 0.010, schools=FAILING_J01)
    return county


def test_the_first_monitored_year_can_be_below_the_standard_but_not_a_decline(session, recorded):
    monitoring = monitoring_of(session, recorded)
    assert monitoring is not None and monitoring.recorded and monitoring.certified_year == 2023
    first, second, third = monitoring.years
    assert (first.year, first.stage, first.review.compared_with) == (2024, "monitoring", None)
    assert first.review.accountability and first.review.falls == ()
    assert not first.review.declined and not first.review.revoke
    assert first.review.below[0].startswith("政府保障程度第 1 项")
    # the second year is compared with the first: the approval's significant fall is 下滑
    assert second.review.compared_with == 2024 and second.review.declined
    [fall] = second.flagged
    assert (fall.measure, fall.before, fall.after) == ("approval", "90.0%", "86.0%")
    assert "p = 0.0023" in fall.note and not second.review.revoke
    assert third.review.declined and third.review.revoke
    assert monitoring.revoke_year == 2026  # the first year's 问责 was no 下滑
    flagged = [(year, f.measure) for year, f in monitoring.flagged_falls]
    assert flagged[0] == (2025, "approval") and (2026, "indicators.junior.J01") in flagged
    assert {year for year, _ in flagged} == {2025, 2026}


def test_the_stored_review_equals_the_live_one_and_follows_a_new_certified_year(session, recorded):
    stored = session.get(MonitoringReview, recorded.id)
    live = monitoring_of(session, recorded)
    assert stored is not None and stored.review == monitoring_json(live)
    row = rows_by_name(session)[0]["下关县"]
    assert row.monitoring == live and (row.review.accountability, row.review.revoke) == (
        live.accountability,
        live.revoke,
    )
    # the province corrects the year to 2024: 2024's 年度监测 is no longer after it, and
    # the stored review is written again by the import
    services.import_plan(session, read_plan(plan("测试州,下关县,2022,,2024")), "云南省")
    session.expire_all()
    live = monitoring_of(session, recorded)
    assert [y.year for y in live.years] == [2025, 2026] and live.certified_year == 2024
    assert live.years[0].review.compared_with is None and not live.years[0].review.declined
    assert not live.revoke  # one 下滑 (2026) only now
    assert session.get(MonitoringReview, recorded.id).review == monitoring_json(live)
    assert rows_by_name(session)[0]["下关县"].monitoring == live


def test_a_recorded_county_without_monitoring_has_a_stored_review(session):
    services.import_plan(session, read_plan(plan("测试州,新记县,2022,,2025")), "云南省")
    county = county_named(session, "新记县")
    stored = session.get(MonitoringReview, county.id)
    assert stored is not None and stored.review == monitoring_json(monitoring_of(session, county))
    assert stored.review["years"] == [] and stored.review["recorded"] is True


def test_set_up_is_refused_up_to_the_recorded_year(session, recorded):
    words = "下关县于 2023 年通过省级评估（认定年份据省级导入的规划表），年度监测应在 2024 年及以后"
    assert monitoring_refusal(session, recorded, 2023) == words
    assert monitoring_refusal(session, recorded, 2021) == words
    assert monitoring_refusal(session, recorded, 2027) is None

    def settings(year):
        return monitoring_settings(recorded, year)

    with pytest.raises(setup.StageRefused, match="认定年份据省级导入的规划表"):
        setup.create_from_settings(session, settings(2023), province="云南省")
    created = setup.create_from_settings(session, settings(2027), province="云南省")
    assert created.stage == "monitoring" and created.county.name == "下关县"


def test_the_monitoring_page_says_the_year_is_from_the_plan(
    client, session, recorded, make_user, login
):
    services.import_plan(session, read_plan(plan("测试州,未测县,2022,,2024")), "云南省")
    quiet = county_named(session, "未测县")
    login(make_user("sheng", role="province"))
    page = client.get(f"/province/county/{recorded.id}/monitoring").get_data(as_text=True)
    assert "认定年份据省级导入的规划表" in page and "（定稿）" not in page
    assert "认定之年没有本系统的结果，不比较" in page
    assert "2026 年为连续第二年下滑，应撤销称号" in page
    empty = client.get(f"/province/county/{quiet.id}/monitoring").get_data(as_text=True)
    assert "认定年份据省级导入的规划表" in empty and "尚无年度监测" in empty
    overview = client.get("/province/").get_data(as_text=True)
    assert "2024年认定（据规划表），尚无监测" in overview


# ------------------------------------------------------------------ who may import


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("admin", True),
        ("province", True),
        ("prefecture", False),
        ("evaluator", False),
        ("agency", False),
        ("interviewer", False),
    ],
)
def test_only_admin_and_province_import_a_plan(
    client, session, make_user, make_county, login, role, allowed
):
    home = make_county("本县") if role in ("evaluator", "interviewer") else None
    login(make_user("someone", role=role, county=home))
    response = post_plan(client, plan("曲靖市,沾益区,2022,,2023"))
    assert response.status_code == (302 if allowed else 403)
    session.expire_all()
    stored = session.scalars(select(County.certified_year).where(County.name == "沾益区")).all()
    assert stored == ([2023] if allowed else [])


def test_a_bad_certified_year_on_the_page_is_refused_with_its_row_and_column(
    client, session, make_user, login
):
    login(make_user("sheng", role="province"))
    response = post_plan(client, plan("曲靖市,沾益区,2022,,2023", "玉溪市,红塔区,2022,,2016"))
    assert response.status_code == 422
    assert "第3行，“certified_year”列：2016 不在 2017–2035 年之间" in response.get_data(
        as_text=True
    )
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(County)) == 0  # nothing stored


def test_a_certified_year_still_to_come_is_refused_on_the_page(client, session, make_user, login):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    next_year = datetime.now(ZoneInfo("Asia/Shanghai")).year + 1
    login(make_user("sheng", role="province"))
    response = post_plan(client, plan(f"曲靖市,沾益区,2022,,{next_year}"))
    assert response.status_code == 422
    assert f"第2行，“certified_year”列：{next_year} 年还未到来" in response.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(County)) == 0  # nothing stored
