"""Reading customers besides the list: history, search, channels, recent. No writes."""

from collections import namedtuple
from typing import NamedTuple

from sqlalchemy import Row, Select, bindparam, literal, select

from backoffice.audit.models import AuditEvent
from backoffice.channels.models import Channel
from backoffice.customers.models import Customer
from backoffice.customers.search import EXACT, matches, parse_term, rank
from backoffice.dbread import read
from backoffice.extensions import db

# Built once, of table columns, run with parameters on the DBAPI cursor.
EVENTS = AuditEvent.__table__
CUSTOMER_HISTORY = (
    select(*EVENTS.c)
    .where(EVENTS.c.object_type == "customer", EVENTS.c.object_id == bindparam("customer_id"))
    .order_by(EVENTS.c.id.desc())
)
# An event as the page shows it: AuditEvent's columns, by name, read only.
EventRow = namedtuple("EventRow", CUSTOMER_HISTORY.selected_columns.keys())


def customer_history(customer: Customer) -> list[EventRow]:
    """Every audit event of the customer, newest first."""
    return [EventRow._make(row) for row in read(CUSTOMER_HISTORY, {"customer_id": customer.id})]


class SearchHit(NamedTuple):
    customer: Customer
    exact: bool  # an identifier (email, phone, code, order number) equal to the term


def quick_search(term: str, limit: int = 20) -> Select:
    """The customers the list's ``?search=`` finds, best first, each with its rank."""
    parsed = parse_term(term)
    if parsed is None:
        return select(Customer, literal(0)).where(literal(False))
    ranked = rank(parsed)
    return (
        select(Customer, ranked)
        .where(matches(parsed, db.session.get_bind().dialect.name))
        .order_by(ranked.desc(), Customer.created_date.desc(), Customer.id.desc())
        .limit(limit)
    )


# -- reads for the HTML pages ------------------------------------------------------------------


CHANNELS = Channel.__table__
# Built once, of table columns: read on every list page, it skips the ORM's work.
CHANNEL_NAMES = select(CHANNELS.c.id, CHANNELS.c.name).order_by(CHANNELS.c.name, CHANNELS.c.id)


def all_channels() -> list[Row]:
    """Every channel's id and name, by name: the choices of the channel fields and the chips'
    labels."""
    return list(db.session.execute(CHANNEL_NAMES))


def quick_search_results(term: str, limit: int = 20) -> list[SearchHit]:
    """Up to ``limit`` customers that ``quick_search`` finds, best first."""
    rows = db.session.execute(quick_search(term, limit))
    return [SearchHit(customer, rank_ >= EXACT) for customer, rank_ in rows]


def recently_changed(limit: int = 10) -> list[Customer]:
    """The customers changed most recently, newest first."""
    return list(
        db.session.scalars(
            select(Customer)
            .order_by(Customer.modified_date.desc(), Customer.id.desc())
            .limit(limit)
        )
    )


def changes_since(customer: Customer, version: int) -> list[AuditEvent]:
    """The customer's audit events after ``version``, oldest first: what changed meanwhile."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.object_type == "customer",
                AuditEvent.object_id == customer.id,
                AuditEvent.object_version > version,
            )
            .order_by(AuditEvent.id)
        )
    )
