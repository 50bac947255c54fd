"""A frozen verdict keeps the responses' tally of its moment (the report made from it
shows the approval by group, quotas, modes and quality signals as they were when frozen).
Verdicts frozen before this revision have none: their reports say so.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("verdict_freeze", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tally", sa.JSON(), nullable=True))


def downgrade() -> None:
    # A frozen tally is part of a signed record: refuse rather than drop it silently.
    count = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM verdict_freeze WHERE tally IS NOT NULL")
    )
    if count:
        raise RuntimeError(f"数据库中有 {count} 份定稿保存了答卷统计，降级会丢失它们，已拒绝")
    with op.batch_alter_table("verdict_freeze", schema=None) as batch_op:
        batch_op.drop_column("tally")
