"""Engine set-up: SQLite pragmas, write transactions that take the lock up front, bounded
waits for requests; PostgreSQL reads without a transaction, dead connections replaced."""

import logging
import select
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any, NamedTuple

from flask import Flask, current_app, has_request_context
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

# Outside a request (order import, CLI) a statement waits this long for SQLite's write lock,
# and without limit on PostgreSQL; a request waits DATABASE_LOCK_TIMEOUT (see ``Waits``).
SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_NO_LIMIT_MS = 2**31 - 1
# A pooled PostgreSQL connection unused for longer than this is pinged before it is handed out
# (the server may have restarted meanwhile); a busy pool pays no round trip for it.
IDLE_PING_SECONDS = 10.0
# An erasure's checkpoint holds the write lock while it waits for readers: only this long.
ERASURE_CHECKPOINT_WAIT_MS = 1000
AUTOCOMMIT_ENGINES = "backoffice.autocommit_engines"

# Read-only requests begin DEFERRED transactions so readers never queue behind a writer;
# everything else begins IMMEDIATE, so a writer waits for the lock (busy timeout) instead of
# failing with "database is locked" when it upgrades a read transaction.
_write_intent: ContextVar[bool] = ContextVar("sqlite_write_intent", default=True)


def set_write_intent(value: bool) -> Token:
    """Set the intent for this request; hand the token back to ``reset_write_intent``."""
    return _write_intent.set(value)


def reset_write_intent(token: Token) -> None:
    _write_intent.reset(token)


@contextmanager
def write_intent() -> Iterator[None]:
    """Begin the transactions opened inside this block with BEGIN IMMEDIATE."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


class Session(FlaskSession):
    """On PostgreSQL, the session of a read-only request runs in autocommit.

    Each statement already sees its own snapshot under READ COMMITTED, so a read gains nothing
    from BEGIN and ROLLBACK but two round trips. A write (``write_intent``) begins a real
    transaction. SQLite keeps its deferred BEGIN, which costs no round trip.
    """

    def get_bind(self, *args: Any, **kwargs: Any) -> Any:
        bind = super().get_bind(*args, **kwargs)
        if _write_intent.get():
            return bind
        return current_app.extensions[AUTOCOMMIT_ENGINES].get(bind, bind)


class Waits(NamedTuple):
    """How long a statement may wait for a lock, and run (PostgreSQL), in ms; 0: no limit."""

    lock_ms: int
    statement_ms: int


SQLITE_OUTSIDE_REQUESTS = Waits(lock_ms=SQLITE_BUSY_TIMEOUT_MS, statement_ms=0)
POSTGRESQL_OUTSIDE_REQUESTS = Waits(lock_ms=0, statement_ms=0)


def current_waits(outside_requests: Waits) -> Waits:
    """A request gives up soon (503, try again) rather than tie up a worker behind a lock;
    the order import and other commands keep their long waits."""
    if not has_request_context():
        return outside_requests
    config = current_app.config
    return Waits(
        lock_ms=int(config["DATABASE_LOCK_TIMEOUT"] * 1000),
        statement_ms=int(config["DATABASE_STATEMENT_TIMEOUT"] * 1000),
    )


def configure_engines(app: Flask, engines: Iterable[Engine]) -> None:
    app.extensions[AUTOCOMMIT_ENGINES] = {}
    for engine in engines:
        if engine.dialect.name == "postgresql":
            _configure_postgresql(engine)
            autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
            app.extensions[AUTOCOMMIT_ENGINES][engine] = autocommit
        elif engine.dialect.name == "sqlite":
            _configure_sqlite(engine)


def _configure_sqlite(engine: Engine) -> None:

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Take transaction control away from pysqlite so that our BEGIN below is the only one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        # Freed space is zeroed, not left holding old values (an erased customer's, say).
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.close()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        waits = current_waits(SQLITE_OUTSIDE_REQUESTS)
        if record.info.get("waits") != waits:
            busy_ms = waits.lock_ms or SQLITE_NO_LIMIT_MS  # SQLite's 0 would mean "never wait"
            dbapi_connection.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
            record.info["waits"] = waits

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection, record):
        owed = engine in _TRUNCATION_OWED and dbapi_connection is not None
        if owed and _truncate_wal(dbapi_connection, record.info, wait_ms=0):
            _TRUNCATION_OWED.discard(engine)

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


def discard_old_page_images(engine: Engine) -> bool:
    """After an erasure on SQLite: move the write-ahead log into the database and truncate
    it, so no former page image (holding the erased values) stays in the WAL file.

    A reader still on an older snapshot keeps the log from being truncated. Meanwhile the
    checkpoint holds the write lock, so it waits for readers only briefly; if one is still
    there, the truncation is owed, and every connection this process returns to the pool
    tries it again, without waiting, until it succeeds. Returns whether it was done now.
    Nothing to do on PostgreSQL.
    """
    if engine.dialect.name != "sqlite":
        return True
    connection = engine.raw_connection()
    try:
        lock_ms = current_waits(SQLITE_OUTSIDE_REQUESTS).lock_ms or ERASURE_CHECKPOINT_WAIT_MS
        wait_ms = min(ERASURE_CHECKPOINT_WAIT_MS, lock_ms)
        done = _truncate_wal(connection.dbapi_connection, connection.info, wait_ms)
        if not done:
            log.warning("a reader holds the write-ahead log: it is truncated after it ends")
            _TRUNCATION_OWED.add(engine)
    finally:
        connection.close()
    return done


_TRUNCATION_OWED: "weakref.WeakSet[Engine]" = weakref.WeakSet()


def _truncate_wal(dbapi_connection: Any, info: dict, wait_ms: int) -> bool:
    dbapi_connection.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
    info.pop("waits", None)  # the next checkout sets the connection's own again
    busy, _frames, _copied = dbapi_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return not busy


def _configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        idle_since = record.info.get("idle_since")
        waits = current_waits(POSTGRESQL_OUTSIDE_REQUESTS)
        try:
            if idle_since is not None and (
                time.monotonic() - idle_since >= IDLE_PING_SECONDS
                or _server_spoke(dbapi_connection)
            ):
                engine.dialect.do_ping(dbapi_connection)
            if record.info.get("waits") != waits:
                _set_waits(dbapi_connection, waits)
                record.info["waits"] = waits
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool discards this connection and checks out (or opens) another one.
            raise exc.DisconnectionError from error


def _server_spoke(dbapi_connection: Any) -> bool:
    """Whether the server sent anything to this idle connection; no round trip.

    An idle connection is sent nothing but its end: a terminated backend or a shutting-down
    server says goodbye and closes. Such a connection is pinged, and replaced when it fails.
    """
    poller = select.poll()
    poller.register(dbapi_connection.pgconn.socket, select.POLLIN)
    return bool(poller.poll(0))


def _set_waits(dbapi_connection: Any, waits: Waits) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('lock_timeout', %s, false), "
            "set_config('statement_timeout', %s, false)",
            (f"{waits.lock_ms}ms", f"{waits.statement_ms}ms"),
        )
    dbapi_connection.commit()  # a session setting survives only a committed SET


@event.listens_for(Session, "do_orm_execute")
def _retry_read_once(state: Any) -> Any:
    """A read whose connection dropped (server restart, killed backend) runs once more, on a
    fresh connection. A write is not retried: its transaction is lost; it answers 503."""
    if _write_intent.get() or state.session.in_nested_transaction():
        return None
    return retry_read(state.session, state.invoke_statement)


def retry_read(session: Any, run: Callable[[], Any]) -> Any:
    """``run()``, a read; once more on a fresh connection if its connection dropped (not in
    a write request or a nested transaction, whose work would be lost)."""
    if _write_intent.get() or session.in_nested_transaction():
        return run()
    try:
        return run()
    except exc.DBAPIError as error:
        if not error.connection_invalidated:
            raise
    log.warning("database connection lost during a read; retrying it once")
    session.rollback()
    return run()


# PostgreSQL error classes that mean "busy or unreachable now", not "wrong request": connection
# exceptions, insufficient resources, operator intervention (shutdown, statement_timeout),
# lock_timeout, and transactions rolled back by the server (deadlock, serialization).
TRANSIENT_SQLSTATES = ("08", "53", "57", "55P03", "40")
SQLITE_BUSY, SQLITE_LOCKED = 5, 6


def is_unavailable(error: BaseException) -> bool:
    """Whether a database error is a fault to wait out (503, Retry-After) rather than a bug."""
    if isinstance(error, exc.TimeoutError | exc.DisconnectionError):
        return True  # no pooled connection came free / none could be made
    if not isinstance(error, exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    original = error.orig
    sqlite_code = getattr(original, "sqlite_errorcode", None)
    if sqlite_code is not None:
        return sqlite_code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)
    if not isinstance(error, exc.OperationalError):
        return False
    sqlstate = getattr(original, "sqlstate", None)
    # No SQLSTATE: the client's own connection failure (refused, reset, timed out).
    return sqlstate is None or sqlstate.startswith(TRANSIENT_SQLSTATES)
