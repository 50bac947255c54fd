"""Certifications made before Renke, recorded by the province: a county's 认定年份 from
the plan (the year it passed its 省级评估 before Renke held verdicts). Existing counties
get none until a plan with the column is imported.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

RANGE = "certified_year IS NULL OR certified_year BETWEEN 2017 AND 2035"


def upgrade() -> None:
    with op.batch_alter_table("county", schema=None) as batch_op:
        batch_op.add_column(sa.Column("certified_year", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(batch_op.f("ck_county_certified_year"), RANGE)


def downgrade() -> None:
    # A recorded 认定年份 is the province's record of a certification: refuse rather
    # than drop it silently.
    count = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM county WHERE certified_year IS NOT NULL")
    )
    if count:
        raise RuntimeError(
            f"数据库中有 {count} 个县记录了认定年份（据规划表导入），降级会丢失它们，已拒绝"
        )
    with op.batch_alter_table("county", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_county_certified_year"), type_="check")
        batch_op.drop_column("certified_year")
