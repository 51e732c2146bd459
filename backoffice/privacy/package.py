"""The access package: every selected customer record with its consents and their history,
its orders and its audit events, one JSON-safe document (read record by record)."""

from typing import Any

from sqlalchemy import select

from backoffice.audit.models import AuditEvent
from backoffice.audit.service import jsonable
from backoffice.customers.models import Customer
from backoffice.extensions import db
from backoffice.orders.models import Order
from backoffice.types import utcnow

CONSENTS = ("email_allowed", "sms_allowed", "call_allowed")
# Search keys are derived from the values the package already holds; an order's applied
# import lines are bookkeeping of the import, not data about the person.
SKIPPED = {"email_key", "phone_key", "phone_tail", "search_words"}
ORDER_SKIPPED = {"applied_lines"}


def build_package(found: Any, ids: list[int]) -> dict[str, Any]:
    """The package of request ``found`` for customers ``ids``, read at once."""
    return document(found, [r for pk in ids if (r := package_record(pk)) is not None])


def document(found: Any, records: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "request": found.id,
        "reference": found.reference,
        "generated_at": jsonable(utcnow()),
        "records": records,
    }


def package_record(customer_id: int) -> dict[str, Any] | None:
    """One record of the package (None when the customer is gone): three reads."""
    table = Customer.__table__
    row = (
        db.session.execute(select(table).where(table.c.id == customer_id)).mappings().one_or_none()
    )
    if row is None:
        return None
    orders = db.session.execute(
        select(Order.__table__).where(Order.customer_id == customer_id).order_by(Order.id)
    ).mappings()
    events = [
        {
            "at": jsonable(event.created_at),
            "action": event.action,
            "version": event.object_version,
            "changes": event.changes,
            "by": event.actor_label,
            "source": event.source,
        }
        for event in db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "customer", AuditEvent.object_id == customer_id)
            .order_by(AuditEvent.id)
        )
    ]
    return {
        "customer": {k: jsonable(v) for k, v in row.items() if k not in SKIPPED},
        "consents": {name: consent(name, row[name], events) for name in CONSENTS},
        "orders": [
            {k: jsonable(v) for k, v in order.items() if k not in ORDER_SKIPPED} for order in orders
        ],
        "events": events,
    }


def consent(name: str, value: bool, events: list[dict[str, Any]]) -> dict[str, Any]:
    """A consent now, and each change of it the record's history holds (oldest first)."""
    history = [
        {
            "at": event["at"],
            "from": event["changes"][name][0],
            "to": event["changes"][name][1],
            "by": event["by"],
            "source": event["source"],
        }
        for event in events
        if name in event["changes"]
    ]
    return {"value": value, "history": history}
