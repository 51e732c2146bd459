"""Saved views: named customer-list query strings, personal or shared.

Revision ID: 0010e
Revises: 0009d
"""

import sqlalchemy as sa
from alembic import op

from backoffice.types import UTCDateTime

revision = "0010e"
down_revision = "0009d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("created_date", UTCDateTime(timezone=True), nullable=False),
        sa.Column("modified_date", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_saved_views_owner_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_views")),
        sa.UniqueConstraint("owner_id", "name", name=op.f("uq_saved_views_owner_id_name")),
    )
    op.create_index("ix_saved_views_shared", "saved_views", ["shared"])


def downgrade() -> None:
    op.drop_index("ix_saved_views_shared", table_name="saved_views")
    op.drop_table("saved_views")
