"""Set-based writes for batch ingestion: lock what exists, insert what is missing, update what
changed — a few statements per batch, race free on SQLite and PostgreSQL.

The hot statements are written as driver SQL, but every value goes through its column type's
own SQLAlchemy processors, so rows read and written here are exactly what the ORM would see.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from itertools import chain
from typing import Any

from sqlalchemy import Table, bindparam, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from backoffice import pgcopy

Key = tuple[int, str]  # (channel_id, natural key): the unique pair of customers and orders

# PostgreSQL: serialization failure, deadlock detected. Both mean "run the transaction again".
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
# Bound parameters per statement: under SQLite's limit (32766) and PostgreSQL's (65535).
MAX_PARAMS = 30_000


def select_by_keys(
    session: Session,
    table: Table,
    key_column: str,
    keys: Iterable[Key],
    columns: Sequence[str],
    *,
    lock: bool = True,
) -> dict[Key, dict[str, Any]]:
    """``columns`` of the rows of ``keys``, locked (FOR NO KEY UPDATE on PostgreSQL, unless
    ``lock`` is false) in id order; on SQLite the transaction already holds the write lock
    (BEGIN IMMEDIATE)."""
    connection = session.connection()
    dialect = connection.dialect
    names = ["channel_id", key_column, *(c for c in columns if c not in ("channel_id", key_column))]
    found: dict[Key, dict[str, Any]] = {}
    for chunk in _chunks(sorted(set(keys)), MAX_PARAMS // 2):
        sql, params = _select_sql(dialect, table, key_column, names, chunk, lock=lock)
        result = connection.exec_driver_sql(sql, params)
        processors = [
            table.c[name].type.dialect_impl(dialect).result_processor(dialect, description[1])
            for name, description in zip(names, result.cursor.description, strict=True)
        ]
        if not (rows := result.all()):
            continue
        columns = [  # converted a column at a time, as _bound does
            [value if value is None else process(value) for value in values] if process else values
            for process, values in zip(processors, zip(*rows, strict=True), strict=True)
        ]
        for values in zip(*columns, strict=True):
            row = dict(zip(names, values, strict=True))
            found[(row["channel_id"], row[key_column])] = row
    return found


def _select_sql(
    dialect: Any, table: Table, key_column: str, names: list[str], keys: list[Key], *, lock: bool
) -> tuple[str, tuple]:
    by_channel: dict[int, list[str]] = defaultdict(list)
    for channel_id, code in keys:
        by_channel[channel_id].append(code)
    mark, key = _mark(dialect), _q(dialect, key_column)
    where = " OR ".join(
        f"(channel_id = {mark} AND {key} IN ({', '.join([mark] * len(codes))}))"
        for codes in by_channel.values()
    )
    locking = " FOR NO KEY UPDATE" if lock and dialect.name == "postgresql" else ""
    columns = ", ".join(_q(dialect, name) for name in names)
    sql = f"SELECT {columns} FROM {_q(dialect, table.name)} WHERE {where} ORDER BY id{locking}"  # noqa: S608  (names from the model, values bound)
    params = tuple(v for channel_id, codes in by_channel.items() for v in (channel_id, *codes))
    return sql, params


def insert_absent(
    session: Session, table: Table, key_column: str, rows: list[dict[str, Any]]
) -> dict[Key, int]:
    """Insert ``rows`` (sorted by key, so concurrent batches lock in one order) unless their key
    exists; the ids of the rows this statement inserted, by key. A key missing from the answer
    was inserted meanwhile by someone else."""
    if not rows:
        return {}
    rows = sorted(rows, key=lambda row: (row["channel_id"], row[key_column]))
    connection = session.connection()
    dialect = connection.dialect
    names, params = _bound(table, dialect, rows)
    if dialect.name == "postgresql":
        result = pgcopy.insert_absent(connection, table, key_column, names, params)
        return {(channel_id, code): row_id for row_id, channel_id, code in result}
    inserted: dict[Key, int] = {}
    for chunk in _few_shapes(params, MAX_PARAMS // len(names)):
        values = ", ".join([f"({', '.join([_mark(dialect)] * len(names))})"] * len(chunk))
        sql = (
            f"{_insert_into(dialect, table, names)} VALUES {values} "
            f"ON CONFLICT (channel_id, {_q(dialect, key_column)}) DO NOTHING "
            f"RETURNING id, channel_id, {_q(dialect, key_column)}"
        )
        result = connection.exec_driver_sql(sql, tuple(chain.from_iterable(chunk)))
        inserted.update({(channel_id, code): row_id for row_id, channel_id, code in result})
    return inserted


def upsert_prepare(
    session: Session,
    table: Table,
    key_column: str,
    wanted: dict[tuple[int, str], Any],
    columns: list[str],
    new_row: Callable[[tuple[int, str], Any], dict[str, Any]],
    absent: set[Key] | frozenset[Key] = frozenset(),
) -> tuple[dict, dict, dict]:
    """The first half of a batch upsert by (channel_id, ``key_column``).

    Locks the rows that exist, inserts the missing ones (built by ``new_row``) and reads back
    those a concurrent batch inserted first. Returns (found rows by key, new ids by key, new
    rows by key): the caller diffs the found rows against ``wanted`` and updates them.
    Keys in ``absent`` were read missing earlier in the transaction: they are not looked up
    again (one inserted since then is a conflict, read back as any other).
    """
    found = select_by_keys(session, table, key_column, wanted.keys() - absent, columns)
    new_rows = {key: new_row(key, values) for key, values in wanted.items() if key not in found}
    new_ids = insert_absent(session, table, key_column, list(new_rows.values()))
    if raced := [key for key in new_rows if key not in new_ids]:
        found |= select_by_keys(session, table, key_column, raced, columns)
    return found, new_ids, new_rows


def insert_many(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (all with the same keys): COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names, params = _bound(table, dialect, rows)
    if dialect.name == "postgresql":
        pgcopy.copy_rows(connection, table, names, params)
        return
    values = f"({', '.join([_mark(dialect)] * len(names))})"
    connection.exec_driver_sql(f"{_insert_into(dialect, table, names)} VALUES {values}", params)


def _bound(table: Table, dialect: Any, rows: list[dict[str, Any]]) -> tuple[list[str], list]:
    """Column names and parameter tuples, each value converted by its column type exactly as
    SQLAlchemy would (Money to cents on SQLite, UTC datetimes, JSON, …).

    Converted a column at a time: one ``map`` per column instead of a call per value, and one
    call for a column that holds one object throughout (the batch's ``now``, None)."""
    names = list(rows[0])
    columns = []
    for name in names:
        values = [row[name] for row in rows]
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is None:
            columns.append(values)
        elif all(value is values[0] for value in values):
            columns.append([process(values[0])] * len(values))
        else:
            columns.append(list(map(process, values)))
    return names, list(zip(*columns, strict=True))


def _insert_into(dialect: Any, table: Table, names: list[str]) -> str:
    return f"INSERT INTO {_q(dialect, table.name)} ({', '.join(_q(dialect, n) for n in names)})"


def _q(dialect: Any, name: str) -> str:
    return dialect.identifier_preparer.quote(name)


def _mark(dialect: Any) -> str:
    return "?" if dialect.paramstyle == "qmark" else "%s"


def _chunks(items: list, size: int) -> Iterable[list]:
    size = max(1, size)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _few_shapes(items: list, most: int) -> Iterable[list]:
    """``items`` in chunks of ``most``, the rest in falling powers of two (600: 512, 64, 16, 8):
    statements of a dozen shapes, which SQLite prepares once and keeps in its statement cache,
    instead of a cache full of one-off statements of up to 30,000 parameters (140 MB)."""
    most, start = max(1, most), 0
    while (rest := len(items) - start) > 0:
        size = most if rest >= most else 1 << (rest.bit_length() - 1)
        yield items[start : start + size]
        start += size


def update_rows(
    session: Session,
    table: Table,
    updates: list[tuple[int, dict[str, Any]]],
    **expressions: Any,
) -> None:
    """UPDATE each (id, values) pair; one executemany per set of changed columns.
    ``expressions`` are SQL set clauses shared by every row (``version=table.c.version + 1``)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row_id, values in sorted(updates, key=lambda update_: update_[0]):
        groups[tuple(sorted(values))].append(
            {"_id": row_id, **{f"_{name}": value for name, value in values.items()}}
        )
    for names, params in groups.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({**{name: bindparam(f"_{name}") for name in names}, **expressions})
        )
        session.execute(statement, params)


def is_retryable(exc: DBAPIError) -> bool:
    """A deadlock or serialization failure (PostgreSQL), or a lock SQLite gave up waiting for."""
    if getattr(exc.orig, "sqlstate", None) in RETRYABLE_SQLSTATES:
        return True
    message = str(exc.orig).lower()
    return "database is locked" in message or "database is busy" in message
