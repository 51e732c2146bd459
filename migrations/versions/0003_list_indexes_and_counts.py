"""Indexes for every customer filter and ordering; exact per-channel counts kept by triggers.

``customer_counts`` holds the number of customers by (channel, is_active); triggers on
``customers`` keep it in the inserting (updating, deleting) transaction, whatever the write
path: the service, the batch upsert, COPY, a psql session. Unfiltered, channel-only and
is_active-only list counts read it instead of counting a million rows.

PostgreSQL: statement-level triggers with transition tables add one grouped UPSERT per
statement (a batch of 1,000 inserts touches a handful of counter rows, in key order), into
the shard of the connection (pg_backend_pid() % 16), so parallel importers of one channel do
not queue on one row lock. SQLite has one writer at a time; a row-level trigger suffices.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SHARDS = 16
NEW_INDEXES = {
    "ix_customers_email_id": ["email", "id"],
    "ix_customers_first_name": ["first_name", "id"],
    "ix_customers_channel_id": ["channel_id", "id"],
    "ix_customers_channel_created": ["channel_id", "created_date", "id"],
    "ix_customers_is_active": ["is_active", "id"],
    "ix_customers_date_joined": ["date_joined", "id"],
    "ix_customers_date_of_birth": ["date_of_birth", "id"],
    "ix_customers_user_type": ["user_type", "id"],
    "ix_customers_gender": ["gender", "id"],
    "ix_customers_email_allowed": ["email_allowed"],
    "ix_customers_sms_allowed": ["sms_allowed"],
    "ix_customers_call_allowed": ["call_allowed"],
}
# Existing indexes that end in id now, so that "ORDER BY x, id" needs no sort: (old, new).
WIDENED = {
    "ix_customers_created_date": (["created_date"], ["created_date", "id"]),
    "ix_customers_modified_date": (["modified_date"], ["modified_date", "id"]),
    "ix_customers_channel_code": (["channel_code"], ["channel_code", "id"]),
    "ix_customers_erp_code": (["erp_code"], ["erp_code", "id"]),
    "ix_customers_phone_number": (["phone_number"], ["phone_number", "id"]),
    "ix_customers_last_first_name": (["last_name", "first_name"], ["last_name", "first_name", "id"]),
}
JSON_COLUMNS = ("attributes", "extra_field")

POSTGRES_FUNCTIONS = f"""
CREATE FUNCTION customer_counts_add() RETURNS trigger AS $$
BEGIN
    INSERT INTO customer_counts (channel_id, is_active, shard, total)
    SELECT channel_id, is_active, pg_backend_pid() % {SHARDS}, count(*)
    FROM inserted GROUP BY channel_id, is_active ORDER BY channel_id, is_active
    ON CONFLICT (channel_id, is_active, shard)
    DO UPDATE SET total = customer_counts.total + excluded.total;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION customer_counts_remove() RETURNS trigger AS $$
BEGIN
    INSERT INTO customer_counts (channel_id, is_active, shard, total)
    SELECT channel_id, is_active, pg_backend_pid() % {SHARDS}, -count(*)
    FROM removed GROUP BY channel_id, is_active ORDER BY channel_id, is_active
    ON CONFLICT (channel_id, is_active, shard)
    DO UPDATE SET total = customer_counts.total + excluded.total;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION customer_counts_move() RETURNS trigger AS $$
BEGIN
    INSERT INTO customer_counts (channel_id, is_active, shard, total)
    SELECT channel_id, is_active, pg_backend_pid() % {SHARDS}, delta
    FROM (VALUES (OLD.channel_id, OLD.is_active, -1), (NEW.channel_id, NEW.is_active, 1))
         AS moved (channel_id, is_active, delta)
    ORDER BY channel_id, is_active
    ON CONFLICT (channel_id, is_active, shard)
    DO UPDATE SET total = customer_counts.total + excluded.total;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER customer_counts_insert AFTER INSERT ON customers
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
    EXECUTE FUNCTION customer_counts_add();
CREATE TRIGGER customer_counts_delete AFTER DELETE ON customers
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT
    EXECUTE FUNCTION customer_counts_remove();
CREATE TRIGGER customer_counts_update AFTER UPDATE OF channel_id, is_active ON customers
    FOR EACH ROW
    WHEN (OLD.channel_id IS DISTINCT FROM NEW.channel_id OR OLD.is_active IS DISTINCT FROM NEW.is_active)
    EXECUTE FUNCTION customer_counts_move();
"""

SQLITE_BUMP = """
    INSERT INTO customer_counts (channel_id, is_active, shard, total)
    VALUES ({row}.channel_id, {row}.is_active, 0, {delta})
    ON CONFLICT (channel_id, is_active, shard) DO UPDATE SET total = total + {delta};"""
SQLITE_TRIGGERS = [
    "CREATE TRIGGER customer_counts_insert AFTER INSERT ON customers BEGIN"
    + SQLITE_BUMP.format(row="NEW", delta=1)
    + "\nEND",
    "CREATE TRIGGER customer_counts_delete AFTER DELETE ON customers BEGIN"
    + SQLITE_BUMP.format(row="OLD", delta=-1)
    + "\nEND",
    "CREATE TRIGGER customer_counts_update AFTER UPDATE OF channel_id, is_active ON customers "
    "WHEN OLD.channel_id IS NOT NEW.channel_id OR OLD.is_active IS NOT NEW.is_active BEGIN"
    + SQLITE_BUMP.format(row="OLD", delta=-1)
    + SQLITE_BUMP.format(row="NEW", delta=1)
    + "\nEND",
]


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "customer_counts",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("shard", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_customer_counts_channel_id_channels")
        ),
        sa.PrimaryKeyConstraint("channel_id", "is_active", "shard", name=op.f("pk_customer_counts")),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        for name, (_old, columns) in WIDENED.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, columns, unique=False)
        for name, columns in NEW_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
        for column in JSON_COLUMNS:
            batch_op.create_index(
                f"ix_customers_{column}",
                [column],
                unique=False,
                postgresql_using="gin",
                postgresql_ops={column: "jsonb_path_ops"},
                sqlite_where=sa.text("0"),
            )
    with op.batch_alter_table("integration_mappings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_integration_mappings_channel_object",
            ["channel_id", "object_type", "object_id"],
            unique=False,
        )
    op.execute(
        "INSERT INTO customer_counts (channel_id, is_active, shard, total) "
        "SELECT channel_id, is_active, 0, count(*) FROM customers GROUP BY channel_id, is_active"
    )
    if postgres:
        op.execute(POSTGRES_FUNCTIONS)
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)


def downgrade():
    for trigger in ("customer_counts_insert", "customer_counts_delete", "customer_counts_update"):
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON customers")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    if op.get_bind().dialect.name == "postgresql":
        for function in ("customer_counts_add", "customer_counts_remove", "customer_counts_move"):
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    with op.batch_alter_table("integration_mappings", schema=None) as batch_op:
        batch_op.drop_index("ix_integration_mappings_channel_object")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        for column in JSON_COLUMNS:
            batch_op.drop_index(f"ix_customers_{column}")
        for name in NEW_INDEXES:
            batch_op.drop_index(name)
        for name, (columns, _new) in WIDENED.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, columns, unique=False)
    op.drop_table("customer_counts")
