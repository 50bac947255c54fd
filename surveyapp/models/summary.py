from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.db import Base, UTCDateTime, utcnow
from surveyapp.models.assessment import Assessment


class VerdictSummary(Base):
    """The verdict of an assessment in a few figures, written when it is computed.

    The province's overview reads these rows and never recomputes a verdict per view
    (SPEC §5 `renke province`). One row per assessment, replaced on each computation.
    """

    __tablename__ = "verdict_summary"

    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), primary_key=True
    )
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    certified: Mapped[bool | None]
    eligible: Mapped[bool | None]
    approval: Mapped[float | None]
    ci_low: Mapped[float | None]
    ci_high: Mapped[float | None]
    sample_ok: Mapped[bool | None]
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    frozen: Mapped[bool] = mapped_column(default=False)
    # For yearly monitoring (SPEC §2.4): the approval's standard error, every measure's
    # 达标 {key: true|false|null} and its Chinese label {key: label}
    # (analysis.monitoring.verdict_measures); empty until the verdict is computed again.
    # Apart, so the overview decodes the labels only of what fell.
    approval_se: Mapped[float | None]
    measures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    measure_labels: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    assessment: Mapped[Assessment] = relationship()

    def __repr__(self) -> str:
        return f"<VerdictSummary {self.assessment_id} certified={self.certified}>"

    def as_dict(self) -> dict[str, Any]:
        return {
            "certified": self.certified,
            "approval": self.approval,
            "ci": None if self.ci_low is None else [self.ci_low, self.ci_high],
            "sample_ok": self.sample_ok,
            "reasons": list(self.reasons),
        }
