"""Import runs: each run of the order import leaves a record (started, finished, counts,
status), which the dashboard lists.

Revision ID: 0018r
Revises: 0017x
"""

import sqlalchemy as sa
from alembic import op

import backoffice.types

revision = "0018r"
down_revision = "0017x"
branch_labels = None
depends_on = None

WHEN = backoffice.types.UTCDateTime(timezone=True)
COUNTS = (
    "lines",
    "orders_created",
    "orders_updated",
    "orders_unchanged",
    "customers_created",
    "customers_updated",
    "rejected",
)


def upgrade() -> None:
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("finished_at", WHEN, nullable=True),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.Column("error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    op.create_index("ix_import_runs_started_at", "import_runs", ["started_at"])


def downgrade() -> None:
    op.drop_table("import_runs")
