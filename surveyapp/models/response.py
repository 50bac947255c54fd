from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from analysis.vocabulary import (
    AREAS,
    GROUPS,
    INSTRUMENTS,
    INVALID_REASONS,
    MODES,
    RESIDENCE_ANSWERS,
)
from surveyapp.db import Base, UTCDateTime, one_of


class Response(Base):
    """One questionnaire as submitted. Anonymous: no name, phone, IP or user agent.

    Invalid responses are kept with their ``invalid_reason`` (Chinese text) and
    ``invalid_codes`` (the codes of :data:`analysis.vocabulary.INVALID_REASONS`,
    comma-separated, for counting) and left out of the analysis (SPEC §2.5). ``late``:
    accepted within the grace period after its link was stopped or the collection closed. ``submission_key`` is the nonce of the signed form key, unique,
    so a double tap or a retry stores one response.
    """

    __tablename__ = "response"
    __table_args__ = (
        CheckConstraint(one_of("respondent_group", GROUPS), name="group"),
        CheckConstraint(one_of("instrument", tuple(INSTRUMENTS)), name="instrument"),
        CheckConstraint(one_of("mode", MODES), name="mode"),
        CheckConstraint("area IS NULL OR " + one_of("area", AREAS), name="area"),
        CheckConstraint(
            "residence IS NULL OR " + one_of("residence", RESIDENCE_ANSWERS), name="residence"
        ),
        CheckConstraint("grade IS NULL OR (grade >= 1 AND grade <= 9)", name="grade"),
        CheckConstraint("weight >= 0", name="weight"),
        CheckConstraint("valid OR invalid_reason IS NOT NULL", name="reason"),
        CheckConstraint(
            "score_count >= 0 AND score_sum >= 0 AND score_sum <= score_count", name="scores"
        ),
        Index("ix_response_device", "assessment_id", "device_hash", "instrument"),
        # the assessment page's one grouped scan (surveyapp.tallies), in its grouping's
        # order, and the responses by time (the hourly chart, the export)
        Index(
            "ix_response_tally",
            "assessment_id",
            "respondent_group",
            "valid",
            "late",
            "area",
            "grade",
            "school_code",
            "residence",
            "mode",
            "invalid_codes",
            "duration_s",
            "answered",
            "straight_lined",
            "score_count",
            "weight",
            "score_sum",
        ),
        Index("ix_response_time", "assessment_id", "submitted_at"),
        # the links page's counts per link (surveyapp.assessments.services.link_counts)
        Index("ix_response_link", "assessment_id", "link_id", "valid", "submitted_at"),
        UniqueConstraint(
            "assessment_id", "paper_batch", "paper_sheet", name="uq_response_paper_sheet"
        ),
        CheckConstraint("(paper_batch IS NULL) = (paper_sheet IS NULL)", name="paper_pair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    link_id: Mapped[int | None] = mapped_column(
        ForeignKey("collection_link.id", ondelete="SET NULL")
    )
    instrument: Mapped[str] = mapped_column(String(20))
    respondent_group: Mapped[str] = mapped_column(String(20))
    school_code: Mapped[str | None] = mapped_column(String(40))
    # The residence as asked (县城（市区）/ 镇上 / 乡政府所在地 / 村里 / 县外) and its class
    # (城区 / 镇区 / 乡村) by the county's kind (SPEC §2.5, analysis.residence).
    residence: Mapped[str | None] = mapped_column(String(20))
    area: Mapped[str | None] = mapped_column(String(10))
    grade: Mapped[int | None]
    mode: Mapped[str] = mapped_column(String(10), default="自填")
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_s: Mapped[float | None]
    device_hash: Mapped[str | None] = mapped_column(String(64))
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    valid: Mapped[bool] = mapped_column(default=True)
    invalid_reason: Mapped[str | None] = mapped_column(String(200))
    invalid_codes: Mapped[str | None] = mapped_column(String(100))
    late: Mapped[bool] = mapped_column(default=False, server_default=false())
    weight: Mapped[float] = mapped_column(default=1.0)
    answers: Mapped[dict[str, str]] = mapped_column(JSON)
    # a_i and b_i of SPEC §4 under the standard's scheme, fixed at submission, so the
    # live approval is a SQL aggregate (see surveyapp.approval).
    score_sum: Mapped[float] = mapped_column(default=0.0, server_default="0")
    score_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # For the quality signals in SQL: how many items were answered (不了解 included),
    # and whether every answer is the same label (a signal only, never a reason).
    answered: Mapped[int] = mapped_column(default=0, server_default="0")
    straight_lined: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Who recorded a 代填 or 纸质 response (an interviewer or an evaluator); it names the
    # interviewer, not the respondent, and is kept out of the SPEC §3 export (docs/field.md).
    entered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), index=True
    )
    # A 纸质 response's batch (a bundle of sheets) and its sheet number in the batch.
    paper_batch: Mapped[str | None] = mapped_column(String(40))
    paper_sheet: Mapped[str | None] = mapped_column(String(40))

    def __repr__(self) -> str:
        return f"<Response {self.public_id} {self.respondent_group} valid={self.valid}>"

    @property
    def codes(self) -> list[str]:
        """The invalid-reason codes, in the order they were given."""
        return [code for code in (self.invalid_codes or "").split(",") if code]

    @staticmethod
    def coded(code: str) -> ColumnElement[bool]:
        """SQL: the response carries ``code``, a whole code of its comma-separated list."""
        return ("," + func.coalesce(Response.invalid_codes, "") + ",").contains(f",{code},")


def answer_pattern(answers: dict[str, str]) -> tuple[int, bool]:
    """(answered items, all the same label) of a response's answers."""
    labels = [label for label in answers.values() if label]
    return len(labels), len(labels) > 0 and len(set(labels)) == 1


def invalid_fields(codes: list[str]) -> dict[str, object]:
    """``valid``, ``invalid_reason`` and ``invalid_codes`` of a response with these reasons."""
    return {
        "valid": not codes,
        "invalid_reason": "；".join(INVALID_REASONS[code] for code in codes) or None,
        "invalid_codes": ",".join(codes) or None,
    }
