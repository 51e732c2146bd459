"""Name words are stored split at ``-'’._+`` only: ``murat.yilmaz5@…`` keeps ``murat`` and
``yilmaz5``, no longer the whole ``murat.yilmaz5`` beside them (a search term is split the same
way, ``people.keys.words``). A common first name's range in ``customer_search_words`` holds
one entry per customer instead of two.

Every customer's ``search_words`` is computed again from its values (``customer_keys``, in
batches by id, written where it changes), with the table's triggers off; then the words
table is filled again in one sorted pass, as 0007 built it.

Revision ID: 0022n
Revises: 0021e
"""

import json
import re
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

from backoffice.people.keys import MAX_WORD, customer_keys, fold

revision = "0022n"
down_revision = "0021e"
branch_labels = None
depends_on = None

BATCH = 10_000
WORDS = "customer_search_words"
INDEX = f"ix_{WORDS}_customer_id"
TRIGGER = f"{WORDS}_update"
FILL_WORDS = {
    "postgresql": f"INSERT INTO {WORDS} (word, customer_id) "
    "SELECT DISTINCT w.word, c.id "
    "FROM customers c, jsonb_array_elements_text(c.search_words::jsonb) AS w (word) "
    "WHERE c.search_words IS NOT NULL",
    "sqlite": f"INSERT INTO {WORDS} (word, customer_id) "
    "SELECT DISTINCT j.value, c.id FROM customers c, json_each(c.search_words) j "
    "WHERE c.search_words IS NOT NULL ORDER BY 1, 2",
}
CUSTOMERS = sa.table(
    "customers",
    sa.column("id"),
    sa.column("anonymized_at"),
    sa.column("first_name"),
    sa.column("last_name"),
    sa.column("email"),
    sa.column("search_words"),
)


def _joined_words(values) -> str | None:
    """``search_words`` as 0007 wrote it (for the downgrade): each word split at whitespace
    and commas, kept whole and also split at ``-'’._+``."""
    if values["anonymized_at"] is not None:
        return None
    email = (values["email"] or "").strip()
    local = email.rpartition("@")[0] or email
    text = f"{values['first_name'] or ''} {values['last_name'] or ''} {local}"
    found: dict[str, None] = {}
    for word in (w[:MAX_WORD] for w in re.split(r"[\s,]+", fold(text)) if w):
        found[word] = None
        found.update((part, None) for part in re.split(r"[-'’._+]+", word) if part)
    return json.dumps(list(found), ensure_ascii=False, separators=(",", ":")) if found else None


def _split_words(values) -> str | None:
    return customer_keys({**values, "phone_number": None})["search_words"]


def _rekey(bind: sa.engine.Connection, keyed: Callable[..., str | None]) -> None:
    """Every customer's ``search_words`` as ``keyed`` gives it, BATCH rows at a time in id
    order, written where it changes; then the words table filled again from them."""
    c = CUSTOMERS.c
    read = (
        sa.select(c.id, c.anonymized_at, c.first_name, c.last_name, c.email, c.search_words)
        .where(c.id > sa.bindparam("after"))
        .order_by(c.id)
        .limit(BATCH)
    )
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        # Every trigger of the table off, not only the words': the rows change search_words
        # alone, so the others' work (modified dates, the dashboard's roll-ups, per batch from
        # transition tables) would be a no-op at a cost of minutes for a million rows.
        op.execute("ALTER TABLE customers DISABLE TRIGGER USER")
        write = _batch_update()
    else:  # SQLite cannot disable a trigger: dropped, then made again from its own text
        trigger_sql = bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (TRIGGER,)
        ).scalar_one()
        op.execute(f"DROP TRIGGER {TRIGGER}")
        write = sa.update(CUSTOMERS).where(c.id == sa.bindparam("_id"))
        write = write.values(search_words=sa.bindparam("_words"))
    after = 0
    while rows := bind.execute(read, {"after": after}).mappings().all():
        changed = [(row["id"], w) for row in rows if (w := keyed(row)) != row["search_words"]]
        if changed and postgres:  # one statement a batch: the values travel as arrays
            bind.execute(write, {"ids": [i for i, _ in changed], "words": [w for _, w in changed]})
        elif changed:
            bind.execute(write, [{"_id": i, "_words": w} for i, w in changed])
        after = rows[-1]["id"]
    _refill(bind, postgres)
    if postgres:
        op.execute("ALTER TABLE customers ENABLE TRIGGER USER")
    else:
        op.execute(trigger_sql)


def _batch_update() -> sa.Update:
    """PostgreSQL: UPDATE … FROM unnest(ids, words), a batch in one statement."""
    keys = sa.func.unnest(
        sa.bindparam("ids", type_=ARRAY(sa.Integer())),
        sa.bindparam("words", type_=ARRAY(sa.Text())),
    )
    keys = keys.table_valued("id", "search_words").render_derived()
    return (
        sa.update(CUSTOMERS)
        .where(CUSTOMERS.c.id == keys.c.id)
        .values(search_words=keys.c.search_words)
    )


def _refill(bind: sa.engine.Connection, postgres: bool) -> None:
    """The words table emptied and filled in one pass, its indexes built after (one sort
    each, not millions of random inserts)."""
    op.drop_index(INDEX, table_name=WORDS)
    if postgres:
        op.execute(f"TRUNCATE {WORDS}")
        op.execute(f"ALTER TABLE {WORDS} DROP CONSTRAINT pk_{WORDS}")
        op.execute(FILL_WORDS["postgresql"])
        op.execute(f"ALTER TABLE {WORDS} ADD CONSTRAINT pk_{WORDS} PRIMARY KEY (word, customer_id)")
    else:  # WITHOUT ROWID: the rows are the primary key, filled in its order
        op.execute(f"DELETE FROM {WORDS}")
        op.execute(FILL_WORDS["sqlite"])
    op.create_index(INDEX, WORDS, ["customer_id"], unique=False)
    op.execute(f"ANALYZE {WORDS}")


def upgrade() -> None:
    _rekey(op.get_bind(), _split_words)


def downgrade() -> None:
    _rekey(op.get_bind(), _joined_words)
