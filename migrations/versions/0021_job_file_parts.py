"""Job files: the file a job writes (a large customer export), in pieces, in the database.

Revision ID: 0021e
Revises: 0020c
"""

import sqlalchemy as sa
from alembic import op

revision = "0021e"
down_revision = "0020c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_file_parts",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_job_file_parts_job_id_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "seq", name=op.f("pk_job_file_parts")),
    )


def downgrade() -> None:
    op.drop_table("job_file_parts")
