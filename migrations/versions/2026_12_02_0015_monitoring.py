"""Yearly monitoring (SPEC §2.4): the 年度监测 stage; the approval's SE and the measures
in each verdict summary (existing summaries get none until their verdict is computed again).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import surveyapp.db

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

OLD_STAGES = "stage IN ('county', 'prefecture', 'province')"
NEW_STAGES = "stage IN ('county', 'prefecture', 'province', 'monitoring')"


def upgrade() -> None:
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_assessment_stage"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_assessment_stage"), NEW_STAGES)
    with op.batch_alter_table("verdict_summary", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approval_se", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("measures", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("measure_labels", sa.JSON(), nullable=True))
    op.execute("UPDATE verdict_summary SET measures = '{}', measure_labels = '{}'")
    with op.batch_alter_table("verdict_summary", schema=None) as batch_op:
        batch_op.alter_column("measures", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("measure_labels", existing_type=sa.JSON(), nullable=False)
    # each certified county's review, stored when its summaries are written; summaries
    # written before this revision have no measures, and 重新计算各县结论 writes both
    op.create_table(
        "monitoring_review",
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("computed_at", surveyapp.db.UTCDateTime(), nullable=False),
        sa.Column("review", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_id"],
            ["county.id"],
            name=op.f("fk_monitoring_review_county_id_county"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("county_id", name=op.f("pk_monitoring_review")),
    )


def downgrade() -> None:
    # The old stage vocabulary cannot hold a 年度监测 assessment: refuse rather than
    # delete an official's data silently.
    count = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM assessment WHERE stage = 'monitoring'")
    )
    if count:
        raise RuntimeError(f"数据库中有 {count} 个年度监测评估，请先删除后再降级")
    op.drop_table("monitoring_review")
    with op.batch_alter_table("verdict_summary", schema=None) as batch_op:
        batch_op.drop_column("measure_labels")
        batch_op.drop_column("measures")
        batch_op.drop_column("approval_se")
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_assessment_stage"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_assessment_stage"), OLD_STAGES)
