"""One grouped count of an assessment's responses, read by every count on a page.

The assessment page shows counts by group, validity, lateness, area, grade, school and
residence (quota progress, school targets, late responses, the sample check, the valid
rate). Each used to scan the responses on its own; :func:`count_responses` scans them
once, grouped by all of those columns (a few thousand rows whatever the number of
responses), and each consumer sums the rows it needs. The figures are the same integers
as the separate queries gave. Counted per request, never cached: the figures are live.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.models import Assessment, Response

Key = TypeVar("Key")


@dataclass(frozen=True)
class TallyCell:
    """The number of responses sharing these values (None where not given)."""

    group: str
    valid: bool
    late: bool
    area: str | None
    grade: int | None
    school: str | None
    residence: str | None
    mode: str
    codes: str | None  # the invalid-reason codes, comma-separated
    fast: bool  # took less than the assessment's minimum duration
    answered_enough: bool  # at least STRAIGHT_LINING_MIN_ITEMS items answered
    straight_lined: bool
    n: int

    def coded(self, code: str) -> bool:
        """The cell carries ``code``, a whole code of its list (as :meth:`Response.coded`)."""
        return f",{code}," in f",{self.codes or ''},"


@dataclass(frozen=True)
class Tally:
    """All of an assessment's responses, counted by the columns the page reports."""

    cells: tuple[TallyCell, ...]

    def valid_cells(self) -> Iterable[TallyCell]:
        return (cell for cell in self.cells if cell.valid)

    def valid_by(self, key: Callable[[TallyCell], Key | None]) -> dict[Key, int]:
        """Valid responses per value of ``key``, leaving out cells where it is None."""
        totals: dict[Key, int] = {}
        for cell in self.valid_cells():
            value = key(cell)
            if value is not None:
                totals[value] = totals.get(value, 0) + cell.n
        return totals


STRAIGHT_LINING_MIN_ITEMS = 5  # as analysis.signals.quality_signals's min_items


def count_responses(session: Session, assessment: Assessment) -> Tally:
    """Count the assessment's responses in one grouped query."""
    columns = (
        Response.respondent_group,
        Response.valid,
        Response.late,
        Response.area,
        Response.grade,
        Response.school_code,
        Response.residence,
        Response.mode,
        Response.invalid_codes,
        Response.duration_s < assessment.min_duration_s,
        Response.answered >= STRAIGHT_LINING_MIN_ITEMS,
        Response.straight_lined,
    )
    rows = session.execute(
        select(*columns, func.count())
        .where(Response.assessment_id == assessment.id)
        .group_by(*columns)
    )
    return Tally(
        tuple(
            TallyCell(
                str(group),
                bool(valid),
                bool(late),
                None if area is None else str(area),
                None if grade is None else int(grade),
                None if school is None else str(school),
                None if residence is None else str(residence),
                str(mode),
                None if codes is None else str(codes),
                bool(fast),
                bool(enough),
                bool(straight),
                int(n),
            )
            for group, valid, late, area, grade, school, residence, mode, codes, fast, enough, straight, n in rows
        )
    )
