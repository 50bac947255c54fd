"""Recorded exceptions to the 家长 share of the sample check (SPEC §2.5).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import surveyapp.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sample_exception",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("document", sa.String(length=200), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_by_name", sa.String(length=80), nullable=False),
        sa.Column("recorded_at", surveyapp.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint("length(reason) > 0", name=op.f("ck_sample_exception_reason")),
        sa.CheckConstraint("length(document) > 0", name=op.f("ck_sample_exception_document")),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessment.id"],
            name=op.f("fk_sample_exception_assessment_id_assessment"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["app_user.id"],
            name=op.f("fk_sample_exception_recorded_by_app_user"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sample_exception")),
    )
    with op.batch_alter_table("sample_exception", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sample_exception_assessment_id"), ["assessment_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sample_exception", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sample_exception_assessment_id"))
    op.drop_table("sample_exception")
