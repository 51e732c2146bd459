"""The index of the HTML list's default view: a channel's active customers, newest first.

Without it PostgreSQL walks ``ix_customers_created_date`` backwards and filters channel and
is_active row by row: when another channel holds the newest rows (a back-fill, a busy
marketplace), a page read 100,000 rows (25 ms at 1,000,000 customers). With it: an index-only
walk of 25 entries (0.5 ms).

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = ["channel_id", "is_active", "created_date", "id"]


def upgrade():
    op.create_index("ix_customers_channel_active_created", "customers", COLUMNS)
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and _analyzed(bind):
        # SQLite takes an index missing from statistics that exist for its siblings for a
        # very selective one: measured at 1,000,000 customers, quick search fell from 0.05 ms
        # to a 1 s scan until ANALYZE (2.6 s) completed them. Never analyzed: nothing to do.
        op.execute("ANALYZE customers")


def _analyzed(bind) -> bool:
    found = bind.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
    )
    return found.first() is not None


def downgrade():
    op.drop_index("ix_customers_channel_active_created", table_name="customers")
