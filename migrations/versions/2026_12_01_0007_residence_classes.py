"""Residence in the statistics office's classes: county kind, residence as asked, 城镇 split.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

The kind of an existing county is derived from its name as analysis.residence does
(…自治县/…自治旗 自治县, …林区/…特区/…县/…旗 县, …市 县级市, …区 市辖区); a name that
says nothing is taken as a 县, the commonest kind, and can be changed on the settings page.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

RESIDENCE_ANSWERS = ("县城（市区）", "镇上（镇政府所在地）", "乡政府所在地", "村里", "县外")
KINDS = ("县", "自治县", "县级市", "市辖区")
# Longest ending first, as analysis.residence._NAME_ENDINGS (frozen here).
NAME_ENDINGS = (
    ("自治县", "自治县"),
    ("自治旗", "自治县"),
    ("林区", "县"),
    ("特区", "县"),
    ("县", "县"),
    ("旗", "县"),
    ("市", "县级市"),
    ("区", "市辖区"),
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade() -> None:
    with op.batch_alter_table("county", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=10), nullable=True))
    county = sa.table("county", sa.column("id", sa.Integer()), sa.column("name", sa.String()))
    connection = op.get_bind()
    for county_id, name in connection.execute(sa.select(county.c.id, county.c.name)).all():
        kind = next((k for ending, k in NAME_ENDINGS if name.strip().endswith(ending)), "县")
        connection.execute(
            sa.text("UPDATE county SET kind = :kind WHERE id = :id"), {"kind": kind, "id": county_id}
        )
    with op.batch_alter_table("county", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=sa.String(length=10), nullable=False)
        batch_op.create_check_constraint(op.f("ck_county_kind"), _in("kind", KINDS))

    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("residence", sa.String(length=20), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_response_residence"),
            "residence IS NULL OR " + _in("residence", RESIDENCE_ANSWERS),
        )

    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("population_urban_town", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_assessment_population_split"),
            "population_urban_town IS NULL OR "
            "(population_urban IS NULL AND population_town IS NULL)",
        )


def downgrade() -> None:
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_assessment_population_split"), type_="check")
        batch_op.drop_column("population_urban_town")
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_response_residence"), type_="check")
        batch_op.drop_column("residence")
    with op.batch_alter_table("county", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_county_kind"), type_="check")
        batch_op.drop_column("kind")
