"""The verdict of an assessment from its latest files, its accepted 特殊情况 and its
collected responses; freezing it (定稿) for signing, and what changed since."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis.approval import ApprovalReport
from analysis.county import CountyFile
from analysis.gaps import Ledger, gap_ledger
from analysis.schools import SchoolFile
from analysis.standards import Standard
from analysis.verdict import Verdict, approval_from_report, compute_verdict
from surveyapp import audit
from surveyapp.approval import live_approval
from surveyapp.imports.services import latest, parse
from surveyapp.integrity.services import unreviewed_flags
from surveyapp.models import Assessment, DataFile, Response, User, VerdictFreeze
from surveyapp.models.account import ROLES
from surveyapp.province.services import summary_from_verdict
from surveyapp.quotas import sample_plan
from surveyapp.standards import standard_for
from surveyapp.tallies import count_responses
from surveyapp.verdicts.special_cases import as_exceptions, exceptions_digest, special_cases

# SPEC §1: who freezes a verdict at each stage; 年度监测 is the province's (办法 第十四条:
# 省级人民政府教育督导部门 monitors the certified counties every year)
FREEZE_ROLE = {
    "county": "evaluator",
    "prefecture": "prefecture",
    "province": "province",
    "monitoring": "province",
}
MANUAL_INVALID = "manual"  # analysis.vocabulary.INVALID_REASONS: 评估人员认定无效
DEMO_WORDS = "示例数据，非真实评估"


@dataclass(frozen=True)
class AssessmentVerdict:
    """The verdict (None until a schools file is accepted) and what it rests on."""

    standard: Standard
    verdict: Verdict | None
    approval: ApprovalReport | None
    files: dict[str, DataFile | None]
    missing: list[str] = field(default_factory=list)
    exceptions_sha256: str = ""


def assessment_verdict(session: Session, assessment: Assessment, zone: tzinfo) -> AssessmentVerdict:
    standard = standard_for(assessment.standard)
    files = {kind: latest(session, assessment.id, kind) for kind in ("schools", "county")}
    report = live_approval(session, assessment, plan=sample_plan(assessment))
    records = special_cases(session, assessment.id)
    digest = exceptions_digest(records)
    missing = []
    if files["schools"] is None:
        missing.append("尚未上传学校数据，资源配置和政府保障第 3–5 项无法计算")
    if files["county"] is None:
        missing.append("尚未上传县级数据：基本条件、政府保障、教育质量和否决事项都按缺失处理")
    if report is None:
        missing.append("还没有可计入的有效答卷，社会认可度缺失")
    if files["schools"] is None:
        return AssessmentVerdict(standard, None, report, files, missing, digest)
    # Stored files were accepted by these readers; reading them again is deterministic.
    schools = parse(assessment, "schools", files["schools"].content, files["schools"].filename)
    county = None
    if files["county"] is not None:
        county = parse(assessment, "county", files["county"].content, files["county"].filename)
    assert isinstance(schools, SchoolFile) and (county is None or isinstance(county, CountyFile))
    approval = approval_from_report(report) if report is not None else None
    verdict = compute_verdict(
        schools, county, approval, standard=standard, exceptions=as_exceptions(records, zone)
    )
    return AssessmentVerdict(standard, verdict, report, files, missing, digest)


def assessment_gaps(session: Session, assessment: Assessment) -> Ledger | None:
    """The gap ledger of the assessment's latest schools file (None before one is accepted),
    named by its county file's 县名 or the county's registry name."""
    stored = latest(session, assessment.id, "schools")
    if stored is None:
        return None
    schools = parse(assessment, "schools", stored.content, stored.filename)
    assert isinstance(schools, SchoolFile)
    name = f"{assessment.county.prefecture}{assessment.county.name}"
    return gap_ledger(schools, standard=standard_for(assessment.standard), county=name)


class FreezeRefused(Exception):
    """Freezing is not allowed now; the message says why, in Chinese."""


def closing_time(assessment: Assessment, now: datetime) -> datetime | None:
    """When the collection closed (the evaluator's close, or the end of its window)."""
    if assessment.state_at(now) != "closed":
        return None
    if assessment.closed_at is not None:
        return assessment.closed_at
    return assessment.closes_at


def freeze_refusal(
    session: Session,
    assessment: Assessment,
    user: User,
    now: datetime,
    zone: tzinfo,
) -> str | None:
    """Why the verdict cannot be frozen now (SPEC §1), or ``None``.

    The grace period is the standard's ``[collection]`` setting, the same one that
    accepts late forms (SPEC §2.5); the integrity flags are those of the latest run.
    """
    grace = timedelta(hours=standard_for(assessment.standard).collection.grace_period_hours)
    role = FREEZE_ROLE[assessment.stage]
    if user.role != role:
        return f"{assessment.stage_label}的认定结论只能由{_role_words(role)}定稿"
    if frozen_verdict(session, assessment.id) is not None:
        return "认定结论已经定稿"
    closed = closing_time(assessment, now)
    if closed is None:
        return "问卷收集尚未结束，不能定稿"
    if now < closed + grace:
        hours = grace.total_seconds() / 3600
        until = (closed + grace).astimezone(zone)
        return (
            f"问卷收集结束后还有 {hours:g} 小时的补交期（至 {until:%Y-%m-%d %H:%M}），期间不能定稿"
        )
    flags = unreviewed_flags(session, assessment)
    if flags:
        return f"还有 {flags} 条数据质量标记未复核，不能定稿"
    return None


def _role_words(role: str) -> str:
    return ROLES.get(role, "州市人员")


def freeze_verdict(
    session: Session,
    assessment: Assessment,
    user: User,
    now: datetime,
    zone: tzinfo,
) -> VerdictFreeze:
    """Freeze the verdict as it stands (定稿): its inputs' hashes, the standard, the
    figures and reasons, the manual invalidations, who and when. Raises FreezeRefused."""
    refusal = freeze_refusal(session, assessment, user, now, zone)
    if refusal is not None:
        raise FreezeRefused(refusal)
    result = assessment_verdict(session, assessment, zone)
    schools, county = result.files["schools"], result.files["county"]
    if result.verdict is None or schools is None:
        raise FreezeRefused("尚未上传学校数据，没有可定稿的认定结论")
    record = VerdictFreeze(
        assessment_id=assessment.id,
        stage=assessment.stage,
        frozen_at=now,
        frozen_by=user.id,
        frozen_by_name=user.username,
        schools_file_id=schools.id,
        schools_sha256=schools.sha256,
        county_file_id=county.id if county else None,
        county_sha256=county.sha256 if county else None,
        exceptions_sha256=result.exceptions_sha256,
        standard=result.standard.id,
        certified=result.verdict.certified,
        invalidations=manual_invalidations(session, assessment.id),
        verdict=result.verdict.to_dict(),
        tally=count_responses(session, assessment).to_json(),
    )
    session.add(record)
    summary_from_verdict(session, assessment, record.verdict, frozen=True)
    audit.record(
        session,
        user,
        "freeze",
        f"评估 {assessment.id}（{assessment.county.name}{assessment.stage_label}）",
        after={"达标": record.certified, "阶段": assessment.stage},
        county_id=assessment.county_id,
        now=now,
    )
    return record


def manual_invalidations(session: Session, assessment_id: int) -> int:
    count = session.scalar(
        select(func.count())
        .select_from(Response)
        .where(Response.assessment_id == assessment_id, Response.coded(MANUAL_INVALID))
    )
    return int(count or 0)


def frozen_verdict(session: Session, assessment_id: int) -> VerdictFreeze | None:
    return session.scalars(
        select(VerdictFreeze).where(VerdictFreeze.assessment_id == assessment_id)
    ).first()


def differences(frozen: VerdictFreeze, result: AssessmentVerdict) -> list[str]:
    """What the current data say that the frozen verdict did not ("与定稿不同")."""
    found: list[str] = []
    for kind, label, sha in (
        ("schools", "学校数据", frozen.schools_sha256),
        ("county", "县级数据", frozen.county_sha256),
    ):
        current = result.files[kind]
        if (current.sha256 if current else None) != sha:
            version = f"第 {current.version} 版，" if current else ""
            found.append(f"{label}已更新（{version}定稿后上传）")
    if result.exceptions_sha256 != frozen.exceptions_sha256:
        found.append("特殊情况认定与定稿时不同")
    if result.verdict is None:
        return found
    now: dict[str, Any] = result.verdict.to_dict()
    then = frozen.verdict
    if now["certified"] != then.get("certified"):
        words = {True: "认定通过", False: "不予认定"}
        found.append(
            f"结论：定稿为{words[bool(then.get('certified'))]}，现为{words[now['certified']]}"
        )
    old, new = set(then.get("reasons", [])), set(now["reasons"])
    found.extend(f"新增原因：{reason}" for reason in now["reasons"] if reason not in old)
    found.extend(
        f"不再成立的原因：{reason}" for reason in then.get("reasons", []) if reason not in new
    )
    return found
