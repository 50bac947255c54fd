"""Answered items and straight-lining per response, for the quality signals in SQL.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answered", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("straight_lined", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    connection = op.get_bind()
    response = sa.table(
        "response",
        sa.column("id", sa.Integer()),
        sa.column("answers", sa.JSON()),
        sa.column("answered", sa.Integer()),
        sa.column("straight_lined", sa.Boolean()),
    )
    for response_id, answers in connection.execute(sa.select(response.c.id, response.c.answers)).all():
        if isinstance(answers, str):
            answers = json.loads(answers)
        labels = [label for label in (answers or {}).values() if label]
        connection.execute(
            response.update()
            .where(response.c.id == response_id)
            .values(answered=len(labels), straight_lined=bool(labels) and len(set(labels)) == 1)
        )


def downgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_column("straight_lined")
        batch_op.drop_column("answered")
