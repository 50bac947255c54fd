"""The demo meets its own sample plan; `renke demo --responses N` gives exactly N."""

from __future__ import annotations

import math
import random

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from analysis.residence import area_quotas
from analysis.sampling import sample_size
from analysis.vocabulary import GROUPS
from renke.cli import main
from surveyapp import quotas
from surveyapp.demo import seed_demo, set_demo_responses
from surveyapp.models import Assessment, Response


def sample_figures(session, assessment: Assessment) -> dict[str, object]:
    """n_valid, N and the 家长 share from the stored responses (SPEC §2.5 sample check)."""
    rows = session.execute(
        select(Response.respondent_group, func.count())
        .where(Response.assessment_id == assessment.id, Response.valid.is_(True))
        .group_by(Response.respondent_group)
    ).all()
    by_group = {group: int(n) for group, n in rows}
    n_valid = sum(by_group.values())
    return {
        "n_valid": n_valid,
        "target": sample_size(assessment.population),
        "parent_share": by_group.get("家长", 0) / n_valid if n_valid else None,
        "by_group": by_group,
    }


def meets_plan(figures: dict[str, object]) -> bool:
    by_group = figures["by_group"]
    return (
        figures["n_valid"] >= figures["target"]
        and figures["parent_share"] >= 0.5
        and all(by_group.get(group, 0) > 0 for group in GROUPS)
    )


def test_the_demo_meets_its_plan_without_warnings(session):
    assessment = seed_demo(session, responses=True)
    session.flush()
    figures = sample_figures(session, assessment)
    assert figures["target"] == 699 == math.ceil(466_000 * 15 / 10_000)
    assert meets_plan(figures), figures
    assert 0.52 < figures["parent_share"] < 0.58
    # no group, area or grade band under 80% of its quota (the warnings of SPEC §2.5)
    plan = quotas.sample_plan(assessment)
    for group, quota in plan.groups.quotas.items():
        assert figures["by_group"][group] >= 0.8 * quota, group
    progress = quotas.progress(session, assessment)
    targets = area_quotas(plan.total, assessment.population_split)
    assert targets == {"城区": 0, "镇区": 309, "乡村": 390}
    for row in progress.area_rows:
        assert row.target == targets[row.area] and row.done >= 0.8 * row.target, row
    assert {row.area: row.done for row in progress.area_rows}["城区"] == 0  # a 县
    for group, bands in progress.bands.items():
        for band, done in bands.items():
            assert done >= 0.8 * plan.grades[group][band], (group, band)
    assert progress.outside > 0  # parents working away answer too


def test_the_demo_county_is_a_县_with_its_schools_in_镇区_and_乡村(session):
    from surveyapp.assessments.setup import residence_warnings

    assessment = seed_demo(session, responses=False)
    assert assessment.county.kind == "县"
    assert {school.area for school in assessment.county.schools} == {"镇区", "乡村"}
    assert residence_warnings(assessment) == []


def test_the_fixture_county_does_not_meet_its_plan(session, unmet_assessment):
    figures = sample_figures(session, unmet_assessment)
    assert figures["n_valid"] == 350 and figures["target"] == 699
    assert figures["parent_share"] == pytest.approx(120 / 350)
    assert "政协委员" not in figures["by_group"]
    assert not meets_plan(figures)


def test_set_demo_responses_gives_exactly_n_over_the_window(session):
    assessment = seed_demo(session, responses=True)
    calls = []
    assert set_demo_responses(session, assessment, 1234, random.Random(1), calls.append) == 1234
    count, first, last = session.execute(
        select(
            func.count(), func.min(Response.submitted_at), func.max(Response.submitted_at)
        ).where(Response.assessment_id == assessment.id)
    ).one()
    assert count == 1234 and sum(calls) == 1234
    assert assessment.opens_at <= first.replace(tzinfo=assessment.opens_at.tzinfo)
    assert (last - first).total_seconds() > 3 * 24 * 3600  # spread, not bunched


def test_renke_demo_responses_n(tmp_path):
    env = {
        "RENKE_INSTANCE": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'renke.sqlite3'}",
        "SECRET_KEY": "demo-test-secret",
    }
    runner = CliRunner(env=env)
    assert runner.invoke(main, ["db", "upgrade"], catch_exceptions=False).exit_code == 0
    for total in (2500, 300):  # replaces what is there: exactly N each time
        result = runner.invoke(main, ["demo", "--responses", str(total)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        from sqlalchemy import create_engine

        engine = create_engine(env["DATABASE_URL"])
        with engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(Response)).scalar() == total
        engine.dispose()
    refused = runner.invoke(main, ["demo", "--responses", "-1"])
    assert refused.exit_code == 2


def test_the_demo_assessment_page_counts_areas_in_the_statistical_classes(
    client, session, login, make_user
):
    assessment = seed_demo(session, responses=True)
    session.flush()
    login(make_user("prov", role="province"))
    page = client.get(f"/a/{assessment.id}").get_data(as_text=True)
    assert "按统计局城乡划分（县）计数" in page
    area_table = page.split("<h2>居住地</h2>", 1)[1].split("</table>", 1)[0]
    assert '<td>镇区（县城、镇上）</td><td class="num">309</td>' in area_table
    assert '<td>乡村（乡政府所在地、村里）</td><td class="num">390</td>' in area_table
    assert "住在县外（不计入区域）" in area_table


def test_the_demo_loads_the_yunnan_plan(session):
    from sqlalchemy import func, select

    from surveyapp.demo import seed_demo
    from surveyapp.models import County

    assessment = seed_demo(session, responses=False)
    assert assessment.county.planned_year == 2024  # 云政教督〔2022〕2号: 砚山县, 2024
    assert session.scalar(select(func.count()).select_from(County)) == 129


def test_the_demo_monitors_a_certified_county(session):
    """德钦县 (SPEC §2.4): certified 2022, three 年度监测 years from stored summaries —
    2023 a fall within noise (listed, not 下滑), 2024 and 2025 下滑: 撤销称号."""
    from datetime import UTC, datetime

    from surveyapp.models import VerdictSummary
    from surveyapp.province.services import overview

    seed_demo(session, responses=True)
    seed_demo(session, responses=True)  # idempotent
    rows = {
        row.county: row
        for row in overview(session, "云南省", datetime(2026, 12, 1, tzinfo=UTC)).rows
    }
    monitoring = rows["德钦县"].monitoring
    assert monitoring is not None and monitoring.certified_year == 2022
    years = {y.year: y for y in monitoring.years}
    assert sorted(years) == [2022, 2023, 2024, 2025] and all(y.frozen for y in years.values())
    [noise] = years[2023].review.falls
    assert noise.measure == "approval" and not noise.flagged and "不计为下滑" in noise.note
    assert [f.measure for f in years[2024].flagged] == ["items.government.1"]
    assert [f.measure for f in years[2025].flagged] == ["indicators.junior.5334220001"]
    assert monitoring.revoke and monitoring.revoke_year == 2025 and monitoring.accountability
    assert rows["砚山县"].monitoring is None
    for year in years.values():  # each year meets its own sample plan
        summary = session.get(VerdictSummary, year.assessment_id)
        assert summary.sample_ok is True and summary.approval_se is not None


def test_the_demo_wording_is_frozen_at_each_instrument_s_first_response(session):
    """Responses exist, so the wording cannot be edited under them (SPEC §2.5)."""
    from surveyapp.models import Questionnaire

    assessment = seed_demo(session, responses=True)
    first = dict(
        session.execute(
            select(Response.instrument, func.min(Response.submitted_at))
            .where(Response.assessment_id == assessment.id)
            .group_by(Response.instrument)
        ).all()
    )
    frozen = {
        q.instrument: q.frozen_at
        for q in session.scalars(
            select(Questionnaire).where(Questionnaire.assessment_id == assessment.id)
        )
    }
    assert set(first) == set(frozen) == {"social", "staff", "student"}
    assert frozen == first
