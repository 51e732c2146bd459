"""The filter kinds (django-filter's): which lookups each offers, how a value becomes SQL."""

import contextlib
import math
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar, NamedTuple

from sqlalchemy import and_, bindparam, or_, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import ColumnElement

from backoffice.apitext import N_, Text
from backoffice.filtering.values import (
    NULL_VALUE,
    FilterValueError,
    QueryContext,
    invalid_choice,
    parse_boolean,
    parse_filter_date,
    parse_filter_datetime,
    parse_number,
    starts_with,
)
from backoffice.types import MAX_ID

# -- filters -----------------------------------------------------------------------------------

COMPARISONS = {
    "exact": lambda column, value: column == value,
    "gt": lambda column, value: column > value,
    "gte": lambda column, value: column >= value,
    "lt": lambda column, value: column < value,
    "lte": lambda column, value: column <= value,
}


class Built(NamedTuple):
    """A filter applied: the value it parsed (what chips and counters read) and its clause."""

    value: Any
    clause: ColumnElement


class Filter:
    """One filterable field: which lookups it offers and how it turns a value into SQL."""

    type_name: ClassVar[str] = "Filter"
    default_lookups: ClassVar[tuple[str, ...]] = ("exact",)

    def __init__(
        self,
        column: Any = None,
        *,
        lookups: Sequence[str] | None = None,
        hidden_lookups: Sequence[str] = (),
        label: str | None = None,
    ):
        self.column = column
        self.lookups = tuple(lookups or self.default_lookups)
        # Accepted, but not advertised in the metadata (it must match Omnitron's).
        self.hidden_lookups = tuple(hidden_lookups)
        self.label = label
        self.name = ""

    def accepts(self, lookup: str) -> bool:
        return lookup in self.lookups or lookup in self.hidden_lookups

    def parse(self, raw: str, lookup: str) -> Any:
        return raw

    def clause(self, value: Any, lookup: str) -> ColumnElement | None:
        return COMPARISONS[lookup](self.column, value)

    def build(self, raw_values: list[str], lookup: str, ctx: QueryContext) -> Built | None:
        """Parse the last value (as Django does for single-valued filters) into a clause."""
        value = self.parse(raw_values[-1], lookup)
        return None if value is None else Built(value, self.clause(value, lookup))

    def metadata(self) -> dict[str, Any]:
        return {"type": self.type_name, "lookup_types": list(self.lookups)}


class CharFilter(Filter):
    type_name = "CharFilter"

    def parse(self, raw: str, lookup: str) -> str | None:
        # forms.CharField strips; an empty value leaves the filter unapplied.
        return raw.strip() or None

    def build(self, raw_values: list[str], lookup: str, ctx: QueryContext) -> Built | None:
        value = self.parse(raw_values[-1], lookup)
        if value is not None and lookup == "startswith":
            return Built(value, starts_with(self.column, value, ctx.dialect))
        return None if value is None else Built(value, self.clause(value, lookup))

    def clause(self, value: str, lookup: str) -> ColumnElement:
        return self.column == value


class CharFilterWithNull(CharFilter):
    """Like CharFilter; the value ``null`` means "is null"."""

    type_name = "CharFilterWithNull"

    def clause(self, value: str, lookup: str) -> ColumnElement:
        return self.column.is_(None) if value == NULL_VALUE else super().clause(value, lookup)


class BooleanFilter(Filter):
    type_name = "BooleanFilter"
    # django-filter's BooleanWidget (its DRF flavour): these, in any case, and nothing else
    # (" true" too leaves the filter unapplied).
    VALUES: ClassVar[dict[str, bool]] = {"true": True, "1": True, "false": False, "0": False}

    def parse(self, raw: str, lookup: str) -> bool | None:
        return self.VALUES.get(raw.lower())


class NumberFilter(Filter):
    type_name = "NumberFilter"

    def parse(self, raw: str, lookup: str) -> Any:
        if raw == "":
            return None  # unapplied; "  " is no number
        if lookup == "in":
            return [parse_number(part) for part in raw.split(",") if part.strip()]
        number = parse_number(raw)
        # Django makes an integer of a Decimal for an integer column: 1.5 → 1, as Omnitron.
        return math.trunc(number) if isinstance(number, float) and abs(number) <= MAX_ID else number

    def clause(self, value: Any, lookup: str) -> ColumnElement:
        if lookup == "in":
            return self.column.in_(value)
        return COMPARISONS[lookup](self.column, value)


class DateFilter(Filter):
    """A date; on a datetime column its midnight in UTC (as Django compares them), and
    ``__date`` for the UTC day."""

    type_name = "DateFilter"

    def __init__(
        self,
        column: Any = None,
        *,
        on_datetime: bool = False,
        postgresql_copy: tuple[Any, Callable[[ColumnElement], ColumnElement]] | None = None,
        **kwargs: Any,
    ):
        super().__init__(column, **kwargs)
        self.on_datetime = on_datetime
        # (copy, wrap): on PostgreSQL the comparison is made on ``copy``, a copy of the column
        # indexed in another table, and ``wrap`` makes it a clause on this one.
        self.postgresql_copy = postgresql_copy

    def build(self, raw_values: list[str], lookup: str, ctx: QueryContext) -> Built | None:
        value = self.parse(raw_values[-1], lookup)
        if value is None:
            return None
        if ctx.dialect == "postgresql" and self.postgresql_copy is not None:
            copy, wrap = self.postgresql_copy
            return Built(value, wrap(self.compare(copy, value, lookup)))
        return Built(value, self.compare(self.column, value, lookup))

    def parse(self, raw: str, lookup: str) -> Any:
        if raw == "":
            return None  # unapplied; "  " is no date
        day = parse_filter_date(raw)
        if self.on_datetime and lookup != "date":
            return datetime.combine(day, time.min, tzinfo=UTC)
        return day

    def clause(self, value: Any, lookup: str) -> ColumnElement:
        return self.compare(self.column, value, lookup)

    @staticmethod
    def compare(column: Any, value: Any, lookup: str) -> ColumnElement:
        if lookup == "date":
            start = datetime.combine(value, time.min, tzinfo=UTC)
            if value == date.max:
                return column >= start
            return and_(column >= start, column < start + timedelta(days=1))
        return COMPARISONS[lookup](column, value)


class IsoDateTimeFilter(Filter):
    type_name = "IsoDateTimeFilter"

    def parse(self, raw: str, lookup: str) -> datetime | None:
        return parse_filter_datetime(raw) if raw != "" else None


class ChoiceFilter(Filter):
    type_name = "ChoiceFilter"

    def __init__(self, column: Any = None, *, choices: Sequence[str], **kwargs: Any):
        super().__init__(column, **kwargs)
        self.choices = tuple(choices)

    def parse(self, raw: str, lookup: str) -> str | None:
        if not raw:
            return None
        if raw not in self.choices:
            raise FilterValueError(invalid_choice(raw))
        return raw


class ModelMultipleChoiceFilter(Filter):
    """Repeatable (``channel=1&channel=2`` is OR); each value must be an existing pk."""

    type_name = "ModelMultipleChoiceFilter"

    def __init__(self, column: Any = None, *, model_pk: Any, **kwargs: Any):
        super().__init__(column, **kwargs)
        self.model_pk = model_pk
        # Built once: the lookup runs on every request that filters by this field.
        self.existing = select(model_pk).where(model_pk.in_(bindparam("ids", expanding=True)))

    def build(self, raw_values: list[str], lookup: str, ctx: QueryContext) -> Built | None:
        """Django's ModelMultipleChoiceField: each value, unstripped, must be what int() takes
        ("" is not), then exactly the text of an existing pk (" 1" is not)."""
        numbers = {}
        for raw in raw_values:
            try:
                numbers[raw] = int(raw)
            except ValueError:
                raise FilterValueError(
                    Text(N_("“%(value)s” is not a valid value."), value=raw)
                ) from None
        wanted = {n for n in numbers.values() if 0 < n <= MAX_ID}
        found = set()
        if wanted and self.name in ctx.choices:
            found = ctx.choices[self.name] & wanted
        elif wanted:
            found = set(ctx.session.scalars(self.existing, {"ids": list(wanted)}))
        for raw in raw_values:
            if numbers[raw] not in found or raw != str(numbers[raw]):
                raise FilterValueError(invalid_choice(raw))
        ids = sorted(found)
        return Built(ids, self.column.in_(ids))


class JsonMethodFilter(Filter):
    """``attributes__<key>=<value>``: the JSON key equals the value.

    Strings compare as strings; ``true``/``false`` also match JSON booleans and a number also
    matches a JSON number, the same way on PostgreSQL and SQLite. Null, arrays and objects
    never match.

    PostgreSQL: containment (@>), which a GIN index on the jsonb column answers. SQLite has
    no such index: ``sqlite_lookup(column, key, values)`` gives the clause, from an index the
    filter set keeps; ``values`` are the JSON values to find: the str, then maybe a bool, then
    maybe a number (an int, or a finite float).
    """

    type_name = "JsonMethodFilter"

    def __init__(
        self,
        column: Any,
        *,
        sqlite_lookup: Callable[[Any, str, list[Any]], ColumnElement],
        **kwargs: Any,
    ):
        super().__init__(column, **kwargs)
        self.sqlite_lookup = sqlite_lookup

    def build(self, raw_values: list[str], key: str, ctx: QueryContext) -> Built | None:
        raw = raw_values[-1]
        if not key or not raw:
            return None
        candidates: list[Any] = [raw]
        if (boolean := parse_boolean(raw)) is not None and raw.lower() in {"true", "false"}:
            candidates.append(boolean)
        with contextlib.suppress(FilterValueError):
            number = parse_number(raw)
            if math.isfinite(number):  # 1e400 overflows a float (JSON has no Infinity)
                candidates.append(number)
        if ctx.dialect == "postgresql":
            document = type_coerce(self.column, JSONB)
            clause = or_(*(document.contains({key: candidate}) for candidate in candidates))
            return Built(raw, clause)
        return Built(raw, self.sqlite_lookup(self.column, key, candidates))


class RelatedFilter(Filter):
    """Filters through another model: ``mapping__code=X`` and ``mapping__channel=1``."""

    type_name = "RelatedFilter"

    def __init__(self, *, subquery: Any, fields: dict[str, Filter], description: str):
        super().__init__(None)
        self.subquery = subquery  # callable(list of clauses) -> ColumnElement
        self.fields = fields
        self.description = description

    def metadata(self) -> dict[str, Any]:
        return {"type": self.type_name, "lookup_types": self.description}
