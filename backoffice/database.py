"""Engine set-up: SQLite pragmas and write transactions that take the lock up front;
PostgreSQL reads without a transaction, and a ping only for a connection that sat idle."""

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

from flask import Flask, current_app
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

SQLITE_BUSY_TIMEOUT_MS = 30_000
# A pooled PostgreSQL connection unused for longer than this is pinged before it is handed out
# (the server may have restarted meanwhile); a busy pool pays no round trip for it.
IDLE_PING_SECONDS = 10.0
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
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


def _configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool discards this connection and checks out (or opens) another one.
            raise exc.DisconnectionError from error
