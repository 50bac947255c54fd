"""One grouped scan of an assessment's responses, read by every figure on a page.

The assessment page shows counts by group, validity, lateness, area, grade, school,
residence and mode (quota progress, school targets, late responses, the sample check, the
valid rate, the quality signals) and the live approval, whose estimator needs the sums of
SPEC §4 per group and per group × school. :func:`count_responses` scans the responses once,
grouped by the columns the page reports (a few thousand cells whatever the number of
responses), and adds up in each cell what the figures need: counts for the signals and
the scored respondents' sufficient statistics (n, Σwa, Σwb, Σw²a², Σw²ab, Σw²b²). Each
consumer sums the cells it needs.

The scan reads the covering index ``ix_response_tally`` (its columns in the order of the
grouping, so neither database sorts): the responses' wide columns (the answers, the keys)
are never read. Counted per request, never cached: the figures are live.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import astuple, dataclass, fields
from typing import TypeVar

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from surveyapp.models import Assessment, Response

Key = TypeVar("Key")


@dataclass(frozen=True)
class ScoredSums:
    """The sufficient statistics of SPEC §4 over scored respondents (b_i > 0)."""

    n: int
    n_positive: int  # with a weight > 0 (R's degf counts only those)
    wa: float
    wb: float
    w2a2: float
    w2ab: float
    w2b2: float


@dataclass(frozen=True)
class TallyCell:
    """The responses sharing these values (None where not given), and what they add up to."""

    group: str
    valid: bool
    late: bool
    area: str | None
    grade: int | None
    school: str | None
    residence: str | None
    mode: str
    codes: str | None  # the invalid-reason codes, comma-separated
    n: int
    fast: int  # took less than the assessment's minimum duration
    answered_enough: int  # at least STRAIGHT_LINING_MIN_ITEMS items answered
    straight_lined: int  # of those, every answer the same label
    scored: ScoredSums

    def coded(self, code: str) -> bool:
        """The cell carries ``code``, a whole code of its list (as :meth:`Response.coded`)."""
        return f",{code}," in f",{self.codes or ''},"

    @property
    def cluster(self) -> str:
        """The trimmed 学校代码, '' when blank (SPEC §4: cl_i; SQL's trim, spaces only)."""
        return (self.school or "").strip(" ")


@dataclass(frozen=True)
class Tally:
    """All of an assessment's responses, counted by the columns the page reports."""

    cells: tuple[TallyCell, ...]

    def to_json(self) -> list[list[object]]:
        """The cells as JSON rows (kept with a frozen verdict: its figures as counted then)."""
        return [
            [getattr(cell, name) for name in CELL_FIELDS] + list(astuple(cell.scored))
            for cell in self.cells
        ]

    @classmethod
    def from_json(cls, rows: list[list[object]]) -> Tally:
        """The tally :meth:`to_json` wrote."""
        width = len(CELL_FIELDS)
        return cls(
            tuple(
                TallyCell(
                    **dict(zip(CELL_FIELDS, row[:width], strict=True)),  # type: ignore[arg-type]
                    scored=ScoredSums(*row[width:]),  # type: ignore[arg-type]
                )
                for row in rows
            )
        )

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


#: A cell's fields as :meth:`Tally.to_json` writes them, before its scored sums.
CELL_FIELDS = tuple(f.name for f in fields(TallyCell) if f.name != "scored")

STRAIGHT_LINING_MIN_ITEMS = 5  # as analysis.signals.quality_signals's min_items

#: The grouping, in the order of the covering index ``ix_response_tally`` (migration 0014).
TALLY_KEY = (
    Response.respondent_group,
    Response.valid,
    Response.late,
    Response.area,
    Response.grade,
    Response.school_code,
    Response.residence,
    Response.mode,
    Response.invalid_codes,
)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.count().filter(condition)


def count_responses(session: Session, assessment: Assessment) -> Tally:
    """Count the assessment's responses, and sum their scores, in one grouped scan."""
    w, a, b = Response.weight, Response.score_sum, Response.score_count
    enough = Response.answered >= STRAIGHT_LINING_MIN_ITEMS
    rows = session.execute(
        select(
            *TALLY_KEY,
            func.count(),
            _count(Response.duration_s < assessment.min_duration_s),
            _count(enough),
            _count(and_(enough, Response.straight_lined)),
            _count(b > 0),
            _count(and_(b > 0, w > 0)),
            # a response with b_i = 0 has a_i = 0 (CHECK "scores"): it adds 0 to each sum
            func.sum(w * a),
            func.sum(w * b),
            func.sum(w * w * a * a),
            func.sum(w * w * a * b),
            func.sum(w * w * b * b),
        )
        .where(Response.assessment_id == assessment.id)
        .group_by(*TALLY_KEY)
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
                int(n),
                int(fast or 0),
                int(enough_n or 0),
                int(straight or 0),
                ScoredSums(
                    int(scored or 0),
                    int(positive or 0),
                    float(wa or 0),
                    float(wb or 0),
                    float(w2a2 or 0),
                    float(w2ab or 0),
                    float(w2b2 or 0),
                ),
            )
            for (
                group,
                valid,
                late,
                area,
                grade,
                school,
                residence,
                mode,
                codes,
                n,
                fast,
                enough_n,
                straight,
                scored,
                positive,
                wa,
                wb,
                w2a2,
                w2ab,
                w2b2,
            ) in rows
        )
    )
