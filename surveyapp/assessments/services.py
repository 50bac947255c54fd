"""Queries and exports for assessments; plain functions taking the session."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis.responses import CHINESE_HEADERS
from analysis.signals import SignalCell, SignalCounts, signals_from_counts
from analysis.tables import spreadsheet_safe_row
from surveyapp.models import Assessment, CollectionLink, Questionnaire, Response
from surveyapp.models.questionnaire import INSTRUMENTS
from surveyapp.standards import standard_for
from surveyapp.tallies import Tally, count_responses

EXPORT_COLUMNS = [
    "response_id",
    "group",
    "school",
    "area",
    "residence",
    "grade",
    "instrument",
    "mode",
    "link",
    "device",
    "submitted_at",
    "duration_s",
    "valid",
    "invalid_reason",
    "weight",
]


@dataclass(frozen=True)
class AssessmentSummary:
    assessment: Assessment
    responses: int
    valid: int


def list_assessments(
    session: Session, county_ids: list[int] | None = None
) -> list[AssessmentSummary]:
    """Every assessment (or those of some counties) with its response counts."""
    counts = (
        select(
            Response.assessment_id,
            func.count().label("responses"),
            func.count().filter(Response.valid.is_(True)).label("valid"),
        )
        .group_by(Response.assessment_id)
        .subquery()
    )
    query = (
        select(Assessment, counts.c.responses, counts.c.valid)
        .outerjoin(counts, counts.c.assessment_id == Assessment.id)
        .order_by(Assessment.year.desc(), Assessment.id)
    )
    if county_ids is not None:
        query = query.where(Assessment.county_id.in_(county_ids))
    return [
        AssessmentSummary(assessment, responses or 0, valid or 0)
        for assessment, responses, valid in session.execute(query)
    ]


def group_counts(tally: Tally) -> dict[str, dict[str, int]]:
    """Valid and all responses per group."""
    counts: dict[str, dict[str, int]] = {}
    for cell in tally.cells:
        group = counts.setdefault(cell.group, {"all": 0, "valid": 0})
        group["all"] += cell.n
        group["valid"] += cell.n if cell.valid else 0
    return counts


def links_of(session: Session, assessment_id: int) -> list[CollectionLink]:
    return list(
        session.scalars(
            select(CollectionLink)
            .where(CollectionLink.assessment_id == assessment_id)
            .order_by(CollectionLink.instrument, CollectionLink.school_id, CollectionLink.id)
        )
    )


def link_counts(session: Session, assessment_id: int) -> dict[int, tuple[int, int, datetime]]:
    """Per link: all responses, valid responses, and the last submission time."""
    rows = session.execute(
        select(
            Response.link_id,
            func.count(),
            func.count().filter(Response.valid.is_(True)),
            func.max(Response.submitted_at),
        )
        .where(Response.assessment_id == assessment_id, Response.link_id.is_not(None))
        .group_by(Response.link_id)
    )
    return {link_id: (n, valid, last) for link_id, n, valid, last in rows if link_id is not None}


def item_columns(session: Session, assessment_id: int) -> list[tuple[str, str]]:
    """(item id, column header "q3 question text") over all instruments, in order."""
    questionnaires = session.scalars(
        select(Questionnaire).where(Questionnaire.assessment_id == assessment_id)
    ).all()
    order = list(INSTRUMENTS)
    columns = []
    for questionnaire in sorted(questionnaires, key=lambda q: order.index(q.instrument)):
        for item in questionnaire.items:
            columns.append((item["id"], f"{item['id']} {item['text']}"))
    columns.sort(key=lambda column: int(column[0][1:]))
    return columns


class DevicePseudonyms:
    """``D0001``, ``D0002`` … per device hash, numbered by first appearance (SPEC §3).

    Per assessment and per export, so the pseudonym says "the same phone as that row"
    within the file and nothing else: never the cookie, never its hash.
    """

    def __init__(self) -> None:
        self._numbers: dict[str, str] = {}

    def __call__(self, device_hash: str | None) -> str:
        if not device_hash:
            return ""
        if device_hash not in self._numbers:
            self._numbers[device_hash] = f"D{len(self._numbers) + 1:04d}"
        return self._numbers[device_hash]


def link_name(link_id: int | None) -> str:
    """The ``link`` column of the export: the link's id ("" for paper entries)."""
    return "" if link_id is None else str(link_id)


def responses_in_order(session: Session, assessment_id: int) -> Iterator[Response]:
    """An assessment's responses in the export's order (submission time, then id)."""
    return iter(
        session.scalars(
            select(Response)
            .where(Response.assessment_id == assessment_id)
            .order_by(Response.submitted_at, Response.id)
            .execution_options(yield_per=2000)
        )
    )


#: What the export reads of a response: columns, not objects, so 100,000 rows stream
#: with flat memory (yield_per) and without the ORM's identity map.
_EXPORTED = (
    Response.public_id,
    Response.respondent_group,
    Response.school_code,
    Response.area,
    Response.residence,
    Response.grade,
    Response.instrument,
    Response.mode,
    Response.link_id,
    Response.device_hash,
    Response.submitted_at,
    Response.duration_s,
    Response.valid,
    Response.invalid_reason,
    Response.weight,
    Response.answers,
)


def export_header(items: list[tuple[str, str]], headers: str = "en") -> list[str]:
    """The header row: SPEC §3 names, or their Chinese aliases with ``headers="zh"``."""
    names = EXPORT_COLUMNS if headers == "en" else [CHINESE_HEADERS[c] for c in EXPORT_COLUMNS]
    return names + [header for _, header in items]


def export_rows(
    session: Session, assessment_id: int, timezone: str, headers: str = "en"
) -> Iterator[list[Any]]:
    """The SPEC §3 responses table: a header row, then one row per response, streamed.

    The account that entered a 代填 or 纸质 response is not a column: it is shown to
    evaluators on their pages only (docs/field.md).
    """
    zone = ZoneInfo(timezone)
    items = item_columns(session, assessment_id)
    yield export_header(items, headers)
    device = DevicePseudonyms()
    rows = session.execute(
        select(*_EXPORTED)
        .where(Response.assessment_id == assessment_id)
        .order_by(Response.submitted_at, Response.id)
        .execution_options(yield_per=2000)
    )
    for row in rows:
        yield [
            row.public_id,
            row.respondent_group,
            row.school_code or "",
            row.area or "",
            row.residence or "",
            "" if row.grade is None else row.grade,
            INSTRUMENTS[row.instrument],
            row.mode,
            link_name(row.link_id),
            device(row.device_hash),
            row.submitted_at.astimezone(zone).isoformat(timespec="seconds"),
            "" if row.duration_s is None else row.duration_s,
            1 if row.valid else 0,
            row.invalid_reason or "",
            row.weight,
        ] + [row.answers.get(item_id, "") for item_id, _ in items]


CSV_CHUNK_ROWS = 500


def export_csv_chunks(
    session: Session, assessment_id: int, timezone: str, headers: str = "en"
) -> Iterator[str]:
    """The export as CSV text in chunks of rows, for a streamed download."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for number, row in enumerate(export_rows(session, assessment_id, timezone, headers), 1):
        writer.writerow(spreadsheet_safe_row(row))
        if number % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def export_csv(session: Session, assessment_id: int, timezone: str, headers: str = "en") -> str:
    """The export as CSV text (UTF-8 with BOM added by the caller for Excel)."""
    return "".join(export_csv_chunks(session, assessment_id, timezone, headers))


def export_xlsx(
    session: Session, assessment_id: int, timezone: str, target: IO[bytes], headers: str = "en"
) -> None:
    """The export as an XLSX workbook written to ``target`` with openpyxl's write-only
    mode (rows go to a temporary file as they come, so memory stays flat)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("数据")
    for row in export_rows(session, assessment_id, timezone, headers):
        sheet.append(spreadsheet_safe_row(row))
    book.save(target)


def export_xlsx_file(
    session: Session, assessment_id: int, timezone: str, headers: str = "en"
) -> Iterator[bytes]:
    """The XLSX export written to a temporary file, then read back in blocks.

    The file is unlinked as soon as it is open, so nothing is left behind whether the
    download finishes or not.
    """
    with tempfile.TemporaryFile() as stored:
        export_xlsx(session, assessment_id, timezone, stored, headers)
        stored.seek(0)
        while block := stored.read(XLSX_BLOCK):
            yield block


XLSX_BLOCK = 256 * 1024


def quality_signals(
    session: Session, assessment: Assessment, *, tally: Tally | None = None
) -> tuple[SignalCell, ...]:
    """Data-quality signals per group and mode (SPEC §2.5), counted in SQL.

    The same counts as :func:`analysis.signals.quality_signals` on the export (a test
    holds the two together), without reading every response into Python.
    """
    tally = tally or count_responses(session, assessment)
    cells: dict[tuple[str, str], list[int]] = {}
    for cell in tally.cells:
        numbers = (
            cell.n,
            cell.n if cell.valid else 0,
            cell.n if cell.coded("too_fast") else cell.fast,
            cell.n if cell.coded("duplicate") else 0,
            cell.n if cell.coded("not_resident") else 0,
            cell.answered_enough if cell.valid else 0,
            cell.straight_lined if cell.valid else 0,
        )
        sums = cells.setdefault((cell.group, cell.mode), [0] * len(numbers))
        for index, number in enumerate(numbers):
            sums[index] += number
    counts = [SignalCounts(group, mode, *numbers) for (group, mode), numbers in cells.items()]
    return signals_from_counts(counts, min_cell=standard_for(assessment.standard).sampling.min_cell)


SCHOOL_GROUPS = ("学生", "家长")


@dataclass(frozen=True)
class SchoolTarget:
    """A school's valid 学生 and 家长 responses against its share of their quotas."""

    code: str
    name: str
    kind: str
    students: int
    done: dict[str, int]
    target: dict[str, int | None]


def school_targets(
    session: Session,
    assessment: Assessment,
    quotas: dict[str, int] | None,
    *,
    tally: Tally | None = None,
) -> list[SchoolTarget]:
    """Each school's share of the 学生 and 家长 quotas by its students (rounded up, so
    the shares cover the quota), and its valid responses of those groups."""
    tally = tally or count_responses(session, assessment)
    done = tally.valid_by(
        lambda c: (c.school, c.group) if c.school is not None and c.group in SCHOOL_GROUPS else None
    )
    schools = assessment.county.schools
    enrolment = sum(s.primary_students + s.junior_students for s in schools)
    result = []
    for school in schools:
        students = school.primary_students + school.junior_students
        target: dict[str, int | None] = {
            group: -(-quotas[group] * students // enrolment) if quotas and enrolment else None
            for group in SCHOOL_GROUPS
        }
        counted = {group: done.get((school.code, group), 0) for group in SCHOOL_GROUPS}
        result.append(
            SchoolTarget(school.code, school.name, school.kind, students, counted, target)
        )
    return result


CHART_HOURS = 48


@dataclass(frozen=True)
class HourBar:
    """One bar of the responses-per-hour chart (SVG units; 12 wide, 100 high)."""

    x: int
    y: float
    height: float
    label: str
    count: int


def hourly_bars(
    session: Session, assessment: Assessment, now: datetime, zone: tzinfo
) -> list[HourBar]:
    """Responses per hour over the last :data:`CHART_HOURS` hours, as bars to draw."""
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=CHART_HOURS - 1)
    if session.get_bind().dialect.name == "postgresql":
        hour = func.to_char(func.date_trunc("hour", Response.submitted_at), "YYYY-MM-DD HH24")
    else:
        hour = func.strftime("%Y-%m-%d %H", Response.submitted_at)
    rows = session.execute(
        select(hour, func.count())
        .where(Response.assessment_id == assessment.id, Response.submitted_at >= start)
        .group_by(hour)
    )
    counts = {str(key): int(n) for key, n in rows}
    hours = [start + timedelta(hours=i) for i in range(CHART_HOURS)]
    values = [counts.get(moment.strftime("%Y-%m-%d %H"), 0) for moment in hours]
    top = max(values) or 1
    return [
        HourBar(
            x=i * 12,
            y=100 - 100 * n / top,
            height=100 * n / top,
            label=moment.astimezone(zone).strftime("%m-%d %H:00"),
            count=n,
        )
        for i, (moment, n) in enumerate(zip(hours, values, strict=True))
    ]
