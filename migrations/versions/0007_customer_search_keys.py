"""Search keys on customers: the casefolded email, the E.164 phone, its reversed digits, and
the folded name words, in ``customer_search_words`` (one row per word and customer).

``email_key``, ``phone_key``, ``phone_tail`` and ``search_words`` are functions of a
customer's values (``backoffice.people.keys.customer_keys``), written by every write path;
None once the customer is anonymized. ``customer_search_words`` is copied from
``search_words`` (a JSON array) by triggers in the writing transaction, whatever the path:
PostgreSQL, one INSERT … SELECT per inserting statement (transition table) and a row trigger
on a change of the words; SQLite, row triggers, as for customer_json_values (0005).

Existing rows are filled in batches by id (keys computed in Python; on PostgreSQL written by
one UPDATE … FROM unnest(…) a batch, on SQLite by executemany),
then the indexes and the words table are built in one pass each: sorted, not a million
random inserts. Orders get an index on ``number`` alone: the search finds an order number in
any channel.

Revision ID: 0007
Revises: 0006b
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

from backoffice.people.keys import KEY_COLUMNS, KEY_SOURCES, customer_keys

revision = "0007"
down_revision = "0006b"
branch_labels = None
depends_on = None

BATCH = 10_000
WORDS = "customer_search_words"
INDEXES = {
    "ix_customers_email_key": ["email_key", "id"],
    "ix_customers_phone_key": ["phone_key", "id"],
    "ix_customers_phone_tail": ["phone_tail", "id"],
}

POSTGRES_TRIGGERS = f"""
CREATE FUNCTION {WORDS}_add() RETURNS trigger AS $$
BEGIN
    INSERT INTO {WORDS} (word, customer_id)
    SELECT w.word, i.id
    FROM inserted i, jsonb_array_elements_text(i.search_words::jsonb) AS w (word)
    WHERE i.search_words IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION {WORDS}_change() RETURNS trigger AS $$
BEGIN
    DELETE FROM {WORDS} WHERE customer_id = OLD.id;
    INSERT INTO {WORDS} (word, customer_id)
    SELECT w.word, NEW.id
    FROM jsonb_array_elements_text(NEW.search_words::jsonb) AS w (word)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION {WORDS}_remove() RETURNS trigger AS $$
BEGIN
    DELETE FROM {WORDS} WHERE customer_id IN (SELECT id FROM removed);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER {WORDS}_insert AFTER INSERT ON customers
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
    EXECUTE FUNCTION {WORDS}_add();
CREATE TRIGGER {WORDS}_update AFTER UPDATE OF id, search_words ON customers
    FOR EACH ROW
    WHEN (OLD.search_words IS DISTINCT FROM NEW.search_words OR OLD.id <> NEW.id)
    EXECUTE FUNCTION {WORDS}_change();
CREATE TRIGGER {WORDS}_delete AFTER DELETE ON customers
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT
    EXECUTE FUNCTION {WORDS}_remove();
"""
SQLITE_ROWS = f"""
    INSERT INTO {WORDS} (word, customer_id)
    SELECT value, NEW.id FROM json_each(NEW.search_words) WHERE true ON CONFLICT DO NOTHING;"""
SQLITE_TRIGGERS = [
    # The DELETE clears rows an INSERT OR REPLACE left: its deletes fire no delete trigger.
    f"CREATE TRIGGER {WORDS}_insert AFTER INSERT ON customers BEGIN\n"
    f"    DELETE FROM {WORDS} WHERE customer_id = NEW.id;{SQLITE_ROWS}\nEND",
    f"CREATE TRIGGER {WORDS}_update AFTER UPDATE OF id, search_words ON customers\n"
    "WHEN OLD.search_words IS NOT NEW.search_words OR OLD.id IS NOT NEW.id BEGIN\n"
    f"    DELETE FROM {WORDS} WHERE customer_id = OLD.id;{SQLITE_ROWS}\nEND",
    f"CREATE TRIGGER {WORDS}_delete AFTER DELETE ON customers BEGIN\n"
    f"    DELETE FROM {WORDS} WHERE customer_id = OLD.id;\nEND",
]
FILL_WORDS = {
    "postgresql": f"INSERT INTO {WORDS} (word, customer_id) "
    "SELECT DISTINCT w.word, c.id "
    "FROM customers c, jsonb_array_elements_text(c.search_words::jsonb) AS w (word) "
    "WHERE c.search_words IS NOT NULL",
    "sqlite": f"INSERT INTO {WORDS} (word, customer_id) "
    "SELECT DISTINCT j.value, c.id FROM customers c, json_each(c.search_words) j "
    "WHERE c.search_words IS NOT NULL",
}


def _key(length: int) -> sa.types.TypeEngine:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _fill_keys(bind: sa.engine.Connection) -> None:
    """Every customer's keys, BATCH rows at a time in id order."""
    customers = sa.table(
        "customers",
        sa.column("id"),
        sa.column("anonymized_at"),
        *(sa.column(name) for name in (*KEY_SOURCES, *KEY_COLUMNS)),
    )
    read = (
        sa.select(customers.c.id, customers.c.anonymized_at, *(customers.c[n] for n in KEY_SOURCES))
        .where(customers.c.id > sa.bindparam("after"))
        .order_by(customers.c.id)
        .limit(BATCH)
    )
    postgres = bind.dialect.name == "postgresql"
    write = _batch_update(customers) if postgres else _row_update(customers)
    after = 0
    while rows := bind.execute(read, {"after": after}).mappings().all():
        keys = [customer_keys(row) for row in rows]
        if postgres:  # one statement a batch: the keys travel as arrays
            params = {"ids": [row["id"] for row in rows]}
            params |= {name: [k[name] for k in keys] for name in KEY_COLUMNS}
        else:
            params = [
                {"_id": row["id"], **{f"_{k}": v for k, v in key.items()}}
                for row, key in zip(rows, keys, strict=True)
            ]
        bind.execute(write, params)
        after = rows[-1]["id"]


def _row_update(customers: sa.TableClause) -> sa.Update:
    return (
        sa.update(customers)
        .where(customers.c.id == sa.bindparam("_id"))
        .values({name: sa.bindparam(f"_{name}") for name in KEY_COLUMNS})
    )


def _batch_update(customers: sa.TableClause) -> sa.Update:
    """PostgreSQL: UPDATE … FROM unnest(ids, email_keys, …), a batch in one statement."""
    arrays = [sa.bindparam("ids", type_=ARRAY(sa.Integer()))]
    arrays += [sa.bindparam(name, type_=ARRAY(sa.Text())) for name in KEY_COLUMNS]
    keys = sa.func.unnest(*arrays).table_valued("id", *KEY_COLUMNS).render_derived()
    return (
        sa.update(customers)
        .where(customers.c.id == keys.c.id)
        .values({name: keys.c[name] for name in KEY_COLUMNS})
    )


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("email_key", _key(254), nullable=True))
        batch.add_column(sa.Column("phone_key", _key(32), nullable=True))
        batch.add_column(sa.Column("phone_tail", _key(32), nullable=True))
        batch.add_column(sa.Column("search_words", sa.Text(), nullable=True))
    _fill_keys(bind)
    op.create_table(
        WORDS,
        sa.Column("word", _key(64), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("word", "customer_id", name=op.f(f"pk_{WORDS}")),
        sqlite_with_rowid=False,
    )
    op.execute(FILL_WORDS[bind.dialect.name])
    # Built after the fill: one sort each instead of a million random inserts.
    op.create_index(f"ix_{WORDS}_customer_id", WORDS, ["customer_id"], unique=False)
    with op.batch_alter_table("customers") as batch:
        for name, columns in INDEXES.items():
            batch.create_index(name, columns, unique=False)
    with op.batch_alter_table("orders") as batch:
        batch.create_index("ix_orders_number", ["number"], unique=False)
    if bind.dialect.name == "postgresql":
        op.execute(POSTGRES_TRIGGERS)
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    for trigger in ("insert", "update", "delete"):
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS {WORDS}_{trigger} ON customers")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {WORDS}_{trigger}")
    if postgres:
        for function in ("add", "change", "remove"):
            op.execute(f"DROP FUNCTION IF EXISTS {WORDS}_{function}()")
    with op.batch_alter_table("orders") as batch:
        batch.drop_index("ix_orders_number")
    with op.batch_alter_table("customers") as batch:
        for name in INDEXES:
            batch.drop_index(name)
    op.drop_table(WORDS)
    with op.batch_alter_table("customers") as batch:
        for name in ("search_words", "phone_tail", "phone_key", "email_key"):
            batch.drop_column(name)
