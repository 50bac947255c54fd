"""Judging the county-level items of 政府保障程度 (第七条) and 教育质量 (第八条).

An item passes when all its sub-items pass; a plain ``N`` row with a 判定 stands for the
whole item. A quantitative (sub-)item is decided by its 值 (the 判定 only when no 值 was
written); 教育质量 9.k needs both its 值 (校际差异率) and its 判定 (III 级以上). 不适用 is
admissible only where the standard allows it, under its condition checked against the
schools file (:mod:`analysis.concerns`): an admissible one counts as passed, an
inadmissible one fails its item; both are listed. A missing item is ``passed = None`` and
blocks certification (SPEC §3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from analysis.concerns import Concerns, concerns_of, not_applicable_problem
from analysis.county import FAIL, NOT_APPLICABLE, PASS, CountyEntry, CountyFile
from analysis.schools import School
from analysis.standards import ItemSpec, Measure, Standard, unit_suffix

PASSED = "达标"
FAILED = "不达标"
MISSING = "缺失"


@dataclass(frozen=True)
class Failure:
    """A school failing a computed item (政府保障 3–5), and by how much."""

    code: str
    name: str
    what: str
    value: float
    limit: float
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "what": self.what,
            "value": self.value,
            "limit": self.limit,
            "text": self.text,
        }


@dataclass(frozen=True)
class AcceptedFailure:
    """A school's failure on a computed item (政府保障 3–5) accepted as 特殊情况 (SPEC §2.1)."""

    failure: Failure
    note: str
    accepted_by: str | None
    accepted_at: str | None
    document: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.failure.to_dict(),
            "note": self.note,
            "accepted_by": self.accepted_by,
            "accepted_at": self.accepted_at,
            "document": self.document,
        }


@dataclass(frozen=True)
class NotApplicable:
    """A 不适用 the county wrote, with its 说明; ``problem`` says why it is inadmissible
    (``None``: admissible, the (sub-)item counts as passed)."""

    note: str | None
    problem: str | None = None

    @property
    def admissible(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class ItemResult:
    """One item or sub-item: ``passed`` is true, false, or ``None`` when missing."""

    id: str
    title: str
    passed: bool | None
    status: str
    value: float | str | None = None
    note: str | None = None
    standard: str | None = None
    source: str = ""
    sub: tuple[ItemResult, ...] = ()
    failures: tuple[Failure, ...] = ()
    detail: str | None = None
    unit: str = ""
    not_applicable: NotApplicable | None = None
    concerns: Concerns | None = None
    accepted: tuple[AcceptedFailure, ...] = ()
    measure: Measure | None = None  # the quantitative standard, to print 值 beside it

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "passed": self.passed,
            "status": self.status,
            "value": self.value,
            "note": self.note,
            "standard": self.standard,
            "source": self.source,
            "sub": [sub.to_dict() for sub in self.sub],
        }
        if self.failures:
            data["failures"] = [failure.to_dict() for failure in self.failures]
        if self.concerns is not None:
            data["concerns"] = self.concerns.to_dict()
        if self.accepted:
            data["accepted"] = [accepted.to_dict() for accepted in self.accepted]
        return data

    def walk(self) -> tuple[ItemResult, ...]:
        """This item and its sub-items."""
        return (self, *self.sub)


@dataclass(frozen=True)
class AspectResult:
    """政府保障程度 or 教育质量: all items must pass (第七条, 第八条)."""

    name: str
    passed: bool | None
    items: tuple[ItemResult, ...]
    reasons: tuple[str, ...] = ()
    missing: tuple[str, ...] = field(default_factory=tuple)

    def item(self, item_id: str) -> ItemResult:
        for item in self.items:
            if item.id == item_id:
                return item
            for sub in item.sub:
                if sub.id == item_id:
                    return sub
        raise KeyError(item_id)

    def to_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "items": [item.to_dict() for item in self.items]}


def all_pass(results: Sequence[bool | None]) -> bool | None:
    """False if any fails, else ``None`` if any is missing, else True."""
    if any(result is False for result in results):
        return False
    if any(result is None for result in results):
        return None
    return True


def _status(passed: bool | None, not_applicable: bool = False) -> str:
    if not_applicable:
        return NOT_APPLICABLE
    return MISSING if passed is None else (PASSED if passed else FAILED)


def shown_value(value: float, measure: Measure) -> str:
    return f"{measure.figure(value)}{unit_suffix(measure.unit)}"


def _not_applicable(
    spec: ItemSpec, entry: CountyEntry, problem: str | None, common: dict[str, Any]
) -> ItemResult:
    mark = NotApplicable(entry.note, problem)
    return ItemResult(
        passed=mark.admissible,
        status=NOT_APPLICABLE,
        value=None,
        note=entry.note,
        detail=problem,
        not_applicable=mark,
        **common,
    )


def assess_leaf(
    spec: ItemSpec,
    entry: CountyEntry | None,
    standard: Standard,
    schools: Sequence[School] | None = None,
    category: str = "",
) -> ItemResult:
    """A (sub-)item with no sub-items of its own, from its row (or ``None``).

    ``schools`` (the schools file) decides whether a 不适用 is admissible and which
    schools the item concerns.
    """
    measure = spec.measure
    common: dict[str, Any] = {
        "id": spec.id,
        "title": spec.title,
        "source": spec.source,
        "standard": measure.describe() if measure else None,
        "unit": measure.unit if measure else "",
        "measure": measure,
        "concerns": concerns_of(category, spec.id, schools) if schools is not None else None,
    }
    if entry is None or (entry.value_text is None and entry.judgement is None):
        return ItemResult(passed=None, status=MISSING, note="缺少数据", **common)
    value: float | str | None = entry.value if entry.value is not None else entry.value_text
    if entry.judgement == NOT_APPLICABLE:
        return _not_applicable(spec, entry, not_applicable_problem(spec, schools), common)
    by_judgement = None if entry.judgement is None else entry.judgement == PASS
    if measure is not None and measure.unit == "ratio":
        by_value = None if entry.value is None else measure.holds(entry.value)
        passed = all_pass([by_value, by_judgement])
        problems = []
        if by_value is False and entry.value is not None:
            problems.append(f"校际差异率 {measure.figure(entry.value)}，标准为{measure.describe()}")
        if by_judgement is False:
            problems.append("学业水平未达到 III 级以上")
        if by_value is None:
            problems.append("缺少校际差异率")
        if by_judgement is None:
            problems.append("缺少学业水平判定（III 级以上）")
        return ItemResult(
            passed=passed,
            status=_status(passed),
            value=value,
            note=entry.note,
            detail="；".join(problems) or None,
            **common,
        )
    if measure is not None and entry.value is not None:
        passed_by_value = measure.holds(entry.value, standard.tolerance)
        detail = None
        if not passed_by_value:
            detail = f"{shown_value(entry.value, measure)}，标准为{measure.describe()}"
        return ItemResult(
            passed=passed_by_value,
            status=_status(passed_by_value),
            value=entry.value,
            note=entry.note,
            detail=detail,
            **common,
        )
    note = entry.note
    if measure is not None and by_judgement is not None:
        note = "未填写值，按判定认定" + (f"；{note}" if note else "")
    return ItemResult(
        passed=by_judgement,
        status=_status(by_judgement),
        value=value,
        note=note,
        detail=f"判定为{FAIL}" if by_judgement is False else None,
        **common,
    )


def whole_not_applicable_problem(spec: ItemSpec, schools: Sequence[School] | None) -> str | None:
    """A plain ``N`` row marked 不适用 for a multi-part item: admissible under the item's
    own condition, or, when it has none, when every sub-item's holds."""
    if spec.not_applicable is not None or not spec.subs:
        return not_applicable_problem(spec, schools)
    for sub in spec.subs:
        problem = not_applicable_problem(sub, schools)
        if problem is not None:
            return problem
    return None


def _covered(sub: ItemResult, plain: CountyEntry, spec: ItemSpec) -> ItemResult:
    """A sub-item without a row of its own, decided by the plain row that stands for the
    whole item (so it is never shown as 缺失)."""
    if sub.status != MISSING:
        return sub
    passed = plain.judgement != FAIL
    return replace(
        sub,
        passed=passed,
        status=_status(passed, plain.judgement == NOT_APPLICABLE),
        note=f"按第 {spec.id} 项的整项判定",
    )


def assess_county_item(
    spec: ItemSpec,
    county: CountyFile | None,
    category: str,
    standard: Standard,
    schools: Sequence[School] | None = None,
) -> ItemResult:
    """An item of 第七条 or 第八条 from the county file (items 3–5 excepted)."""
    plain = county.entry(category, spec.id) if county else None
    given_subs = county.subs_of(category, spec.id) if county else ()
    if not spec.subs and not spec.open_sub:
        return assess_leaf(spec, plain, standard, schools, category)
    sub_specs = spec.subs or tuple(
        sub for sub in (spec.sub(entry.id) for entry in given_subs) if sub is not None
    )
    subs = tuple(
        assess_leaf(
            sub, county.entry(category, sub.id) if county else None, standard, schools, category
        )
        for sub in sub_specs
    )
    common: dict[str, Any] = {
        "id": spec.id,
        "title": spec.title,
        "source": spec.source,
        "standard": spec.measure.describe() if spec.measure and not spec.subs else None,
    }
    if plain is not None and plain.judgement is not None:
        # a plain N row with a 判定 stands for the whole item
        subs = tuple(_covered(sub, plain, spec) for sub in subs)
        if plain.judgement == NOT_APPLICABLE:
            problem = whole_not_applicable_problem(spec, schools)
            return _not_applicable(spec, plain, problem, {**common, "sub": subs})
        passed = plain.judgement != FAIL
        return ItemResult(
            passed=passed,
            status=_status(passed),
            value=plain.value_text,
            note=plain.note,
            detail=f"判定为{FAIL}" if not passed else None,
            sub=subs,
            **common,
        )
    if not subs:
        return ItemResult(
            passed=None,
            status=MISSING,
            value=plain.value_text if plain else None,
            note="缺少数据",
            detail=f"应按{spec.sub_title}逐项填写 {spec.id}.k，或填写第 {spec.id} 项的判定"
            if spec.open_sub
            else None,
            sub=subs,
            **common,
        )
    passed_all = all_pass([sub.passed for sub in subs])
    not_applicable = all(sub.status == NOT_APPLICABLE and sub.passed for sub in subs)
    return ItemResult(
        passed=passed_all,
        status=_status(passed_all, not_applicable),
        value=plain.value_text if plain else None,
        note=plain.note if plain else None,
        sub=subs,
        **common,
    )


def item_reasons(aspect: str, item: ItemResult) -> list[str]:
    """Plain-Chinese reasons for a failing or missing item (one per failing part)."""
    reasons: list[str] = []
    if item.passed is True:
        return reasons
    if item.not_applicable is not None and item.not_applicable.problem is not None:
        return [not_applicable_reason(aspect, item)]
    if item.failures:
        for failure in item.failures:
            reasons.append(f"{aspect}第 {item.id} 项（{item.title}）未达标：{failure.text}")
        return reasons
    leaves = [sub for sub in item.sub if sub.passed is not True] if item.sub else []
    if item.sub and leaves and not (item.passed is False and item.detail):
        for sub in leaves:
            reasons.extend(_leaf_reason(aspect, sub))
        return reasons
    reasons.extend(_leaf_reason(aspect, item))
    return reasons


def not_applicable_reason(aspect: str, item: ItemResult) -> str:
    """ "政府保障第1项标为“不适用”，本项不允许不适用" (SPEC §3, in these words)."""
    problem = item.not_applicable.problem if item.not_applicable else None
    return f"{aspect}第{item.id}项标为“{NOT_APPLICABLE}”，{problem}"


def _leaf_reason(aspect: str, item: ItemResult) -> list[str]:
    if item.not_applicable is not None and item.not_applicable.problem is not None:
        return [not_applicable_reason(aspect, item)]
    head = f"{aspect}第 {item.id} 项（{item.title}）"
    if item.passed is None:
        extra = f"：{item.detail}" if item.detail else ""
        return [f"缺少{head}的数据{extra}"]
    if item.passed is False:
        detail = item.detail or f"判定为{FAIL}"
        note = f"（{item.note}）" if item.note else ""
        return [f"{head}未达标：{detail}{note}"]
    return []
