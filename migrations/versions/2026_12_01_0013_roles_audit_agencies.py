"""SPEC §1's roles (州市, 第三方机构) with their scope, one-time passwords, the audit log.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import surveyapp.db

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# 0012 (the field) added the interviewer
OLD_ROLES = "role IN ('admin', 'province', 'evaluator', 'interviewer')"
NEW_ROLES = "role IN ('admin', 'province', 'prefecture', 'evaluator', 'agency', 'interviewer')"


def upgrade() -> None:
    op.create_table(
        "agency_assignment",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("assigned_at", surveyapp.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_agency_assignment_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_agency_assignment_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "assessment_id", name=op.f("pk_agency_assignment")),
    )
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", surveyapp.db.UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["county_id"],
            ["county.id"],
            name=op.f("fk_audit_entry_county_id_county"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_audit_entry_user_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    op.create_index("ix_audit_entry_at", "audit_entry", ["at"], unique=False)
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prefecture", sa.String(length=60), nullable=True))
        batch_op.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.drop_constraint(batch_op.f("ck_app_user_role"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_app_user_role"), NEW_ROLES)


def downgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_app_user_role"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_app_user_role"), OLD_ROLES)
        batch_op.drop_column("must_change_password")
        batch_op.drop_column("prefecture")
    op.drop_index("ix_audit_entry_at", table_name="audit_entry")
    op.drop_table("audit_entry")
    op.drop_table("agency_assignment")
