"""FilterSet: a declared set of filters that parses a query string once, keeping its values."""

from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import Select
from sqlalchemy.sql.elements import ColumnElement
from werkzeug.datastructures import MultiDict

from backoffice.filtering.kinds import Built, Filter, JsonMethodFilter, RelatedFilter
from backoffice.filtering.search import SearchFilter
from backoffice.filtering.values import (
    FilterError,
    FilterValueError,
    QueryContext,
    invalid_choice,
)

# -- filter sets -------------------------------------------------------------------------------


@dataclass
class Ordering:
    field: str
    descending: bool


@dataclass(frozen=True)
class SortKey:
    """An ordering field of several expressions, each sorted in the asked direction, after
    ``first`` which always sorts ascending (e.g. rows without a name after the others) —
    ascending only, when ``columns`` descending already put those rows last."""

    columns: tuple[Any, ...]
    first: Any = None
    first_ascending_only: bool = False

    def clauses(self, descending: bool) -> list[Any]:
        skip = self.first is None or (descending and self.first_ascending_only)
        leading = [] if skip else [self.first.asc()]
        return leading + [c.desc() if descending else c.asc() for c in self.columns]


class FilterSet:
    """Declare ``filters`` (name -> Filter, in the order the metadata lists them) and
    ``ordering_fields`` (name -> column). ``FilterSet(args, session, dialect)`` parses once.
    """

    filters: ClassVar[dict[str, Filter]] = {}
    ordering_fields: ClassVar[dict[str, Any]] = {}
    tiebreaker: ClassVar[str | None] = None  # an ordering_fields key that makes the order total
    ordering_param = "ordering"
    search: ClassVar[SearchFilter | None] = None  # ``?search=``, DRF's SearchFilter

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
        self.values: dict[str, Any] = {}  # parameter -> the value its filter parsed and applied
        self.ordering: list[Ordering] = []
        self.ranking: list[ColumnElement] = []  # the search's order, unless ``ordering`` is given
        self.searched: Built | None = None  # the search term as parsed, and its clause
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

    def where_besides_search(self) -> list[ColumnElement]:
        """The clauses of the filters but the search's."""
        searched = self.searched.clause if self.searched is not None else None
        return [clause for clause in self.where() if clause is not searched]

    def order_by(self) -> list[ColumnElement]:
        if self.ranking and not self.ordering:
            return list(self.ranking)
        columns = []
        for order in self.ordering:
            column = self.ordering_fields[order.field]
            if isinstance(column, SortKey):
                columns.extend(column.clauses(order.descending))
            else:
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
            if self.search is not None and param == self.search.param:
                self._parse_search(values[-1])
                continue
            name, _, rest = param.partition("__")
            spec = self.filters.get(name)
            if spec is None:
                continue
            try:
                built = self._build(spec, param, rest, values, related)
            except FilterValueError as exc:
                self.errors[param] = [exc.message]
                continue
            if built is not None:
                self._applied(param, values, built)
                self.clauses.append(built.clause)
        for name, parts in related.items():
            self._build_related(self.filters[name], parts)

    def _applied(self, param: str, values: list[str], built: Built) -> None:
        self.values[param] = built.value
        self.applied.extend((param, v) for v in values if v.strip())

    def _build(self, spec, param, rest, values, related) -> Built | None:
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
                built = field.build(values, "exact", self.context)
            except FilterValueError as exc:
                self.errors[param] = [exc.message]
                continue
            if built is not None:
                self._applied(param, values, built)
                clauses.append(built.clause)
        if clauses:
            self.clauses.append(spec.subquery(clauses))

    def _parse_search(self, raw: str) -> None:
        try:
            built = self.search.build(raw, self.context.dialect)
        except FilterValueError as exc:
            self.errors[self.search.param] = [exc.message]
            return
        if built is not None:
            self._applied(self.search.param, [raw], built)
            self.clauses.append(built.clause)
            self.searched = built
            self.ranking = list(self.search.order(built.value))

    def _parse_ordering(self, raw: str) -> None:
        for part in raw.split(","):  # django-filter's CSV field: parts as they are
            if not part:
                continue
            field = part.removeprefix("-")
            if field not in self.ordering_fields:
                self.errors[self.ordering_param] = [invalid_choice(part)]
                return
            self.ordering.append(Ordering(field, part.startswith("-")))


def declare(filters: dict[str, Filter]) -> dict[str, Filter]:
    """Name each filter after its key."""
    for name, spec in filters.items():
        spec.name = name
    return filters
