"""The assessment page's one grouped scan reads a covering index; the hourly chart and
the export read responses by time; the links page counts per link from an index.

``ix_response_tally`` holds the columns of ``surveyapp.tallies.count_responses`` in the
order of its grouping (so neither database sorts, and the wide columns — the answers, the
keys — are not read); it starts with ``assessment_id``, so it replaces
``ix_response_counts`` (assessment_id, valid, respondent_group).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TALLY_COLUMNS = [
    "assessment_id",
    "respondent_group",
    "valid",
    "late",
    "area",
    "grade",
    "school_code",
    "residence",
    "mode",
    "invalid_codes",
    "duration_s",
    "answered",
    "straight_lined",
    "score_count",
    "weight",
    "score_sum",
]


def upgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_index("ix_response_counts")
        batch_op.create_index("ix_response_tally", TALLY_COLUMNS, unique=False)
        batch_op.create_index("ix_response_time", ["assessment_id", "submitted_at"], unique=False)
        batch_op.create_index(
            "ix_response_link",
            ["assessment_id", "link_id", "valid", "submitted_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_index("ix_response_link")
        batch_op.drop_index("ix_response_time")
        batch_op.drop_index("ix_response_tally")
        batch_op.create_index(
            "ix_response_counts", ["assessment_id", "valid", "respondent_group"], unique=False
        )
