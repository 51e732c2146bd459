"""Reading orders: filtered pages, a customer's orders and order totals. No writes here."""

from collections import namedtuple
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam, func, select
from werkzeug.datastructures import MultiDict

from backoffice.audit.models import AuditEvent
from backoffice.channels.models import Channel
from backoffice.customers.models import Customer
from backoffice.dbread import read
from backoffice.extensions import db
from backoffice.orders.filters import OrderFilterSet
from backoffice.orders.models import Order
from backoffice.pagination import InvalidPage, Page, filtered_page, page_offset

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class OrdersInfo:
    total_order_amount: Decimal = ZERO
    total_refund_amount: Decimal = ZERO
    total_discount_amount: Decimal = ZERO
    total_order_count: int = 0


# Built once (statements read on every detail page and detailed list), run with parameters.
ORDER_TOTALS = (
    select(
        Order.customer_id,
        func.coalesce(func.sum(Order.amount), 0),
        func.coalesce(func.sum(Order.refund_amount), 0),
        func.coalesce(func.sum(Order.discount_amount), 0),
        func.count(Order.id),
    )
    .where(Order.customer_id.in_(bindparam("customer_ids", expanding=True)))
    .group_by(Order.customer_id)
)
ORDERS = Order.__table__
# A page of the customer's orders with the totals of all of them, in one statement: window
# sums are taken over every order of the customer before LIMIT cuts the page.
CUSTOMER_ORDERS_WITH_TOTALS = (
    select(
        *ORDERS.c,
        func.coalesce(func.sum(ORDERS.c.amount).over(), 0).label("total_order_amount"),
        func.coalesce(func.sum(ORDERS.c.refund_amount).over(), 0).label("total_refund_amount"),
        func.coalesce(func.sum(ORDERS.c.discount_amount).over(), 0).label("total_discount_amount"),
        func.count().over().label("total_order_count"),
    )
    .where(ORDERS.c.customer_id == bindparam("customer_id"))
    .order_by(ORDERS.c.created_date.desc(), ORDERS.c.id.desc())
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
# Its rows, by column name, as read on the DBAPI cursor.
OrderRow = namedtuple("OrderRow", CUSTOMER_ORDERS_WITH_TOTALS.selected_columns.keys())


def orders_info(customer_ids: list[int]) -> dict[int, OrdersInfo]:
    """Order totals per customer, in one grouped query; customers without orders get zeros."""
    if not customer_ids:
        return {}
    rows = db.session.execute(ORDER_TOTALS, {"customer_ids": customer_ids})
    # The sums keep the Money column type, so they come back as Decimals on both databases.
    totals = {customer_id: OrdersInfo(*totals) for customer_id, *totals in rows}
    return {customer_id: totals.get(customer_id, OrdersInfo()) for customer_id in customer_ids}


def customer_orders_with_totals(
    customer_id: int, number: int, limit: int
) -> tuple[OrdersInfo, Page]:
    """Page ``number`` (-1: the last) of the customer's orders, newest first, as plain rows,
    with the totals of all their orders: one statement (two for the last page, whose number
    the count decides). Raises InvalidPage past the last page."""
    if number == -1:
        info = orders_info([customer_id])[customer_id]
        return info, customer_orders_rows(customer_id, number, limit, info.total_order_count)
    params = {"customer_id": customer_id, "limit": limit, "offset": page_offset(number, limit)}
    rows = _order_rows(params)
    if not rows:  # no orders at all, or a page past the last
        if number > 1:
            raise InvalidPage(str(number))
        return OrdersInfo(), Page(items=[], count=0, number=number, limit=limit)
    first = rows[0]
    info = OrdersInfo(
        first.total_order_amount,
        first.total_refund_amount,
        first.total_discount_amount,
        first.total_order_count,
    )
    return info, Page(items=rows, count=info.total_order_count, number=number, limit=limit)


def customer_orders_rows(customer_id: int, number: int, limit: int, count: int) -> Page:
    """Page ``number`` (-1: the last) of ``count`` orders of the customer, as plain rows."""
    page = Page(items=[], count=count, number=number, limit=limit)
    page.number = page.pages if number == -1 else number
    if page.number > page.pages:
        raise InvalidPage(str(number))
    params = {"customer_id": customer_id, "limit": limit}
    params["offset"] = page_offset(page.number, limit)
    page.items = _order_rows(params)
    return page


def _order_rows(params: dict[str, int]) -> list[OrderRow]:
    return [OrderRow._make(row) for row in read(CUSTOMER_ORDERS_WITH_TOTALS, params)]


def order_filters(args: MultiDict) -> OrderFilterSet:
    return OrderFilterSet(args, db.session, db.session.get_bind().dialect.name)


def order_page(filters: OrderFilterSet, number: int, limit: int) -> Page:
    """One page of the filtered orders; raises FilterError and InvalidPage."""
    return filtered_page(db.session, Order, filters, number, limit)


@dataclass(frozen=True)
class OrderView:
    """An order as its page shows it: with its channel, its buyer, and the buyers its
    history names (by id), and its history newest first."""

    order: Order
    channel: Channel
    buyer: Customer
    history: list[AuditEvent]
    buyers: dict[int, Customer]

    @property
    def applied_lines(self) -> int:
        return len(self.order.applied_lines.split())


def order_view(pk: int) -> OrderView | None:
    """The order ``pk`` for its page, or None."""
    order = db.session.get(Order, pk)
    if order is None:
        return None
    history = list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "order", AuditEvent.object_id == order.id)
            .order_by(AuditEvent.id.desc())
        )
    )
    named = {order.customer_id}
    for event in history:
        named.update(v for v in event.changes.get("customer_id", ()) if isinstance(v, int))
    buyers = {c.id: c for c in db.session.scalars(select(Customer).where(Customer.id.in_(named)))}
    channel = db.session.get(Channel, order.channel_id)
    return OrderView(order, channel, buyers[order.customer_id], history, buyers)
