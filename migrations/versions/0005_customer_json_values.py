"""SQLite: an index of the customers' JSON keys, so attributes__<key> filters are lookups.

PostgreSQL answers ``attributes__<key>=<value>`` and ``extra_field__<key>=<value>`` with
its GIN indexes (0003). SQLite cannot index a free key, so there ``customer_json_values``
holds one row per top-level key of each customer's ``attributes`` and ``extra_field``:
(customer_id, field, key, value), and an index that answers field, key, value ->
customer_id. Triggers on ``customers`` keep it in the writing transaction, whatever the write
path (the service, the batch upsert, raw SQL, the bench loader): on insert; on an update that
changes the JSON text (a WHEN clause, so the other updates and an upsert that writes the same
text cost nothing); on delete. Existing rows are indexed here. Not created on PostgreSQL.

``value`` is declared BLOB for its lack of type affinity: a string stays TEXT and a number
INTEGER or REAL, exactly as json_extract gives them, so they compare as before (1 = 1.0,
'1' <> 1). true and false are stored as the BLOBs 'true' and 'false', which equal no text
and no number; null, an array or an object as NULL, which equals nothing. The first of
duplicate keys wins (ON CONFLICT DO NOTHING, in document order), as json_extract reads it.
Malformed JSON, or a document that is not an object, has no rows.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLE = "customer_json_values"
FIELDS = ("attributes", "extra_field")
# The rows of one document. json_valid first: a malformed document gets no rows, and its
# write goes through as before.
INSERT_ROWS = """
    INSERT INTO customer_json_values (customer_id, field, key, value)
    SELECT {id}, '{field}', key,
           CASE WHEN type IN ('true', 'false') THEN CAST(type AS BLOB)
                WHEN type IN ('text', 'integer', 'real') THEN value END
    FROM {source}json_each(
        CASE WHEN json_valid({doc}) AND json_type({doc}) = 'object' THEN {doc} END)
    WHERE true ON CONFLICT DO NOTHING;"""


def _rows(row: str, field: str) -> str:
    return INSERT_ROWS.format(id=f"{row}.id", field=field, doc=f"{row}.{field}", source="")


SQLITE_TRIGGERS = [
    # The DELETE clears rows an INSERT OR REPLACE left: its deletes fire no delete trigger.
    f"CREATE TRIGGER {TABLE}_insert AFTER INSERT ON customers BEGIN\n"
    f"    DELETE FROM {TABLE} WHERE customer_id = NEW.id;"
    + "".join(_rows("NEW", field) for field in FIELDS)
    + "\nEND",
    *(
        f"CREATE TRIGGER {TABLE}_{field} AFTER UPDATE OF id, {field} ON customers\n"
        f"WHEN OLD.{field} IS NOT NEW.{field} OR OLD.id IS NOT NEW.id BEGIN\n"
        f"    DELETE FROM {TABLE} WHERE customer_id = OLD.id AND field = '{field}';"
        + _rows("NEW", field)
        + "\nEND"
        for field in FIELDS
    ),
    f"CREATE TRIGGER {TABLE}_delete AFTER DELETE ON customers BEGIN\n"
    f"    DELETE FROM {TABLE} WHERE customer_id = OLD.id;\nEND",
]
TRIGGER_NAMES = [f"{TABLE}_insert", *(f"{TABLE}_{field}" for field in FIELDS), f"{TABLE}_delete"]


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    op.create_table(
        TABLE,
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("customer_id", "field", "key", name=op.f(f"pk_{TABLE}")),
        sqlite_with_rowid=False,
    )
    for field in FIELDS:
        op.execute(
            INSERT_ROWS.format(
                id="customers.id", field=field, doc=f"customers.{field}", source="customers, "
            )
        )
    # Built after the backfill: one sort instead of a million random inserts.
    op.create_index(f"ix_{TABLE}_lookup", TABLE, ["field", "key", "value"], unique=False)
    for trigger in SQLITE_TRIGGERS:
        op.execute(trigger)


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in TRIGGER_NAMES:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.drop_table(TABLE)
