"""Privacy requests: the register of access, erasure and consent withdrawal requests.

Revision ID: 0011p
Revises: 0010e
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import backoffice.types

revision = "0011p"
down_revision = "0010e"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
WHEN = backoffice.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "privacy_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone_number", sa.String(length=128), nullable=True),
        sa.Column("email_key", sa.String(length=254), nullable=True),
        sa.Column("phone_key", sa.String(length=32), nullable=True),
        sa.Column("email_hash", sa.String(length=64), nullable=True),
        sa.Column("phone_hash", sa.String(length=64), nullable=True),
        sa.Column("details", JSON, nullable=False),
        sa.Column("received_at", WHEN, nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=128), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by_label", sa.String(length=255), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("completed_by_id", sa.Integer(), nullable=True),
        sa.Column("completed_by_label", sa.String(length=255), nullable=True),
        sa.Column("completed_at", WHEN, nullable=True),
        sa.Column("package", JSON, nullable=True),
        sa.Column("package_expires_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(["completed_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_privacy_requests_status_due", "privacy_requests", ["status", "due_date"])
    op.create_index("ix_privacy_requests_email_hash", "privacy_requests", ["email_hash"])
    op.create_index("ix_privacy_requests_phone_hash", "privacy_requests", ["phone_hash"])


def downgrade() -> None:
    op.drop_table("privacy_requests")
