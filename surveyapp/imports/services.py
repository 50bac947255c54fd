"""Accepting a schools or county file: check it whole, store it as a new version.

The readers are :mod:`analysis.schools` and :mod:`analysis.county`; a file with any
problem raises :class:`analysis.tables.InputRefused` and nothing is stored.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis.county import ASSESSMENT_YEAR, BASIC, CountyFile, read_county
from analysis.schools import SchoolFile, read_schools
from analysis.tables import UPLOAD_LIMITS, InputRefused, Problem, check_limits
from surveyapp.models import Assessment, DataFile, School, User
from surveyapp.standards import standard_for

AREA_OF_LOCALE = {"城区": "城区", "镇区": "镇区", "乡村": "乡村"}


@dataclass(frozen=True)
class Accepted:
    data_file: DataFile
    warnings: tuple[Problem, ...]


def parse(
    assessment: Assessment, kind: str, content: bytes, filename: str
) -> SchoolFile | CountyFile:
    """Read and check a file as the assessment's standard requires; raises InputRefused.

    An upload over :data:`analysis.tables.UPLOAD_LIMITS` is refused before it is parsed.
    An accepted file's reading is kept (per worker, the last :data:`PARSED_KEPT`), so the
    verdict page does not read the stored file again on every view.
    """
    key = (hashlib.sha256(content).hexdigest(), kind, assessment.standard, filename)
    with _PARSED_LOCK:
        kept = _PARSED.get(key)
        if kept is not None:
            _PARSED.move_to_end(key)
            return kept
    check_limits(content, UPLOAD_LIMITS, filename)
    standard = standard_for(assessment.standard)
    parsed: SchoolFile | CountyFile
    if kind == "schools":
        parsed = read_schools(content, standard=standard, name=filename)
    else:
        parsed = read_county(content, standard=standard, name=filename)
    with _PARSED_LOCK:
        _PARSED[key] = parsed
        while len(_PARSED) > PARSED_KEPT:
            _PARSED.popitem(last=False)
    return parsed


# Readings are frozen dataclasses: safe to share between requests and threads.
PARSED_KEPT = 16
_PARSED: OrderedDict[tuple[str, str, str, str], SchoolFile | CountyFile] = OrderedDict()
_PARSED_LOCK = threading.Lock()


def accept_upload(
    session: Session,
    assessment: Assessment,
    kind: str,
    filename: str,
    content: bytes,
    user: User | None,
    now: datetime,
    parsed: SchoolFile | CountyFile | None = None,
) -> Accepted:
    """Check a file whole and store it as the next version (the previous ones stay).

    Beyond the reader's checks: what the database must hold fits its columns, and a
    county file's 评估年份 is this assessment's year. ``parsed`` is the file already read
    by :func:`parse` (outside any transaction).
    """
    if parsed is None:
        parsed = parse(assessment, kind, content, filename)
    problems = (
        _school_limits(parsed)
        if isinstance(parsed, SchoolFile)
        else _county_year(parsed, assessment)
    )
    if problems:
        raise InputRefused(problems, source=filename)
    version = (
        session.scalar(
            select(func.max(DataFile.version)).where(
                DataFile.assessment_id == assessment.id, DataFile.kind == kind
            )
        )
        or 0
    ) + 1
    if isinstance(parsed, SchoolFile):
        summary = f"{len(parsed.schools)} 所学校"
        sync_schools(session, assessment, parsed, now)
    else:
        summary = f"{len(parsed.entries)} 行"
    data_file = DataFile(
        assessment_id=assessment.id,
        kind=kind,
        version=version,
        filename=filename[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        content=content,
        uploaded_at=now,
        uploaded_by=user.id if user else None,
        summary=summary,
    )
    session.add(data_file)
    return Accepted(data_file, parsed.warnings)


CODE_LENGTH, NAME_LENGTH, MAX_STUDENTS = 40, 120, 2_000_000_000


def _school_limits(parsed: SchoolFile) -> list[Problem]:
    problems = []
    for school in parsed.schools:
        if len(school.code) > CODE_LENGTH:  # the pattern is the reader's (analysis.schools)
            problems.append(Problem(school.row, "学校代码", f"不能超过 {CODE_LENGTH} 个字符"))
        if len(school.name) > NAME_LENGTH:
            problems.append(Problem(school.row, "学校名称", f"不能超过 {NAME_LENGTH} 个字符"))
        for column, count in (
            ("小学在校生数", school.primary_students),
            ("初中在校生数", school.junior_students),
        ):
            if count > MAX_STUDENTS:
                problems.append(Problem(school.row, column, "数字过大"))
    return problems


def _county_year(parsed: CountyFile, assessment: Assessment) -> list[Problem]:
    entry = parsed.entry(BASIC, ASSESSMENT_YEAR)
    year = parsed.assessment_year
    if entry is None or year is None or year == assessment.year:
        return []
    return [
        Problem(
            entry.row,
            "值",
            f"评估年份 {year} 与本次评估的年份 {assessment.year} 不一致，请核对是否上传了别的年度的文件",
        )
    ]


def sync_schools(
    session: Session, assessment: Assessment, parsed: SchoolFile, now: datetime
) -> None:
    """Keep the county's school list (for links and quotas) in step with the file.

    Only the assessment that owns the list updates it (:func:`owns_school_list`), so an
    older year's file uploaded for audit, or a later year's draft, changes nothing of
    the collection under way. Schools are matched by 学校代码 and updated; none is
    deleted (links and responses may refer to it). A school the file gives no 城乡类型
    keeps the one it had; a new one without it is not added (it still counts in the
    verdict, which reads the file itself).
    """
    if not owns_school_list(session, assessment, now):
        return
    existing = {school.code: school for school in assessment.county.schools}
    for row in parsed.schools:
        school = existing.get(row.code)
        area = AREA_OF_LOCALE.get(row.locale or "")
        if school is None:
            if area is None:
                continue
            school = School(county_id=assessment.county_id, code=row.code, area=area)
            assessment.county.schools.append(school)
        school.name = row.name
        school.kind = row.school_type
        school.area = area or school.area
        school.primary_students = row.primary_students
        school.junior_students = row.junior_students


def owns_school_list(session: Session, assessment: Assessment, now: datetime) -> bool:
    """The county's newest assessment collecting now, or, when none is, its newest."""
    others = session.scalars(
        select(Assessment)
        .where(Assessment.county_id == assessment.county_id)
        .order_by(Assessment.year.desc(), Assessment.id.desc())
    ).all()
    collecting = [other for other in others if other.state_at(now) == "collecting"]
    owner = (collecting or others or [assessment])[0]
    return owner.id == assessment.id


def latest(session: Session, assessment_id: int, kind: str) -> DataFile | None:
    return session.scalars(
        select(DataFile)
        .where(DataFile.assessment_id == assessment_id, DataFile.kind == kind)
        .order_by(DataFile.version.desc())
        .limit(1)
    ).first()


def stored_version(
    session: Session, assessment_id: int, kind: str, version: int
) -> DataFile | None:
    """One stored version of a file, as uploaded (every version is kept for audit)."""
    return session.scalars(
        select(DataFile).where(
            DataFile.assessment_id == assessment_id,
            DataFile.kind == kind,
            DataFile.version == version,
        )
    ).first()


def history(session: Session, assessment_id: int) -> list[DataFile]:
    return list(
        session.scalars(
            select(DataFile)
            .where(DataFile.assessment_id == assessment_id)
            .order_by(DataFile.kind, DataFile.version.desc())
        )
    )
