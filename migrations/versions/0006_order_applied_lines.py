"""Orders remember the import lines applied to them, so importing a file again is a no-op.

``orders.applied_lines`` holds a 16-hex digest of each import line applied to the order,
space separated. ``flask orders import`` skips a line whose digest its order already holds:
its buyer's details (older, perhaps, than the buyer's present ones) are not applied again.
Orders imported before this revision start empty; their lines are recognised from their next
import on.

Revision ID: 0006b
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006b"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("applied_lines", sa.Text(), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("applied_lines")
