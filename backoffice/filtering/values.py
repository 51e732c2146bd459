"""The filter engine's values: its errors, the parsers of raw values and the query context."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import and_, func
from sqlalchemy.sql.elements import ColumnElement

from backoffice.apitext import N_, Text
from backoffice.dateparse import aware_utc, parse_form_date
from backoffice.dateparse import parse_datetime as django_parse_datetime

NULL_VALUE = "null"
TRUE_VALUES = {"true", "1"}
FALSE_VALUES = {"false", "0"}


class FilterValueError(ValueError):
    """A value a filter cannot use; the message is shown to the person or client: in English
    to the API, translated on the pages (a ``Text``)."""

    @property
    def message(self) -> str:
        return self.args[0]


def invalid_choice(value: str) -> Text:
    return Text(
        N_("Select a valid choice. %(value)s is not one of the available choices."), value=value
    )


class FilterError(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(errors)


# -- value parsing -----------------------------------------------------------------------------


def parse_filter_date(raw: str) -> date:
    """django-filter's DateFilter (a forms.DateField): the stripped value in one of Django's
    date input formats (1990-05-17, 1990-5-17, 05/17/1990, …); never a datetime."""
    parsed = parse_form_date(raw)
    if parsed is None:
        raise FilterValueError(Text(N_("Enter a valid date.")))
    return parsed


def parse_filter_datetime(raw: str) -> datetime:
    """django-filter's IsoDateTimeFilter: Django's parse_datetime of the stripped value (a
    date alone is its midnight), in UTC when it has no offset."""
    try:
        parsed = django_parse_datetime(raw.strip())
        if parsed is not None:
            return aware_utc(parsed)
    except (ValueError, OverflowError):
        pass
    raise FilterValueError(Text(N_("Enter a valid date/time.")))


def parse_number(raw: str) -> int | float:
    """An int, or a float where an int column cannot hold the value (a fraction, 1e30)."""
    try:
        number = Decimal(raw.strip())
    except InvalidOperation as exc:
        raise FilterValueError(Text(N_("Enter a number."))) from exc
    if not number.is_finite():
        raise FilterValueError(Text(N_("Enter a number.")))
    if number == number.to_integral_value() and abs(number) <= 2**53:
        return int(number)
    return float(number)


def parse_boolean(raw: str) -> bool | None:
    """True, False, or None for a value that leaves the filter unapplied (django-filter)."""
    lowered = raw.strip().lower()
    if lowered in TRUE_VALUES:
        return True
    if lowered in FALSE_VALUES:
        return False
    return None


@dataclass(frozen=True)
class QueryContext:
    """What a filter may need besides its value: the session, the database dialect, and the
    choices the caller has already read (filter name -> existing pks), to not read them twice."""

    session: Any
    dialect: str
    choices: dict[str, set[int]] = field(default_factory=dict)


def starts_with(column: Any, value: str, dialect: str) -> ColumnElement:
    """``column`` starts with ``value``, case-sensitively, in a form an index answers.

    PostgreSQL: LIKE 'value%' (a varchar_pattern_ops index). SQLite's LIKE ignores case and no
    index serves it, so there: a range of the column's (binary) order, made exact by substr.
    """
    if dialect != "sqlite":
        return column.startswith(value, autoescape=True)
    return and_(
        column >= value,
        column < value + "\U0010ffff",
        func.substr(column, 1, len(value)) == value,
    )
