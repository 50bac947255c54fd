"""The verdict of an assessment from its latest files and its collected responses."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from analysis.approval import ApprovalReport
from analysis.county import CountyFile
from analysis.schools import SchoolFile
from analysis.standards import Standard
from analysis.verdict import Verdict, approval_from_report, compute_verdict
from surveyapp.approval import live_approval, standard_for
from surveyapp.imports.services import latest, parse
from surveyapp.models import Assessment, DataFile
from surveyapp.quotas import sample_plan


@dataclass(frozen=True)
class AssessmentVerdict:
    """The verdict (None until a schools file is accepted) and what it rests on."""

    standard: Standard
    verdict: Verdict | None
    approval: ApprovalReport | None
    files: dict[str, DataFile | None]
    missing: list[str] = field(default_factory=list)


def assessment_verdict(session: Session, assessment: Assessment) -> AssessmentVerdict:
    standard = standard_for(assessment.standard)
    files = {kind: latest(session, assessment.id, kind) for kind in ("schools", "county")}
    report = live_approval(session, assessment, plan=sample_plan(assessment))
    missing = []
    if files["schools"] is None:
        missing.append("尚未上传学校数据，资源配置和政府保障第 3–5 项无法计算")
    if files["county"] is None:
        missing.append("尚未上传县级数据：基本条件、政府保障、教育质量和否决事项都按缺失处理")
    if report is None:
        missing.append("还没有可计入的有效答卷，社会认可度缺失")
    if files["schools"] is None:
        return AssessmentVerdict(standard, None, report, files, missing)
    # Stored files were accepted by these readers; reading them again is deterministic.
    schools = parse(assessment, "schools", files["schools"].content, files["schools"].filename)
    county = None
    if files["county"] is not None:
        county = parse(assessment, "county", files["county"].content, files["county"].filename)
    assert isinstance(schools, SchoolFile) and (county is None or isinstance(county, CountyFile))
    approval = approval_from_report(report) if report is not None else None
    verdict = compute_verdict(schools, county, approval, standard=standard)
    return AssessmentVerdict(standard, verdict, report, files, missing)
