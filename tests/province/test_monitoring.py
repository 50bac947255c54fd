"""Yearly monitoring: 问责, 下滑 and 撤销称号 on a three-year fixture (SPEC §2.4)."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from analysis.monitoring import YearResult, approval_fall, review_years
from analysis.standards import load_standard


@pytest.fixture(scope="module")
def rule():
    return load_standard("yunnan-2022").decline


def year(y, passed=None, approval=0.9, se=0.01):
    base = {"cv.primary.sports_space": True, "items.government.7": True}
    return YearResult(
        y, {**base, **(passed or {})}, approval, se, {"items.government.7": "政府保障第7项"}
    )


def test_the_rule_is_the_standard_setting(rule):
    assert rule.consecutive_years == 2 and rule.significance == 0.025
    assert set(rule.measures) == {"approval", "indicators", "cv", "items"}


def test_two_consecutive_years_of_decline_revoke_the_title(rule):
    results = [
        year(2025),
        year(2026, {"items.government.7": False}),  # 达标 → 不达标: 下滑, and below: 问责
        year(2027, approval=0.86, se=0.01),  # 0.90 → 0.86, z = 2.83: significant 下滑
    ]
    first, second, third = review_years(results, rule)
    assert not first.declined and first.compared_with is None
    assert second.declined and second.accountability and not second.revoke
    assert second.below == ("政府保障第7项",)
    assert [f.measure for f in second.falls] == ["items.government.7"]
    assert third.declined and third.revoke
    [fall] = third.falls
    assert (fall.before, fall.after, fall.flagged) == ("90.0%", "86.0%", True)


def test_falls_within_noise_are_listed_never_flagged(rule):
    # Approval 0.91 → 0.90 → 0.89 with SE 0.012: each fall z = 0.59, p ≈ 0.28.
    results = [year(2025, approval=0.91, se=0.012), year(2026, approval=0.90, se=0.012)]
    results.append(year(2027, approval=0.89, se=0.012))
    reviews = review_years(results, rule)
    assert not any(r.declined or r.revoke or r.accountability for r in reviews)
    assert all(len(r.falls) == 1 and not r.falls[0].flagged for r in reviews[1:])
    assert "不计为下滑" in reviews[2].falls[0].note


def test_approval_below_the_threshold_calls_for_accountability(rule):
    [review] = review_years([year(2026, approval=0.84)], rule)
    assert review.accountability and review.below == ("社会认可度 84.0%，低于 85%",)


def test_a_gap_year_breaks_the_run(rule):
    results = [
        year(2024),
        year(2025, {"items.government.7": False}),
        year(2027, {"cv.primary.sports_space": False}),
    ]
    reviews = review_years(results, rule)
    assert reviews[1].declined and reviews[2].compared_with is None and not reviews[2].revoke


def test_the_one_sided_test_against_scipy():
    # Independent reference: the normal tail of the difference over its combined SE.
    # 0.90 → 0.87: z = 1.92, p = 0.027, just above 2.5%: listed, not flagged.
    near = approval_fall(0.90, 0.010, 0.87, 0.012, 0.025)
    expected = stats.norm.sf(0.03 / math.sqrt(0.010**2 + 0.012**2))
    assert near is not None and not near.flagged and f"p = {expected:.2g}" in near.note
    # 0.90 → 0.86: z = 2.56, p = 0.0052: 下滑.
    fall = approval_fall(0.90, 0.010, 0.86, 0.012, 0.025)
    expected = stats.norm.sf(0.04 / math.sqrt(0.010**2 + 0.012**2))
    assert fall is not None and fall.flagged and f"p = {expected:.2g}" in fall.note
    assert approval_fall(0.90, 0.01, 0.90, 0.01, 0.025) is None  # no fall
    unknown = approval_fall(0.90, None, 0.80, 0.01, 0.025)
    assert unknown is not None and not unknown.flagged
