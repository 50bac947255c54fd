"""Renke's approval estimates against R's survey package (SPEC §4), to 1e-8.

The reference values in fixtures/approval/reference.csv were computed by
tests/analysis/r/approval_reference.R (R 4.2, survey 4.1: svyratio, svyby, svycontrast,
degf, and the SPEC §4 interval formulas evaluated in R, cross-checked against
svyciprop where the ratio is a mean) on the responses files in that folder, which
tests/analysis/r/make_approval_data.py generated. R is not needed to run these tests.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from analysis.approval import ApprovalReport, analyze_responses
from analysis.intervals import METHODS

FIXTURES = Path(__file__).parent / "fixtures" / "approval"
TOLERANCE = 1e-8


def _read_csv(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


SCENARIOS = {row["scenario"]: row for row in _read_csv("scenarios.csv")}
REFERENCE: dict[str, dict[str, dict[str, float]]] = {}
for _row in _read_csv("reference.csv"):
    REFERENCE.setdefault(_row["scenario"], {}).setdefault(_row["unit"], {})[_row["quantity"]] = (
        float(_row["value"])
    )


def _options(scenario: dict[str, str]) -> dict[str, object]:
    weights = None
    # planned: Renke derives the plan's shares itself (no population: 家长 1/2, others
    # 1/12); the scenario writes them out for R only
    if scenario["weights"] and scenario["overall"] != "planned":
        pairs = (pair.split("=") for pair in scenario["weights"].split(";"))
        weights = {name: float(value) for name, value in pairs}
    return {
        "items": scenario["items"].split(";") if scenario["items"] else None,
        "overall": scenario["overall"],
        "weights": weights,
        "cluster": scenario["cluster"],
        "level": float(scenario["level"]),
        "threshold": float(scenario["threshold"]),
    }


def _run(name: str, method: str) -> ApprovalReport:
    scenario = SCENARIOS[name]
    return analyze_responses(FIXTURES / scenario["data"], ci=method, **_options(scenario))  # type: ignore[arg-type]


def _close(actual: float | None, expected: float) -> bool:
    assert actual is not None
    return math.isclose(actual, expected, rel_tol=TOLERANCE, abs_tol=1e-12)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_matches_r_survey(name: str, method: str) -> None:
    report = _run(name, method)
    reference = REFERENCE[name]
    assert set(report.groups) == set(reference) - {"overall"}
    mismatches = []
    for unit, expected in reference.items():
        if unit == "overall":
            estimate = report.overall
            actual: dict[str, float | None] = {
                "n": estimate.n,
                "df": estimate.df,
                "p": report.p_value,
                "deff": estimate.deff,
            }
            actual.update({f"weight_{g}": w for g, w in (estimate.weights or {}).items()})
        else:
            estimate = report.groups[unit]  # type: ignore[assignment]
            actual = {"n": estimate.n, "df": estimate.df}
        assert estimate.ci is not None
        actual.update(
            {
                "approval": estimate.approval,
                "se": estimate.se,
                "n_kish": estimate.n_kish,
                "n_eff": estimate.n_eff,
                f"ci_{method}_lo": estimate.ci[0],
                f"ci_{method}_hi": estimate.ci[1],
            }
        )
        for quantity, value in expected.items():
            key = "p" if quantity == f"p_{method}" and unit == "overall" else quantity
            if key not in actual:
                continue
            if not _close(actual[key], value):
                mismatches.append((unit, quantity, actual[key], value))
    assert not mismatches


def test_every_reference_value_is_checked() -> None:
    # a quantity the test silently skipped would be a hole in the comparison
    known = {"n", "approval", "se", "df", "n_kish", "n_eff", "deff"}
    known |= {f"ci_{m}_{end}" for m in METHODS for end in ("lo", "hi")}
    known |= {f"p_{m}" for m in METHODS}
    for units in REFERENCE.values():
        for unit, quantities in units.items():
            for quantity in quantities:
                group_p = unit != "overall" and quantity.startswith("p_")
                assert quantity in known or quantity.startswith("weight_") or group_p


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_group_p_values_match_r(name: str, method: str) -> None:
    # the report gives a p-value for the overall estimate only; the R script also
    # evaluated it per group, which checks analysis.intervals.p_value on small groups
    from analysis.intervals import p_value

    scenario = SCENARIOS[name]
    report = _run(name, method)
    for group, estimate in report.groups.items():
        assert estimate.approval is not None and estimate.se is not None
        assert estimate.df is not None and estimate.n_kish is not None
        actual = p_value(
            method,
            estimate.approval,
            estimate.se,
            n=estimate.n,
            df=estimate.df,
            n_kish=estimate.n_kish,
            threshold=float(scenario["threshold"]),
            level=float(scenario["level"]),
        )
        assert _close(actual, REFERENCE[name][group][f"p_{method}"]), (group, actual)


# A group whose weights are all 0 (校长, in a school of its own) is treated as absent by
# policy's weights, but its respondents stay in the design and in n (SPEC §4: "A
# respondent with w_i = 0 stays in n"; the design is built on every valid respondent
# with b_i > 0), so Korn–Graubard's n − 1 counts them, as R's nrow(design) does.
ZERO_WEIGHT_GROUP = """group,school,weight,q1,q2
家长,,1,比较满意,满意
家长,S2,2,满意,满意
家长,S3,1.5,比较满意,不满意
家长,S4,1,满意,满意
家长,S1,2,满意,不满意
家长,,1.5,满意,比较满意
家长,S3,1,满意,一般
家长,S4,2,满意,一般
家长,S1,1.5,不满意,满意
家长,S2,1,满意,满意
家长,,2,不满意,比较满意
家长,S4,1.5,满意,比较满意
家长,S1,1,满意,比较满意
家长,S2,2,比较满意,比较满意
学生,,1,满意,满意
学生,S2,2,满意,不满意
学生,S3,1,满意,比较满意
学生,S1,2,满意,满意
学生,,1,满意,满意
学生,S3,2,不满意,比较满意
学生,S1,1,比较满意,满意
学生,S2,2,比较满意,满意
学生,,1,满意,比较满意
学生,S1,2,不满意,满意
校长,S9,0,比较满意,满意
校长,S9,0,比较满意,一般
校长,S9,0,满意,不满意
"""
# R 4.2.2, survey 4.1.1, on the file above saved as zero_group.csv:
#   options(survey.lonely.psu = "certainty")
#   d <- read.csv("zero_group.csv", colClasses = "character", na.strings = character(0))
#   sc <- c("满意" = 1, "比较满意" = 1, "一般" = 0, "不满意" = 0)
#   s <- matrix(sc[as.matrix(d[, c("q1", "q2")])], nrow(d))
#   d$a <- rowSums(s); d$b <- rowSums(!is.na(s)); d$w <- as.numeric(d$weight)
#   d$cl <- ifelse(d$school == "", paste0("row:", seq_len(nrow(d))), d$school)
#   d$st <- ifelse(d$school == "", d$group, "校")
#   des <- svydesign(ids = ~cl, strata = ~st, nest = TRUE, weights = ~w, data = d)
#   by <- svyby(~a, ~group, des, svyratio, denominator = ~b, covmat = TRUE)  # 校长 dropped
#   W <- c("学生" = 1, "家长" = 2); W <- W[as.character(by$group)] / sum(W)
#   con <- svycontrast(by, W); p <- coef(con); se <- SE(con)
#   n <- nrow(des); df <- degf(des); alpha <- 0.05                      # 27, 7
#   nstar <- p * (1 - p) / se^2 * (qt(alpha / 2, n - 1) / qt(alpha / 2, df))^2
#   c(qbeta(alpha / 2, nstar * p, nstar * (1 - p) + 1),
#     qbeta(1 - alpha / 2, nstar * p + 1, nstar * (1 - p)))
#   pbeta(0.85, nstar * p, nstar * (1 - p) + 1)
ZERO_WEIGHT_GROUP_R = {
    "approval": 0.77460317460317452,
    "se": 0.060887450756452438,
    "df": 7,
    "ci": (0.60381470883264976, 0.89718548787814245),
    "p_value": 0.92590030158512215,
}


def test_policy_keeps_a_zero_weight_group_in_n_as_r_does() -> None:
    report = analyze_responses(
        ZERO_WEIGHT_GROUP.encode(),
        overall="policy",
        weights={"学生": 1.0, "家长": 2.0, "校长": 1.0},
    )
    overall, expected = report.overall, ZERO_WEIGHT_GROUP_R
    assert report.groups["校长"].approval is None
    assert overall.n == 27 and overall.df == expected["df"]
    assert _close(overall.approval, expected["approval"])
    assert _close(overall.se, expected["se"])
    assert overall.ci is not None
    assert _close(overall.ci[0], expected["ci"][0]) and _close(overall.ci[1], expected["ci"][1])
    assert _close(report.p_value, expected["p_value"])
