"""Frozen verdicts (定稿) and accepted 特殊情况 with their documents.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import surveyapp.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verdict_freeze",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("frozen_at", surveyapp.db.UTCDateTime(), nullable=False),
        sa.Column("frozen_by", sa.Integer(), nullable=True),
        sa.Column("frozen_by_name", sa.String(length=80), nullable=False),
        sa.Column("schools_file_id", sa.Integer(), nullable=True),
        sa.Column("schools_sha256", sa.String(length=64), nullable=False),
        sa.Column("county_file_id", sa.Integer(), nullable=True),
        sa.Column("county_sha256", sa.String(length=64), nullable=True),
        sa.Column("exceptions_sha256", sa.String(length=64), nullable=False),
        sa.Column("standard", sa.String(length=40), nullable=False),
        sa.Column("certified", sa.Boolean(), nullable=False),
        sa.Column("invalidations", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessment.id"],
            name=op.f("fk_verdict_freeze_assessment_id_assessment"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["frozen_by"], ["app_user.id"],
            name=op.f("fk_verdict_freeze_frozen_by_app_user"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["schools_file_id"], ["data_file.id"],
            name=op.f("fk_verdict_freeze_schools_file_id_data_file"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["county_file_id"], ["data_file.id"],
            name=op.f("fk_verdict_freeze_county_file_id_data_file"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verdict_freeze")),
        sa.UniqueConstraint("assessment_id", name=op.f("uq_verdict_freeze_assessment_id")),
    )  # fmt: skip
    op.create_table(
        "special_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("school_code", sa.String(length=40), nullable=False),
        sa.Column("section", sa.String(length=10), nullable=True),
        sa.Column("target", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("document_name", sa.String(length=255), nullable=False),
        sa.Column("document_type", sa.String(length=40), nullable=False),
        sa.Column("document_size", sa.Integer(), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=False),
        sa.Column("accepted_by", sa.Integer(), nullable=True),
        sa.Column("accepted_by_name", sa.String(length=80), nullable=False),
        sa.Column("accepted_at", surveyapp.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "(target IN ('3', '4', '5') AND section IS NULL AND value IS NULL)"
            " OR (target NOT IN ('3', '4', '5') AND section IS NOT NULL AND value IS NOT NULL)",
            name=op.f("ck_special_case_target"),
        ),
        sa.CheckConstraint(
            "section IS NULL OR section IN ('primary', 'junior')",
            name=op.f("ck_special_case_section"),
        ),
        sa.CheckConstraint(
            "document_type IN ('application/pdf', 'image/png', 'image/jpeg')",
            name=op.f("ck_special_case_document_type"),
        ),
        sa.CheckConstraint("value IS NULL OR value >= 0", name=op.f("ck_special_case_value")),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessment.id"],
            name=op.f("fk_special_case_assessment_id_assessment"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["accepted_by"], ["app_user.id"],
            name=op.f("fk_special_case_accepted_by_app_user"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_special_case")),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("special_case")
    op.drop_table("verdict_freeze")
