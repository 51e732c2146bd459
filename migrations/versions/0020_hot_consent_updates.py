"""PostgreSQL: consent changes are HOT updates. No index of customers holds a column they
change: the three consent indexes are dropped, ``modified_date`` is indexed in a narrow table
of its own (``customer_modified``, kept by statement triggers), and the table gets room on
each page (fillfactor 85, applied to the existing rows by a CLUSTER, which rewrites the table
and its indexes in this transaction). The dashboard's per-row update trigger becomes a
statement trigger reading the transition tables. SQLite keeps its indexes and triggers: it
rewrites only the indexes holding a changed column.

Revision ID: 0020c
Revises: 0018r
"""

import sqlalchemy as sa
from alembic import op

import backoffice.types

revision = "0020c"
down_revision = "0018r"
branch_labels = None
depends_on = None

CONSENTS = ("email_allowed", "sms_allowed", "call_allowed")
SHARDS = 16
WEEK = "date_trunc('week', created_date AT TIME ZONE 'UTC')::date"


def _function(name: str, body: str) -> str:
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger AS $$\nBEGIN{body}\n    RETURN NULL;\n"
        "END;\n$$ LANGUAGE plpgsql;"
    )


# The old rows subtracted, the new ones added, grouped: what migration 0009d's per-row
# trigger did for each row, once per statement. Groups that sum to nothing write nothing.
SIGNED = (
    "(SELECT channel_id, created_date, anonymized_at, email_allowed, sms_allowed, call_allowed, "
    "-1 AS sign FROM replaced UNION ALL SELECT channel_id, created_date, anonymized_at, "
    "email_allowed, sms_allowed, call_allowed, 1 FROM updated) AS signed"
)
STATS_MOVED = f"""
    INSERT INTO customer_stats (channel_id, shard, anonymized, email_allowed, sms_allowed,
        call_allowed)
    SELECT channel_id, pg_backend_pid() % {SHARDS}, a, e, s, c FROM (
        SELECT channel_id, sum(sign * (anonymized_at IS NOT NULL)::int) AS a,
            sum(sign * email_allowed::int) AS e, sum(sign * sms_allowed::int) AS s,
            sum(sign * call_allowed::int) AS c
        FROM {SIGNED} GROUP BY channel_id) AS moved
    WHERE a <> 0 OR e <> 0 OR s <> 0 OR c <> 0 ORDER BY channel_id
    ON CONFLICT (channel_id, shard) DO UPDATE SET
        anonymized = customer_stats.anonymized + excluded.anonymized,
        email_allowed = customer_stats.email_allowed + excluded.email_allowed,
        sms_allowed = customer_stats.sms_allowed + excluded.sms_allowed,
        call_allowed = customer_stats.call_allowed + excluded.call_allowed;
    INSERT INTO customer_weeks (channel_id, week, shard, created)
    SELECT channel_id, {WEEK}, pg_backend_pid() % {SHARDS}, sum(sign)
    FROM {SIGNED} GROUP BY 1, 2 HAVING sum(sign) <> 0 ORDER BY 1, 2
    ON CONFLICT (channel_id, week, shard)
    DO UPDATE SET created = customer_weeks.created + excluded.created;"""

MODIFIED_ADDED = """
    INSERT INTO customer_modified (customer_id, modified_date)
    SELECT id, modified_date FROM inserted;"""
# An upsert: a customer whose copy is missing (written with triggers disabled) gets one.
MODIFIED_MOVED = """
    INSERT INTO customer_modified (customer_id, modified_date)
    SELECT id, modified_date FROM updated
    ON CONFLICT (customer_id) DO UPDATE SET modified_date = excluded.modified_date
    WHERE customer_modified.modified_date IS DISTINCT FROM excluded.modified_date;"""
MODIFIED_REMOVED = """
    DELETE FROM customer_modified m USING removed o WHERE m.customer_id = o.id;"""

OLD_COLUMNS = "channel_id, created_date, anonymized_at, email_allowed, sms_allowed, call_allowed"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in CONSENTS:
        op.drop_index(f"ix_customers_{name}", table_name="customers")
    op.drop_index("ix_customers_modified_date", table_name="customers")
    op.execute("ALTER TABLE customers SET (fillfactor = 85)")
    # Rewrites the rows with the room the fillfactor leaves, and the 25 indexes left.
    op.execute("CLUSTER customers USING pk_customers")
    op.execute("ALTER TABLE customers SET WITHOUT CLUSTER")
    op.create_table(
        "customer_modified",
        sa.Column("customer_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("modified_date", backoffice.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_modified")),
    )
    op.execute(
        "INSERT INTO customer_modified (customer_id, modified_date) "
        "SELECT id, modified_date FROM customers"
    )
    op.create_index(
        "ix_customer_modified_modified_date",
        "customer_modified",
        ["modified_date", "customer_id"],
    )
    op.execute("ANALYZE customer_modified")
    op.execute("DROP TRIGGER dashboard_customers_update ON customers")
    for statement in (
        _function("dashboard_customers_moved", STATS_MOVED),
        _function("customer_modified_add", MODIFIED_ADDED),
        _function("customer_modified_move", MODIFIED_MOVED),
        _function("customer_modified_remove", MODIFIED_REMOVED),
        # No column list: PostgreSQL allows none on a trigger with transition tables.
        "CREATE TRIGGER dashboard_customers_update AFTER UPDATE ON customers "
        "REFERENCING OLD TABLE AS replaced NEW TABLE AS updated FOR EACH STATEMENT "
        "EXECUTE FUNCTION dashboard_customers_moved()",
        "CREATE TRIGGER customer_modified_insert AFTER INSERT ON customers "
        "REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT "
        "EXECUTE FUNCTION customer_modified_add()",
        "CREATE TRIGGER customer_modified_update AFTER UPDATE ON customers "
        "REFERENCING OLD TABLE AS replaced NEW TABLE AS updated FOR EACH STATEMENT "
        "EXECUTE FUNCTION customer_modified_move()",
        "CREATE TRIGGER customer_modified_delete AFTER DELETE ON customers "
        "REFERENCING OLD TABLE AS removed FOR EACH STATEMENT "
        "EXECUTE FUNCTION customer_modified_remove()",
    ):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for trigger in (
        "dashboard_customers_update",
        "customer_modified_insert",
        "customer_modified_update",
        "customer_modified_delete",
    ):
        op.execute(f"DROP TRIGGER {trigger} ON customers")
    for function in (
        "dashboard_customers_moved",
        "customer_modified_add",
        "customer_modified_move",
        "customer_modified_remove",
    ):
        op.execute(f"DROP FUNCTION {function}()")
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in OLD_COLUMNS.split(", "))
    op.execute(
        f"CREATE TRIGGER dashboard_customers_update AFTER UPDATE OF {OLD_COLUMNS} "
        f"ON customers FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION dashboard_customers_move()"
    )
    op.drop_table("customer_modified")
    op.execute("ALTER TABLE customers RESET (fillfactor)")
    op.create_index("ix_customers_modified_date", "customers", ["modified_date", "id"])
    for name in CONSENTS:
        op.create_index(f"ix_customers_{name}", "customers", [name])
