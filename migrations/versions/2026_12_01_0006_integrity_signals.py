"""Integrity signals: stored runs, their flags, and the evaluators' reviews.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import surveyapp.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["app_user.id"], name=op.f(f"fk_{table}_{column}_app_user"), ondelete="SET NULL"
    )


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "integrity_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("computed_at", surveyapp.db.UTCDateTime(), nullable=False),
        sa.Column("computed_by_id", sa.Integer(), nullable=True),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("flagged", sa.Integer(), nullable=False),
        sa.Column("incidents", sa.JSON(), nullable=False),
        sa.Column("approval", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        _fk("integrity_run", "assessment_id", "assessment"),
        _user_fk("integrity_run", "computed_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integrity_run")),
    )
    op.create_index(
        op.f("ix_integrity_run_assessment_id"), "integrity_run", ["assessment_id"], unique=False
    )
    op.create_table(
        "integrity_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("incident", sa.Integer(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        _fk("integrity_flag", "run_id", "integrity_run"),
        _fk("integrity_flag", "response_id", "response"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integrity_flag")),
        sa.UniqueConstraint("run_id", "response_id", name=op.f("uq_integrity_flag_run_id")),
    )
    op.create_index(op.f("ix_integrity_flag_run_id"), "integrity_flag", ["run_id"], unique=False)
    op.create_table(
        "flag_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=160), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", surveyapp.db.UTCDateTime(), nullable=False),
        sa.Column("previous_valid", sa.Boolean(), nullable=False),
        sa.Column("previous_reason", sa.String(length=200), nullable=True),
        sa.Column("withdrawn_at", surveyapp.db.UTCDateTime(), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "decision IN ('confirmed', 'dismissed')", name=op.f("ck_flag_review_decision")
        ),
        sa.CheckConstraint(
            "decision <> 'confirmed' OR reason IS NOT NULL", name=op.f("ck_flag_review_reason")
        ),
        _fk("flag_review", "assessment_id", "assessment"),
        _fk("flag_review", "response_id", "response"),
        _user_fk("flag_review", "reviewed_by_id"),
        _user_fk("flag_review", "withdrawn_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flag_review")),
    )
    op.create_index(
        "ix_flag_review_assessment", "flag_review", ["assessment_id", "withdrawn_at"], unique=False
    )
    op.create_index(
        op.f("ix_flag_review_response_id"), "flag_review", ["response_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("flag_review")
    op.drop_table("integrity_flag")
    op.drop_table("integrity_run")
