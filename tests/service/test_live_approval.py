"""The live approval aggregated in SQL equals `renke analyze` on the export (SPEC §4)."""

from __future__ import annotations

import pytest

from analysis.approval import analyze_responses
from surveyapp.approval import live_approval
from surveyapp.assessments.services import export_csv
from surveyapp.demo import seed_demo
from surveyapp.quotas import sample_plan


def test_sql_sums_and_the_export_give_the_same_estimates(session):
    assessment = seed_demo(session, responses=True, seed=7)
    session.flush()
    plan = sample_plan(assessment)
    assert plan is not None
    live = live_approval(session, assessment, plan=plan)
    exported = analyze_responses(
        export_csv(session, assessment.id, "Asia/Shanghai").encode("utf-8"), plan=plan
    )
    assert live is not None
    # the default design, clustered by school, on both routes (SPEC §4)
    assert live.overall.design == exported.overall.design == "school"
    assert live.overall.deff == pytest.approx(exported.overall.deff, rel=1e-9)
    assert live.overall.df == exported.overall.df
    assert live.overall.approval == pytest.approx(exported.overall.approval, rel=1e-12)
    assert live.overall.se == pytest.approx(exported.overall.se, rel=1e-9)
    assert live.overall.ci == pytest.approx(exported.overall.ci, rel=1e-9)
    assert live.planned is not None and exported.planned is not None
    assert live.planned.approval == pytest.approx(exported.planned.approval, rel=1e-12)
    assert live.planned.ci == pytest.approx(exported.planned.ci, rel=1e-9)
    # the sample check counts the same valid responses
    assert live.sample is not None and exported.sample is not None
    assert live.sample.to_dict() == exported.sample.to_dict()
    assert live.valid_rate == pytest.approx(exported.valid_rate, rel=1e-12)
    assert set(live.groups) == set(exported.groups)
    for group, estimate in live.groups.items():
        assert estimate.n == exported.groups[group].n
        assert estimate.approval == pytest.approx(exported.groups[group].approval, rel=1e-12)
        assert estimate.ci == pytest.approx(exported.groups[group].ci, rel=1e-9)
    assert live.certainty == exported.certainty and live.met == exported.met


def test_no_responses_means_no_estimate(session, make_assessment):
    assert live_approval(session, make_assessment()) is None


def test_quality_signals_in_sql_equal_those_of_the_export(session):
    from analysis.responses import read_responses
    from analysis.signals import quality_signals
    from surveyapp.assessments.services import quality_signals as signals_in_sql

    assessment = seed_demo(session, responses=True, seed=11)
    session.flush()
    text = export_csv(session, assessment.id, "Asia/Shanghai").encode("utf-8")
    from_file = quality_signals(
        read_responses(text, scheme=None), min_duration_s=assessment.min_duration_s
    )
    from_sql = signals_in_sql(session, assessment)
    assert from_sql == from_file
    assert any(cell.straight_lining for cell in from_sql)  # the demo has some
