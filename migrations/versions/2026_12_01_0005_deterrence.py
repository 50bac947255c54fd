"""Deterrence: late responses, invalid-reason codes, when a link was stopped.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import surveyapp.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The reasons the service stored before codes existed (analysis.vocabulary.INVALID_REASONS
# at this revision; copied, since a migration must not change when the vocabulary does).
REASON_CODES = {
    "非本县居民": "not_resident",
    "重复提交（同一设备、同一问卷）": "duplicate",
    "用时过短": "too_fast",
    "未答完": "incomplete",
    "评估人员认定无效": "manual",
}


def upgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invalid_codes", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("late", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("collection_link", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stopped_at", surveyapp.db.UTCDateTime(), nullable=True))
    # Links stopped before this revision: the stop time is unknown; the grace period
    # starts now, so no form shown before the stop is refused by the upgrade itself.
    op.execute("UPDATE collection_link SET stopped_at = CURRENT_TIMESTAMP WHERE NOT active")
    connection = op.get_bind()
    response = sa.table(
        "response",
        sa.column("id", sa.Integer()),
        sa.column("invalid_reason", sa.String()),
        sa.column("invalid_codes", sa.String()),
    )
    reasons = connection.execute(
        sa.select(response.c.invalid_reason).where(response.c.invalid_reason.is_not(None)).distinct()
    ).scalars()
    for reason in list(reasons):
        # Known reasons become codes; any other text (hand-written) counts as manual.
        codes = [REASON_CODES.get(part.strip(), "manual") for part in reason.split("；")]
        connection.execute(
            response.update()
            .where(response.c.invalid_reason == reason)
            .values(invalid_codes=",".join(dict.fromkeys(codes)))
        )


def downgrade() -> None:
    with op.batch_alter_table("collection_link", schema=None) as batch_op:
        batch_op.drop_column("stopped_at")
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_column("late")
        batch_op.drop_column("invalid_codes")
