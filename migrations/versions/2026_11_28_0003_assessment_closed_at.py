"""When the evaluator closed the collection (forms shown before it stay acceptable).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

import surveyapp.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", surveyapp.db.UTCDateTime(), nullable=True))
    # Assessments closed before this revision: their close time is unknown; the end of
    # the window stands in for it (or, without one, now: nothing earlier is refused).
    op.execute(
        "UPDATE assessment SET closed_at = COALESCE(closes_at, CURRENT_TIMESTAMP) "
        "WHERE state = 'closed'"
    )


def downgrade() -> None:
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_column("closed_at")
