"""Data files (schools and county uploads) and per-response approval scores.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import json

import sqlalchemy as sa
from alembic import op

import surveyapp.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# top2 as of this revision (SPEC §4); later scheme changes do not rewrite history.
TOP2 = {"满意": 1.0, "比较满意": 1.0, "一般": 0.0, "不满意": 0.0}


def upgrade() -> None:
    op.create_table(
        "data_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", surveyapp.db.UTCDateTime(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.CheckConstraint("kind IN ('schools', 'county')", name=op.f("ck_data_file_kind")),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessment.id"],
            name=op.f("fk_data_file_assessment_id_assessment"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["app_user.id"],
            name=op.f("fk_data_file_uploaded_by_app_user"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_file")),
        sa.UniqueConstraint(
            "assessment_id", "kind", "version", name=op.f("uq_data_file_assessment_id")
        ),
    )
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("score_sum", sa.Double(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("score_count", sa.Integer(), nullable=False, server_default="0"))

    # Backfill a_i and b_i for responses stored before this revision.
    connection = op.get_bind()
    response = sa.table(
        "response",
        sa.column("id", sa.Integer()),
        sa.column("answers", sa.JSON()),
        sa.column("score_sum", sa.Double()),
        sa.column("score_count", sa.Integer()),
    )
    rows = connection.execute(sa.select(response.c.id, response.c.answers)).all()
    for response_id, answers in rows:
        if isinstance(answers, str):
            answers = json.loads(answers)
        scored = [TOP2[label] for label in (answers or {}).values() if label in TOP2]
        connection.execute(
            response.update()
            .where(response.c.id == response_id)
            .values(score_sum=sum(scored), score_count=len(scored))
        )

    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.create_check_constraint(
            "scores", "score_count >= 0 AND score_sum >= 0 AND score_sum <= score_count"
        )


def downgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_response_scores"), type_="check")
        batch_op.drop_column("score_count")
        batch_op.drop_column("score_sum")
    op.drop_table("data_file")
