"""Log filters: no personal data from database errors, query strings or access lines in a log.

PostgreSQL puts values in its errors: ``DETAIL: Key (email)=(ann@example.com) already exists``,
``Failing row contains (…)``, a COPY line in ``CONTEXT``, a literal in ``invalid input syntax
for type integer: "…"``. psycopg carries that text in the exception's message (SQLAlchemy's
``hide_parameters`` hides only the statement's parameters), so every traceback would print it.
Here an error with a server SQLSTATE is told by its primary message with quoted literals
withheld, its SQLSTATE and the names (constraint, table, column) PostgreSQL reports apart.
"""

import logging
import re
import sys
import traceback
from collections.abc import Iterable, Iterator

QUOTED = re.compile(r'"[^"]*"')
# Lines PostgreSQL adds that hold values, should an error's text reach a log some other way.
VALUE_LINES = re.compile(r"^[ \t]*(?:DETAIL|CONTEXT):.*(?:\n|$)", re.MULTILINE)
# Werkzeug's development server logs each request as '"GET /path?query HTTP/1.1" 200 -'.
ACCESS_LINE = '"%s" %s %s'


def database_error_text(error: BaseException) -> str | None:
    """What may be logged of a database server's error; None when it is not one."""
    diag, sqlstate = getattr(error, "diag", None), getattr(error, "sqlstate", None)
    if diag is None or not sqlstate:
        return None
    primary = QUOTED.sub('"…"', diag.message_primary or type(error).__name__)
    names = [
        f"{label} {name}"
        for label, name in (
            ("constraint", diag.constraint_name),
            ("table", diag.table_name),
            ("column", diag.column_name),
        )
        if name
    ]
    return f"{primary} [SQLSTATE {sqlstate}{''.join(f'; {n}' for n in names)}; values withheld]"


def _related(error: BaseException | None) -> Iterator[BaseException]:
    """The error, its causes and contexts, and the driver errors SQLAlchemy wraps."""
    pending, seen = [error], set()
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        pending += [current.__cause__, current.__context__]
        pending += [orig] if isinstance(orig, BaseException) else []


def scrub(text: str, error: BaseException | None) -> str:
    """``text`` (a message, a traceback) with the values of ``error``'s database errors out."""
    for related in _related(error):
        safe = database_error_text(related)
        original = str(related)
        if safe and original:
            text = text.replace(original, safe)
    return VALUE_LINES.sub("", text)


def _without_query(value: object) -> object:
    """A request path logged as an argument (gunicorn's "Error handling request %s") loses
    its query string, which can hold an email or phone filter."""
    if isinstance(value, str) and value.startswith("/") and "?" in value:
        return value.partition("?")[0] + "?…"
    return value


class PersonalDataFilter(logging.Filter):
    """Rewrites a record: its message and traceback without database values or query strings."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else sys.exc_info()[1]
        if isinstance(record.args, tuple):
            record.args = tuple(_without_query(arg) for arg in record.args)
        record.msg, record.args = scrub(record.getMessage(), error), None
        if record.exc_info:
            formatted = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text, record.exc_info = scrub(formatted, error), None
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text, error)
        return True


class AccessLineFilter(logging.Filter):
    """Drops the development server's access lines: the app's JSON line (requestlog) is the
    request log, and it names query parameters without their values."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.endswith(ACCESS_LINE))


PERSONAL_DATA = PersonalDataFilter()
ACCESS_LINES = AccessLineFilter()


def add_filter(loggers: Iterable[logging.Logger | str], log_filter: logging.Filter) -> None:
    """Attach ``log_filter`` to each logger (once: the instances above are shared)."""
    for logger in loggers:
        (logging.getLogger(logger) if isinstance(logger, str) else logger).addFilter(log_filter)


def excepthook(kind: type[BaseException], error: BaseException, tb) -> None:
    """An uncaught error (a command's, e.g. the import's COPY) printed without its values."""
    sys.stderr.write(scrub("".join(traceback.format_exception(kind, error, tb)), error))


def install_excepthook() -> None:
    if sys.excepthook is sys.__excepthook__:
        sys.excepthook = excepthook
