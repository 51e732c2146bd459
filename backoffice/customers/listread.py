"""The customer list read, one entry for the page and the API: one statement, exact count.

- The count is exact but never counts rows when the counter can answer it: with no filter, or
  only ``channel`` and ``is_active``, it sums ``customer_counts`` (kept by triggers); any other
  filter counts through the indexes the filter uses.
- The page is a deferred join: the ids of the page come from a walk of an index (for a deep
  page an index-only walk of 500,000 entries, not of 500,000 rows), then only those rows are read.
- Count and page travel in one statement, and rows come back as plain values (no ORM identity
  map, no unit of work): a list is read, never changed. A reader that shows only some columns
  (the HTML table) asks for those: the JSON columns are not read and decoded for every row.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    Row,
    Select,
    bindparam,
    case,
    cast,
    column,
    func,
    literal_column,
    select,
    table,
    true,
    union_all,
)
from sqlalchemy.sql import visitors
from sqlalchemy.sql.util import ClauseAdapter
from werkzeug.datastructures import MultiDict

from backoffice.channels.models import Channel
from backoffice.customers.declaration import CONSENT_FIELDS
from backoffice.customers.filterset import BY_CHANNEL_NAME, CustomerFilterSet
from backoffice.customers.models import (
    Customer,
    CustomerCount,
    CustomerDisplay,
    customer_modified,
)
from backoffice.customers.search import ranked_page, search_hits
from backoffice.dbread import read_mapping_or_none, read_mappings
from backoffice.extensions import db
from backoffice.filtering import FilterError, Ordering
from backoffice.pagination import InvalidPage, Page, page_offset, parse_page_number
from backoffice.statements import StatementCache

CUSTOMERS = Customer.__table__
CHANNELS = Channel.__table__
# The dashboard's roll-up of consents (main.models.CustomerStats), named here: main imports
# this package.
CUSTOMER_STATS = table(
    "customer_stats", column("channel_id"), *(column(name) for name in CONSENT_FIELDS)
)
# Filters the counter answers: it counts by (channel, is_active).
COUNTED = frozenset({"channel", "is_active"})
# Up to this many matches, a page is sorted from the filter's matches (see page_ids).
FILTER_FIRST = 50_000
CHANNEL_COLUMNS = ("id", "name", "channel_type", "is_active", "created_date", "modified_date")
LIMIT, OFFSET = bindparam("page_limit", type_=Integer), bindparam("page_offset", type_=Integer)
PAGING = frozenset({"page", "limit"})
ALL_COLUMNS = tuple(column.name for column in CUSTOMERS.c)
# What the HTML table (macros/customers.html, customer_table) shows of a customer: no JSON
# column (5 json.loads a row), no search key.
TABLE_COLUMNS = (
    "id", "channel_id", "email", "first_name", "last_name", "phone_number", "is_active",
    "channel_code", "created_date", "user_type", "anonymized_at", *CONSENT_FIELDS,
)  # fmt: skip
# Statements of recent queries, reused: building one costs more than the database's work on
# an indexed page (~0.3-0.8 ms, plus as much again for SQLAlchemy's cache key of a new one).
_STATEMENTS = StatementCache(size=256)


class ChannelRow:
    """A channel as a list reads it."""

    def __init__(self, values: dict[str, Any]):
        self.__dict__.update(values)


class CustomerRow(CustomerDisplay):
    """A customer as a list reads it: its columns and its channel; read-only."""

    def __init__(self, values: dict[str, Any], channel: ChannelRow):
        self.__dict__.update(values)
        self.channel = channel


def customer_filters(
    args: MultiDict,
    channels: list[Row] | None = None,
    filterset: type[CustomerFilterSet] = CustomerFilterSet,
) -> CustomerFilterSet:
    """The filter set of ``args`` (the API's, or ``filterset``); ``channels``, when the caller
    has read them all, answer the channel filter's "does it exist" without another query."""
    choices = {"channel": {c.id for c in channels}} if channels is not None else None
    return filterset(args, db.session, db.session.get_bind().dialect.name, choices)


def filters_select(filters: CustomerFilterSet, pk: int) -> bool:
    """Whether the filters (valid ones) select the customer ``pk``; True when none apply."""
    if not filters.clauses:
        return True
    found = select(Customer.id).where(Customer.id == pk, *filters.where())
    return db.session.scalar(found) is not None


@dataclass(frozen=True)
class CustomerList:
    """One read of the customer list: the filters as parsed and, when they are valid and the
    page was asked for, the page."""

    filters: CustomerFilterSet
    page: Page | None


def customer_list_page(
    args: MultiDict,
    page: int | str | None,
    limit: int,
    channels: list[Row] | None = None,
    *,
    read: bool = True,
    filterset: type[CustomerFilterSet] = CustomerFilterSet,
    columns: tuple[str, ...] = ALL_COLUMNS,
) -> CustomerList:
    """The one entry of the customer list, for the HTML page and the API: the query string
    parsed once into its filter set, then the page ``page`` (a number, or the parameter as
    given) with the customer ``columns`` asked for, unless ``read`` is false or a filter value
    is bad. Raises InvalidPage for a page that does not exist."""
    filters = customer_filters(args, channels, filterset)
    if not (read and filters.is_valid):
        return CustomerList(filters, None)
    number = page if isinstance(page, int) else parse_page_number(page)
    order = None if channels is None else tuple(channel.id for channel in channels)
    return CustomerList(filters, customer_page(filters, number, limit, order, columns))


def answered_by_counter(filters: CustomerFilterSet) -> bool:
    return {param for param, _value in filters.applied} <= COUNTED


def count_statement(filters: CustomerFilterSet) -> Select:
    """The exact number of customers the filters select."""
    if filters.searched is not None and not filters.where_besides_search():
        hits = search_hits(filters.searched.value, filters.context.dialect)
        return select(func.count()).select_from(hits)
    consent = _counted_consent(filters)
    if consent is not None:
        return _consent_count(filters, consent)
    if not answered_by_counter(filters):
        return select(func.count()).select_from(CUSTOMERS).where(*filters.where())
    applied = {param for param, _value in filters.applied}
    clauses = []
    if "channel" in applied:
        clauses.append(CustomerCount.channel_id.in_(filters.values["channel"]))
    if "is_active" in applied:
        clauses.append(CustomerCount.is_active == filters.values["is_active"])
    return select(_total(CustomerCount.total)).where(*clauses)


def _total(column: Any) -> Any:
    # sum() of a bigint is numeric on PostgreSQL: back to an integer.
    return cast(func.coalesce(func.sum(column), 0), BigInteger)


def _counted_consent(filters: CustomerFilterSet) -> str | None:
    """PostgreSQL: the one consent filtered on, with at most ``channel`` beside it. No index
    of customers holds a consent there (their changes stay HOT, migration 0020c): the
    dashboard's roll-ups (customer_stats) count it instead of the table."""
    if filters.context.dialect != "postgresql":
        return None
    applied = {param for param, _value in filters.applied}
    consents = applied & set(CONSENT_FIELDS)
    return consents.pop() if len(consents) == 1 and applied - consents <= {"channel"} else None


def _consent_count(filters: CustomerFilterSet, consent: str) -> Select:
    """Those who allow ``consent`` (in the channels filtered on), or all others."""
    stats, counts = CUSTOMER_STATS.c, CustomerCount.__table__.c
    channels = filters.values.get("channel")
    allowed = select(_total(stats[consent]))
    everyone = select(_total(counts.total))
    if channels is not None:
        allowed = allowed.where(stats.channel_id.in_(channels))
        everyone = everyone.where(counts.channel_id.in_(channels))
    if filters.values[consent]:
        return allowed
    return select(everyone.scalar_subquery() - allowed.scalar_subquery())


def page_ids(
    filters: CustomerFilterSet, total: Any, channel_order: tuple[int, ...] | None = None
) -> Select:
    """The ids of one page, in the page's order.

    Two plans, chosen by the exact count the statement computes first (the planner cannot
    know it, and guesses wrong where filter and ordering correlate — a first name and the
    email, a date range and the id): up to FILTER_FIRST matches are found through the
    filter's index and sorted; more are found by walking the ordering's index (by channel
    name: each channel's in turn, ``channel_order`` being the channels' ids by name).
    """
    if channel_order is not None and _by_channel_name(filters) is not None:
        walk = _walk_by_channel(filters, channel_order)
    elif _by_modified_copy(filters):
        walk = _walk_modified_copy(filters)
    else:
        walk = (
            select(CUSTOMERS.c.id)
            .where(*filters.where())
            .order_by(*filters.order_by())
            .limit(LIMIT)
            .offset(OFFSET)
        )
    if answered_by_counter(filters):
        return walk  # no filter, or channel / is_active: the composite indexes lead the walk
    if _counted_consent(filters) is not None and "channel" not in filters.values:
        # One consent alone, PostgreSQL: a broad filter (a share of all customers) that no
        # index finds, so the walk. A sort of its matches would plan a table scan, never run
        # but costly enough to have the whole statement JIT-compiled (~200 ms).
        return walk
    # OFFSET 0 keeps the planner from merging the filter into the ordered walk.
    order = filters.order_by()
    sort_columns = {column.name: column for column in _columns_of(order)}
    matched = (
        select(CUSTOMERS.c.id, *(c for name, c in sort_columns.items() if name != "id"))
        .where(*filters.where())
        .offset(0)
        .subquery("matched")
    )
    adapt = ClauseAdapter(matched).traverse
    first = select(matched.c.id).order_by(*(adapt(column) for column in order)).offset(OFFSET)
    first = first.limit(_limit_if(total <= FILTER_FIRST))
    walk = walk.limit(_limit_if(total > FILTER_FIRST))
    # Each branch wrapped: SQLite allows no ORDER BY / LIMIT in a bare UNION member.
    branches = (first.subquery("first"), walk.subquery("walk"))
    return union_all(*(select(branch.c.id) for branch in branches))


def _by_channel_name(filters: CustomerFilterSet) -> Ordering | None:
    """The ordering by channel name, when the list is sorted by it first."""
    first = filters.ordering[0] if filters.ordering else None
    return first if first is not None and first.field == BY_CHANNEL_NAME else None


def _by_modified_copy(filters: CustomerFilterSet) -> bool:
    """PostgreSQL, sorted by modified_date first: customers has no index of it there (its
    updates stay HOT), customer_modified has (migration 0020c)."""
    first = filters.ordering[0] if filters.ordering else None
    return (
        first is not None
        and first.field == "modified_date"
        and filters.context.dialect == "postgresql"
    )


def _walk_modified_copy(filters: CustomerFilterSet) -> Select:
    """The page's ids by an ordered walk of customer_modified's (modified_date, customer_id)
    index; customers joined only for the filters (or a later ordering field)."""
    copy = customer_modified.c
    swap = {"modified_date": copy.modified_date, "id": copy.customer_id}

    def swapped(element: Any) -> Any:
        if isinstance(element, Column) and element.table is CUSTOMERS:
            return swap.get(element.name)
        return None

    order = [visitors.replacement_traverse(c, {}, swapped) for c in filters.order_by()]
    walk = select(copy.customer_id.label("id"))
    where = filters.where()
    if where or _columns_of(order):
        walk = walk.join(CUSTOMERS, CUSTOMERS.c.id == copy.customer_id).where(*where)
    return walk.order_by(*order).limit(LIMIT).offset(OFFSET)


def _walk_by_channel(filters: CustomerFilterSet, channel_order: tuple[int, ...]) -> Select:
    """The page's ids sorted by channel name. No index holds a channel's name beside its
    customers, but (channel_id, id) orders each channel's: so each channel's first
    offset + limit customers by an ordered walk, ranked by the channel's name, and only
    those sorted. A page reads channels x (offset + limit) index entries, not the table."""
    descending = _by_channel_name(filters).descending
    rest = filters.order_by()[1:]  # after the name: the tiebreaker (and any later field)
    wanted = filters.values.get("channel")
    order = [pk for pk in channel_order if wanted is None or pk in wanted] or [None]
    columns = {column.name: column for column in _columns_of(rest)}
    columns.pop("id", None)
    arms = [
        select(CUSTOMERS.c.id, *columns.values(), literal_column(str(rank)).label("channel_rank"))
        .where(CUSTOMERS.c.channel_id == pk, *filters.where())
        .order_by(*rest)
        .limit(LIMIT + OFFSET)
        .subquery(f"channel_{rank}")
        for rank, pk in enumerate(order)
    ]
    # Each arm wrapped: SQLite allows no ORDER BY / LIMIT in a bare UNION member.
    merged = union_all(*(select(arm) for arm in arms)).subquery("by_channel")
    rank = merged.c.channel_rank.desc() if descending else merged.c.channel_rank.asc()
    adapt = ClauseAdapter(merged).traverse
    return (
        select(merged.c.id)
        .order_by(rank, *(adapt(clause) for clause in rest))
        .limit(LIMIT)
        .offset(OFFSET)
    )


def _limit_if(condition: Any) -> Any:
    """The page's LIMIT when ``condition`` holds, else 0. The plan not taken stops before its
    first row: a LIMIT is evaluated once, where SQLite would test a WHERE on every row."""
    return case((condition, LIMIT), else_=0)


def _columns_of(order: list[Any]) -> list[Any]:
    """The customer columns an ORDER BY list reads (also inside expressions)."""
    return [
        element
        for clause in order
        for element in visitors.iterate(clause)
        if isinstance(element, Column) and element.table is CUSTOMERS
    ]


def page_statement(
    filters: CustomerFilterSet,
    channel_order: tuple[int, ...] | None = None,
    columns: tuple[str, ...] = ALL_COLUMNS,
) -> Select:
    """One row per customer of the page (its ``columns``), each with the total; one row of
    NULLs and the total when the page is empty. Run it with ``page_params``."""
    if filters.searched is not None and not filters.ordering:
        return _ranked_statement(filters, columns)
    counted = (
        select(count_statement(filters).scalar_subquery().label("total"))
        .cte("counted")
        .prefix_with("MATERIALIZED")  # computed once, read by each plan's condition
    )
    total = select(counted.c.total).scalar_subquery()
    channel = CHANNELS.alias("channel")
    ids = page_ids(filters, total, channel_order)
    # Flat outer joins: SQLite would materialize a nested (customers JOIN channels) whole.
    rows = counted.outerjoin(CUSTOMERS, CUSTOMERS.c.id.in_(ids)).outerjoin(
        channel, channel.c.id == CUSTOMERS.c.channel_id
    )
    return (
        select(
            counted.c.total,
            *(CUSTOMERS.c[name] for name in columns),
            *channel_columns(channel),
        )
        .select_from(rows)
        .order_by(*filters.order_by())
    )


def _ranked_statement(filters: CustomerFilterSet, columns: tuple[str, ...]) -> Select:
    """``page_statement`` of a search without an ordering: the page as the search ranks it,
    the count its number of hits (search.ranked_page)."""
    ranked = ranked_page(
        filters.searched.value,
        filters.context.dialect,
        filters.where_besides_search(),
        LIMIT,
        OFFSET,
    )
    counted = select(ranked.total.label("total")).cte("counted").prefix_with("MATERIALIZED")
    page, channel = ranked.hits, CHANNELS.alias("channel")
    rows = (
        counted.outerjoin(page, true())
        .outerjoin(CUSTOMERS, CUSTOMERS.c.id == page.c.id)
        .outerjoin(channel, channel.c.id == CUSTOMERS.c.channel_id)
    )
    return (
        select(
            counted.c.total,
            *(CUSTOMERS.c[name] for name in columns),
            *channel_columns(channel),
        )
        .select_from(rows)
        .order_by(page.c.score.desc(), CUSTOMERS.c.created_date.desc(), CUSTOMERS.c.id.desc())
    )


def page_params(number: int, limit: int) -> dict[str, int]:
    return {LIMIT.key: limit, OFFSET.key: page_offset(number, limit)}


def _query_key(
    filters: CustomerFilterSet, channel_order: tuple[int, ...] | None, columns: tuple[str, ...]
) -> tuple:
    """What the page statement follows from: the validated query (but its page) and dialect,
    the channels' order when it sorts by their names, and the columns read."""
    query = tuple(item for item in filters.args.items(multi=True) if item[0] not in PAGING)
    by_name = channel_order if _by_channel_name(filters) else None
    return type(filters), filters.context.dialect, query, by_name, columns


def customer_page(
    filters: CustomerFilterSet,
    number: int,
    limit: int,
    channel_order: tuple[int, ...] | None = None,
    columns: tuple[str, ...] = ALL_COLUMNS,
) -> Page:
    """One page of the filtered customers as ``CustomerRow``s, in one statement (two for
    ``page=last``, whose number needs the count first).

    Raises FilterError for bad filter values and InvalidPage for a page that does not exist.
    """
    if not filters.is_valid:
        raise FilterError(filters.errors)  # before the cache, which keeps valid queries only
    if number == -1:
        count = int(db.session.scalar(count_statement(filters)) or 0)
        number = max(1, -(-count // limit))
    statement = _STATEMENTS.get(
        _query_key(filters, channel_order, columns),
        lambda: page_statement(filters, channel_order, columns),
    )
    result = read_mappings(statement, page_params(number, limit))
    count = int(result[0]["total"]) if result else 0
    if number > max(1, -(-count // limit)):
        raise InvalidPage(str(number))
    channels: dict[int, ChannelRow] = {}
    items = [customer_row_of(row, channels, columns) for row in result if row["id"] is not None]
    return Page(items=items, count=count, number=number, limit=limit)


def customer_row(pk: int, channel_id: int | None = None) -> CustomerRow | None:
    """One customer and its channel as plain values (the API's reads), or None; with
    ``channel_id``, only a customer of that channel."""
    statement, params = ONE_CUSTOMER, {"pk": pk}
    if channel_id is not None:
        statement, params = ONE_CUSTOMER_OF_CHANNEL, {"pk": pk, "channel_id": channel_id}
    row = read_mapping_or_none(statement, params)
    return None if row is None else customer_row_of(row, {})


def channel_columns(channel: Any) -> list[Any]:
    return [channel.c[name].label(f"channel__{name}") for name in CHANNEL_COLUMNS]


def _one_customer() -> Select:
    channel = CHANNELS.alias("channel")
    return (
        select(*CUSTOMERS.c, *channel_columns(channel))
        .join_from(CUSTOMERS, channel, channel.c.id == CUSTOMERS.c.channel_id)
        .where(CUSTOMERS.c.id == bindparam("pk"))
    )


# Built once: composing a statement of 30 columns costs more than running it.
ONE_CUSTOMER = _one_customer()
ONE_CUSTOMER_OF_CHANNEL = ONE_CUSTOMER.where(CUSTOMERS.c.channel_id == bindparam("channel_id"))


def customer_row_of(
    row: Any, channels: dict[int, ChannelRow], columns: tuple[str, ...] = ALL_COLUMNS
) -> CustomerRow:
    """A row of customer ``columns`` and ``channel__`` columns; rows of one channel share it."""
    channel = channels.get(row["channel_id"])
    if channel is None:
        channel = channels[row["channel_id"]] = ChannelRow(
            {name: row[f"channel__{name}"] for name in CHANNEL_COLUMNS}
        )
    return CustomerRow({name: row[name] for name in columns}, channel)
