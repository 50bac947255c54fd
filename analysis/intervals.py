"""Confidence intervals and one-sided tests for an approval rate (SPEC §4 "Intervals").

Every function takes the estimate p̂, its standard error SE, the number of respondents n,
the design degrees of freedom df and Kish's effective size n_kish, as produced by
:mod:`analysis.approval`. The formulas are those of R survey's ``svyciprop``
(``method = "mean"``, ``"xlogit"``, ``"beta"``) applied to ``svyratio``'s (p̂, SE), and
statsmodels' Wilson interval (normal quantile) with n_eff = p̂(1 − p̂)/SE².

When SE = 0 (p̂ = 0 or 1, a single respondent, or p̂(1 − p̂)/SE² > 10¹² so that rounding
noise is not taken for precision) R gives no interval; SPEC §4 then uses n_kish:
Korn–Graubard with n* = n_kish and no df adjustment, Wilson with n = n_kish, and
``wald`` and ``logit`` report the Wilson interval and test.
"""

from __future__ import annotations

import importlib
import math
import sys
import threading
from dataclasses import dataclass
from types import ModuleType
from typing import Final, Literal

Method = Literal["korn-graubard", "wilson", "logit", "wald"]
METHODS: Final[tuple[Method, ...]] = ("korn-graubard", "wilson", "logit", "wald")

#: Above this p̂(1 − p̂)/SE² an SE is rounding noise and treated as 0 (SPEC §4).
NOISE_N_EFF: Final = 1e12


@dataclass(frozen=True)
class Interval:
    """A confidence interval for a proportion or mean score.

    Attributes
    ----------
    lower, upper : float
        The limits, always within [0, 1].
    n_eff : float
        The effective size used: p̂(1 − p̂)/SE² in answer units (as R), or n_kish when
        the SE = 0 rules apply.
    degenerate : bool
        True when SE = 0 rules applied (see the module docstring).
    method : str
        The formula actually used (``wald`` and ``logit`` fall back to ``wilson`` when
        degenerate).
    """

    lower: float
    upper: float
    n_eff: float
    degenerate: bool
    method: str


def check_method(method: str) -> Method:
    """``method`` as a :data:`Method`; ValueError for anything else."""
    for known in METHODS:
        if method == known:
            return known
    raise ValueError(f"unknown interval method {method!r}; use one of {', '.join(METHODS)}")


def _special() -> ModuleType:
    """``scipy.special``, imported on first use.

    Its import costs 0.15–0.25 s (scipy's array-API layer loads numpy's lazily loaded
    submodules: numpy.random, numpy.f2py, numpy.testing, numpy.ma), a third of
    ``renke analyze`` on a province's file; :func:`import_special_functions_meanwhile`
    overlaps it with the read (issue 15).
    """
    import scipy.special

    special: ModuleType = scipy.special  # untyped: no stubs
    return special


def import_special_functions_meanwhile() -> None:
    """Start importing ``scipy.special`` in a thread, for the intervals to come.

    Called while Arrow parses a responses file, which it does in its own threads without
    holding the GIL, so that the import runs beside the parse. Started earlier it would
    hold the GIL against the reader's own Python and numpy steps (the line count before
    the parse took 0.18 s instead of 0.05 s). :func:`_special` waits for this import
    (Python's import lock). Not a daemon: the interpreter waits for it rather than exit
    mid-import.
    """
    if "scipy.special" not in sys.modules:
        threading.Thread(target=importlib.import_module, args=("scipy.special",)).start()


def normal_quantile(q: float) -> float:
    """The q-quantile of the standard normal distribution (R ``qnorm``)."""
    return float(_special().ndtri(q))


def is_degenerate(p: float, se: float, n: int, df: int) -> bool:
    """Whether the SE = 0 rules of SPEC §4 apply to (p̂, SE, n, df).

    True for p̂ = 0 or 1, a single respondent, no degrees of freedom, an SE of 0, or
    p̂(1 − p̂)/SE² above :data:`NOISE_N_EFF`.
    """
    if p <= 0.0 or p >= 1.0 or n <= 1 or df < 1 or not se > 0.0:
        return True
    return p * (1.0 - p) / (se * se) > NOISE_N_EFF


def _t(q: float, df: float) -> float:
    """The q-quantile of Student's t with df degrees of freedom (R ``qt``)."""
    return float(_special().stdtrit(df, q))


def _qbeta(q: float, a: float, b: float) -> float:
    """The q-quantile of Beta(a, b) (R ``qbeta``)."""
    return float(_special().betaincinv(a, b, q))


def korn_graubard_n(p: float, se: float, n: int, df: int, level: float) -> float:
    """Korn–Graubard's effective size n* (R svyciprop ``method = "beta"``).

    n* = p̂(1 − p̂)/SE² · (t_{α/2, n−1} / t_{α/2, df})², with n the number of
    respondents (R: ``nrow(design)``) and df the design degrees of freedom (``degf``).
    """
    alpha = 1.0 - level
    ratio = _t(alpha / 2.0, n - 1) / _t(alpha / 2.0, df)
    return p * (1.0 - p) / (se * se) * ratio * ratio


def korn_graubard_limits(p: float, n_star: float, level: float) -> tuple[float, float]:
    """Clopper–Pearson limits at effective size n* (Korn & Graubard 1998; R svyciprop).

    [Beta⁻¹(α/2; n*p̂, n*(1 − p̂) + 1), Beta⁻¹(1 − α/2; n*p̂ + 1, n*(1 − p̂))], with the
    lower limit 0 at p̂ = 0 and the upper limit 1 at p̂ = 1.
    """
    alpha = 1.0 - level
    lower = 0.0 if p <= 0.0 else _qbeta(alpha / 2.0, n_star * p, n_star * (1.0 - p) + 1.0)
    upper = 1.0 if p >= 1.0 else _qbeta(1.0 - alpha / 2.0, n_star * p + 1.0, n_star * (1.0 - p))
    return lower, upper


def wilson_limits(p: float, n_eff: float, level: float) -> tuple[float, float]:
    """Wilson's score interval at size n_eff with the normal quantile.

    As statsmodels ``proportion_confint(method="wilson")``: with z = Φ⁻¹(1 − α/2),
    centre (p̂ + z²/2n) / (1 + z²/n) ± z·sqrt(p̂(1 − p̂)/n + z²/4n²) / (1 + z²/n).
    """
    z = normal_quantile(1.0 - (1.0 - level) / 2.0)
    z2 = z * z
    denominator = 1.0 + z2 / n_eff
    centre = (p + z2 / (2.0 * n_eff)) / denominator
    half = z * math.sqrt(p * (1.0 - p) / n_eff + z2 / (4.0 * n_eff * n_eff)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def confidence_interval(
    method: str,
    p: float,
    se: float,
    *,
    n: int,
    df: int,
    n_kish: float,
    level: float = 0.95,
) -> Interval:
    """The interval of SPEC §4 for (p̂, SE, n, df), with the SE = 0 rules.

    Parameters
    ----------
    method : {"korn-graubard", "wilson", "logit", "wald"}
        ``wald``: p̂ ± t·SE (R svyciprop ``"mean"``); ``logit``: expit(logit p̂ ±
        t·SE/(p̂(1 − p̂))) (``"xlogit"``); ``korn-graubard``: :func:`korn_graubard_n`
        and :func:`korn_graubard_limits` (``"beta"``); ``wilson``: :func:`wilson_limits`
        with n_eff = p̂(1 − p̂)/SE². t is the t-quantile (1 − α/2, df).
    p, se : float
        The estimate and its standard error (R ``svyratio``).
    n : int
        Respondents (including any with weight 0).
    df : int
        Design degrees of freedom (R ``degf``).
    n_kish : float
        Kish's effective number of respondents, used when the SE = 0 rules apply.
    level : float
        Confidence level 1 − α.

    Returns
    -------
    Interval
        Limits within [0, 1].
    """
    chosen = check_method(method)
    if is_degenerate(p, se, n, df):
        if chosen == "korn-graubard":
            lower, upper = korn_graubard_limits(p, n_kish, level)
        else:
            lower, upper = wilson_limits(p, n_kish, level)
            chosen = "wilson"
        if p >= 1.0:
            upper = 1.0
        if p <= 0.0:
            lower = 0.0
        return Interval(lower, upper, n_kish, True, chosen)
    n_eff = p * (1.0 - p) / (se * se)
    alpha = 1.0 - level
    if chosen == "korn-graubard":
        lower, upper = korn_graubard_limits(p, korn_graubard_n(p, se, n, df, level), level)
    elif chosen == "wilson":
        lower, upper = wilson_limits(p, n_eff, level)
    elif chosen == "logit":
        t = _t(1.0 - alpha / 2.0, df)
        centre = math.log(p / (1.0 - p))
        half = t * se / (p * (1.0 - p))
        expit = _special().expit
        lower, upper = float(expit(centre - half)), float(expit(centre + half))
    else:
        t = _t(1.0 - alpha / 2.0, df)
        lower, upper = p - t * se, p + t * se
    return Interval(max(0.0, lower), min(1.0, upper), n_eff, False, chosen)


def p_value(
    method: str,
    p: float,
    se: float,
    *,
    n: int,
    df: int,
    n_kish: float,
    threshold: float,
    level: float = 0.95,
) -> float:
    """One-sided p-value for H0: approval ≤ θ that inverts the chosen interval (SPEC §4).

    ``korn-graubard``: F_Beta(θ; n*p̂, n*(1 − p̂) + 1) with n* as in the interval (it
    depends on ``level`` through the df adjustment); ``wilson``: 1 − Φ((p̂ − θ) /
    sqrt(θ(1 − θ)/n_eff)); ``logit``: 1 − F_t,df((logit p̂ − logit θ) · p̂(1 − p̂)/SE);
    ``wald``: 1 − F_t,df((p̂ − θ)/SE). Under the SE = 0 rules n* = n_eff = n_kish, and
    ``wald`` and ``logit`` use the Wilson test. The lower limit of the two-sided
    interval at level 1 − α is ≥ θ exactly when this p-value is ≤ α/2.
    """
    chosen = check_method(method)
    degenerate = is_degenerate(p, se, n, df)
    if chosen == "korn-graubard":
        n_star = n_kish if degenerate else korn_graubard_n(p, se, n, df, level)
        if p <= 0.0:
            return 1.0  # Beta(0, ·) is a point mass at 0
        return float(_special().betainc(n_star * p, n_star * (1.0 - p) + 1.0, threshold))
    if chosen == "wilson" or degenerate:
        n_eff = n_kish if degenerate else p * (1.0 - p) / (se * se)
        score = (p - threshold) / math.sqrt(threshold * (1.0 - threshold) / n_eff)
        return float(_special().ndtr(-score))
    if chosen == "logit":
        logit_p = math.log(p / (1.0 - p))
        logit_threshold = math.log(threshold / (1.0 - threshold))
        statistic = (logit_p - logit_threshold) * p * (1.0 - p) / se
    else:
        statistic = (p - threshold) / se
    return float(_special().stdtr(df, -statistic))
