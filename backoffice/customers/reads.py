"""Reading customers besides the list: order totals, orders, history, search. No writes."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Row, Select, bindparam, func, or_, select

from backoffice.audit.models import AuditEvent
from backoffice.channels.models import Channel
from backoffice.customers.models import Customer
from backoffice.extensions import db
from backoffice.filtering import starts_with
from backoffice.orders.models import Order
from backoffice.pagination import Page, paginate

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class OrdersInfo:
    total_order_amount: Decimal = ZERO
    total_refund_amount: Decimal = ZERO
    total_discount_amount: Decimal = ZERO
    total_order_count: int = 0


def _dialect() -> str:
    return db.session.get_bind().dialect.name


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
)
CUSTOMER_ORDER_COUNT = (
    select(func.count()).select_from(Order).where(Order.customer_id == bindparam("customer_id"))
)
CUSTOMER_HISTORY = (
    select(AuditEvent)
    .where(AuditEvent.object_type == "customer", AuditEvent.object_id == bindparam("customer_id"))
    .order_by(AuditEvent.id.desc())
)


def orders_info(customer_ids: list[int]) -> dict[int, OrdersInfo]:
    """Order totals per customer, in one grouped query; customers without orders get zeros."""
    if not customer_ids:
        return {}
    rows = db.session.execute(ORDER_TOTALS, {"customer_ids": customer_ids})
    # The sums keep the Money column type, so they come back as Decimals on both databases.
    totals = {customer_id: OrdersInfo(*totals) for customer_id, *totals in rows}
    return {customer_id: totals.get(customer_id, OrdersInfo()) for customer_id in customer_ids}


def customer_orders(customer: Customer, number: int, limit: int = 10) -> Page:
    """The customer's orders, newest first."""
    params = {"customer_id": customer.id}
    return paginate(db.session, CUSTOMER_ORDERS, CUSTOMER_ORDER_COUNT, number, limit, params)


def customer_history(customer: Customer) -> list[AuditEvent]:
    """Every audit event of the customer, newest first."""
    return list(db.session.scalars(CUSTOMER_HISTORY, {"customer_id": customer.id}))


def quick_search(term: str, limit: int = 20) -> Select:
    """Customers whose email starts with, or phone, channel_code or erp_code equals, the term,
    or whose full name is the term."""
    term = term.strip()
    first, _, last = term.partition(" ")
    conditions = [
        starts_with(Customer.email, term, _dialect()),
        Customer.phone_number == term,
        Customer.channel_code == term,
        Customer.erp_code == term,
    ]
    if last:
        conditions.append((Customer.first_name == first) & (Customer.last_name == last.strip()))
    else:
        conditions.append(Customer.last_name == term)
    return select(Customer).where(or_(*conditions)).order_by(Customer.id).limit(limit)


# -- reads for the HTML pages ------------------------------------------------------------------


CHANNELS = Channel.__table__
# Built once, of table columns: read on every list page, it skips the ORM's work.
CHANNEL_NAMES = select(CHANNELS.c.id, CHANNELS.c.name).order_by(CHANNELS.c.name, CHANNELS.c.id)


def all_channels() -> list[Row]:
    """Every channel's id and name, by name: the choices of the channel fields and the chips'
    labels."""
    return list(db.session.execute(CHANNEL_NAMES))


def quick_search_results(term: str, limit: int = 20) -> list[Customer]:
    """Up to ``limit`` customers that ``quick_search`` finds."""
    return list(db.session.scalars(quick_search(term, limit)))


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
