"""Reading customers besides the list: history, search, channels, recent. No writes."""

from sqlalchemy import Row, Select, bindparam, or_, select

from backoffice.audit.models import AuditEvent
from backoffice.channels.models import Channel
from backoffice.customers.models import Customer
from backoffice.extensions import db
from backoffice.filtering import starts_with


def _dialect() -> str:
    return db.session.get_bind().dialect.name


# Built once, run with parameters.
CUSTOMER_HISTORY = (
    select(AuditEvent)
    .where(AuditEvent.object_type == "customer", AuditEvent.object_id == bindparam("customer_id"))
    .order_by(AuditEvent.id.desc())
)


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
