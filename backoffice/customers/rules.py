"""The rules of a customer write: which fields a caller may set, what changed, new rows."""

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from backoffice.audit.service import PendingEvent
from backoffice.customers.declaration import CONSENT_FIELDS, WRITABLE_FIELDS, defaults
from backoffice.customers.models import Customer
from backoffice.people.keys import KEY_SOURCES, customer_keys

# The order a creation event lists them in.
SORTED_WRITABLE_FIELDS = tuple(sorted(WRITABLE_FIELDS))
# What may still change on an anonymized customer.
ANONYMIZED_WRITABLE = frozenset({"erp_code"})
OBJECT_TYPE = "customer"
KEY_SOURCE_SET = frozenset({*KEY_SOURCES, "anonymized_at"})


def new_row_values(channel_id: int, channel_code: str, fields: dict, now: datetime) -> dict:
    """Every column of a new customer row: the declared defaults, then ``fields``, then the
    search keys of those values."""
    values = {
        **defaults(),
        **fields,
        "channel_id": channel_id,
        "channel_code": channel_code,
        "created_date": now,
        "modified_date": now,
        "version": 1,
    }
    return {**values, **customer_keys(values)}


def keys_changed(row: Any, changes: dict[str, Any]) -> dict[str, Any]:
    """The search keys of ``row`` (an object with KEY_SOURCES and anonymized_at) once
    ``changes`` (field -> new value) apply; empty when no key source changes."""
    if not KEY_SOURCE_SET & changes.keys():
        return {}
    values = {name: getattr(row, name) for name in (*KEY_SOURCES, "anonymized_at")}
    return customer_keys({**values, **changes})


def creation_event(customer_id: int, values: dict[str, Any]) -> PendingEvent:
    """A creation's event, from the new row's values (every writable field and channel_id):
    the fields given a value, and the channel."""
    changes = {
        field: (None, values[field])
        for field in SORTED_WRITABLE_FIELDS
        if values[field] not in (None, "", {})
    }
    changes["channel"] = (None, values["channel_id"])
    return PendingEvent(OBJECT_TYPE, customer_id, 1, "create", changes)


def change_event(customer_id: int, version: int, changes: dict[str, tuple]) -> PendingEvent:
    """An effective change's event: "consent" when only consents changed, else "update"."""
    action = "consent" if set(changes) <= set(CONSENT_FIELDS) else "update"
    return PendingEvent(OBJECT_TYPE, customer_id, version, action, changes)


def writable_on(anonymized: bool, fields: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The fields a write may apply, and those it may not: an anonymized customer takes only
    ANONYMIZED_WRITABLE (an update refuses the rest, an upsert drops them)."""
    if not anonymized:
        return fields, []
    kept = {field: value for field, value in fields.items() if field in ANONYMIZED_WRITABLE}
    return kept, sorted(set(fields) - ANONYMIZED_WRITABLE)


def is_unique_violation(exc: IntegrityError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate == "23505" or "UNIQUE constraint failed" in str(exc.orig)


def check_fields(kwargs: dict[str, Any]) -> dict[str, Any]:
    unknown = set(kwargs) - WRITABLE_FIELDS
    if unknown:
        raise TypeError(f"Unknown customer fields: {', '.join(sorted(unknown))}")
    return dict(kwargs)


def diff(customer: Customer, fields: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    changes = {}
    for field, new in fields.items():
        old = getattr(customer, field)
        if isinstance(old, datetime) and isinstance(new, datetime) and new.tzinfo is None:
            raise ValueError(f"{field} must be timezone-aware")
        if old != new:
            changes[field] = (old, new)
    return changes
