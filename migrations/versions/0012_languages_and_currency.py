"""Languages: each user's language and time zone; each order's currency.

Revision ID: 0012i
Revises: 0011p
"""

import sqlalchemy as sa
from alembic import op

revision = "0012i"
down_revision = "0011p"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
    with op.batch_alter_table("orders") as batch:
        batch.add_column(
            sa.Column("currency", sa.String(length=3), nullable=False, server_default="TRY")
        )


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("currency")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("timezone")
        batch.drop_column("language")
