"""In the field: the interviewer role, who entered a response, paper batches and checks.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import surveyapp.db

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ROLES_BEFORE = ("admin", "province", "evaluator")
ROLES_AFTER = ("admin", "province", "evaluator", "interviewer")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_app_user_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_app_user_role"), _in("role", ROLES_AFTER))
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entered_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("paper_batch", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("paper_sheet", sa.String(length=40), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_response_entered_by_id_app_user"),
            "app_user",
            ["entered_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(batch_op.f("ix_response_entered_by_id"), ["entered_by_id"])
        batch_op.create_unique_constraint(
            op.f("uq_response_paper_sheet"), ["assessment_id", "paper_batch", "paper_sheet"]
        )
        batch_op.create_check_constraint(
            op.f("ck_response_paper_pair"), "(paper_batch IS NULL) = (paper_sheet IS NULL)"
        )
    op.create_table(
        "paper_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("entered_at", surveyapp.db.UTCDateTime(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("compared", sa.Integer(), nullable=False),
        sa.Column("differences", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "differences >= 0 AND differences <= compared",
            name=op.f("ck_paper_check_differences"),
        ),
        sa.ForeignKeyConstraint(
            ["response_id"], ["response.id"],
            name=op.f("fk_paper_check_response_id_response"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"], ["app_user.id"],
            name=op.f("fk_paper_check_entered_by_id_app_user"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_check")),
    )
    with op.batch_alter_table("paper_check", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_paper_check_response_id"), ["response_id"])


def downgrade() -> None:
    with op.batch_alter_table("paper_check", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_paper_check_response_id"))
    op.drop_table("paper_check")
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_response_paper_pair"), type_="check")
        batch_op.drop_constraint(op.f("uq_response_paper_sheet"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_response_entered_by_id"))
        batch_op.drop_constraint(op.f("fk_response_entered_by_id_app_user"), type_="foreignkey")
        batch_op.drop_column("paper_sheet")
        batch_op.drop_column("paper_batch")
        batch_op.drop_column("entered_by_id")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_app_user_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_app_user_role"), _in("role", ROLES_BEFORE))
