"""Reading orders: filtered pages, a customer's orders and order totals. No writes here."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam, func, select
from werkzeug.datastructures import MultiDict

from backoffice.audit.models import AuditEvent
from backoffice.channels.models import Channel
from backoffice.customers.models import Customer
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
CUSTOMER_ORDERS = (
    select(Order)
    .where(Order.customer_id == bindparam("customer_id"))
    .order_by(Order.created_date.desc(), Order.id.desc())
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
CUSTOMER_ORDER_COUNT = (
    select(func.count()).select_from(Order).where(Order.customer_id == bindparam("customer_id"))
)


def orders_info(customer_ids: list[int]) -> dict[int, OrdersInfo]:
    """Order totals per customer, in one grouped query; customers without orders get zeros."""
    if not customer_ids:
        return {}
    rows = db.session.execute(ORDER_TOTALS, {"customer_ids": customer_ids})
    # The sums keep the Money column type, so they come back as Decimals on both databases.
    totals = {customer_id: OrdersInfo(*totals) for customer_id, *totals in rows}
    return {customer_id: totals.get(customer_id, OrdersInfo()) for customer_id in customer_ids}


def customer_orders(
    customer: Customer, number: int, limit: int = 10, count: int | None = None
) -> Page:
    """The customer's orders, newest first; ``count``, when the caller has just read it (the
    order totals), spares the count query. Raises InvalidPage past the last page."""
    params = {"customer_id": customer.id}
    if count is None:
        count = db.session.scalar(CUSTOMER_ORDER_COUNT, params) or 0
    page = Page(items=[], count=count, number=number, limit=limit)
    page.number = page.pages if number == -1 else number
    if page.number > page.pages:
        raise InvalidPage(str(number))
    # The prebuilt statement, LIMIT and OFFSET bound: no new statement (and cache key) a page.
    params |= {"limit": limit, "offset": page_offset(page.number, limit)}
    page.items = list(db.session.scalars(CUSTOMER_ORDERS, params))
    return page


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
