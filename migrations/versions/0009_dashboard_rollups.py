"""The dashboard's roll-ups, kept by triggers in the writing transaction, as customer_counts is.

``customer_stats``: per channel, the anonymized customers and those who allow email, SMS and
calls. ``customer_weeks``: per channel and week (its Monday, UTC), the customers created.
``order_weeks``: per channel and week of the order's date, the orders and their amount. Every
write path keeps them — the service, the batch upsert, COPY, the order import, a psql session —
because the database does (migration 0003 explains the shards and the statement-level
triggers). Filled from the rows that exist when it runs.

Revision ID: 0009d
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009d"
down_revision = "0008"
branch_labels = None
depends_on = None

SHARDS = 16
STATS = "anonymized, email_allowed, sms_allowed, call_allowed"
PG_WEEK = "date_trunc('week', {row}created_date AT TIME ZONE 'UTC')::date"
# SQLite keeps UTC as text: the Monday on or before the day.
SQLITE_WEEK = "date({row}created_date, '-6 days', 'weekday 1')"

POSTGRES_COUNTS = """
    INSERT INTO customer_stats (channel_id, shard, {stats})
    SELECT channel_id, pg_backend_pid() % {shards}, {sign}count(anonymized_at),
        {sign}count(*) FILTER (WHERE email_allowed), {sign}count(*) FILTER (WHERE sms_allowed),
        {sign}count(*) FILTER (WHERE call_allowed)
    FROM {rows} GROUP BY channel_id ORDER BY channel_id
    ON CONFLICT (channel_id, shard) DO UPDATE SET
        anonymized = customer_stats.anonymized + excluded.anonymized,
        email_allowed = customer_stats.email_allowed + excluded.email_allowed,
        sms_allowed = customer_stats.sms_allowed + excluded.sms_allowed,
        call_allowed = customer_stats.call_allowed + excluded.call_allowed;
    INSERT INTO customer_weeks (channel_id, week, shard, created)
    SELECT channel_id, {week}, pg_backend_pid() % {shards}, {sign}count(*)
    FROM {rows} GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (channel_id, week, shard)
    DO UPDATE SET created = customer_weeks.created + excluded.created;"""
POSTGRES_ORDERS = """
    INSERT INTO order_weeks (channel_id, week, shard, orders, amount)
    SELECT channel_id, {week}, pg_backend_pid() % {shards}, {sign}count(*), {sign}sum(amount)
    FROM {rows} GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (channel_id, week, shard) DO UPDATE SET
        orders = order_weeks.orders + excluded.orders,
        amount = order_weeks.amount + excluded.amount;"""


def _pg_function(name: str, body: str) -> str:
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger AS $$\nBEGIN{body}\n    RETURN NULL;\n"
        "END;\n$$ LANGUAGE plpgsql;"
    )


CUSTOMER_COLUMNS = (
    "channel_id, created_date, anonymized_at, email_allowed, sms_allowed, call_allowed"
)
ORDER_COLUMNS = "channel_id, created_date, amount"
WEEK = PG_WEEK.format(row="")


def _pg_customer_move() -> str:
    # The old row subtracted, the new one added, in one grouped statement per roll-up.
    signed = (
        "(SELECT channel_id, created_date, anonymized_at, email_allowed, sms_allowed, "
        "call_allowed, sign FROM (VALUES "
        "(OLD.channel_id, OLD.created_date, OLD.anonymized_at, OLD.email_allowed, "
        "OLD.sms_allowed, OLD.call_allowed, -1), "
        "(NEW.channel_id, NEW.created_date, NEW.anonymized_at, NEW.email_allowed, "
        "NEW.sms_allowed, NEW.call_allowed, 1)) AS moved (channel_id, created_date, "
        "anonymized_at, email_allowed, sms_allowed, call_allowed, sign)) AS signed"
    )
    return f"""
    INSERT INTO customer_stats (channel_id, shard, {STATS})
    SELECT channel_id, pg_backend_pid() % {SHARDS}, sum(sign * (anonymized_at IS NOT NULL)::int),
        sum(sign * email_allowed::int), sum(sign * sms_allowed::int), sum(sign * call_allowed::int)
    FROM {signed} GROUP BY channel_id ORDER BY channel_id
    ON CONFLICT (channel_id, shard) DO UPDATE SET
        anonymized = customer_stats.anonymized + excluded.anonymized,
        email_allowed = customer_stats.email_allowed + excluded.email_allowed,
        sms_allowed = customer_stats.sms_allowed + excluded.sms_allowed,
        call_allowed = customer_stats.call_allowed + excluded.call_allowed;
    INSERT INTO customer_weeks (channel_id, week, shard, created)
    SELECT channel_id, {WEEK}, pg_backend_pid() % {SHARDS}, sum(sign)
    FROM {signed} GROUP BY 1, 2 HAVING sum(sign) <> 0 ORDER BY 1, 2
    ON CONFLICT (channel_id, week, shard)
    DO UPDATE SET created = customer_weeks.created + excluded.created;"""


def _pg_order_move() -> str:
    signed = (
        "(SELECT channel_id, created_date, amount, sign FROM (VALUES "
        "(OLD.channel_id, OLD.created_date, OLD.amount, -1), "
        "(NEW.channel_id, NEW.created_date, NEW.amount, 1)) "
        "AS moved (channel_id, created_date, amount, sign)) AS signed"
    )
    return f"""
    INSERT INTO order_weeks (channel_id, week, shard, orders, amount)
    SELECT channel_id, {WEEK}, pg_backend_pid() % {SHARDS}, sum(sign), sum(sign * amount)
    FROM {signed} GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (channel_id, week, shard) DO UPDATE SET
        orders = order_weeks.orders + excluded.orders,
        amount = order_weeks.amount + excluded.amount;"""


def _postgres() -> list[str]:
    same = {"stats": STATS, "shards": SHARDS, "week": WEEK}
    customers, orders = POSTGRES_COUNTS.format, POSTGRES_ORDERS.format
    return [
        _pg_function("dashboard_customers_add", customers(sign="", rows="inserted", **same)),
        _pg_function("dashboard_customers_remove", customers(sign="-", rows="removed", **same)),
        _pg_function("dashboard_customers_move", _pg_customer_move()),
        _pg_function("dashboard_orders_add", orders(sign="", rows="inserted", **same)),
        _pg_function("dashboard_orders_remove", orders(sign="-", rows="removed", **same)),
        _pg_function("dashboard_orders_move", _pg_order_move()),
        "CREATE TRIGGER dashboard_customers_insert AFTER INSERT ON customers "
        "REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT "
        "EXECUTE FUNCTION dashboard_customers_add()",
        "CREATE TRIGGER dashboard_customers_delete AFTER DELETE ON customers "
        "REFERENCING OLD TABLE AS removed FOR EACH STATEMENT "
        "EXECUTE FUNCTION dashboard_customers_remove()",
        f"CREATE TRIGGER dashboard_customers_update AFTER UPDATE OF {CUSTOMER_COLUMNS} "
        "ON customers FOR EACH ROW WHEN ("
        + " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in CUSTOMER_COLUMNS.split(", "))
        + ") EXECUTE FUNCTION dashboard_customers_move()",
        "CREATE TRIGGER dashboard_orders_insert AFTER INSERT ON orders "
        "REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT "
        "EXECUTE FUNCTION dashboard_orders_add()",
        "CREATE TRIGGER dashboard_orders_delete AFTER DELETE ON orders "
        "REFERENCING OLD TABLE AS removed FOR EACH STATEMENT "
        "EXECUTE FUNCTION dashboard_orders_remove()",
        f"CREATE TRIGGER dashboard_orders_update AFTER UPDATE OF {ORDER_COLUMNS} "
        "ON orders FOR EACH ROW WHEN ("
        + " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in ORDER_COLUMNS.split(", "))
        + ") EXECUTE FUNCTION dashboard_orders_move()",
    ]


def _sqlite_customer(row: str, sign: str) -> str:
    return f"""
    INSERT INTO customer_stats (channel_id, shard, {STATS})
    VALUES ({row}.channel_id, 0, {sign}({row}.anonymized_at IS NOT NULL),
        {sign}{row}.email_allowed, {sign}{row}.sms_allowed, {sign}{row}.call_allowed)
    ON CONFLICT (channel_id, shard) DO UPDATE SET
        anonymized = anonymized + excluded.anonymized,
        email_allowed = email_allowed + excluded.email_allowed,
        sms_allowed = sms_allowed + excluded.sms_allowed,
        call_allowed = call_allowed + excluded.call_allowed;
    INSERT INTO customer_weeks (channel_id, week, shard, created)
    VALUES ({row}.channel_id, {SQLITE_WEEK.format(row=row + ".")}, 0, {sign}1)
    ON CONFLICT (channel_id, week, shard) DO UPDATE SET created = created + excluded.created;"""


def _sqlite_order(row: str, sign: str) -> str:
    return f"""
    INSERT INTO order_weeks (channel_id, week, shard, orders, amount)
    VALUES ({row}.channel_id, {SQLITE_WEEK.format(row=row + ".")}, 0, {sign}1, {sign}{row}.amount)
    ON CONFLICT (channel_id, week, shard) DO UPDATE SET
        orders = orders + excluded.orders, amount = amount + excluded.amount;"""


def _sqlite_triggers(table: str, columns: str, body) -> list[str]:
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns.split(", "))
    return [
        f"CREATE TRIGGER dashboard_{table}_insert AFTER INSERT ON {table} BEGIN"
        + body("NEW", "")
        + "\nEND",
        f"CREATE TRIGGER dashboard_{table}_delete AFTER DELETE ON {table} BEGIN"
        + body("OLD", "-")
        + "\nEND",
        f"CREATE TRIGGER dashboard_{table}_update AFTER UPDATE OF {columns} ON {table} "
        f"WHEN {changed} BEGIN" + body("OLD", "-") + body("NEW", "") + "\nEND",
    ]


def _backfill(postgres: bool) -> list[str]:
    week = WEEK if postgres else SQLITE_WEEK.format(row="")
    yes = "true" if postgres else "1"
    return [
        f"INSERT INTO customer_stats (channel_id, shard, {STATS}) "
        "SELECT channel_id, 0, count(anonymized_at), "
        f"sum(CASE WHEN email_allowed = {yes} THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN sms_allowed = {yes} THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN call_allowed = {yes} THEN 1 ELSE 0 END) "
        "FROM customers GROUP BY channel_id",
        "INSERT INTO customer_weeks (channel_id, week, shard, created) "
        f"SELECT channel_id, {week}, 0, count(*) FROM customers GROUP BY 1, 2",
        "INSERT INTO order_weeks (channel_id, week, shard, orders, amount) "
        f"SELECT channel_id, {week}, 0, count(*), sum(amount) FROM orders GROUP BY 1, 2",
    ]


def _money_total() -> sa.types.TypeEngine:
    # Integer cents on SQLite, as orders.amount is there.
    return sa.Numeric(16, 2).with_variant(sa.BigInteger(), "sqlite")


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "customer_stats",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("shard", sa.Integer(), autoincrement=False, nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in STATS.split(", ")),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_customer_stats_channel_id_channels")
        ),
        sa.PrimaryKeyConstraint("channel_id", "shard", name=op.f("pk_customer_stats")),
    )
    op.create_table(
        "customer_weeks",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("shard", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_customer_weeks_channel_id_channels")
        ),
        sa.PrimaryKeyConstraint("channel_id", "week", "shard", name=op.f("pk_customer_weeks")),
    )
    op.create_table(
        "order_weeks",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("shard", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("orders", sa.BigInteger(), nullable=False),
        sa.Column("amount", _money_total(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_order_weeks_channel_id_channels")
        ),
        sa.PrimaryKeyConstraint("channel_id", "week", "shard", name=op.f("pk_order_weeks")),
    )
    for statement in _backfill(postgres):
        op.execute(statement)
    if postgres:
        statements = _postgres()
    else:
        statements = [
            *_sqlite_triggers("customers", CUSTOMER_COLUMNS, _sqlite_customer),
            *_sqlite_triggers("orders", ORDER_COLUMNS, _sqlite_order),
        ]
    for statement in statements:
        op.execute(statement)


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in ("customers", "orders"):
        for action in ("insert", "delete", "update"):
            suffix = f" ON {table}" if postgres else ""
            op.execute(f"DROP TRIGGER IF EXISTS dashboard_{table}_{action}{suffix}")
    if postgres:
        for table in ("customers", "orders"):
            for action in ("add", "remove", "move"):
                op.execute(f"DROP FUNCTION IF EXISTS dashboard_{table}_{action}()")
    for table in ("order_weeks", "customer_weeks", "customer_stats"):
        op.drop_table(table)
