"""The service's batch consent write: many customers at once under the rules of a consent
change (one "consent" event per changed customer, nothing for one already in the target
state, nothing written on an anonymized one), in a few set-based statements per batch."""

from types import SimpleNamespace
from typing import NamedTuple

from sqlalchemy import or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from backoffice.audit.context import AuditContext
from backoffice.audit.service import record_events
from backoffice.customers.declaration import CONSENT_FIELDS
from backoffice.customers.models import Customer
from backoffice.customers.rules import change_event, diff
from backoffice.extensions import db
from backoffice.types import utcnow

CUSTOMERS = Customer.__table__


class Counts(NamedTuple):
    """What a batch did: customers changed, already in the target state, anonymized (skipped)."""

    changed: int = 0
    unchanged: int = 0
    anonymized: int = 0

    def as_dict(self) -> dict[str, int]:
        return self._asdict()


def check_target(target: dict[str, bool]) -> dict[str, bool]:
    """``target`` as consent field -> bool; ValueError for anything else or nothing."""
    if not target or set(target) - set(CONSENT_FIELDS):
        raise ValueError(f"consents to set must be among {', '.join(CONSENT_FIELDS)}")
    if not all(isinstance(value, bool) for value in target.values()):
        raise ValueError("each consent is set to true or false")
    return dict(target)


def needs_change(target: dict[str, bool]) -> ColumnElement:
    """SQL: the customer would change (not anonymized, some consent not yet at target)."""
    differs = [CUSTOMERS.c[field] != value for field, value in target.items()]
    return CUSTOMERS.c.anonymized_at.is_(None) & or_(*differs)


def apply_consents(
    where: list[ColumnElement],
    target: dict[str, bool],
    context: AuditContext,
    *,
    limit: int | None = None,
) -> tuple[Counts, int | None]:
    """Set ``target`` on the customers ``where`` selects (the first ``limit`` by id), with one
    audit event each; never commits. Returns the counts and the last id read (None: none)."""
    columns = [CUSTOMERS.c.id, CUSTOMERS.c.version, CUSTOMERS.c.anonymized_at]
    columns += [CUSTOMERS.c[field] for field in target]
    statement = select(*columns).where(*where).order_by(CUSTOMERS.c.id).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(key_share=True)  # FOR NO KEY UPDATE
    rows = db.session.execute(statement).all()
    if not rows:
        return Counts(), None
    events, changed_ids, anonymized = [], [], 0
    # rules.diff once per distinct state of the consents (at most eight), its dict shared by
    # the events of that state (record_events then encodes it once).
    changes_from: dict[tuple, dict] = {}
    for row in rows:
        if row.anonymized_at is not None:
            anonymized += 1
            continue
        old = tuple(row[3:])
        if old not in changes_from:
            changes_from[old] = diff(SimpleNamespace(**dict(zip(target, old, strict=True))), target)
        if changes := changes_from[old]:
            changed_ids.append(row.id)
            events.append(change_event(row.id, row.version + 1, changes))
    if changed_ids:
        db.session.execute(
            update(CUSTOMERS)
            .where(CUSTOMERS.c.id.in_(changed_ids))
            .values(**target, version=CUSTOMERS.c.version + 1, modified_date=utcnow()),
            execution_options={"synchronize_session": False},
        )
        record_events(db.session, context, events)
    counts = Counts(len(changed_ids), len(rows) - len(changed_ids) - anonymized, anonymized)
    return counts, rows[-1].id
