"""Reads run on the DBAPI cursor: SQLAlchemy's SQL, parameters and values, without its
execution machinery.

The reads every API request makes (the token's user, a customer, a page of customers) spent
more CPU in SQLAlchemy's execute path than in the database driver: the session's ORM
execution and its events, an execution context per statement, the result's metadata, and
psycopg's ``cursor.description`` (a Column object per column) built anew for each result.
Here a prebuilt statement is compiled once per dialect. Each run binds the parameters with
the statement's own bind processors, executes on the session's connection (its transaction,
autocommit for reads on PostgreSQL, the engine's ``before_cursor_execute`` and
``after_cursor_execute`` listeners called as SQLAlchemy calls them) and converts each value
with its column type's result processor: the values ``Session.execute`` would return.

Driver errors become SQLAlchemy's (a lost connection is invalidated); a read whose connection
dropped runs once more, as ``Session.execute`` does (``database.retry_read``). A statement
this path does not handle (expanding IN lists, escaped parameter names, schema translation)
runs through ``Session.execute``.
"""

import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from backoffice.database import retry_read
from backoffice.extensions import db


class _Plan:
    """One statement compiled for one dialect, and its parameter and value conversions."""

    def __init__(self, statement: Executable, dialect: Dialect):
        compiled = statement.compile(dialect=dialect)
        self.compiled = compiled
        self.dialect = dialect
        self.sql = compiled.string
        self.supported = not (
            compiled.literal_execute_params
            or compiled.post_compile_params
            or compiled.escaped_bind_names
            or compiled.schema_translate_map
        )
        self.positions = compiled.positiontup if compiled.positional else None
        self.binders = compiled._bind_processors
        self.keys = tuple(column.keyname for column in compiled._result_columns)
        self.types = [column.type for column in compiled._result_columns]
        # From the first result's column type codes (psycopg's numeric types need them).
        self.converters: list[tuple[int, Callable]] | None = None

    def parameters(self, values: dict[str, Any]) -> Any:
        params = self.compiled.construct_params(values, escape_names=False)
        binders = self.binders
        for name, bind in binders.items():
            if name in params:
                params[name] = bind(params[name])
        if self.positions is None:
            return params
        return self.dialect.execute_sequence_format([params[name] for name in self.positions])

    def convert(self, cursor: Any, rows: list[Sequence[Any]]) -> list[tuple]:
        if self.converters is None:
            codes = [column[1] for column in cursor.description]
            if len(codes) != len(self.types):
                raise exc.InvalidRequestError("the result's columns are not the statement's")
            processors = (
                type_.dialect_impl(self.dialect).result_processor(self.dialect, code)
                for type_, code in zip(self.types, codes, strict=True)
            )
            self.converters = [(i, p) for i, p in enumerate(processors) if p is not None]
        converters = self.converters
        if not converters:
            return [tuple(row) for row in rows]
        converted = []
        for row in rows:
            values = list(row)
            for i, process in converters:
                values[i] = process(values[i])
            converted.append(tuple(values))
        return converted


_PLANS: "weakref.WeakKeyDictionary[Executable, dict[tuple[str, str], _Plan]]" = (
    weakref.WeakKeyDictionary()
)
_LOCK = threading.Lock()


def _plan(statement: Executable, dialect: Dialect) -> _Plan:
    kind = (dialect.name, dialect.driver)
    plans = _PLANS.get(statement)
    plan = plans.get(kind) if plans else None
    if plan is None:
        plan = _Plan(statement, dialect)
        with _LOCK:
            _PLANS.setdefault(statement, {})[kind] = plan
    return plan


def read(statement: Executable, params: dict[str, Any]) -> list[tuple]:
    """Every row of a prebuilt SELECT (a statement object kept for reuse), as tuples."""
    session = db.session()
    return retry_read(session, lambda: _read(session, statement, params))[1]


def read_mappings(statement: Executable, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every row as a dict of the result columns' names (as ``.mappings()`` names them)."""
    session = db.session()
    keys, rows = retry_read(session, lambda: _read(session, statement, params))
    return [dict(zip(keys, row, strict=True)) for row in rows]


def read_one_or_none(statement: Executable, params: dict[str, Any]) -> tuple | None:
    return _one_or_none(read(statement, params))


def read_mapping_or_none(statement: Executable, params: dict[str, Any]) -> dict | None:
    return _one_or_none(read_mappings(statement, params))


def _one_or_none(rows: list) -> Any:
    if len(rows) > 1:
        raise exc.MultipleResultsFound("Multiple rows were found when one or none was required")
    return rows[0] if rows else None


def _read(
    session: Session, statement: Executable, params: dict[str, Any]
) -> tuple[Sequence[str], list[tuple]]:
    connection = session.connection()
    plan = _plan(statement, connection.dialect)
    if not plan.supported:
        result = session.execute(statement, params)
        return tuple(result.keys()), [tuple(row) for row in result]
    return plan.keys, _run(connection, plan, params)


def _run(connection: Connection, plan: _Plan, params: dict[str, Any]) -> list[tuple]:
    sql, parameters = plan.sql, plan.parameters(params)
    cursor = None
    try:
        cursor = connection.connection.dbapi_connection.cursor()
        events = connection._has_events or connection.engine._has_events
        if events:
            for listener in connection.dispatch.before_cursor_execute:
                sql, parameters = listener(connection, cursor, sql, parameters, None, False)
        cursor.execute(sql, parameters)
        if events:
            connection.dispatch.after_cursor_execute(
                connection, cursor, sql, parameters, None, False
            )
        rows = cursor.fetchall()
        # A listener that rewrote the statement (an EXPLAIN) gets its rows as they came.
        rows = plan.convert(cursor, rows) if sql is plan.sql else [tuple(r) for r in rows]
        cursor.close()
    except connection.dialect.loaded_dbapi.Error as error:
        connection._handle_dbapi_exception(error, sql, parameters, cursor, None)
    return rows
