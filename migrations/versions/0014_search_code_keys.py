"""Codes found in any case: indexes on each searched code with its ASCII letters in small
(``backoffice.types.code_key``: ``lower(code)`` on SQLite, ``lower(code COLLATE "C")`` on
PostgreSQL), so a stored ``Ty-100000aB`` is found by ``ty-100000ab`` or ``TY-1000`` as a range
of one index. ``ix_orders_number`` (0007), which only the search read, gives way to its
case-free form.

Nothing to fill: the database computes each index's keys from the row, on every write path.

Revision ID: 0014s
Revises: 0012i
"""

from alembic import op

revision = "0014s"
down_revision = "0012i"
branch_labels = None
depends_on = None

INDEXES = {  # name: (table, code column, the column after it)
    "ix_customers_channel_code_key": ("customers", "channel_code", "id"),
    "ix_customers_erp_code_key": ("customers", "erp_code", "id"),
    "ix_orders_number_key": ("orders", "number", "customer_id"),
    "ix_integration_mappings_code_key": ("integration_mappings", "code", None),
}


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    op.drop_index("ix_orders_number", table_name="orders")
    for name, (table, column, then) in INDEXES.items():
        key = f'lower({column} COLLATE "C")' if postgres else f"lower({column})"
        op.execute(f"CREATE INDEX {name} ON {table} ({key}{f', {then}' if then else ''})")


def downgrade():
    for name, (table, _column, _then) in INDEXES.items():
        op.drop_index(name, table_name=table)
    op.create_index("ix_orders_number", "orders", ["number"], unique=False)
