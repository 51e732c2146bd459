"""The service's batch consent write: many customers at once under the rules of a consent
change (one "consent" event per changed customer, nothing for one already in the target
state, nothing written on an anonymized one), in a few set-based statements per batch."""

from types import SimpleNamespace
from typing import NamedTuple

from sqlalchemy import Column, Row, any_, bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY
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


def any_of(column: Column, values: list) -> ColumnElement:
    """SQL: ``column`` is one of ``values``. PostgreSQL: ``= ANY(array)``, the values one
    parameter, so a batch's statement has one text whatever its size (compiled, converted
    and planned once, not a parameter per value each time: measured, most of the client's
    time in a batch of 2,000); SQLite: IN."""
    if db.session.get_bind().dialect.name != "postgresql":
        return column.in_(values)
    return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))


def read_batch(
    where: list[ColumnElement],
    target: dict[str, bool],
    *,
    limit: int | None = None,
    extra: tuple[ColumnElement, ...] = (),
) -> list[Row]:
    """The customers ``where`` selects (the first ``limit`` by id), unlocked: id, version,
    anonymized, whether the change would change them, their target consents, ``extra``."""
    columns = [
        CUSTOMERS.c.id,
        CUSTOMERS.c.version,
        CUSTOMERS.c.anonymized_at.is_not(None).label("anonymized"),
        needs_change(target).label("change"),
        *(CUSTOMERS.c[name] for name in target),
        *extra,
    ]
    return list(
        db.session.execute(select(*columns).where(*where).order_by(CUSTOMERS.c.id).limit(limit))
    )


def write_batch(rows: list[Row], target: dict[str, bool], context: AuditContext) -> Counts:
    """Set ``target`` on those of ``rows`` (from read_batch) that need it, one audit event
    each, in one UPDATE and one events INSERT (COPY on PostgreSQL); never commits.

    The UPDATE checks again that each row still needs the change, so a row a concurrent
    writer changed meanwhile is never changed twice; on PostgreSQL it locks the rows first
    and returns the values it replaced, which the events record."""
    anonymized = sum(1 for row in rows if row.anonymized)
    wanted = [row for row in rows if row.change]
    changed = _update(wanted, target) if wanted else []
    if changed:
        # rules.diff once per distinct old state (at most eight), its dict shared by the
        # events of that state (record_events then encodes it once).
        changes_from: dict[tuple, dict] = {}
        events = []
        for row_id, version, *old in changed:
            key = tuple(old)
            if key not in changes_from:
                changes_from[key] = diff(
                    SimpleNamespace(**dict(zip(target, key, strict=True))), target
                )
            events.append(change_event(row_id, version, changes_from[key]))
        record_events(db.session, context, events)
    return Counts(len(changed), len(rows) - len(changed) - anonymized, anonymized)


def _update(rows: list[Row], target: dict[str, bool]) -> list[tuple]:
    """UPDATE those of ``rows`` that still need ``target``: (id, new version, *old consents)
    of each changed customer."""
    fields = list(target)
    ids = [row.id for row in rows]
    values = {**target, "version": CUSTOMERS.c.version + 1, "modified_date": utcnow()}
    if db.session.get_bind().dialect.name != "postgresql":
        # SQLite: the transaction holds the write lock since its first statement (BEGIN
        # IMMEDIATE), so the rows' values read_batch read are still theirs.
        old = {row.id: tuple(row._mapping[f] for f in fields) for row in rows}
        statement = (
            update(CUSTOMERS)
            .where(CUSTOMERS.c.id.in_(ids), needs_change(target))
            .values(**values)
            .returning(CUSTOMERS.c.id, CUSTOMERS.c.version)
        )
        returned = db.session.execute(statement, execution_options={"synchronize_session": False})
        return sorted((row_id, version, *old[row_id]) for row_id, version in returned)
    locked = (
        select(CUSTOMERS.c.id, *(CUSTOMERS.c[f] for f in fields))
        .where(any_of(CUSTOMERS.c.id, ids), needs_change(target))
        .order_by(CUSTOMERS.c.id)
        .with_for_update(key_share=True)  # FOR NO KEY UPDATE, in id order
        .cte("locked")
    )
    statement = (
        update(CUSTOMERS)
        .where(CUSTOMERS.c.id == locked.c.id)
        .values(**values)
        .returning(CUSTOMERS.c.id, CUSTOMERS.c.version, *(locked.c[f] for f in fields))
    )
    returned = db.session.execute(statement, execution_options={"synchronize_session": False})
    return sorted(tuple(row) for row in returned)


def apply_consents(
    where: list[ColumnElement],
    target: dict[str, bool],
    context: AuditContext,
    *,
    limit: int | None = None,
) -> tuple[Counts, int | None]:
    """Set ``target`` on the customers ``where`` selects (the first ``limit`` by id), with one
    audit event each; never commits. Returns the counts and the last id read (None: none)."""
    rows = read_batch(where, target, limit=limit)
    if not rows:
        return Counts(), None
    return write_batch(rows, target, context), rows[-1].id
