"""Session versions and disabling per user, and failed sign-ins for the throttle.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import surveyapp.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(
            sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(sa.Column("disabled_at", surveyapp.db.UTCDateTime(), nullable=True))
    op.create_table(
        "sign_in_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", surveyapp.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failure")),
    )
    op.create_index("ix_sign_in_failure_username_at", "sign_in_failure", ["username", "at"])
    op.create_index("ix_sign_in_failure_address_at", "sign_in_failure", ["address", "at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_failure_address_at", table_name="sign_in_failure")
    op.drop_index("ix_sign_in_failure_username_at", table_name="sign_in_failure")
    op.drop_table("sign_in_failure")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("disabled_at")
        batch.drop_column("session_version")
