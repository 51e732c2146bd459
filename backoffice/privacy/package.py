"""The access package: every selected customer record, its orders and its audit events."""

from typing import Any

from sqlalchemy import select

from backoffice.audit.models import AuditEvent
from backoffice.audit.service import jsonable
from backoffice.customers.models import Customer
from backoffice.extensions import db
from backoffice.orders.models import Order
from backoffice.types import utcnow

# Search keys are derived from the values the package already holds.
SKIPPED = {"email_key", "phone_key", "phone_tail", "search_words"}


def build_package(found: Any, ids: list[int]) -> dict[str, Any]:
    """The package of request ``found`` for customers ``ids`` (a JSON-safe dict)."""
    customers = db.session.execute(
        select(Customer.__table__)
        .where(Customer.__table__.c.id.in_(ids))
        .order_by(Customer.__table__.c.id)
    ).mappings()
    orders = db.session.execute(
        select(Order.__table__).where(Order.customer_id.in_(ids)).order_by(Order.id)
    ).mappings()
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "customer", AuditEvent.object_id.in_(ids))
        .order_by(AuditEvent.id)
    )
    by_customer: dict[int, dict[str, Any]] = {
        row["id"]: {
            "customer": {k: jsonable(v) for k, v in row.items() if k not in SKIPPED},
            "orders": [],
            "events": [],
        }
        for row in customers
    }
    for row in orders:
        by_customer[row["customer_id"]]["orders"].append({k: jsonable(v) for k, v in row.items()})
    for event in events:
        by_customer[event.object_id]["events"].append(
            {
                "at": jsonable(event.created_at),
                "action": event.action,
                "version": event.object_version,
                "changes": event.changes,
                "by": event.actor_label,
                "source": event.source,
            }
        )
    return {
        "request": found.id,
        "reference": found.reference,
        "generated_at": jsonable(utcnow()),
        "records": list(by_customer.values()),
    }
