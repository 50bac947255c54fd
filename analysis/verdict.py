"""The certification verdict (办法 第四条 to 第十条; SPEC §2 and §5).

A county is certified only if it is eligible (第四条), all four aspects pass — 资源配置
(第六条), 政府保障程度 (第七条), 教育质量 (第八条), 社会认可度 (第九条) — and no veto applies
(第十条). :func:`compute_verdict` assembles the parts and lists every reason in plain
Chinese; :meth:`Verdict.to_dict` is the JSON of ``renke verdict`` (SPEC §5).

The approval enters as an :class:`ApprovalInput`, built from a figure
(:func:`approval_from_value`), from the JSON of ``renke analyze`` (:func:`approval_from_analysis`)
or from an approval report object (:func:`approval_from_report`), so that this module does
not depend on the estimator.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.county import PASS, VETO, CountyFile
from analysis.display import certainty_words, format_percent
from analysis.education_quality import assess_quality
from analysis.exceptions import Exceptions
from analysis.government import assess_government
from analysis.items import AspectResult
from analysis.resources import ResourceResult, SpecialCase, assess_resources
from analysis.sample_check import SampleCheck, recheck_sample
from analysis.schools import School, SchoolFile, build_units
from analysis.standards import Standard, format_number, load_standard
from analysis.tables import InputRefused, Problem

CERTAINTIES = ("clear", "borderline", "fails", "insufficient")
#: The note of an approval given directly (SPEC §2.5): the sample is the user's responsibility.
SAMPLE_NOT_CHECKED = "社会认可度为直接给出的数值（--approval），样本未经核对，由使用者负责"


@dataclass(frozen=True)
class ApprovalInput:
    """The 社会认可度 a verdict uses (第九条), whatever it came from.

    ``met`` is decided on the point estimate (``approval >= threshold``); ``ci`` and
    ``certainty`` are ``None`` when only a figure was given (``--approval``). ``sample``
    is the sample check of SPEC §2.5 (None with ``--approval``: not checked).
    """

    approval: float
    ci: tuple[float, float] | None
    met: bool
    certainty: str | None
    source: str
    threshold: float = 0.85
    sample: SampleCheck | None = None
    se: float | None = None  # the overall estimate's standard error (yearly monitoring)


def _approval_problem(where: str, message: str) -> InputRefused:
    return InputRefused([Problem(None, where, message)], source="社会认可度")


def approval_from_value(value: float | str, *, threshold: float = 0.85) -> ApprovalInput:
    """An approval given as a figure (``--approval 0.91``; "91%" and "91" also mean 91%).

    Raises
    ------
    InputRefused
        When the figure is not a number between 0 and 1 (or 0% and 100%).
    """
    text = str(value).strip()
    percent = text.endswith("%")
    try:
        number = float(text.removesuffix("%").strip())
    except ValueError:
        raise _approval_problem("--approval", f"“{value}”不是数字") from None
    if percent or number > 1:
        number /= 100
    if not 0 <= number <= 1 or math.isnan(number):
        raise _approval_problem("--approval", f"“{value}”应在 0 与 1 之间（或 0% 与 100% 之间）")
    return ApprovalInput(
        approval=number,
        ci=None,
        met=number >= threshold,
        certainty=None,
        source="--approval",
        threshold=threshold,
    )


def approval_from_analysis(
    source: str | Path | bytes | Mapping[str, Any],
    *,
    threshold: float = 0.85,
    target: int | None = None,
) -> ApprovalInput:
    """An approval from the JSON of ``renke analyze`` (SPEC §5): ``overall.approval``,
    ``overall.ci``, ``certainty``, ``threshold`` and ``sample``.

    ``met`` is decided again at the standard's ``threshold``; when the analysis used
    another threshold, its ``certainty`` does not apply and is dropped. The sample is
    checked again from its counts against its own N (``sample.target``), or against
    ``target`` (the verdict's N) when the analysis had none.

    Raises
    ------
    InputRefused
        When the file is not that JSON.
    """
    where = "--analysis"
    data: Any
    if isinstance(source, Mapping):
        data = source
    else:
        try:
            raw = source if isinstance(source, bytes) else Path(source).read_bytes()
            data = json.loads(raw.decode("utf-8-sig"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise _approval_problem(where, f"无法读取分析结果 JSON：{error}") from error
    overall = data.get("overall") if isinstance(data, Mapping) else None
    approval = overall.get("approval") if isinstance(overall, Mapping) else None
    if not isinstance(approval, int | float) or isinstance(approval, bool):
        raise _approval_problem(
            where, "缺少 overall.approval（应为 renke analyze --format json 的输出）"
        )
    if not 0 <= approval <= 1:
        raise _approval_problem(where, f"overall.approval = {approval} 不在 0 与 1 之间")
    ci = _ci(overall.get("ci") if isinstance(overall, Mapping) else None)
    certainty = data.get("certainty")
    if certainty not in CERTAINTIES:
        certainty = None
    their_threshold = data.get("threshold")
    if isinstance(their_threshold, int | float) and not math.isclose(their_threshold, threshold):
        certainty = None
    sample = data.get("sample")
    return ApprovalInput(
        approval=float(approval),
        ci=ci,
        met=approval >= threshold,
        certainty=certainty,
        source="analysis",
        threshold=threshold,
        sample=recheck_sample(sample, target) if isinstance(sample, Mapping) else None,
        se=_se(overall.get("se") if isinstance(overall, Mapping) else None),
    )


def _se(raw: object) -> float | None:
    if isinstance(raw, int | float) and not isinstance(raw, bool) and math.isfinite(raw):
        return float(raw)
    return None


def _ci(raw: object) -> tuple[float, float] | None:
    if isinstance(raw, Sequence) and len(raw) == 2 and all(isinstance(x, int | float) for x in raw):
        return (float(raw[0]), float(raw[1]))
    return None


def approval_from_report(report: Any, *, threshold: float | None = None) -> ApprovalInput:
    """An approval from an approval report object (``analysis.approval.ApprovalReport``:
    ``.overall.approval``, ``.overall.ci``, ``.met``, ``.certainty``, ``.threshold``).

    Read by attribute, so this module needs no import of the estimator. When
    ``threshold`` differs from the report's, ``met`` is decided again and the
    certainty is dropped.
    """
    overall = report.overall
    approval = overall.approval
    if approval is None:
        raise _approval_problem("--responses", "没有可计算社会认可度的有效回答")
    their = getattr(report, "threshold", None)
    threshold = float(their if threshold is None and their is not None else threshold or 0.85)
    certainty = getattr(report, "certainty", None)
    met = bool(getattr(report, "met", approval >= threshold))
    if their is not None and not math.isclose(float(their), threshold):
        certainty = None
        met = approval >= threshold
    return ApprovalInput(
        approval=float(approval),
        ci=_ci(tuple(overall.ci) if getattr(overall, "ci", None) is not None else None),
        met=met,
        certainty=certainty if certainty in CERTAINTIES else None,
        source="responses",
        threshold=threshold,
        sample=getattr(report, "sample", None),
        se=_se(getattr(overall, "se", None)),
    )


@dataclass(frozen=True)
class Eligibility:
    """办法 第四条: 基本均衡 certified three years or more before, and the yearly
    monitoring kept at a high level; ``eligible`` is ``None`` when one is missing and the
    other does not fail."""

    eligible: bool | None
    basic_year: int | None
    assessment_year: int | None
    years_passed: bool | None
    monitoring: str | None
    monitoring_passed: bool | None
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "eligible": self.eligible,
            "basic_year": self.basic_year,
            "assessment_year": self.assessment_year,
            "years_passed": self.years_passed,
            "monitoring": self.monitoring,
            "monitoring_passed": self.monitoring_passed,
        }


def assess_eligibility(county: CountyFile | None, standard: Standard) -> Eligibility:
    """Eligibility (办法 第四条): 评估年份 − 基本均衡认定年份 ≥ 3 ("三年以上" includes three)
    and 年度监测 达标."""
    basic = county.basic_year if county else None
    assessed = county.assessment_year if county else None
    monitoring = county.monitoring if county else None
    minimum = standard.min_years_since_basic
    reasons: list[str] = []
    years_passed: bool | None = None
    if basic is None:
        reasons.append("缺少基本情况：基本均衡认定年份")
    if assessed is None:
        reasons.append("缺少基本情况：评估年份")
    if basic is not None and assessed is not None:
        years_passed = assessed - basic >= minimum
        if not years_passed:
            reasons.append(
                f"通过基本均衡认定不足 {minimum} 年（{basic} 年认定，{assessed} 年评估，"
                f"相隔 {assessed - basic} 年），不具备评估资格"
            )
    monitoring_passed: bool | None = None
    if not standard.monitoring_required:
        monitoring_passed = True
    elif monitoring is None:
        reasons.append("缺少基本情况：年度监测判定")
    else:
        monitoring_passed = monitoring == PASS
        if not monitoring_passed:
            reasons.append("基本均衡认定后年度监测未持续保持较高水平，不具备评估资格")
    parts = [years_passed, monitoring_passed]
    eligible = False if False in parts else (None if None in parts else True)
    return Eligibility(
        eligible=eligible,
        basic_year=basic,
        assessment_year=assessed,
        years_passed=years_passed,
        monitoring=monitoring,
        monitoring_passed=monitoring_passed,
        reasons=tuple(reasons),
    )


@dataclass(frozen=True)
class VetoResult:
    """A 第十条 situation: ``present`` true, false, or ``None`` when the file does not say."""

    id: str
    title: str
    present: bool | None
    note: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "present": self.present, "note": self.note}


def assess_vetoes(county: CountyFile | None, standard: Standard) -> tuple[VetoResult, ...]:
    """The vetoes of 办法 第十条, in its order; a missing one blocks certification."""
    results = []
    for veto in standard.vetoes:
        entry = county.entry(VETO, veto.id) if county else None
        present = None if entry is None or entry.judgement is None else entry.judgement == "是"
        results.append(VetoResult(veto.id, veto.title, present, entry.note if entry else None))
    return tuple(results)


def veto_reason(veto: VetoResult) -> str | None:
    if veto.present is None:
        return f"缺少否决事项第 {veto.id} 项（{veto.title}）的判定"
    if veto.present:
        note = f"：{veto.note}" if veto.note else ""
        return f"{veto.title}（办法第十条，不予认定）{note}"
    return None


@dataclass(frozen=True)
class ApprovalResult:
    """社会认可度 in the verdict (第九条, with the sample check of SPEC §2.5).

    ``passed`` is ``met`` once the sample meets the plan (``sample_ok`` true), null until
    then; with an approval given directly (``--approval``) it is ``met`` and
    ``sample_ok`` is null (the sample was not checked).
    """

    approval: float | None
    ci: tuple[float, float] | None
    met: bool | None
    certainty: str | None
    threshold: float
    source: str | None
    sample_ok: bool | None = None
    passed: bool | None = None
    sample: SampleCheck | None = None
    level: float = 0.95
    se: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "approval": self.approval,
            "se": self.se,
            "ci": list(self.ci) if self.ci else None,
            "met": self.met,
            "certainty": self.certainty,
            "sample_ok": self.sample_ok,
            "passed": self.passed,
            "threshold": self.threshold,
            "source": self.source,
            "sample": None if self.sample is None else self.sample.to_dict(),
        }


@dataclass(frozen=True)
class NotApplicableEntry:
    """A (sub-)item the county marked 不适用, in the verdict's ``not_applicable`` list."""

    aspect: str
    id: str
    title: str
    note: str | None
    admissible: bool
    problem: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "aspect": self.aspect,
            "id": self.id,
            "title": self.title,
            "note": self.note,
            "admissible": self.admissible,
            "problem": self.problem,
        }


def not_applicable_entries(
    government: AspectResult, quality: AspectResult
) -> tuple[NotApplicableEntry, ...]:
    """Every 不适用 of the two aspects, admissible or not (SPEC §3, §5 ``not_applicable``)."""
    found = []
    for aspect, result in (("government", government), ("quality", quality)):
        for item in result.items:
            for part in item.walk():
                mark = part.not_applicable
                if mark is not None:
                    found.append(
                        NotApplicableEntry(
                            aspect, part.id, part.title, mark.note, mark.admissible, mark.problem
                        )
                    )
    return tuple(found)


@dataclass(frozen=True)
class Verdict:
    """Certified or not, and exactly why.

    ``reasons`` are what stands between the county and certification (none when
    certified); ``notes`` are what a reader should know that is not a reason
    (plausibility warnings, an approval that is borderline, a sample not checked).
    """

    certified: bool
    eligible: bool | None
    eligibility: Eligibility
    resource: ResourceResult
    government: AspectResult
    quality: AspectResult
    approval: ApprovalResult
    vetoes: tuple[VetoResult, ...]
    reasons: tuple[str, ...]
    notes: tuple[str, ...]
    standard: Standard
    not_applicable: tuple[NotApplicableEntry, ...] = ()
    county: str | None = None

    @property
    def warnings(self) -> tuple[str, ...]:
        """The notes (the name the first release used)."""
        return self.notes

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``renke verdict`` (SPEC §5); numbers unrounded."""
        return {
            "certified": self.certified,
            "eligible": self.eligible,
            "reasons": list(self.reasons),
            "resource": self.resource.to_dict(),
            "government": self.government.to_dict(),
            "quality": self.quality.to_dict(),
            "approval": self.approval.to_dict(),
            "vetoes": [veto.to_dict() for veto in self.vetoes],
            "not_applicable": [entry.to_dict() for entry in self.not_applicable],
            "county": self.county,
            "notes": list(self.notes),
            "eligibility": self.eligibility.to_dict(),
            "standard": self.standard.id,
            "warnings": list(self.notes),
        }


def _approval_result(approval: ApprovalInput | None, standard: Standard) -> ApprovalResult:
    threshold = standard.approval.threshold
    if approval is None:
        return ApprovalResult(None, None, None, None, threshold, None)
    met = approval.approval >= threshold
    certainty = approval.certainty if math.isclose(approval.threshold, threshold) else None
    sample_ok: bool | None
    passed: bool | None
    if approval.source == "--approval":
        sample_ok, passed = None, met  # the sample is the user's responsibility
    else:
        sample_ok = None if approval.sample is None else approval.sample.ok
        passed = met if sample_ok is True else None  # not established until it meets the plan
    return ApprovalResult(
        approval.approval,
        approval.ci,
        met,
        certainty,
        threshold,
        approval.source,
        sample_ok,
        passed,
        approval.sample,
        standard.approval.level,
        approval.se,
    )


def _approval_reasons(result: ApprovalResult) -> list[str]:
    if result.approval is None:
        return ["缺少社会认可度数据"]
    reasons = []
    if not result.met:
        reasons.append(
            f"社会认可度 {format_percent(result.approval, result.threshold)}，"
            f"低于 {format_number(result.threshold * 100)}%（办法第九条）"
        )
    if result.source != "--approval":
        if result.sample is None:
            reasons.append("分析结果中没有样本核对（sample），社会认可度的样本无法核对")
        else:
            reasons.extend(
                f"社会认可度的样本{'无法核对' if rule.passed is None else '不符合计划'}：{rule.detail}"
                for rule in result.sample.checks
                if rule.passed is not True
            )
    return reasons


def _approval_notes(result: ApprovalResult) -> list[str]:
    notes = []
    if result.source == "--approval":
        notes.append(SAMPLE_NOT_CHECKED)
    if result.sample is not None:
        notes.extend(result.sample.warnings)
    if result.met and result.certainty in ("borderline", "insufficient"):
        words = certainty_words(result.certainty, result.level, result.threshold)
        notes.append(f"社会认可度按点估计达标；{words}")
    return notes


def compute_verdict(
    schools: SchoolFile | Sequence[School],
    county: CountyFile | None = None,
    approval: ApprovalInput | None = None,
    *,
    standard: Standard | None = None,
    special_cases: Iterable[SpecialCase] = (),
    exceptions: Exceptions | None = None,
) -> Verdict:
    """The verdict of SPEC §2 from the schools, the county items and the approval.

    Parameters
    ----------
    schools
        From :func:`analysis.schools.read_schools` (or its ``schools``).
    county
        From :func:`analysis.county.read_county`, or ``None``: then eligibility, the county
        items and the vetoes are missing, and the county is not certified.
    approval
        An :class:`ApprovalInput`, or ``None`` (missing: not certified).
    standard
        Default ``yunnan-2022``.
    special_cases
        Accepted 特殊情况 for the resource indicators.
    exceptions
        Accepted 特殊情况 from a file (:func:`analysis.exceptions.read_exceptions`) or the
        service: per indicator (added to ``special_cases``) and per item 3–5.

    Returns
    -------
    Verdict
        ``certified`` is true only when eligible, all four aspects pass and no veto
        applies; ``reasons`` lists every failing school, CV, item, veto, and every missing
        item, in that order after the eligibility.
    """
    standard = standard or load_standard()
    school_list = schools.schools if isinstance(schools, SchoolFile) else tuple(schools)
    units = build_units(school_list, standard)
    exceptions = exceptions or Exceptions()
    special_cases = (*special_cases, *exceptions.special_cases)
    eligibility = assess_eligibility(county, standard)
    resource = assess_resources(
        units.units, standard, excluded=units.excluded, special_cases=special_cases
    )
    government = assess_government(units, county, standard, school_list, exceptions.items)
    quality = assess_quality(county, standard, school_list)
    approval_result = _approval_result(approval, standard)
    vetoes = assess_vetoes(county, standard)
    reasons: list[str] = list(eligibility.reasons)
    reasons.extend(resource.reasons)
    reasons.extend(government.reasons)
    reasons.extend(quality.reasons)
    reasons.extend(_approval_reasons(approval_result))
    reasons.extend(r for r in (veto_reason(v) for v in vetoes) if r)
    notes: list[str] = []
    if isinstance(schools, SchoolFile):
        notes.extend(str(w) for w in schools.warnings)
    if county is not None:
        notes.extend(str(w) for w in county.warnings)
    notes.extend(resource.warnings)
    codes = {school.code for school in school_list}
    notes.extend(
        f"特殊情况：没有学校代码为“{case.code}”的学校，政府保障第 {case.item} 项的认定未采用"
        for case in exceptions.items
        if case.code not in codes
    )
    notes.extend(_approval_notes(approval_result))
    certified = (
        eligibility.eligible is True
        and resource.passed
        and government.passed is True
        and quality.passed is True
        and approval_result.passed is True
        and all(veto.present is False for veto in vetoes)
    )
    return Verdict(
        certified=certified,
        eligible=eligibility.eligible,
        eligibility=eligibility,
        resource=resource,
        government=government,
        quality=quality,
        approval=approval_result,
        vetoes=vetoes,
        reasons=tuple(reasons),
        notes=tuple(notes),
        standard=standard,
        not_applicable=not_applicable_entries(government, quality),
        county=county.county_name if county is not None else None,
    )
