"""The report of one assessment, built from what is stored (issue 14).

The verdict is the frozen one (定稿) when the assessment has one, read from its stored
JSON, else the current one, and the report says which. The approval by group, the
quotas, the modes and the integrity review are read as they stand now; when they no
longer give the frozen figure, the report says so. Figures are formatted by the one
percent formatter and the one display rule of ``analysis``; nothing is recomputed here
that ``analysis`` or another service already computes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy.orm import Session

from analysis.approval import ApprovalReport
from analysis.display import SUPPRESSED, format_percent
from analysis.resources import SPECIAL_NOTE, display_figure
from analysis.signals import SignalCell
from analysis.standards import SECTION_LABELS, Standard
from analysis.vocabulary import MODES
from surveyapp import quotas
from surveyapp.approval import live_approval
from surveyapp.assessments.services import quality_signals
from surveyapp.demo import DEMO_POPULATION_SOURCE
from surveyapp.integrity.services import IntegritySummary, integrity_summary, latest_run
from surveyapp.models import Assessment, DataFile, User, VerdictFreeze
from surveyapp.quotas import sample_plan
from surveyapp.report.chart import ChartRow, approval_chart
from surveyapp.report.methods import Setting, methods, settings
from surveyapp.tallies import Tally, count_responses
from surveyapp.verdicts.services import DEMO_WORDS, assessment_verdict, frozen_verdict

#: Who assesses at each stage (seed 000: 县级自评, 州市复核, 省级评估).
STAGE_BODY = {
    "county": "{county}教育督导部门（县级自评）",
    "prefecture": "{prefecture}教育督导部门（州市复核）",
    "province": "{province}人民政府教育督导室（省级评估）",
    "monitoring": "{province}人民政府教育督导室（年度监测）",
}


@dataclass(frozen=True)
class ReportFile:
    """A data file the verdict rests on, named by its SHA-256."""

    label: str
    filename: str
    version: int | None
    sha256: str
    uploaded_at: datetime | None
    uploaded_by: str | None
    statistics_year: int


@dataclass(frozen=True)
class Cell:
    """A school's figure beside its standard: the text, and "short"/"fail" when below."""

    text: str
    mark: str = ""
    special: str = ""


@dataclass(frozen=True)
class SchoolRow:
    label: str
    students: int
    cells: tuple[Cell, ...]
    met: int
    passed: bool


@dataclass(frozen=True)
class ModeRow:
    """Responses by mode (SPEC §2.5 "reported separately"); ``approval`` is the pooled
    point estimate of that mode's valid scored answers, None under ``min_cell``."""

    mode: str
    rows: int
    valid: int
    approval: float | None


@dataclass(frozen=True)
class Report:
    """Everything the report template shows, in the order it shows it."""

    assessment: Assessment
    standard: Standard
    county: str
    assessor: str
    operators: tuple[str, ...]
    generated_at: datetime
    demo: bool
    demo_words: str
    frozen: VerdictFreeze | None
    verdict: dict[str, Any] | None
    missing: tuple[str, ...]
    schools: tuple[SchoolRow, ...]
    approval: ApprovalReport | None
    approval_note: str | None
    chart: str | None
    progress: quotas.Progress
    modes: tuple[ModeRow, ...]
    signals: tuple[SignalCell, ...]
    integrity: IntegritySummary
    integrity_approval: dict[str, Any] | None
    files: tuple[ReportFile, ...]
    settings: tuple[Setting, ...]
    methods: tuple[tuple[str, str, str], ...]
    min_cell: int
    suppressed: str = SUPPRESSED
    notes: tuple[str, ...] = field(default_factory=tuple)


def build_report(session: Session, assessment: Assessment, zone: tzinfo, now: datetime) -> Report:
    """The report of ``assessment`` as of ``now`` (from its frozen verdict when frozen)."""
    result = assessment_verdict(session, assessment, zone)
    frozen = frozen_verdict(session, assessment.id)
    verdict = frozen.verdict if frozen else (result.verdict.to_dict() if result.verdict else None)
    # The responses as counted when the verdict was frozen, else as they stand.
    kept = frozen.tally if frozen is not None else None
    tally = count_responses(session, assessment) if kept is None else Tally.from_json(kept)
    approval = (
        result.approval
        if kept is None
        else live_approval(session, assessment, plan=sample_plan(assessment), tally=tally)
    )
    standard = result.standard
    files = _files(session, assessment, frozen, result.files)
    county = assessment.county
    run = latest_run(session, assessment)
    return Report(
        assessment=assessment,
        standard=standard,
        county=f"{county.prefecture}{county.name}",
        assessor=STAGE_BODY[assessment.stage].format(
            county=county.name, prefecture=county.prefecture, province=county.province
        ),
        operators=_operators(files, frozen),
        generated_at=now,
        demo=assessment.population_source == DEMO_POPULATION_SOURCE,
        demo_words=DEMO_WORDS,
        frozen=frozen,
        verdict=verdict,
        missing=() if frozen else tuple(result.missing),
        schools=_school_rows(verdict, standard) if verdict else (),
        approval=approval,
        approval_note=_approval_note(verdict, approval, standard, frozen, kept=kept is not None),
        chart=_chart(approval, verdict, standard),
        progress=quotas.progress(session, assessment, tally=tally),
        modes=mode_rows(tally, standard.sampling.min_cell),
        signals=quality_signals(session, assessment, tally=tally),
        integrity=integrity_summary(session, assessment),
        integrity_approval=run.approval if run is not None else None,
        files=files,
        settings=settings(standard),
        methods=methods(standard),
        min_cell=standard.sampling.min_cell,
    )


def _files(
    session: Session,
    assessment: Assessment,
    frozen: VerdictFreeze | None,
    current: dict[str, DataFile | None],
) -> tuple[ReportFile, ...]:
    """The files the verdict rests on: those named by the freeze, else the latest."""
    year = assessment.year - 1  # the 教育事业统计 the templates ask for (imports.views)
    chosen: list[tuple[DataFile | None, str | None]] = []
    if frozen is not None:
        for file_id, sha in (
            (frozen.schools_file_id, frozen.schools_sha256),
            (frozen.county_file_id, frozen.county_sha256),
        ):
            if sha is not None:
                chosen.append((session.get(DataFile, file_id) if file_id else None, sha))
    else:
        chosen = [(stored, None) for stored in current.values() if stored is not None]
    return tuple(
        ReportFile(
            label=stored.label if stored else "数据文件",
            filename=stored.filename if stored else "（文件记录已删除）",
            version=stored.version if stored else None,
            sha256=sha or (stored.sha256 if stored else ""),
            uploaded_at=stored.uploaded_at if stored else None,
            uploaded_by=_username(session, stored.uploaded_by) if stored else None,
            statistics_year=year,
        )
        for stored, sha in chosen
    )


def _username(session: Session, user_id: int | None) -> str | None:
    user = session.get(User, user_id) if user_id is not None else None
    return user.username if user else None


def _operators(files: tuple[ReportFile, ...], frozen: VerdictFreeze | None) -> tuple[str, ...]:
    names = [f"{f.uploaded_by}（上传{f.label}）" for f in files if f.uploaded_by]
    if frozen is not None:
        names.append(f"{frozen.frozen_by_name}（定稿）")
    return tuple(dict.fromkeys(names))


def _school_rows(verdict: dict[str, Any], standard: Standard) -> tuple[SchoolRow, ...]:
    """Per-school indicators with the failing cells marked (SPEC §2.1 display rule)."""
    rows = []
    for school in verdict["resource"]["schools"]:
        cells = []
        for indicator in standard.indicators:
            key, limit = indicator.key, indicator.threshold(school["section"])
            value = school["values"][key]
            mark = ""
            if key in school["below"]:
                mark = "fail" if value < limit * standard.per_school_floor else "short"
            case_ = school.get("special", {}).get(key)
            special = ""
            if case_ is not None:
                who = " ".join(x for x in (case_.get("accepted_by"), case_.get("accepted_at")) if x)
                computed = display_figure(case_["computed"], limit)
                special = f"{SPECIAL_NOTE}（计算值 {computed}；{case_['note']}；{who}）"
            cells.append(Cell(display_figure(value, limit), mark, special))
        label = f"{school['name']}（{SECTION_LABELS[school['section']]}）"
        rows.append(
            SchoolRow(label, school["students"], tuple(cells), school["met"], school["passed"])
        )
    return tuple(rows)


def _chart(
    report: ApprovalReport | None, verdict: dict[str, Any] | None, standard: Standard
) -> str | None:
    """Groups with intervals, the overall (the verdict's) and the planned-weighted figure."""
    if report is None:
        return None
    theta, min_cell = standard.approval.threshold, standard.sampling.min_cell
    if report.overall.n < min_cell:
        return None
    rows = []
    for name, group in report.groups.items():
        if group.n < min_cell:
            rows.append(ChartRow(name, None, None, SUPPRESSED))
        else:
            note = "（样本较少）" if group.small else ""
            rows.append(ChartRow(name, group.approval, group.ci, f"，{group.n} 人{note}"))
    overall = (verdict or {}).get("approval") or {}
    figure = overall.get("approval", report.overall.approval)
    ci = overall.get("ci") if overall else report.overall.ci
    rows.append(ChartRow("总体", figure, tuple(ci) if ci else None, strong=True))
    if report.planned is not None and report.overall.mode != "planned":
        rows.append(ChartRow("按计划加权", report.planned.approval, report.planned.ci))
    return approval_chart(rows, theta)


def _approval_note(
    verdict: dict[str, Any] | None,
    report: ApprovalReport | None,
    standard: Standard,
    frozen: VerdictFreeze | None,
    *,
    kept: bool,
) -> str | None:
    """Which responses the figures below are counted from, when the verdict is frozen;
    and when they no longer give the verdict's figure, says so."""
    stored = ((verdict or {}).get("approval") or {}).get("approval")
    if kept and frozen is not None:
        return f"以下分群体数字、配额进度、填答方式和数据质量信号均按定稿时（{frozen.frozen_at:%Y-%m-%d %H:%M} UTC）的答卷统计。"
    if stored is None or report is None:
        return None
    if abs(report.overall.approval - stored) <= 1e-12:
        return None
    theta = standard.approval.threshold
    return (
        f"认定结论中的社会认可度为 {format_percent(stored, theta)}；按当前答卷计算为 "
        f"{format_percent(report.overall.approval, theta)}（定稿后答卷有变化）。"
        "下面的分群体数字按当前答卷计算。"
    )


def mode_rows(tally: Tally, min_cell: int) -> tuple[ModeRow, ...]:
    """Rows and valid rows per mode (every mode, 0 where none), with each mode's pooled
    point estimate Σwa / Σwb over its valid scored responses, from ``min_cell`` of them."""
    out = []
    for mode in MODES:
        cells = [cell for cell in tally.cells if cell.mode == mode]
        scored = [cell.scored for cell in cells if cell.valid]
        n = sum(sums.n for sums in scored)
        wb = math.fsum(sums.wb for sums in scored)
        wa = math.fsum(sums.wa for sums in scored)
        approval = wa / wb if n >= min_cell and wb > 0 else None
        valid = sum(cell.n for cell in cells if cell.valid)
        out.append(ModeRow(mode, sum(cell.n for cell in cells), valid, approval))
    return tuple(out)
