"""The one grouped count of the assessment page gives the figures the separate counts gave.

The reference counts each figure from the stored responses in Python, with the filters of
the per-figure SQL queries the tally replaced (valid only, NULLs left out).
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import event, select

from analysis.responses import read_responses
from analysis.signals import quality_signals as signals_from_file
from analysis.vocabulary import OUTSIDE
from surveyapp import quotas
from surveyapp.approval import sample_counts, valid_rate
from surveyapp.assessments.services import (
    SCHOOL_GROUPS,
    export_csv,
    group_counts,
    quality_signals,
    school_targets,
)
from surveyapp.collect.services import late_counts
from surveyapp.demo import seed_demo
from surveyapp.models import Response
from surveyapp.models.response import invalid_fields
from surveyapp.tallies import count_responses


def demo_with_late_and_invalid(session):
    assessment = seed_demo(session, responses=True)
    session.flush()
    rows = session.scalars(
        select(Response).where(Response.assessment_id == assessment.id).order_by(Response.id)
    ).all()
    for number, response in enumerate(rows[:60]):
        response.late = True
        if number % 3 == 0:
            for name, value in invalid_fields(["too_fast"]).items():
                setattr(response, name, value)
    session.flush()
    return assessment, rows


def test_the_tally_gives_the_figures_of_the_separate_counts(session):
    assessment, rows = demo_with_late_and_invalid(session)
    valid = [r for r in rows if r.valid]
    tally = count_responses(session, assessment)

    assert sum(cell.n for cell in tally.cells) == len(rows) > 600
    assert group_counts(tally) == {
        group: {"all": n, "valid": sum(1 for r in valid if r.respondent_group == group)}
        for group, n in Counter(r.respondent_group for r in rows).items()
    }
    late = late_counts(tally)
    assert (late.late, late.late_valid) == (60, 40)
    assert valid_rate(tally) == len(valid) / len(rows)

    counts = sample_counts(tally)
    assert counts.n_valid == len(valid)
    assert counts.by_group == Counter(r.respondent_group for r in valid)
    assert counts.by_area == Counter(r.area for r in valid if r.area is not None)
    grades = Counter((r.respondent_group, r.grade) for r in valid if r.grade is not None)
    assert {(g, k): n for g, by in counts.by_grade.items() for k, n in by.items()} == grades

    progress = quotas.progress(session, assessment, tally=tally)
    assert progress == quotas.progress(session, assessment)
    assert progress.groups == counts.by_group
    assert progress.areas == counts.by_area
    assert progress.schools == Counter(r.school_code for r in valid if r.school_code)
    assert progress.outside == sum(1 for r in valid if r.residence == OUTSIDE)
    for group, bands in progress.bands.items():
        for name, n in bands.items():
            low, _, high = name.replace("-", "–").partition("–")
            expected = sum(
                count
                for (g, grade), count in grades.items()
                if g == group and int(low) <= grade <= int(high or low)
            )
            assert n == expected, (group, name)

    done = Counter(
        (r.school_code, r.respondent_group)
        for r in valid
        if r.school_code is not None and r.respondent_group in SCHOOL_GROUPS
    )
    targets = school_targets(session, assessment, quotas.group_quotas(assessment), tally=tally)
    assert sum(done.values()) > 0
    for target in targets:
        assert target.done == {group: done[(target.code, group)] for group in SCHOOL_GROUPS}


def test_the_signals_from_the_tally_equal_those_of_the_export(session):
    assessment, _ = demo_with_late_and_invalid(session)
    text = export_csv(session, assessment.id, "Asia/Shanghai").encode("utf-8")
    from_file = signals_from_file(
        read_responses(text, scheme=None), min_duration_s=assessment.min_duration_s
    )
    tally = count_responses(session, assessment)
    assert quality_signals(session, assessment, tally=tally) == from_file
    assert any(cell.too_fast for cell in from_file)


def test_the_scan_reads_the_covering_index_without_sorting(session):
    """The tally's grouping is the covering index's order (migration 0014): SQLite reads
    the index alone and groups as it goes. A column added to the grouping but not to the
    index, or out of its order, brings back the full-table read or the sort."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL chooses its plan by its statistics; SQLite's plan is checked")
    assessment = seed_demo(session, responses=True)
    session.flush()
    captured: list[str] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "GROUP BY" in statement and not captured:
            rows = cursor.connection.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
            captured.extend(str(row[-1]) for row in rows)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", capture)
    try:
        count_responses(session, assessment)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    plan = " | ".join(captured)
    assert "USING COVERING INDEX ix_response_tally" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
