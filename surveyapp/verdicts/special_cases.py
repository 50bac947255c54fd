"""Accepted 特殊情况 (SPEC §2.1) in the service: record one with its document, serve the
document only to those who may see the county, and hand the verdict its exceptions."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from analysis.exceptions import ITEMS, Exceptions, ItemException
from analysis.resources import SpecialCase
from analysis.standards import SECTION_LABELS, Section, Standard
from analysis.tables import InputRefused, Problem
from surveyapp.models import Assessment, SpecialCaseRecord, User
from surveyapp.models.special_case import DOCUMENT_TYPES

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
# the roles that may record 特殊情况, per stage (SPEC §1: 县级自评 evaluator, 州市复核
# prefecture, 省级评估 province; the admin at any stage)
RECORDING_ROLE = {
    "county": "evaluator",
    "prefecture": "prefecture",
    "province": "province",
    "monitoring": "province",
}
# who may open an attached document: those who see the county (its scope is checked
# by the view) in these roles
DOCUMENT_ROLES = frozenset({"admin", "province", "prefecture", "evaluator"})
_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


def document_type(content: bytes) -> str | None:
    """The type of a document by its first bytes (never by its name or the browser's word)."""
    for magic, kind in _MAGIC:
        if content.startswith(magic):
            return kind
    return None


def may_record(user: User, assessment: Assessment) -> bool:
    return user.role == "admin" or RECORDING_ROLE.get(assessment.stage) == user.role


def may_open_document(user: User) -> bool:
    return user.role in DOCUMENT_ROLES


@dataclass(frozen=True)
class CaseForm:
    """What the evaluator entered: the school, the indicator or item, the figure, why."""

    school_code: str
    section: str
    target: str
    value: str
    note: str
    document_name: str
    document: bytes


def case_form(fields: Mapping[str, str], upload: FileStorage | None) -> CaseForm:
    """The form as posted; a large upload is a temporary file, closed once read."""
    document = b""
    if upload is not None:
        with upload.stream as stream:
            document = stream.read(MAX_DOCUMENT_BYTES + 1)
    return CaseForm(
        school_code=fields.get("school_code", "").strip(),
        section=fields.get("section", ""),
        target=fields.get("target", ""),
        value=fields.get("value", "").strip(),
        note=fields.get("note", ""),
        document_name=(upload.filename or "") if upload is not None else "",
        document=document,
    )


def _check(form: CaseForm, standard: Standard, codes: set[str]) -> list[Problem]:
    problems = []
    if form.school_code not in codes:
        problems.append(
            Problem(None, "学校代码", f"当前学校数据中没有学校代码“{form.school_code}”")
        )
    indicators = {indicator.key for indicator in standard.indicators}
    if form.target not in indicators and form.target not in ITEMS.values():
        problems.append(Problem(None, "指标", "请选择资源配置指标或政府保障第 3–5 项"))
    if form.target in indicators:
        if form.section not in SECTION_LABELS:
            problems.append(Problem(None, "学段", "资源配置指标须选择学段（小学或初中）"))
        try:
            if float(form.value) < 0:
                raise ValueError
        except ValueError:
            problems.append(Problem(None, "认定值", "应为不小于 0 的数字（调整后的指标值）"))
    if not form.note.strip():
        problems.append(Problem(None, "理由", "不能为空"))
    if len(form.note) > 500:
        problems.append(Problem(None, "理由", "不能超过 500 个字"))
    if not form.document:
        problems.append(Problem(None, "附件", "请附上证明材料（PDF 或图片）"))
    elif len(form.document) > MAX_DOCUMENT_BYTES:
        problems.append(Problem(None, "附件", "文件超过 5 MB"))
    elif document_type(form.document) is None:
        problems.append(Problem(None, "附件", "只接受 PDF、PNG 或 JPEG 文件（按文件内容判断）"))
    return problems


def record_special_case(
    session: Session,
    assessment: Assessment,
    form: CaseForm,
    user: User,
    now: datetime,
    *,
    standard: Standard,
    school_codes: set[str],
) -> SpecialCaseRecord:
    """Check and store an accepted 特殊情况; raises InputRefused with every problem."""
    problems = _check(form, standard, school_codes)
    if problems:
        raise InputRefused(problems, source="特殊情况")
    item = form.target in ITEMS.values()
    kind = document_type(form.document)
    assert kind is not None  # checked above
    record = SpecialCaseRecord(
        assessment_id=assessment.id,
        school_code=form.school_code,
        section=None if item else form.section,
        target=form.target,
        value=None if item else float(form.value),
        note=form.note.strip(),
        document_name=form.document_name[:255] or f"附件.{DOCUMENT_TYPES[kind]}",
        document_type=kind,
        document_size=len(form.document),
        document=form.document,
        accepted_by=user.id,
        accepted_by_name=user.username,
        accepted_at=now,
    )
    session.add(record)
    return record


def special_cases(session: Session, assessment_id: int) -> list[SpecialCaseRecord]:
    return list(
        session.scalars(
            select(SpecialCaseRecord)
            .where(SpecialCaseRecord.assessment_id == assessment_id)
            .order_by(SpecialCaseRecord.id)
        )
    )


def as_exceptions(records: Sequence[SpecialCaseRecord], zone: tzinfo) -> Exceptions:
    """The records as the verdict's exceptions, each dated in ``zone`` (RENKE_TIMEZONE)."""
    cases: list[SpecialCase] = []
    items: list[ItemException] = []
    for record in records:
        common = {
            "note": record.note,
            "document": record.document_name,
            "accepted_by": record.accepted_by_name,
            "accepted_at": record.accepted_at.astimezone(zone).strftime("%Y-%m-%d"),
        }
        if record.value is None or record.section is None:
            items.append(ItemException(code=record.school_code, item=record.target, **common))
        else:
            section: Section = "primary" if record.section == "primary" else "junior"
            cases.append(
                SpecialCase(
                    code=record.school_code,
                    section=section,
                    indicator=record.target,
                    value=record.value,
                    **common,
                )
            )
    return Exceptions(tuple(cases), tuple(items))


def exceptions_digest(records: Sequence[SpecialCaseRecord]) -> str:
    """A SHA-256 of the exceptions a verdict used (what, why, the document's own hash)."""
    canonical = [
        [
            r.id,
            r.school_code,
            r.section,
            r.target,
            r.value,
            r.note,
            r.accepted_by_name,
            r.accepted_at.isoformat(),
            hashlib.sha256(r.document).hexdigest(),
        ]
        for r in records
    ]
    return hashlib.sha256(json.dumps(canonical, ensure_ascii=False).encode()).hexdigest()


def extension(record: SpecialCaseRecord) -> str:
    return DOCUMENT_TYPES[record.document_type]
