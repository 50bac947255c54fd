"""Counties keyed by 行政区划代码 with their planned year; verdict summaries for the province.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import surveyapp.db

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("county", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("planned_year", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_county_code"), ["code"])
        batch_op.create_check_constraint(
            batch_op.f("ck_county_year"),
            "planned_year IS NULL OR planned_year BETWEEN 2022 AND 2035",
        )
    op.create_table(
        "verdict_summary",
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("computed_at", surveyapp.db.UTCDateTime(), nullable=False),
        sa.Column("certified", sa.Boolean(), nullable=True),
        sa.Column("eligible", sa.Boolean(), nullable=True),
        sa.Column("approval", sa.Double(), nullable=True),
        sa.Column("ci_low", sa.Double(), nullable=True),
        sa.Column("ci_high", sa.Double(), nullable=True),
        sa.Column("sample_ok", sa.Boolean(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("frozen", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_verdict_summary_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("assessment_id", name=op.f("pk_verdict_summary")),
    )


def downgrade() -> None:
    op.drop_table("verdict_summary")
    with op.batch_alter_table("county", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_county_year"), type_="check")
        batch_op.drop_constraint(batch_op.f("uq_county_code"), type_="unique")
        batch_op.drop_column("planned_year")
        batch_op.drop_column("code")
