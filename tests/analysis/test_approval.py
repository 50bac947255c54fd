"""Approval estimates on small hand-computed cases (SPEC §4).

Each expectation is worked out by hand (or from a closed form named in the comment),
not taken from Renke's output.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from analysis.approval import (
    GROUPS,
    ClusterSums,
    GroupSums,
    SchoolClusters,
    analyze_responses,
    estimate_from_sums,
    format_percent,
    sufficient_statistics,
)
from analysis.intervals import METHODS
from analysis.tables import InputRefused

FIXTURES = Path(__file__).parent / "fixtures" / "approval"
Z975 = stats.norm.ppf(0.975)


def table(rows: list[tuple[str, ...]], header: str = "group,weight,q1") -> bytes:
    return ("\n".join([header, *(",".join(row) for row in rows)]) + "\n").encode()


def wilson(p: float, n: float, z: float = Z975) -> tuple[float, float]:
    # Wilson (1927), as in Agresti & Coull (1998) eq. 2
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


# --- SE = 0 and single respondents ------------------------------------------------------


def test_twelve_all_approving_gives_the_spec_interval() -> None:
    # SPEC §4: [Beta⁻¹(α/2; 12, 1), 1] = [0.025^(1/12), 1] = [0.7354, 1]
    report = analyze_responses(table([("家长", "", "满意")] * 12))
    parents = report.groups["家长"]
    assert parents.approval == 1.0 and parents.se == 0.0
    assert parents.ci == pytest.approx((0.025 ** (1 / 12), 1.0), abs=1e-12)
    assert round(parents.ci[0], 4) == 0.7354  # type: ignore[index]
    assert parents.n_eff == 12 and parents.n_kish == 12 and parents.small
    assert report.certainty == "insufficient"
    assert report.met
    # p-value: F_Beta(θ; 12, 1) = θ^12
    assert report.p_value == pytest.approx(0.85**12, rel=1e-12)


@pytest.mark.parametrize("method", ["wald", "logit", "wilson"])
def test_se_zero_wald_and_logit_report_wilson(method: str) -> None:
    report = analyze_responses(table([("家长", "", "满意")] * 12), ci=method)
    lower, _ = wilson(1.0, 12)
    assert report.overall.ci == pytest.approx((lower, 1.0), abs=1e-12)
    # Wilson test with n = n_kish: 1 − Φ((1 − θ)/sqrt(θ(1 − θ)/12))
    expected = stats.norm.sf((1 - 0.85) / math.sqrt(0.85 * 0.15 / 12))
    assert report.p_value == pytest.approx(expected, rel=1e-12)


def test_all_disapproving_lower_limit_is_zero() -> None:
    # Beta⁻¹(0.975; 1, 20) = 1 − 0.025^(1/20); p-value 1 (Beta(0, ·) is a point mass at 0)
    report = analyze_responses(table([("教师", "", "不满意")] * 20))
    assert report.overall.ci == pytest.approx((0.0, 1 - 0.025 ** (1 / 20)), abs=1e-12)
    assert report.p_value == 1.0
    assert not report.met


def test_single_respondent_uses_kish_with_no_df_adjustment() -> None:
    # one respondent, 3 of 5 items approve: p = 0.6, n_kish = 1;
    # Korn–Graubard with n* = 1: [Beta⁻¹(.025; .6, 1.4), Beta⁻¹(.975; 1.6, .4)]
    rows = [("学生", "", "满意", "满意", "比较满意", "一般", "不满意")]
    report = analyze_responses(table(rows, "group,weight,q1,q2,q3,q4,q5"))
    students = report.groups["学生"]
    assert students.approval == pytest.approx(0.6)
    assert students.se == 0.0 and students.n == 1 and students.df == 0
    expected = (stats.beta.ppf(0.025, 0.6, 1.4), stats.beta.ppf(0.975, 1.6, 0.4))
    assert students.ci == pytest.approx(expected, rel=1e-10)


def test_equal_ratios_give_se_zero_not_rounding_noise() -> None:
    # every respondent 1 of 2: p = 0.5, every z_i = 0 exactly in theory; the sums route
    # may leave 1e-17, which the p(1 − p)/SE² > 1e12 rule treats as 0
    rows = [("家长", "", "满意", "一般")] * 40
    report = analyze_responses(table(rows, "group,weight,q1,q2"))
    assert report.overall.se == 0.0 and report.overall.degenerate
    assert report.overall.n_eff == pytest.approx(40)
    expected = (stats.beta.ppf(0.025, 20, 21), stats.beta.ppf(0.975, 21, 20))
    assert report.overall.ci == pytest.approx(expected, rel=1e-10)


def test_single_respondent_group_adds_nothing_to_pooled_variance() -> None:
    # R: survey.lonely.psu = "certainty"; the lone 校长 changes p̂ and B, not the strata sums
    rows = [("家长", "", "满意")] * 3 + [("家长", "", "一般")] * 1 + [("校长", "", "满意")]
    report = analyze_responses(table(rows))
    p = 4 / 5
    z = np.array([1 - p] * 3 + [-p]) / 5  # parents' z_i = (a − p b)/Σ w b
    var = 4 / 3 * ((z - z.mean()) ** 2).sum()
    assert report.overall.approval == pytest.approx(p)
    assert report.overall.se == pytest.approx(math.sqrt(var), rel=1e-12)
    assert report.overall.df == 5 - 2


# --- weights ----------------------------------------------------------------------------


def test_zero_weights_count_in_n_but_not_in_df() -> None:
    # w = (1, 1, 0), a = (1, 0, 0): p = 1/2; B = 2; z = (0.25, −0.25, 0);
    # var = 3/2 · Σ (z − z̄)² = 3/2 · 0.125 = 0.1875; df = 2 − 1 = 1
    rows = [("家长", "1", "满意"), ("家长", "1", "不满意"), ("家长", "0", "一般")]
    parents = analyze_responses(table(rows), ci="wald").groups["家长"]
    assert parents.n == 3 and parents.df == 1
    assert parents.approval == 0.5
    assert parents.se == pytest.approx(math.sqrt(0.1875), rel=1e-12)
    t = stats.t.ppf(0.975, 1)
    assert parents.ci == pytest.approx((0.0, 1.0))  # 0.5 ± 12.7·0.433, clipped
    assert 0.5 - t * math.sqrt(0.1875) < 0


def test_group_with_only_zero_weights_has_no_estimate() -> None:
    rows = [("家长", "1", "满意")] * 30 + [("教师", "0", "满意")] * 3
    report = analyze_responses(table(rows))
    teachers = report.groups["教师"]
    assert teachers.approval is None and teachers.ci is None and teachers.reason
    assert teachers.n == 3
    assert any("教师" in warning for warning in report.warnings)
    # policy treats it as absent: its weight is dropped with a warning
    policy = analyze_responses(table(rows), overall="policy", weights={"家长": 0.8, "教师": 0.2})
    assert policy.overall.weights == {"家长": 1.0}
    assert any("教师" in w and "舍去" in w for w in policy.warnings)


def test_policy_weight_for_absent_group_is_dropped_and_rest_renormalised() -> None:
    rows = [("家长", "", "满意")] * 8 + [("家长", "", "一般")] * 2 + [("学生", "", "满意")] * 5
    weights = {"家长": 0.5, "学生": 0.25, "校长": 0.25}
    report = analyze_responses(table(rows), overall="policy", weights=weights)
    assert report.overall.weights == pytest.approx({"家长": 2 / 3, "学生": 1 / 3})
    assert report.overall.approval == pytest.approx(2 / 3 * 0.8 + 1 / 3 * 1.0)
    # var = Σ W_h² var_h; 学生 has p = 1, var 0; 家长: 10/9 · Σ (z − z̄)², z = (a − .8)/10
    z = np.array([0.2] * 8 + [-0.8] * 2) / 10
    var_parents = 10 / 9 * ((z - z.mean()) ** 2).sum()
    assert report.overall.se == pytest.approx(2 / 3 * math.sqrt(var_parents), rel=1e-12)
    assert report.overall.df == 15 - 2
    assert report.overall.n_kish == pytest.approx(1 / ((2 / 3) ** 2 / 10 + (1 / 3) ** 2 / 5))
    assert any("校长" in warning for warning in report.warnings)


@pytest.mark.parametrize(
    ("weights", "fragment"),
    [
        (None, "policy"),
        ({"家长": 1.0}, "学生"),  # a group present without a weight
        ({"家长": 1.0, "学生": 1.0, "老师": 1.0}, "老师"),  # not a group
        ({"家长": -1.0, "学生": 1.0}, "不小于 0"),
    ],
)
def test_policy_weight_errors(weights: dict[str, float] | None, fragment: str) -> None:
    rows = [("家长", "", "满意"), ("学生", "", "一般")]
    with pytest.raises(InputRefused) as caught:
        analyze_responses(table(rows), overall="policy", weights=weights)
    assert any(fragment in str(problem) for problem in caught.value.problems)


def test_weights_without_policy_are_refused() -> None:
    with pytest.raises(InputRefused, match="policy"):
        analyze_responses(table([("家长", "", "满意")]), weights={"家长": 1.0})


# --- no data ----------------------------------------------------------------------------


def test_no_valid_responses_is_a_clear_error() -> None:
    rows = [("家长", "0", "", "满意"), ("学生", "否", "", "满意")]
    with pytest.raises(InputRefused, match="没有有效回答"):
        analyze_responses(table(rows, "group,valid,weight,q1"))


def test_only_unknown_answers_is_a_clear_error() -> None:
    with pytest.raises(InputRefused, match="没有可计分"):
        analyze_responses(table([("家长", "", "不了解"), ("学生", "", "")]))


def test_respondents_with_only_unknown_are_left_out_of_n() -> None:
    rows = [("家长", "", "满意")] * 4 + [("家长", "", "不了解")] * 3 + [("校长", "", "不了解")]
    report = analyze_responses(table(rows))
    assert report.groups["家长"].n == 4
    assert "校长" not in report.groups
    assert any("校长" in w and "无估计" in w for w in report.warnings)
    assert report.valid_rate == 1.0


# --- decision and display ---------------------------------------------------------------


def test_met_is_decided_on_the_point_estimate_at_exactly_the_threshold() -> None:
    rows = [("家长", "", "满意")] * 170 + [("家长", "", "一般")] * 30
    report = analyze_responses(table(rows))
    assert report.overall.approval == 0.85 and report.met
    assert report.certainty == "borderline"


def test_policy_noise_below_threshold_still_meets() -> None:
    # 0.5·0.9 + 0.5·0.8 in floating point is one ulp away from 0.85
    rows = [("家长", "", "满意")] * 9 + [("家长", "", "一般")]
    rows += [("学生", "", "满意")] * 8 + [("学生", "", "一般")] * 2
    report = analyze_responses(table(rows), overall="policy", weights={"家长": 1, "学生": 1})
    assert report.overall.approval == pytest.approx(0.85, abs=1e-15)
    assert report.met


@pytest.mark.parametrize(
    ("approving", "certainty"), [(950, "clear"), (700, "fails"), (850, "borderline")]
)
def test_certainty(approving: int, certainty: str) -> None:
    rows = [("家长", "", "满意")] * approving + [("家长", "", "一般")] * (1000 - approving)
    assert analyze_responses(table(rows)).certainty == certainty


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0.9123, "91.2%"), (0.8496, "84.96%"), (0.85, "85.00%"), (0.8504, "85.04%"), (1.0, "100.0%")],
)
def test_format_percent(value: float, shown: str) -> None:
    assert format_percent(value) == shown


def test_json_has_exactly_the_spec_keys() -> None:
    report = analyze_responses(FIXTURES / "clustered.csv", cluster="school")
    data = report.to_dict()
    assert set(data) == {
        "groups",
        "overall",
        "planned",
        "sample",
        "threshold",
        "met",
        "certainty",
        "p_value",
        "valid_rate",
        "warnings",
    }
    assert set(data["overall"]) == {
        "approval",
        "se",
        "df",
        "n_eff",
        "n_kish",
        "ci",
        "method",
        "mode",
        "weights",
        "design",
        "deff",
    }
    assert set(data["planned"]) == {"approval", "ci", "weights"}
    assert set(data["sample"]) == {
        "n_valid",
        "target",
        "parent_share",
        "by_group",
        "ok",
        "checks",
    }
    assert all(set(check) == {"rule", "passed", "detail"} for check in data["sample"]["checks"])
    for entry in data["groups"].values():
        assert set(entry) == {"n", "approval", "se", "n_eff", "n_kish", "small", "ci"}
    assert list(data["groups"]) == [g for g in GROUPS if g in data["groups"]]
    assert data["overall"]["deff"] > 0 and data["overall"]["weights"] is None


# --- one unweighted item: n_eff = n − 1 -------------------------------------------------


def test_one_unweighted_item_matches_statsmodels_with_n_minus_one() -> None:
    # SPEC §4: Clopper–Pearson at n_eff = n − 1, i.e. proportion_confint(p(n − 1), n − 1)
    for method, name in (("korn-graubard", "beta"), ("wilson", "wilson")):
        report = analyze_responses(FIXTURES / "one_item.csv", items=["q1"], ci=method)
        for estimate in report.groups.values():
            assert estimate.approval is not None and estimate.ci is not None
            n = estimate.n
            assert estimate.n_eff == pytest.approx(n - 1, rel=1e-12)
            expected = proportion_confint(estimate.approval * (n - 1), n - 1, method=name)
            assert estimate.ci == pytest.approx(expected, abs=1e-10)


# --- two routes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"cluster": "none"},
        {"overall": "planned"},
        {"overall": "policy", "weights": {"学生": 1, "家长": 2, "教师": 1, "校长": 1}},
        {
            "overall": "policy",
            "weights": {"学生": 1, "家长": 2, "教师": 1, "校长": 1},
            "cluster": "school",
        },
        {"items": ["q2"], "ci": "wilson"},
    ],
)
def test_sums_route_gives_identical_results(options: dict[str, object]) -> None:
    path = FIXTURES / "clustered.csv"
    direct = analyze_responses(path, **options)  # type: ignore[arg-type]
    groups, clusters = sufficient_statistics(
        path,
        items=options.get("items"),  # type: ignore[arg-type]
        cluster=options.get("cluster", "school"),  # type: ignore[arg-type]
    )
    rest = {k: v for k, v in options.items() if k not in ("items", "cluster")}
    from_sums = estimate_from_sums(groups, clusters=clusters, valid_rate=direct.valid_rate, **rest)  # type: ignore[arg-type]
    assert from_sums.to_dict()["overall"] == direct.to_dict()["overall"]
    assert from_sums.to_dict()["groups"] == direct.to_dict()["groups"]
    assert from_sums.p_value == direct.p_value
    assert from_sums.to_dict()["planned"] == direct.to_dict()["planned"]


def test_sums_as_sql_would_compute_them() -> None:
    # aggregate with pandas (as SQL GROUP BY would), independently of Renke's scoring
    frame = pd.read_csv(FIXTURES / "weighted.csv", dtype=str, keep_default_na=False)
    frame = frame[frame["有效"] != "否"]
    items = [c for c in frame.columns if c.startswith("q")]
    scores = frame[items].replace({"满意": 1.0, "比较满意": 1.0, "一般": 0.0, "不满意": 0.0})
    scores = scores.replace({"不了解": np.nan, "": np.nan}).astype(float)
    frame = frame.assign(
        a=scores.sum(axis=1), b=scores.notna().sum(axis=1), w=frame["权重"].astype(float)
    )
    frame = frame[frame["b"] > 0]
    frame = frame.assign(wa=frame.w * frame.a, wb=frame.w * frame.b)
    sums = [
        GroupSums(
            group=str(group),
            n=len(part),
            n_positive=int((part.w > 0).sum()),
            sum_wa=part.wa.sum(),
            sum_wb=part.wb.sum(),
            sum_w2a2=(part.wa**2).sum(),
            sum_w2ab=(part.wa * part.wb).sum(),
            sum_w2b2=(part.wb**2).sum(),
        )
        for group, part in frame.groupby("群体")
    ]
    from_sql = estimate_from_sums(sums)
    direct = analyze_responses(FIXTURES / "weighted.csv")
    assert from_sql.overall.approval == pytest.approx(direct.overall.approval, rel=1e-12)
    assert from_sql.overall.se == pytest.approx(direct.overall.se, rel=1e-10)
    assert from_sql.overall.ci == pytest.approx(direct.overall.ci, rel=1e-10)


def test_sums_validation() -> None:
    sums = GroupSums("家长", 2, 1.0, 2.0, 1.0, 1.0, 2.0)
    with pytest.raises(InputRefused, match="学校“S1”的群体没有汇总数据"):
        estimate_from_sums(
            [sums], clusters=SchoolClusters((ClusterSums("学生", "S1", 1, 1.0, 1.0),))
        )
    with pytest.raises(InputRefused, match="按学校的汇总共 1 人，群体汇总为 2 人"):
        estimate_from_sums(
            [sums], clusters=SchoolClusters((ClusterSums("家长", "S1", 1, 1.0, 1.0),))
        )
    with pytest.raises(InputRefused, match="不是已知群体"):
        estimate_from_sums([GroupSums("老师", 2, 1.0, 2.0, 1.0, 1.0, 2.0)])


# --- the interval and its test agree ----------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_p_value_inverts_the_interval(method: str) -> None:
    from analysis.intervals import confidence_interval, p_value

    rng = np.random.default_rng(11)
    for _ in range(300):
        p = float(rng.uniform(0.6, 0.99))
        n = int(rng.integers(5, 3000))
        df = int(rng.integers(1, n))
        se = math.sqrt(p * (1 - p) / n) * float(rng.uniform(0.7, 2.0))
        interval = confidence_interval(method, p, se, n=n, df=df, n_kish=n, level=0.95)
        # H0: approval ≤ θ is rejected at α/2 exactly when the lower limit reaches θ
        at_lower = p_value(method, p, se, n=n, df=df, n_kish=n, threshold=interval.lower)
        assert at_lower == pytest.approx(0.025, abs=1e-9)
        if method != "korn-graubard" and interval.upper < 1:  # K–G: upper limit not symmetric
            at_upper = p_value(method, p, se, n=n, df=df, n_kish=n, threshold=interval.upper)
            assert at_upper == pytest.approx(0.975, abs=1e-9)
