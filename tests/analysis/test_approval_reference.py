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
