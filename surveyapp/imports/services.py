"""Accepting a schools or county file: check it whole, store it as a new version.

The readers are :mod:`analysis.schools` and :mod:`analysis.county`; a file with any
problem raises :class:`analysis.tables.InputRefused` and nothing is stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis.county import CountyFile, read_county
from analysis.schools import SchoolFile, read_schools
from analysis.tables import Problem
from surveyapp.approval import standard_for
from surveyapp.models import Assessment, DataFile, School, User

AREA_OF_LOCALE = {"城区": "城区", "镇区": "镇区", "乡村": "乡村"}


@dataclass(frozen=True)
class Accepted:
    data_file: DataFile
    warnings: tuple[Problem, ...]


def parse(
    assessment: Assessment, kind: str, content: bytes, filename: str
) -> SchoolFile | CountyFile:
    """Read and check a file as the assessment's standard requires; raises InputRefused."""
    standard = standard_for(assessment.standard)
    if kind == "schools":
        return read_schools(content, standard=standard, name=filename)
    return read_county(content, standard=standard, name=filename)


def accept_upload(
    session: Session,
    assessment: Assessment,
    kind: str,
    filename: str,
    content: bytes,
    user: User | None,
    now: datetime,
) -> Accepted:
    """Check a file whole and store it as the next version (the previous ones stay)."""
    parsed = parse(assessment, kind, content, filename)
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
        sync_schools(session, assessment, parsed)
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


def sync_schools(session: Session, assessment: Assessment, parsed: SchoolFile) -> None:
    """Keep the county's school list (for links and quotas) in step with the file.

    Schools are matched by 学校代码 and updated; none is deleted, since links and
    responses may refer to a school the new file no longer lists.
    """
    existing = {school.code: school for school in assessment.county.schools}
    for row in parsed.schools:
        school = existing.get(row.code)
        if school is None:
            school = School(county_id=assessment.county_id, code=row.code)
            session.add(school)
            assessment.county.schools.append(school)
        school.name = row.name
        school.kind = row.school_type
        school.area = AREA_OF_LOCALE.get(row.locale or "", school.area or "乡村")
        school.primary_students = row.primary_students
        school.junior_students = row.junior_students


def latest(session: Session, assessment_id: int, kind: str) -> DataFile | None:
    return session.scalars(
        select(DataFile)
        .where(DataFile.assessment_id == assessment_id, DataFile.kind == kind)
        .order_by(DataFile.version.desc())
        .limit(1)
    ).first()


def history(session: Session, assessment_id: int) -> list[DataFile]:
    return list(
        session.scalars(
            select(DataFile)
            .where(DataFile.assessment_id == assessment_id)
            .order_by(DataFile.kind, DataFile.version.desc())
        )
    )
