from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.db import Base, UTCDateTime, utcnow


class MonitoringReview(Base):
    """A certified county's yearly monitoring as last reviewed (SPEC §2.4), stored.

    Written whenever one of the county's 省级评估 or 年度监测 summaries is written
    (:func:`surveyapp.province.monitoring.store_monitoring`), so the province's overview
    reads it as it reads the verdict summaries, never reviewing per view. ``review`` is
    the county's :class:`surveyapp.province.monitoring.CountyMonitoring`, labels in.
    """

    __tablename__ = "monitoring_review"

    county_id: Mapped[int] = mapped_column(
        ForeignKey("county.id", ondelete="CASCADE"), primary_key=True
    )
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    review: Mapped[dict[str, Any]] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"<MonitoringReview county={self.county_id}>"
