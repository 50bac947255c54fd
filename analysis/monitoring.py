"""Yearly monitoring of certified counties: 问责 and 撤销称号 (SPEC §2.4).

办法 第十四、十七条: certified counties are re-checked every year; a result below the
standard calls for 问责 (accountability), and a county whose results 下滑 (decline) in two
consecutive years loses the title (撤销称号).

"下滑" [setting, the standard's ``[decline]``]: a measure that moved from 达标 to 不达标
(an indicator, a 差异系数 or an item), or an approval lower than the previous year's
where the one-sided test of the difference, with both years' standard errors, is
significant at 2.5%:

    z = (p̂_{t−1} − p̂_t) / sqrt(SE_{t−1}² + SE_t²),   p = 1 − Φ(z),   下滑 when p < α.

The normal reference is used: both years' samples run to hundreds of respondents or more.
Other falls (an approval lower within the noise, a figure lower but still 达标) are listed
with their figures, never flagged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from analysis.standards import SECTION_LABELS, DeclineRule, Standard

#: The aspects whose items are monitored, with their names in the listings.
ITEM_ASPECTS = {"government": "政府保障程度", "quality": "教育质量"}
APPROVAL_LABEL = "社会认可度"


@dataclass(frozen=True)
class YearResult:
    """One year's monitoring result of a county.

    Parameters
    ----------
    year : int
    passed : mapping of str to bool or None
        Every measure's 达标 (True), 不达标 (False) or missing (None), keyed
        ``"<kind>.<name>"`` where kind is one of the decline rule's measures:
        ``indicators`` (a school's indicator), ``cv``, ``items`` (政府保障, 教育质量).
    approval, approval_se : float or None
        The overall approval and its standard error.
    labels : mapping of str to str
        Chinese names of the measures, for the listings.
    """

    year: int
    passed: Mapping[str, bool | None]
    approval: float | None = None
    approval_se: float | None = None
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Fall:
    """A measure that fell from one year to the next; ``flagged`` when it is 下滑."""

    measure: str
    label: str
    before: str
    after: str
    flagged: bool
    note: str = ""


@dataclass(frozen=True)
class YearReview:
    """What one year's monitoring shows, against the year before."""

    year: int
    below: tuple[str, ...]  # labels of what is below the standard this year
    falls: tuple[Fall, ...]
    compared_with: int | None  # the previous year, or None when it has no result
    revoke: bool  # 撤销称号: 下滑 this year and the years before, consecutively

    @property
    def accountability(self) -> bool:
        """问责: a result below the standard."""
        return bool(self.below)

    @property
    def declined(self) -> bool:
        """下滑: at least one flagged fall."""
        return any(fall.flagged for fall in self.falls)


def approval_fall(
    before: float, before_se: float | None, after: float, after_se: float | None, alpha: float
) -> Fall | None:
    """The approval's fall between two years, flagged when significant (one-sided, α)."""
    if after >= before:
        return None
    shown = (f"{before:.1%}", f"{after:.1%}")
    if before_se is None or after_se is None:
        return Fall("approval", APPROVAL_LABEL, *shown, False, "缺少标准误，无法检验是否显著")
    spread = math.hypot(before_se, after_se)
    if spread == 0:
        return Fall("approval", APPROVAL_LABEL, *shown, True, "两年均无抽样误差")
    # The standard normal tail, 1 − Φ(z) = erfc(z / √2) / 2 (scipy's norm.sf is the same
    # function at a hundred times the cost per call; the overview reviews every county).
    p_value = 0.5 * math.erfc((before - after) / spread / math.sqrt(2))
    if p_value < alpha:
        note = f"单侧检验 p = {p_value:.2g}，低于 {alpha:.1%}，为显著下降"
        return Fall("approval", APPROVAL_LABEL, *shown, True, note)
    note = f"单侧检验 p = {p_value:.2g}，在抽样误差范围内，不计为下滑"
    return Fall("approval", APPROVAL_LABEL, *shown, False, note)


def _status_falls(before: YearResult, after: YearResult, rule: DeclineRule) -> list[Fall]:
    falls = []
    kinds = tuple(f"{kind}." for kind in rule.measures)
    for measure, now in after.passed.items():
        if now is False and before.passed.get(measure) is True and measure.startswith(kinds):
            label = after.labels.get(measure, measure)
            falls.append(Fall(measure, label, "达标", "不达标", True))
    return falls


def _below(result: YearResult, threshold: float) -> tuple[str, ...]:
    below = [result.labels.get(m, m) for m, passed in result.passed.items() if passed is False]
    if result.approval is not None and result.approval < threshold:
        below.append(f"{APPROVAL_LABEL} {result.approval:.1%}，低于 {threshold:.0%}")
    return tuple(below)


def review_years(
    results: Sequence[YearResult], rule: DeclineRule, *, threshold: float = 0.85
) -> list[YearReview]:
    """Review every year: 问责 when below the standard, 下滑 against the previous year,
    撤销称号 after ``rule.consecutive_years`` consecutive years of 下滑.

    A year is compared only with the calendar year before it; a gap breaks the run.
    """
    ordered = sorted(results, key=lambda r: r.year)
    reviews: list[YearReview] = []
    run = 0
    for index, result in enumerate(ordered):
        previous = ordered[index - 1] if index else None
        falls: list[Fall] = []
        compared = None
        if previous is not None and previous.year == result.year - 1:
            compared = previous.year
            falls = _status_falls(previous, result, rule)
            if (
                "approval" in rule.measures
                and previous.approval is not None
                and result.approval is not None
            ):
                fall = approval_fall(
                    previous.approval,
                    previous.approval_se,
                    result.approval,
                    result.approval_se,
                    rule.significance,
                )
                if fall is not None:
                    falls.append(fall)
        declined = any(f.flagged for f in falls)
        run = run + 1 if declined and compared is not None else 0
        reviews.append(
            YearReview(
                result.year,
                _below(result, threshold),
                tuple(falls),
                compared,
                revoke=run >= rule.consecutive_years,
            )
        )
    return reviews


@dataclass(frozen=True)
class Measures:
    """A year's monitored measures: 达标 (True), 不达标 (False) or missing (None) by key,
    and their Chinese labels (kept apart: a review needs the labels only of what fell)."""

    passed: Mapping[str, bool | None]
    labels: Mapping[str, str]


def verdict_measures(verdict: Mapping[str, Any], standard: Standard) -> Measures:
    """Every monitored measure of a verdict's JSON (SPEC §5).

    The keys are those of :class:`YearResult`: ``indicators.<学段>.<school code>`` — the
    school's 资源配置 under 办法 第六条 (7 indicators, at least 6 达标 and the rest at 85%
    or more), since 第六条 decides 达标 per school; ``cv.<学段>.<indicator>`` — a
    差异系数 (第六条); ``items.<aspect>.<id>`` — an item of 政府保障程度 (第七条) or
    教育质量 (第八条), null when missing. Labels carry the year's figures.
    """
    passed: dict[str, bool | None] = {}
    labels: dict[str, str] = {}
    resource = verdict["resource"]
    for school in resource["schools"]:
        key = f"indicators.{school['section']}.{school['code']}"
        label = f"{school['name']}（{SECTION_LABELS[school['section']]}）资源配置指标"
        if school["below"]:
            shorts = "、".join(standard.indicator(k).short for k in school["below"])
            label += f"：{school['met']}/7 项达标（{shorts}未达标）"
        passed[key], labels[key] = bool(school["passed"]), label
    for section, by_key in resource["cv"].items():
        for indicator, cv in by_key.items():
            key = f"cv.{section}.{indicator}"
            name = f"{SECTION_LABELS[section]}{standard.indicator(indicator).name}差异系数"
            figure = cv.get("display") or "缺失"
            passed[key] = bool(cv["passed"])
            labels[key] = f"{name} {figure}（标准 ≤ {cv['threshold']:g}）"
    for aspect, words in ITEM_ASPECTS.items():
        for item in verdict[aspect]["items"]:
            key = f"items.{aspect}.{item['id']}"
            passed[key], labels[key] = item["passed"], f"{words}第 {item['id']} 项：{item['title']}"
    return Measures(passed, labels)


def relabel(review: YearReview, labels: Mapping[str, str]) -> YearReview:
    """A review made without labels, with the measures' labels put in (the falls' and
    what is below the standard, which name the measure's key when unlabelled)."""
    falls = tuple(
        replace(fall, label=labels.get(fall.measure, fall.label)) for fall in review.falls
    )
    below = tuple(labels.get(text, text) for text in review.below)
    return replace(review, falls=falls, below=below)


def named_measures(reviews: Sequence[YearReview]) -> bool:
    """Whether the reviews name a measure (a fall or a result below the standard other
    than the approval's): only then are the labels needed."""
    return any(
        any(fall.measure != "approval" for fall in review.falls)
        or any(not text.startswith(APPROVAL_LABEL) for text in review.below)
        for review in reviews
    )
