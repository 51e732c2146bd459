"""Writing and erasing audit events. Nothing else in the app touches the audit table."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Insert, case, insert, literal, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from backoffice import bulk
from backoffice.audit.context import AuditContext
from backoffice.audit.models import AuditEvent
from backoffice.types import utcnow

ERASED = "[erased]"


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def record_event(
    session: Session,
    context: AuditContext,
    *,
    object_type: str,
    object_id: int | None,
    object_version: int | None = None,
    action: str,
    changes: dict[str, tuple[Any, Any]] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        object_type=object_type,
        object_id=object_id,
        object_version=object_version,
        action=action,
        changes=stored_changes(changes or {}),
        actor_id=context.actor_id,
        actor_label=context.actor_label,
        source=context.source,
        request_id=context.request_id,
        ip=context.ip,
    )
    session.add(event)
    return event


def stored_changes(changes: dict[str, tuple[Any, Any]]) -> dict[str, list]:
    """An event's changes as stored: {field: [old, new]} with JSON-safe values."""
    return {f: [jsonable(old), jsonable(new)] for f, (old, new) in changes.items()}


def insert_events_from(
    context: AuditContext,
    object_type: str,
    object_id: ColumnElement,
    object_version: ColumnElement,
    kinds: list[tuple[ColumnElement, str, dict[str, tuple[Any, Any]]]],
) -> Insert:
    """INSERT … SELECT one event per row that ``object_id`` reads (in its order), for a
    statement that changes rows and records their events at once: on PostgreSQL the rows a
    data-modifying CTE returns, so no event travels to the database and back. ``kinds``
    holds (condition on the row, action, changes): a row's event is that of the first
    condition it meets (none: the NOT NULL of ``action`` refuses the statement)."""
    table = AuditEvent.__table__
    # Each value a bound parameter, as record_events would write it.
    action = case(*((when, literal(name, table.c.action.type)) for when, name, _ in kinds))
    changes = case(
        *((when, literal(stored_changes(c), table.c.changes.type)) for when, _, c in kinds)
    )
    values = {
        "object_type": literal(object_type, table.c.object_type.type),
        "object_id": object_id,
        "object_version": object_version,
        "action": action,
        "changes": changes,
        "actor_id": literal(context.actor_id, table.c.actor_id.type),
        "actor_label": literal(context.actor_label, table.c.actor_label.type),
        "source": literal(context.source, table.c.source.type),
        "request_id": literal(context.request_id, table.c.request_id.type),
        "ip": literal(context.ip, table.c.ip.type),
        "created_at": literal(utcnow(), table.c.created_at.type),
    }
    rows = select(*values.values()).order_by(object_id)
    return insert(table).from_select(list(values), rows)


def erase_values(session: Session, *, object_type: str, object_id: int, fields: set[str]) -> int:
    """Replace the values of ``fields`` in an object's history by a marker; return events touched.

    The history keeps that a field changed, when and by whom, but no longer the value.
    """
    if session.get_bind().dialect.name == "postgresql":
        # The append-only trigger lets this transaction rewrite values, and nothing else.
        session.execute(text("SET LOCAL backoffice.audit_erasure = 'on'"))
    events = session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == object_type, AuditEvent.object_id == object_id
        )
    )
    touched = 0
    for event in events:
        erased = {
            # An empty value stays empty: the history still shows "— → [erased]".
            field: [None if v is None else ERASED for v in values] if field in fields else values
            for field, values in event.changes.items()
        }
        if erased != event.changes:
            event.changes = erased
            touched += 1
    return touched


class PendingEvent(NamedTuple):
    """One event of a batch: what ``record_event`` takes besides the session and context."""

    object_type: str
    object_id: int
    object_version: int | None
    action: str
    changes: dict[str, tuple[Any, Any]]


def record_events(session: Session, context: AuditContext, events: list[PendingEvent]) -> int:
    """Write many events of one context in one executemany (batch ingestion); return how many."""
    if not events:
        return 0
    now = utcnow()
    # Events that share one changes dict (a bulk consent change) share its JSON value too,
    # which insert_many then encodes once.
    converted: dict[int, dict[str, list]] = {}
    for event in events:
        if id(event.changes) not in converted:
            converted[id(event.changes)] = {
                f: [_json_value(old), _json_value(new)] for f, (old, new) in event.changes.items()
            }
    bulk.insert_many(
        session,
        AuditEvent.__table__,
        [
            {
                "object_type": event.object_type,
                "object_id": event.object_id,
                "object_version": event.object_version,
                "action": event.action,
                "changes": converted[id(event.changes)],
                "actor_id": context.actor_id,
                "actor_label": context.actor_label,
                "source": context.source,
                "request_id": context.request_id,
                "ip": context.ip,
                "created_at": now,
            }
            for event in events
        ],
    )
    return len(events)


_PLAIN = frozenset({str, int, bool, float, type(None), dict, list})


def _json_value(value: Any) -> Any:
    return value if type(value) in _PLAIN else jsonable(value)
