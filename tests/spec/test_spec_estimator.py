"""SPEC §4 "Approval: the estimator", checked through `renke analyze --format json`.

Every expected figure comes from ``_helpers``' reference estimator, written from the
formulas of SPEC §4 alone, or from a closed form written next to the assertion.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest
from scipy import stats

from ._helpers import (
    Resp,
    cli,
    csv_bytes,
    group_estimate,
    interval,
    kg_interval,
    p_value,
    policy_estimate,
    pooled_estimate,
    score,
    wilson_interval,
    write,
)

METHODS = ("korn-graubard", "wilson", "logit", "wald")
LABELS = ("满意", "比较满意", "一般", "不满意", "不了解", None)


def survey(
    seed: int, sizes: dict[str, int], favour: float
) -> tuple[list[list[object]], list[Resp]]:
    """Rows (group, weight, q1..q3) and the respondents as the reference sees them."""
    rng = random.Random(seed)
    rows: list[list[object]] = []
    resps: list[Resp] = []
    for group, size in sizes.items():
        for _ in range(size):
            weight = rng.choice([1, 1, 2, 0.5, 3])
            answers = [
                rng.choices(LABELS, weights=[favour, favour, 1, 0.5, 0.3, 0.2])[0] for _ in range(3)
            ]
            rows.append([group, weight, *answers])
            a, b = score(answers)
            resps.append(Resp(group, float(weight), a, b))
    return rows, resps


HEADER = ["group", "weight", "q1", "q2", "q3"]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Resp]]:
    rows, resps = survey(11, {"家长": 40, "学生": 25, "教师": 12, "校长": 1}, favour=3.2)
    # a respondent whose only answers are 不了解/blank: b = 0, left out of n (SPEC §4)
    rows.append(["家长", 1, "不了解", None, "不了解"])
    # a weight-0 respondent: stays in n, adds nothing, not in df (SPEC §4)
    rows.append(["学生", 0, "不满意", "不满意", "一般"])
    resps.append(Resp("学生", 0.0, 0.0, 3.0))
    path = tmp_path_factory.mktemp("est") / "responses.csv"
    write(path, csv_bytes(HEADER, rows))
    return path, resps


@pytest.fixture(scope="module")
def data_two_heads(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Resp]]:
    """As ``data`` with two 校长: in policy a group needs two respondents (simple design)
    for the overall SE (SPEC §4 ``planned``)."""
    rows, resps = survey(11, {"家长": 40, "学生": 25, "教师": 12, "校长": 2}, favour=3.2)
    path = tmp_path_factory.mktemp("est2") / "responses.csv"
    write(path, csv_bytes(HEADER, rows))
    return path, resps


@pytest.mark.parametrize("method", METHODS)
def test_pooled_estimate_interval_and_p_value(data: tuple[Path, list[Resp]], method: str) -> None:
    path, resps = data
    ref = pooled_estimate(resps)
    run = cli("analyze", path, "--ci", method, "--format", "json")
    assert run.code in (0, 1), run.err
    out = run.json()
    overall = out["overall"]
    # SPEC §4 Overall pooled: p̂ = Σ w a / Σ w b; var = Σ_h n_h/(n_h−1) Σ (z − z̄_h)²
    assert overall["approval"] == pytest.approx(ref.p, rel=1e-12)
    assert overall["se"] == pytest.approx(ref.se, rel=1e-9)
    # df = n − H, counting only respondents with w > 0 (R degf); the 1-person group counts
    assert overall["df"] == ref.df == 78 - 4  # 78 with w > 0 (the w = 0 one excluded), H = 4
    # n_eff is p̂(1 − p̂)/SE² (answer units); n_kish = (Σ w b)² / Σ (w b)²
    assert overall["n_eff"] == pytest.approx(ref.p * (1 - ref.p) / ref.se**2, rel=1e-9)
    assert overall["n_kish"] == pytest.approx(ref.n_kish, rel=1e-12)
    # SPEC §4 Intervals, per method
    assert overall["ci"] == pytest.approx(list(interval(method, ref)), abs=1e-9)
    assert overall["method"] == method and overall["mode"] == "pooled"
    assert overall["weights"] is None  # SPEC §5: "weights" (null when pooled)
    # SPEC §4 Decision: p_value per method
    assert out["p_value"] == pytest.approx(p_value(method, ref), rel=1e-7, abs=1e-12)
    assert out["met"] is (ref.p >= 0.85)
    assert out["threshold"] == 0.85


def test_groups_are_ratio_estimates_with_their_own_variance(data: tuple[Path, list[Resp]]) -> None:
    path, resps = data
    out = cli("analyze", path, "--format", "json").json()
    for name in ("家长", "学生", "教师"):
        ref = group_estimate([r for r in resps if r.group == name])
        got = out["groups"][name]
        # SPEC §4 Group h: p̂_h, z_i with the group's Σ w b, var = n_h/(n_h−1) Σ (z − z̄)²
        assert got["approval"] == pytest.approx(ref.p, rel=1e-12)
        assert got["se"] == pytest.approx(ref.se, rel=1e-9)
        assert got["n"] == ref.n
        assert got["n_kish"] == pytest.approx(ref.n_kish, rel=1e-12)
        # SPEC §4 Flags: small when n_kish < 30
        assert got["small"] is (ref.n_kish < 30)
        assert got["ci"] == pytest.approx(list(interval("korn-graubard", ref)), abs=1e-9)
    # the b = 0 respondent is not counted in n; the weight-0 one is (SPEC §4)
    assert out["groups"]["家长"]["n"] == 40
    assert out["groups"]["学生"]["n"] == 26
    # n_h = 1: no variance estimate, SE = 0 (SPEC §4)
    assert out["groups"]["校长"]["n"] == 1 and out["groups"]["校长"]["se"] == 0


def test_group_keys_are_exactly_the_spec_keys(data: tuple[Path, list[Resp]]) -> None:
    out = cli("analyze", data[0], "--format", "json").json()
    # SPEC §5 JSON keys
    assert set(out["groups"]["家长"]) == {"n", "approval", "se", "n_eff", "n_kish", "small", "ci"}
    assert {
        "groups",
        "overall",
        "threshold",
        "met",
        "certainty",
        "p_value",
        "valid_rate",
        "warnings",
    } <= set(out)
    assert {"approval", "se", "df", "n_eff", "n_kish", "ci", "method", "mode", "weights"} <= set(
        out["overall"]
    )


@pytest.mark.parametrize("method", METHODS)
def test_policy_weights_normalised_and_absent_group_dropped(
    data_two_heads: tuple[Path, list[Resp]], method: str
) -> None:
    path, resps = data_two_heads
    # 人大代表 has no respondents: its weight is dropped with a warning; the rest normalised
    weights = {"家长": 5.0, "学生": 3.0, "教师": 1.0, "校长": 1.0}
    ref = policy_estimate(resps, weights)
    arg = "家长=5,学生=3,教师=1,校长=1,人大代表=4"
    out = cli(
        "analyze", path, "--overall", "policy", "--weights", arg, "--ci", method,
        "--cluster", "none", "--format", "json",
    ).json()  # fmt: skip
    overall = out["overall"]
    assert overall["mode"] == "policy"
    assert overall["weights"] == pytest.approx({"家长": 0.5, "学生": 0.3, "教师": 0.1, "校长": 0.1})
    assert any("人大代表" in w for w in out["warnings"])
    # p̂ = Σ W_h p̂_h, var = Σ W_h² var_h, df = n − H, n_kish = 1/Σ(W_h²/n_kish,h)
    assert overall["approval"] == pytest.approx(ref.p, rel=1e-12)
    assert overall["se"] == pytest.approx(ref.se, rel=1e-9)
    assert overall["df"] == ref.df
    assert overall["n_kish"] == pytest.approx(ref.n_kish, rel=1e-12)
    assert overall["ci"] == pytest.approx(list(interval(method, ref)), abs=1e-9)
    assert out["p_value"] == pytest.approx(p_value(method, ref), rel=1e-7, abs=1e-12)


def test_policy_with_a_one_respondent_group_has_no_interval(data: tuple[Path, list[Resp]]) -> None:
    path, resps = data  # one 校长
    out = cli(
        "analyze", path, "--overall", "policy", "--weights", "家长=5,学生=3,教师=1,校长=1",
        "--cluster", "none", "--format", "json",
    ).json()  # fmt: skip
    # SPEC §4: a group with fewer than 2 respondents (simple design) nulls SE, interval,
    # p_value and certainty, with the reason in warnings
    ref = policy_estimate(resps, {"家长": 5.0, "学生": 3.0, "教师": 1.0, "校长": 1.0})
    assert out["overall"]["approval"] == pytest.approx(ref.p, rel=1e-12)
    assert out["overall"]["se"] is None and out["overall"]["ci"] is None
    assert out["p_value"] is None and out["certainty"] is None
    assert any(w.startswith("校长不足 2 位受访者") for w in out["warnings"])


@pytest.mark.parametrize(
    "weights",
    [
        None,  # policy without weights is an error
        "家长=1,学生=1,教师=1",  # a group present (校长) without a weight
        "家长=1,学生=1,教师=1,校长=1,家属=1",  # an unknown group
    ],
)
def test_policy_weight_errors_exit_2_with_nothing_on_stdout(
    data: tuple[Path, list[Resp]], weights: str | None
) -> None:
    args = ["analyze", data[0], "--overall", "policy", "--format", "json"]
    if weights:
        args += ["--weights", weights]
    run = cli(*args)
    # SPEC §3: 2 input refused (every problem on standard error; nothing on standard output)
    assert run.code == 2
    assert run.out == ""
    assert run.err.strip()
    if weights and "家属" in weights:
        assert "家属" in run.err
    elif weights:
        assert "校长" in run.err


def test_valid_rate_is_valid_rows_over_all_rows(tmp_path: Path) -> None:
    rows = [["家长", "1", "满意"]] * 6 + [["家长", "0", "满意"]] * 2 + [["家长", "", "一般"]] * 2
    path = write(tmp_path / "r.csv", csv_bytes(["group", "valid", "q1"], rows))
    out = cli("analyze", path, "--format", "json").json()
    # SPEC §5: valid_rate (valid rows over all rows); a blank valid is valid (SPEC §3)
    assert out["valid_rate"] == pytest.approx(8 / 10)
    # the two invalid rows are left out of the analysis: 6 of 8 approve
    assert out["overall"]["approval"] == pytest.approx(6 / 8)
    assert out["groups"]["家长"]["n"] == 8


# --- zero weights ---------------------------------------------------------------------


def test_zero_weight_respondents_stay_in_n_but_not_in_df(tmp_path: Path) -> None:
    answers = ["满意", "一般", "满意", "比较满意", "不满意", "满意"]
    weights = [1, 2, 0, 1, 0, 3]
    rows = [["家长", w, x] for w, x in zip(weights, answers, strict=True)]
    rows += [["学生", 0, "满意"], ["学生", 0, "一般"]]  # a group with only zero weights
    rows += [["教师", 1, "满意"], ["教师", 2, "一般"], ["教师", 1, "满意"]]
    path = write(tmp_path / "r.csv", csv_bytes(["group", "weight", "q1"], rows))
    out = cli("analyze", path, "--format", "json").json()
    resps = [Resp(r[0], float(r[1]), *score([r[2]])) for r in rows]
    ref = pooled_estimate(resps)
    # df counts only respondents with w > 0 (4 + 3), and only groups that have one (2)
    assert out["overall"]["df"] == ref.df == 7 - 2
    assert out["overall"]["approval"] == pytest.approx(ref.p)
    assert out["overall"]["se"] == pytest.approx(ref.se, rel=1e-9)
    # ... and n_h/(n_h − 1) uses n_h = 6 including the two zero weights
    assert out["groups"]["家长"]["n"] == 6
    gref = group_estimate([r for r in resps if r.group == "家长"])
    assert out["groups"]["家长"]["se"] == pytest.approx(gref.se, rel=1e-9)
    # Σ w b = 0: approval null (with the reason), treated as absent by policy
    assert out["groups"]["学生"]["approval"] is None
    policy = cli(
        "analyze",
        path,
        "--overall",
        "policy",
        "--weights",
        "家长=1,教师=1,学生=1",
        "--format",
        "json",
    ).json()
    assert set(policy["overall"]["weights"]) == {"家长", "教师"}
    assert policy["overall"]["approval"] == pytest.approx(
        0.5 * gref.p + 0.5 * group_estimate([r for r in resps if r.group == "教师"]).p
    )


# --- SE = 0 ----------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_twelve_all_approving(tmp_path: Path, method: str) -> None:
    path = write(tmp_path / "r.csv", csv_bytes(["group", "q1"], [["家长", "满意"]] * 12))
    out = cli("analyze", path, "--ci", method, "--format", "json").json()
    lo, hi = out["overall"]["ci"]
    if method == "korn-graubard":
        # SPEC §4: 12 respondents all approving get [Beta⁻¹(α/2; 12, 1), 1] = [0.7354, 1]
        assert lo == pytest.approx(0.025 ** (1 / 12), abs=1e-10)
        assert round(lo, 4) == 0.7354
    else:
        # wilson uses n_kish as n; wald and logit report the wilson interval
        assert lo == pytest.approx(wilson_interval(1.0, 12)[0], abs=1e-10)
    assert hi == 1.0  # at p̂ = 1 the upper limit is 1
    assert out["overall"]["n_eff"] == pytest.approx(12)
    # certainty insufficient when the overall n_kish < 30
    assert out["certainty"] == "insufficient"


def test_se_zero_with_unequal_weights_uses_kish(tmp_path: Path) -> None:
    # every respondent approves every item it answers: p̂ = 1, SE = 0
    rows = [["家长", 1 + (i % 3), "满意", "比较满意" if i % 2 else "不了解"] for i in range(40)]
    path = write(tmp_path / "r.csv", csv_bytes(["group", "weight", "q1", "q2"], rows))
    wb = [float(r[1]) * (2 if r[3] != "不了解" else 1) for r in rows]
    kish = sum(wb) ** 2 / sum(x * x for x in wb)  # Kish n in respondents (w_i b_i)
    out = cli("analyze", path, "--format", "json").json()
    assert out["overall"]["n_kish"] == pytest.approx(kish, rel=1e-12)
    # korn-graubard uses n_kish with no df adjustment: lower = Beta⁻¹(α/2; n_kish, 1)
    assert out["overall"]["ci"][0] == pytest.approx(0.025 ** (1 / kish), rel=1e-10)
    assert out["overall"]["ci"][1] == 1.0
    # p_value F_Beta(θ; n*p̂, n*(1 − p̂) + 1) = θ^n_kish at p̂ = 1
    assert out["p_value"] == pytest.approx(0.85**kish, rel=1e-9)
    assert kish >= 30 and out["certainty"] == "clear"


@pytest.mark.parametrize("method", ["wald", "logit", "wilson"])
def test_se_zero_at_a_third_uses_the_wilson_interval_and_test(tmp_path: Path, method: str) -> None:
    # each respondent approves exactly 1 of 3 items: p̂ = 1/3 and z_i = 0 up to rounding
    rows = [["教师", 1 + (i % 2), "满意", "一般", "不满意"] for i in range(45)]
    path = write(tmp_path / "r.csv", csv_bytes(["group", "weight", "q1", "q2", "q3"], rows))
    wb = [3.0 * (1 + (i % 2)) for i in range(45)]
    kish = sum(wb) ** 2 / sum(x * x for x in wb)
    out = cli("analyze", path, "--ci", method, "--format", "json").json()
    assert out["overall"]["approval"] == pytest.approx(1 / 3)
    assert out["overall"]["ci"] == pytest.approx(list(wilson_interval(1 / 3, kish)), abs=1e-10)
    # wherever SE = 0, wald and logit use the wilson test: 1 − Φ((p̂ − θ)/sqrt(θ(1 − θ)/n))
    z = (1 / 3 - 0.85) / math.sqrt(0.85 * 0.15 / kish)
    assert out["p_value"] == pytest.approx(1 - stats.norm.cdf(z), rel=1e-9)
    assert out["certainty"] == "fails"


def test_all_disapproving_lower_limit_zero(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", csv_bytes(["group", "q1"], [["学生", "一般"]] * 20))
    out = cli("analyze", path, "--format", "json").json()
    # at p̂ = 0 the lower is 0; upper Beta⁻¹(1 − α/2; 1, 20) = 1 − 0.025^(1/20)
    assert out["overall"]["ci"][0] == 0.0
    assert out["overall"]["ci"][1] == pytest.approx(1 - 0.025 ** (1 / 20), abs=1e-10)


@pytest.mark.parametrize("method", METHODS)
def test_intervals_never_leave_unit_interval(tmp_path: Path, method: str) -> None:
    # 19 approve with weight 1, one disapproves with weight 10: p̂ ≈ 0.655, SE large
    rows = [["家长", 1, "满意"]] * 4 + [["家长", 30, "不满意"]] + [["家长", 1, "满意"]] * 1
    path = write(tmp_path / "r.csv", csv_bytes(["group", "weight", "q1"], rows))
    out = cli("analyze", path, "--ci", method, "--format", "json").json()
    lo, hi = out["overall"]["ci"]
    # SPEC §4: intervals never leave [0, 1]
    assert 0.0 <= lo <= out["overall"]["approval"] <= hi <= 1.0
    if method == "wald":
        resps = [Resp("家长", float(r[1]), *score([r[2]])) for r in rows]
        ref = pooled_estimate(resps)
        t = stats.t.ppf(0.975, ref.df)
        assert ref.p - t * ref.se < 0  # the raw Wald limit would leave [0, 1]
        assert lo == 0.0


# --- certainty --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("approving", "n", "expected"),
    [(195, 200, "clear"), (150, 200, "fails"), (172, 200, "borderline"), (28, 29, "insufficient")],
)
def test_certainty(tmp_path: Path, approving: int, n: int, expected: str) -> None:
    rows = [["家长", "满意"]] * approving + [["家长", "一般"]] * (n - approving)
    path = write(tmp_path / "r.csv", csv_bytes(["group", "q1"], rows))
    out = cli("analyze", path, "--format", "json").json()
    p = approving / n
    # one unweighted item: n_eff = n − 1, so the limits are Clopper–Pearson at n − 1
    lo, hi = kg_interval(p, n - 1)
    assert out["overall"]["ci"] == pytest.approx([lo, hi], abs=1e-9)
    assert out["certainty"] == expected
    # clear: lower ≥ θ; fails: upper < θ; else borderline; insufficient: n_kish < 30
    if expected == "clear":
        assert lo >= 0.85
    elif expected == "fails":
        assert hi < 0.85
    elif expected == "borderline":
        assert lo < 0.85 <= hi


def test_level_and_threshold_options(tmp_path: Path) -> None:
    rows = [["家长", "满意"]] * 90 + [["家长", "一般"]] * 10
    path = write(tmp_path / "r.csv", csv_bytes(["group", "q1"], rows))
    out = cli("analyze", path, "--level", "0.9", "--threshold", "0.8", "--format", "json").json()
    lo, hi = kg_interval(0.9, 99, level=0.9)
    assert out["overall"]["ci"] == pytest.approx([lo, hi], abs=1e-9)
    assert out["threshold"] == 0.8
    # korn-graubard p_value F_Beta(θ; n*p̂, n*(1 − p̂) + 1)
    assert out["p_value"] == pytest.approx(stats.beta.cdf(0.8, 99 * 0.9, 99 * 0.1 + 1), rel=1e-8)


# --- cluster ----------------------------------------------------------------------------


def test_cluster_school_variance_df_and_deff(tmp_path: Path) -> None:
    rng = random.Random(3)
    rows = []
    for group, schools in (("家长", ["S1", "S2", "S3", "S4"]), ("学生", ["S1", "S2", "S5"])):
        for school in schools:
            rate = rng.uniform(0.6, 0.95)
            for _ in range(rng.randint(5, 9)):
                rows.append([group, school, "满意" if rng.random() < rate else "一般"])
    rows.append(["家长", "", "一般"])  # no school: its own cluster
    rows.append(["家长", "", "满意"])
    path = write(tmp_path / "r.csv", csv_bytes(["group", "school", "q1"], rows))
    out = cli("analyze", path, "--cluster", "school", "--format", "json").json()
    a = [1.0 if r[2] == "满意" else 0.0 for r in rows]
    p = sum(a) / len(rows)
    # z_i = (a_i − p̂ b_i)/Σ w b; cluster totals; var = Σ_h m_h/(m_h − 1) Σ_c (Z_c − Z̄_h)²
    # SPEC §4 Design: a school is one cluster across groups (stratum 校); respondents
    # without a school are their own clusters, stratified by group. z_i = (a_i − p̂)/Σ w b
    z = [(a[i] - p) / len(rows) for i in range(len(rows))]

    def part(totals: list[float]) -> float:
        m = len(totals)
        mean = sum(totals) / m
        return m / (m - 1) * sum((t - mean) ** 2 for t in totals)

    schools: dict[str, float] = {}
    for i, r in enumerate(rows):
        if r[1]:
            schools[r[1]] = schools.get(r[1], 0.0) + z[i]
    loose = [z[i] for i, r in enumerate(rows) if not r[1]]  # two 家长: stratum 家长
    var_c = part(list(schools.values())) + part(loose)
    assert len(schools) == 5
    var_srs = sum(part([z[i] for i, r in enumerate(rows) if r[0] == g]) for g in ("家长", "学生"))
    assert out["overall"]["se"] == pytest.approx(math.sqrt(var_c), rel=1e-9)
    # df = clusters − strata: (5 schools + 2 school-less parents) − (校, 家长)
    assert out["overall"]["df"] == 5 + 2 - 2
    # deff: against the simple design's variance of the same estimator
    assert out["overall"]["deff"] == pytest.approx(var_c / var_srs, rel=1e-9)
    assert out["overall"]["design"] == "school"


# --- schemes and items ------------------------------------------------------------------


def test_graded_scheme_gives_a_mean_score_and_skip(tmp_path: Path) -> None:
    scheme = tmp_path / "graded.toml"
    scheme.write_text(
        '"满意" = 1.0\n"比较满意" = 0.75\n"一般" = 0.5\n"不满意" = 0.0\nskip = ["说不清"]\n',
        encoding="utf-8",
    )
    rows = [["家长", "满意", "一般"], ["家长", "比较满意", "说不清"], ["家长", "不满意", "不了解"]]
    path = write(tmp_path / "r.csv", csv_bytes(["group", "q1", "q2"], rows))
    out = cli("analyze", path, "--scheme", scheme, "--format", "json").json()
    # weighted mean score: (1 + 0.5 + 0.75 + 0)/4 answers
    assert out["overall"]["approval"] == pytest.approx(2.25 / 4)


def test_label_outside_scheme_names_row_and_column(tmp_path: Path) -> None:
    rows = [["家长", "满意", "满意"], ["家长", "满意", "很好"]]
    path = write(tmp_path / "r.csv", csv_bytes(["group", "q1", "q2 您对学校满意吗"], rows))
    run = cli("analyze", path, "--format", "json")
    # SPEC §4 Schemes: any other label is an error naming its row and column
    assert run.code == 2 and run.out == ""
    assert "很好" in run.err and "3" in run.err and "q2" in run.err


def test_one_overall_item_gives_share_of_approving_respondents(tmp_path: Path) -> None:
    rows = [["家长", "满意", "一般"], ["家长", "一般", "满意"], ["家长", "比较满意", "满意"]]
    path = write(tmp_path / "r.csv", csv_bytes(["group", "q1", "q7 总体满意度"], rows))
    out = cli("analyze", path, "--items", "q7", "--format", "json").json()
    assert out["overall"]["approval"] == pytest.approx(2 / 3)
    both = cli("analyze", path, "--format", "json").json()
    assert both["overall"]["approval"] == pytest.approx(4 / 6)


def test_cluster_with_a_zero_weight_school_hand_computed(tmp_path: Path) -> None:
    rows = [
        ["家长", "S1", 1, "满意"],
        ["家长", "S1", 1, "一般"],
        ["家长", "S2", 1, "满意"],
        ["家长", "S3", 0, "满意"],
        ["家长", "S3", 0, "一般"],
        ["家长", "S4", 2, "满意"],
        ["学生", "S1", 1, "满意"],
        ["学生", "S2", 1, "一般"],
        ["学生", "S5", 1, "满意"],
    ]
    path = write(tmp_path / "r.csv", csv_bytes(["group", "school", "weight", "q1"], rows))
    out = cli("analyze", path, "--format", "json").json()  # clustered by school: the default

    # SPEC §4: a school is one cluster across groups, all in the stratum 校. By hand:
    # p̂ = 6/8; z = w(a − p̂)/8; school totals (家长 and 学生 together):
    #   S1 (1/4 − 3/4 + 1/4)/8 = −1/32, S2 (1/4 − 3/4)/8 = −1/16, S3 0 (weight 0, stays
    #   in C), S4 2·(1/4)/8 = 1/16, S5 (1/4)/8 = 1/32; C = 5, mean 0
    var = 5 / 4 * ((1 / 32) ** 2 + (1 / 16) ** 2 + 0.0 + (1 / 16) ** 2 + (1 / 32) ** 2)
    assert out["overall"]["approval"] == pytest.approx(0.75)
    assert out["overall"]["se"] == pytest.approx(math.sqrt(var), rel=1e-12)
    assert out["overall"]["design"] == "school"
    # df = clusters with w > 0 (S1, S2, S4, S5) − strata (校): R degf
    assert out["overall"]["df"] == 3
    # deff: this variance over the simple design's (respondents, strata = groups)
    # (the simple variance by hand, per group h: n_h/(n_h − 1) Σ (z_i − z̄_h)²)
    parent = [0.25 / 8, -0.75 / 8, 0.25 / 8, 0.0, 0.0, 0.5 / 8]
    pupil = [0.25 / 8, -0.75 / 8, 0.25 / 8]

    def part(values: list[float]) -> float:
        m = len(values)
        mean = sum(values) / m
        return m / (m - 1) * sum((v - mean) ** 2 for v in values)

    assert out["overall"]["deff"] == pytest.approx(var / (part(parent) + part(pupil)), rel=1e-12)


def test_policy_certainty_uses_the_policy_n_kish(tmp_path: Path) -> None:
    rows = [["家长", "满意"]] * 95 + [["家长", "一般"]] * 5 + [["校长", "满意"], ["校长", "一般"]]
    path = write(tmp_path / "r.csv", csv_bytes(["group", "q1"], rows))
    pooled = cli("analyze", path, "--format", "json").json()
    assert (
        pooled["overall"]["n_kish"] == pytest.approx(102) and pooled["certainty"] != "insufficient"
    )
    out = cli(
        "analyze", path, "--overall", "policy", "--weights", "家长=1,校长=1", "--format", "json"
    ).json()
    # n_kish = 1 / Σ_h (W_h² / n_kish,h) = 1 / (0.25/100 + 0.25/2) < 30: insufficient
    assert out["overall"]["n_kish"] == pytest.approx(1 / (0.25 / 100 + 0.25 / 2))
    assert out["certainty"] == "insufficient"


@pytest.mark.parametrize(("approving", "n"), [(195, 200), (186, 200), (150, 200), (180, 200)])
def test_one_item_matches_statsmodels_and_clear_is_one_sided_2_5(
    tmp_path: Path, approving: int, n: int
) -> None:
    from statsmodels.stats.proportion import proportion_confint

    rows = [["家长", "满意"]] * approving + [["家长", "不满意"]] * (n - approving)
    path = write(tmp_path / "r.csv", csv_bytes(["group", "q1"], rows))
    p = approving / n
    kg = cli("analyze", path, "--format", "json").json()
    # SPEC §4: for one unweighted item n_eff = n − 1, the limits equal
    # proportion_confint(p̂(n − 1), n − 1, method="beta")
    assert kg["overall"]["ci"] == pytest.approx(
        list(proportion_confint(p * (n - 1), n - 1, method="beta")), abs=1e-8
    )
    # "At level 0.95, clear is a one-sided test at 2.5%"
    assert (kg["certainty"] == "clear") is (kg["p_value"] <= 0.025)
    wilson = cli("analyze", path, "--ci", "wilson", "--format", "json").json()
    # wilson follows statsmodels (normal quantile) with n_eff = p̂(1 − p̂)/SE² = n − 1
    assert wilson["overall"]["ci"] == pytest.approx(
        list(proportion_confint(p * (n - 1), n - 1, method="wilson")), abs=1e-8
    )
    assert (wilson["certainty"] == "clear") is (wilson["p_value"] <= 0.025)


def test_single_respondent_group_interval_uses_kish(tmp_path: Path) -> None:
    rows = [["家长", "满意"]] * 30 + [["家长", "一般"]] * 5 + [["校长", "满意"]]
    path = write(tmp_path / "r.csv", csv_bytes(["group", "q1"], rows))
    out = cli("analyze", path, "--format", "json").json()
    head = out["groups"]["校长"]
    # n_h = 1: SE = 0; korn-graubard with n_kish = 1: [Beta⁻¹(0.025; 1, 1), 1] = [0.025, 1]
    assert head["se"] == 0 and head["n_kish"] == pytest.approx(1)
    assert head["ci"] == pytest.approx([0.025, 1.0])
    assert head["small"] is True
