"""The province's overview on both databases: plan import, summaries, filters, export."""

from __future__ import annotations

import html
import io
import json
import re
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from analysis.plan import read_plan
from surveyapp.models import County
from surveyapp.province import services
from surveyapp.province.services import Filters

PLAN = (
    "州市,县,规划年份,行政区划代码\n"
    "昆明市,石林县,2023,530126\n"
    "文山壮族苗族自治州,砚山县,2024,532622\n"
    "文山壮族苗族自治州,西畴县,2025,\n"
    "曲靖市,沾益区,2022,\n"
).encode()


def csrf(client):
    with client.session_transaction() as state:
        return state["csrf"]


@pytest.fixture
def province_user(make_user, login):
    user = make_user("sheng", role="province")
    login(user)
    return user


def test_plan_import_matches_short_names_and_codes(session):
    session.add(County(province="云南省", prefecture="昆明市", name="石林彝族自治县"))
    session.flush()
    result = services.import_plan(session, read_plan(PLAN), "云南省")
    assert (result.created, result.updated, result.unchanged) == (3, 1, 0)
    shilin = session.scalars(select(County).where(County.code == "530126")).one()
    assert (shilin.name, shilin.planned_year) == ("石林彝族自治县", 2023)
    again = services.import_plan(session, read_plan(PLAN), "云南省")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert session.scalar(select(func.count()).select_from(County)) == 4


def _arranged(session, make_assessment):
    services.import_plan(session, read_plan(PLAN), "云南省")
    counties = {c.name: c for c in session.scalars(select(County)).all()}
    shilin = make_assessment(county=counties["石林县"], year=2023, stage="province", state="closed")
    services.record_summary(
        session,
        shilin,
        certified=True,
        eligible=True,
        approval=0.912,
        ci=(0.89, 0.93),
        sample_ok=True,
        reasons=[],
        frozen=True,
    )
    yanshan = make_assessment(county=counties["砚山县"], year=2024, stage="county", state="closed")
    services.record_summary(
        session,
        yanshan,
        certified=False,
        eligible=True,
        approval=0.843,
        ci=(0.82, 0.86),
        sample_ok=False,
        reasons=["家长有效问卷占 43.0%，低于 50%"],
    )
    session.flush()
    return counties


def test_overview_rows_overdue_and_milestones(session, make_assessment):
    _arranged(session, make_assessment)
    now = datetime(2025, 3, 1, tzinfo=UTC)  # after every 2024 deadline
    result = services.overview(session, "云南省", now)
    rows = {row.county: row for row in result.rows}
    assert [o.stage for o in rows["砚山县"].overdue] == ["county", "prefecture", "province"]
    assert rows["石林县"].overdue == ()  # its 省级评估 is done: earlier stages count as done
    assert rows["西畴县"].overdue == ()  # planned 2025: nothing due yet
    assert [o.stage for o in rows["沾益区"].overdue] == ["county", "prefecture", "province"]
    data = rows["砚山县"].as_dict()
    assert data["certified"] is False and data["sample_ok"] is False and data["overdue"] is True
    assert data["stage_dates"] == {
        "county": "2024-09-30",
        "prefecture": "2024-11-30",
        "province": "2025-02-28",
    }
    years = {y.year: y for y in result.by_year}
    assert (years[2023].planned, years[2023].certified) == (1, 1)
    first = result.milestones[0]
    assert (first.year, first.required, first.certified) == (2025, 1, 1) and first.met


def test_filters_and_sorting(session, make_assessment):
    _arranged(session, make_assessment)
    now = datetime(2025, 3, 1, tzinfo=UTC)

    def names(**kwargs):
        sort = kwargs.pop("sort", "planned_year")
        descending = kwargs.pop("descending", False)
        result = services.overview(session, "云南省", now, Filters(**kwargs), sort, descending)
        return [row.county for row in result.rows]

    assert names() == ["沾益区", "石林县", "砚山县", "西畴县"]
    assert names(prefecture="文山壮族苗族自治州") == ["砚山县", "西畴县"]
    assert names(planned_year=2024) == ["砚山县"]
    assert names(stage="province") == ["石林县"]
    assert names(verdict="certified") == ["石林县"]
    assert names(verdict="not_certified") == ["砚山县"]
    assert names(verdict="pending") == ["沾益区", "西畴县"]
    assert names(verdict="overdue") == ["沾益区", "砚山县"]
    # blanks last, in 州市 then 县 order (文山 sorts before 曲靖 by code point)
    assert names(sort="approval", descending=True) == ["石林县", "砚山县", "西畴县", "沾益区"]
    assert names(sort="approval") == ["砚山县", "石林县", "西畴县", "沾益区"]


def test_pages_upload_and_export(client, session, province_user, make_assessment):
    _arranged(session, make_assessment)
    session.commit()
    page = client.get("/province/?sort=approval&desc=1&year=abc&stage=x&verdict=y")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "砚山县" in text and "<svg" in text and "84.3%" in text
    bad = client.post(
        "/province/plan",
        data={
            "csrf_token": csrf(client),
            "file": (io.BytesIO("州市,县,规划年份\n,某县,2040\n".encode()), "p.csv"),
        },
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert "第2行，“prefecture”列：不能为空" in body and "2040 不在 2022–2035 年之间" in body
    exported = client.get("/province/export.xlsx?prefecture=文山壮族苗族自治州")
    sheet = load_workbook(io.BytesIO(exported.data)).worksheets[0]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [r[2] for r in rows] == ["砚山县", "西畴县"]
    assert rows[0][10] == "未达标" and rows[0][11] == "84.3%" and "低于 50%" in rows[0][15]


@pytest.mark.parametrize("role", ["evaluator"])
def test_county_roles_cannot_see_the_province(client, make_user, login, role):
    login(make_user("xian", role=role))
    assert client.get("/province/").status_code == 403
    assert client.get("/province/export.xlsx").status_code == 403


def test_the_table_rows_escape_every_cell_and_the_tooltip():
    """The rows are built in Python and marked safe as a whole: every cell that comes
    from data (names, reasons, the labels of what fell) must be escaped, quotes too in
    the tooltip's attribute."""
    from analysis.monitoring import Fall, YearReview
    from surveyapp.province.export import rows_html
    from surveyapp.province.monitoring import (
        CountyMonitoring,
        MonitoringYear,
        StoredReview,
        monitoring_json,
    )

    evil = "\"><script>alert('x')</script>"
    fall = Fall("items.government.1", evil, "达标", "不达标", True, "")
    monitoring = CountyMonitoring(
        2024,
        (
            MonitoringYear(
                2024, "province", 1, True, 0.9, 0.01, True, YearReview(2024, (), (), None, False)
            ),
            MonitoringYear(
                2025,
                "monitoring",
                2,
                True,
                0.9,
                0.01,
                True,
                YearReview(2025, (evil,), (fall,), 2024, False),
            ),
        ),
    )
    current = services.StageRecord(
        2, 2025, "monitoring", "closed", True, False, 0.9, (0.88, 0.92), True, json.dumps([evil])
    )
    review = StoredReview(json.dumps(monitoring_json(monitoring)))
    row = services.CountyRow(7, evil, evil, "530000", 2024, current, (), review)
    body = str(rows_html([row], 1, "/a/", "/province/county/{}/monitoring"))
    assert "<script>" not in body and evil not in body
    assert body.count(html.escape(evil)) == 5  # 州市, 县, the reason, twice in the tooltip
    [title] = re.findall(r'title="([^"]*)"', body)  # the attribute is not broken out of
    assert html.unescape(title) == f"2025年下滑：{evil}（达标→不达标）；2025年未达标：{evil}"
    assert 'href="/a/2"' in body and 'href="/province/county/7/monitoring"' in body


@pytest.mark.parametrize(
    ("stored", "reasons"),
    [
        (None, ()),
        ("null", ()),
        ("[]", ()),
        ('["缺少社会认可度数据", "甲"]', ("缺少社会认可度数据", "甲")),
    ],
)
def test_the_reasons_are_decoded_from_the_stored_text(stored, reasons):
    record = services.StageRecord(
        1, 2024, "county", "closed", False, None, None, None, None, stored
    )
    assert record.reasons == reasons
