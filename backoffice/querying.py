"""The filter engine: declarative filter sets that turn query parameters into SQL.

One query language for the HTML list and the JSON API, in django-filter's dialect:
``?email__startswith=ann&channel=1&channel=2&created_date__gte=2024-01-01&ordering=-id``.
Parameters the set does not know are ignored; bad values become errors keyed by parameter.
"""

import contextlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from sqlalchemy import Select, and_, bindparam, func, or_, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import ColumnElement
from werkzeug.datastructures import MultiDict

from backoffice.dateparse import aware_utc, parse_form_date
from backoffice.dateparse import parse_datetime as django_parse_datetime
from backoffice.types import MAX_ID

NULL_VALUE = "null"
TRUE_VALUES = {"true", "1"}
FALSE_VALUES = {"false", "0"}


class FilterValueError(ValueError):
    """A value a filter cannot use; the message is shown to the person or client."""


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
        raise FilterValueError("Enter a valid date.")
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
    raise FilterValueError("Enter a valid date/time.")


def parse_number(raw: str) -> int | float:
    """An int, or a float where an int column cannot hold the value (a fraction, 1e30)."""
    try:
        number = Decimal(raw.strip())
    except InvalidOperation as exc:
        raise FilterValueError("Enter a number.") from exc
    if not number.is_finite():
        raise FilterValueError("Enter a number.")
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


# -- filters -----------------------------------------------------------------------------------

COMPARISONS = {
    "exact": lambda column, value: column == value,
    "gt": lambda column, value: column > value,
    "gte": lambda column, value: column >= value,
    "lt": lambda column, value: column < value,
    "lte": lambda column, value: column <= value,
}


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

    def build(self, raw_values: list[str], lookup: str, ctx: QueryContext) -> ColumnElement | None:
        """Parse the last value (as Django does for single-valued filters) into a clause."""
        value = self.parse(raw_values[-1], lookup)
        return None if value is None else self.clause(value, lookup)

    def metadata(self) -> dict[str, Any]:
        return {"type": self.type_name, "lookup_types": list(self.lookups)}


class CharFilter(Filter):
    type_name = "CharFilter"

    def parse(self, raw: str, lookup: str) -> str | None:
        # forms.CharField strips; an empty value leaves the filter unapplied.
        return raw.strip() or None

    def build(self, raw_values: list[str], lookup: str, ctx: QueryContext) -> ColumnElement | None:
        value = self.parse(raw_values[-1], lookup)
        if value is not None and lookup == "startswith":
            return starts_with(self.column, value, ctx.dialect)
        return None if value is None else self.clause(value, lookup)

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

    def __init__(self, column: Any = None, *, on_datetime: bool = False, **kwargs: Any):
        super().__init__(column, **kwargs)
        self.on_datetime = on_datetime

    def parse(self, raw: str, lookup: str) -> Any:
        if raw == "":
            return None  # unapplied; "  " is no date
        day = parse_filter_date(raw)
        if self.on_datetime and lookup != "date":
            return datetime.combine(day, time.min, tzinfo=UTC)
        return day

    def clause(self, value: Any, lookup: str) -> ColumnElement:
        if lookup == "date":
            start = datetime.combine(value, time.min, tzinfo=UTC)
            if value == date.max:
                return self.column >= start
            return and_(self.column >= start, self.column < start + timedelta(days=1))
        return COMPARISONS[lookup](self.column, value)


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
            raise FilterValueError(
                f"Select a valid choice. {raw} is not one of the available choices."
            )
        return raw


class ModelMultipleChoiceFilter(Filter):
    """Repeatable (``channel=1&channel=2`` is OR); each value must be an existing pk."""

    type_name = "ModelMultipleChoiceFilter"

    def __init__(self, column: Any = None, *, model_pk: Any, **kwargs: Any):
        super().__init__(column, **kwargs)
        self.model_pk = model_pk
        # Built once: the lookup runs on every request that filters by this field.
        self.existing = select(model_pk).where(model_pk.in_(bindparam("ids", expanding=True)))

    def build(self, raw_values: list[str], lookup: str, ctx: QueryContext) -> ColumnElement | None:
        """Django's ModelMultipleChoiceField: each value, unstripped, must be what int() takes
        ("" is not), then exactly the text of an existing pk (" 1" is not)."""
        numbers = {}
        for raw in raw_values:
            try:
                numbers[raw] = int(raw)
            except ValueError:
                raise FilterValueError(f"“{raw}” is not a valid value.") from None
        wanted = {n for n in numbers.values() if 0 < n <= MAX_ID}
        found = set()
        if wanted and self.name in ctx.choices:
            found = ctx.choices[self.name] & wanted
        elif wanted:
            found = set(ctx.session.scalars(self.existing, {"ids": list(wanted)}))
        for raw in raw_values:
            if numbers[raw] not in found or raw != str(numbers[raw]):
                raise FilterValueError(
                    f"Select a valid choice. {raw} is not one of the available choices."
                )
        return self.column.in_(sorted(found))


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

    def build(self, raw_values: list[str], key: str, ctx: QueryContext) -> ColumnElement | None:
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
            return or_(*(document.contains({key: candidate}) for candidate in candidates))
        return self.sqlite_lookup(self.column, key, candidates)


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


# -- filter sets -------------------------------------------------------------------------------


@dataclass
class Ordering:
    field: str
    descending: bool


class FilterSet:
    """Declare ``filters`` (name -> Filter, in the order the metadata lists them) and
    ``ordering_fields`` (name -> column). ``FilterSet(args, session, dialect)`` parses once.
    """

    filters: ClassVar[dict[str, Filter]] = {}
    ordering_fields: ClassVar[dict[str, Any]] = {}
    tiebreaker: ClassVar[str | None] = None  # an ordering_fields key that makes the order total
    ordering_param = "ordering"

    def __init__(
        self,
        args: MultiDict,
        session: Any,
        dialect: str = "sqlite",
        choices: dict[str, set[int]] | None = None,
    ):
        self.args = args
        self.context = QueryContext(session, dialect, choices or {})
        self.errors: dict[str, list[str]] = {}
        self.clauses: list[ColumnElement] = []
        self.applied: list[tuple[str, str]] = []  # (parameter, value) pairs that filter
        self.ordering: list[Ordering] = []
        self._parse()

    @classmethod
    def metadata(cls) -> dict[str, Any]:
        return {name: f.metadata() for name, f in cls.filters.items()}

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def apply(self, statement: Select) -> Select:
        """The statement filtered and ordered; raises FilterError when a value was bad."""
        if self.errors:
            raise FilterError(self.errors)
        return statement.where(*self.clauses).order_by(*self.order_by())

    def where(self) -> list[ColumnElement]:
        if self.errors:
            raise FilterError(self.errors)
        return list(self.clauses)

    def order_by(self) -> list[ColumnElement]:
        columns = []
        for order in self.ordering:
            column = self.ordering_fields[order.field]
            columns.append(column.desc() if order.descending else column.asc())
        if self.tiebreaker is not None:
            tiebreaker = self.ordering_fields[self.tiebreaker]
            if not any(self.ordering_fields[o.field] is tiebreaker for o in self.ordering):
                descending = bool(self.ordering) and self.ordering[-1].descending
                columns.append(tiebreaker.desc() if descending else tiebreaker.asc())
        return columns

    # -- parsing -------------------------------------------------------------------------------

    def _parse(self) -> None:
        related: dict[str, list[tuple[str, list[str]]]] = {}
        for param in self.args:
            values = self.args.getlist(param)
            if param == self.ordering_param:
                self._parse_ordering(values[-1])
                continue
            name, _, rest = param.partition("__")
            spec = self.filters.get(name)
            if spec is None:
                continue
            try:
                clause = self._build(spec, param, rest, values, related)
            except FilterValueError as exc:
                self.errors[param] = [str(exc)]
                continue
            if clause is not None:
                self.clauses.append(clause)
                self.applied.extend((param, v) for v in values if v.strip())
        for name, parts in related.items():
            self._build_related(self.filters[name], parts)

    def _build(self, spec, param, rest, values, related) -> ColumnElement | None:
        if isinstance(spec, RelatedFilter):
            if rest in spec.fields:
                related.setdefault(spec.name, []).append((param, values))
            return None
        if isinstance(spec, JsonMethodFilter):
            return spec.build(values, rest, self.context)  # the "lookup" is the JSON key
        lookup = rest or "exact"
        if not spec.accepts(lookup):
            return None
        return spec.build(values, lookup, self.context)

    def _build_related(self, spec: RelatedFilter, parts) -> None:
        clauses = []
        for param, values in parts:
            field = spec.fields[param.partition("__")[2]]
            try:
                clause = field.build(values, "exact", self.context)
            except FilterValueError as exc:
                self.errors[param] = [str(exc)]
                continue
            if clause is not None:
                clauses.append(clause)
                self.applied.extend((param, v) for v in values if v.strip())
        if clauses:
            self.clauses.append(spec.subquery(clauses))

    def _parse_ordering(self, raw: str) -> None:
        for part in raw.split(","):  # django-filter's CSV field: parts as they are
            if not part:
                continue
            field = part.removeprefix("-")
            if field not in self.ordering_fields:
                self.errors[self.ordering_param] = [
                    f"Select a valid choice. {part} is not one of the available choices."
                ]
                return
            self.ordering.append(Ordering(field, part.startswith("-")))


def declare(filters: dict[str, Filter]) -> dict[str, Filter]:
    """Name each filter after its key."""
    for name, spec in filters.items():
        spec.name = name
    return filters


# Re-exported for filter sets that need them.
__all__ = [
    "BooleanFilter",
    "CharFilter",
    "CharFilterWithNull",
    "ChoiceFilter",
    "DateFilter",
    "FilterError",
    "FilterSet",
    "FilterValueError",
    "IsoDateTimeFilter",
    "JsonMethodFilter",
    "ModelMultipleChoiceFilter",
    "NumberFilter",
    "RelatedFilter",
    "declare",
    "starts_with",
]


# -- pagination --------------------------------------------------------------------------------


class InvalidPage(Exception):
    """Page 0, past the end, or not a number."""


@dataclass
class Page:
    items: list[Any]
    count: int
    number: int
    limit: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.count / self.limit))

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def parse_page_number(raw: str | None) -> int:
    if raw is None or raw == "":
        return 1
    if raw == "last":
        return -1
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise InvalidPage(raw)
    return int(raw)


def page_offset(number: int, limit: int) -> int:
    """The OFFSET of page ``number``. A page starting past any id the tables can hold does
    not exist (its offset would not even fit the databases' integer parameters)."""
    offset = (number - 1) * limit
    if offset > MAX_ID:
        raise InvalidPage(str(number))
    return offset


def parse_limit(raw: str | None, default: int, maximum: int) -> int:
    """DRF's rule: a limit that is not a positive number falls back to the default."""
    if raw is None or not (raw.isascii() and raw.strip().isdigit()) or int(raw) < 1:
        return default
    return min(int(raw), maximum)


def paginate(
    session: Any,
    statement: Select,
    count_statement: Select,
    number: int,
    limit: int,
    params: dict[str, Any] | None = None,
) -> Page:
    """One count query and one page query (both run with ``params``). ``number`` -1 means the
    last page."""
    count = session.scalar(count_statement, params) or 0
    pages = max(1, math.ceil(count / limit))
    if number == -1:
        number = pages
    if number > pages:
        raise InvalidPage(str(number))
    result = session.execute(statement.limit(limit).offset(page_offset(number, limit)), params)
    items = result.scalars().all() if len(statement.column_descriptions) == 1 else result.all()
    return Page(items=list(items), count=count, number=number, limit=limit)
