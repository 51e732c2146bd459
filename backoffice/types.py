"""Column types shared by the models: UTC datetimes, money, JSON objects, search keys."""

import json
import string
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Numeric, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

CENT = Decimal("0.01")
# The largest value an id (INTEGER) column holds on both databases.
MAX_ID = 2**31 - 1


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A datetime stored in UTC and always read back timezone-aware.

    PostgreSQL keeps it as ``timestamptz``; SQLite as naive UTC text, which still sorts and
    compares correctly because every value goes through this type.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Money(TypeDecorator):
    """A Decimal amount with two places: NUMERIC(12, 2) on PostgreSQL, integer cents on SQLite.

    SQLite has no decimal type; storing cents keeps sums exact there too.
    """

    impl = Numeric(12, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(12, 2, asdecimal=True))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = Decimal(value).quantize(CENT)
        return int(value * 100) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / 100).quantize(CENT)
        return Decimal(value).quantize(CENT)


JSONObject = JSON().with_variant(JSONB(), "postgresql")
_scan_json = json.JSONDecoder().scan_once  # the C scanner json.loads ends up in


def load_stored_json(data: str | bytes) -> Any:
    """``json.loads`` of a JSON column's value as the database hands it over (UTF-8 bytes
    from psycopg, text from SQLite), the same value, in a third of the time: a stored value
    is read from its first character to its last, without the encoding detection and the
    whitespace checks around it (json.loads itself takes what does not read so)."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    try:
        value, end = _scan_json(text, 0)
    except StopIteration:
        return json.loads(text)  # leading white space, or an error to raise as json.loads does
    return value if end == len(text) else json.loads(text)


def search_key(length: int) -> String:
    """A search key column: compared byte by byte (collation "C" on PostgreSQL, SQLite's
    binary default), so a prefix is a range of its index whatever the database's collation."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class code_key(FunctionElement):
    """A code as the search compares it: its ASCII letters in small, nothing else changed —
    ``lower()`` on SQLite (ASCII only), ``lower(… COLLATE "C")`` on PostgreSQL (ASCII only
    under "C", and compared byte by byte), so both databases fold alike and a prefix is a
    range of an index on the same expression (migration 0014s)."""

    type = String()
    name = "code_key"
    inherit_cache = True


@compiles(code_key)
def _code_key(element: code_key, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(code_key, "postgresql")
def _code_key_postgresql(element: code_key, compiler: Any, **kw: Any) -> str:
    return f'lower({compiler.process(element.clauses, **kw)} COLLATE "C")'


_ASCII_SMALL = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def code_term(text: str) -> str:
    """A typed code as ``code_key`` stores it: ASCII capitals in small."""
    return text.translate(_ASCII_SMALL)
