"""How approval figures are written for people (SPEC §4 "Display", "Decision").

One percent formatter and one set of neutral words for the certainty and the p-value,
used by every output: the terminal table, the verdict text and the service's templates
(through a Jinja filter that calls :func:`format_percent`).
"""

from __future__ import annotations

import math
from typing import Final

#: A group with fewer respondents is not shown on its own in any table (SPEC §2.5
#: "Anonymity", §4 "Display"); JSON keeps its figures.
MIN_SHOWN: Final = 5
SUPPRESSED: Final = f"少于 {MIN_SHOWN} 人，不单独显示"


def format_percent(value: float | None, threshold: float = 0.85) -> str:
    """A share as a percentage (SPEC §4 "Display").

    One decimal, and two where the one-decimal figure equals the threshold's (85.0%),
    so that no printed figure contradicts the decision ("84.96%", never "85.0%").
    "—" for None or a non-finite value.
    """
    if value is None or not math.isfinite(value):
        return "—"
    one = f"{value * 100:.1f}"
    if one == f"{threshold * 100:.1f}":
        return f"{value * 100:.2f}%"
    return f"{one}%"


def format_level(value: float) -> str:
    """A level or threshold as a plain percentage: 0.95 → "95%", 0.875 → "87.5%"."""
    return f"{round(value * 100, 6):g}%"


def certainty_words(certainty: str | None, level: float, threshold: float) -> str:
    """The certainty in neutral words, never as a verdict (SPEC §4 "Decision").

    "95% 置信区间下限不低于 85%" / "95% 置信区间包含 85%" / "95% 置信区间上限低于 85%" /
    "样本太少，无法判断"; "—" when there is none (``--approval``, or a null interval).
    """
    lvl, theta = format_level(level), format_level(threshold)
    words = {
        "clear": f"{lvl} 置信区间下限不低于 {theta}",
        "borderline": f"{lvl} 置信区间包含 {theta}",
        "fails": f"{lvl} 置信区间上限低于 {theta}",
        "insufficient": "样本太少，无法判断",
    }
    return "—" if certainty is None else words[certainty]


def _significant(percent: float) -> str:
    """A percentage to two significant digits: 0.2134 → "0.21", 4.0 → "4.0", 37.2 → "37"."""
    if percent >= 10:
        return f"{percent:.0f}"
    return f"{percent:#.2g}".rstrip(".")


def p_value_sentence(p_value: float | None, approval: float | None, threshold: float) -> str | None:
    """The p-value as a sentence, only when p̂ ≥ θ (SPEC §4 "Decision"); else None.

    "在随机抽样的假定下，若全县真实认可度恰为 85%，得到不低于 88.3% 的结果的概率约为 0.21%"
    (two significant digits; "不到 0.1%" below 0.001).
    """
    if p_value is None or approval is None or approval < threshold:
        return None
    chance = "不到 0.1%" if p_value < 0.001 else f"约为 {_significant(p_value * 100)}%"
    return (
        f"在随机抽样的假定下，若全县真实认可度恰为 {format_level(threshold)}，"
        f"得到不低于 {format_percent(approval, threshold)} 的结果的概率{chance}"
    )
