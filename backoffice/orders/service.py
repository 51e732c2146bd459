"""OrderService: marketplace orders in, their buyers upserted, every change audited."""

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from backoffice import bulk
from backoffice.audit.context import AuditContext
from backoffice.audit.service import PendingEvent, record_events
from backoffice.channels.models import Channel
from backoffice.customers.service import CustomerService
from backoffice.extensions import db
from backoffice.orders.errors import InvalidOrderPayload
from backoffice.orders.models import Order
from backoffice.orders.schema import ORDER_WRITABLE, OrderPayload, parse_order_payload
from backoffice.types import utcnow

OBJECT_TYPE = "order"
DEFAULTS = {
    "discount_amount": Decimal("0.00"),
    "refund_amount": Decimal("0.00"),
    "currency": "TRY",
}
RETRIES = 8
T = TypeVar("T")
Line = tuple[OrderPayload, str | None]  # a payload, the digest of its import line (or None)


@dataclass(frozen=True)
class IngestResult:
    order: Order
    created: bool
    changed: bool  # created, or an effective (audited) update


@dataclass
class BatchResult:
    """What a batch did; ``rejected`` holds (index in the batch, errors) of refused payloads."""

    orders_created: int = 0
    orders_updated: int = 0
    orders_unchanged: int = 0
    customers_created: int = 0
    customers_updated: int = 0
    rejected: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


class OrderService:
    """Upserts orders by (channel, number) and their buyers by (channel, channel_code).

    The buyer's creation and changes are audited as any customer write is. An order's
    changes (status, amounts, buyer, date) are audited too; its arrival is not an event —
    the order row itself records it.
    """

    def __init__(self, session: Session | None = None, *, autocommit: bool = True):
        self.session = session or db.session
        self.autocommit = autocommit
        self.customers = CustomerService(self.session, autocommit=False)

    # -- one order (API) -----------------------------------------------------------------------

    def ingest_order(
        self, payload: OrderPayload | Any, audit_context: AuditContext | None = None
    ) -> IngestResult:
        """Upsert the order and its buyer in one transaction; nothing changed, nothing written.

        Raises InvalidOrderPayload for a payload that is not valid, UnknownChannelError.
        """
        context = audit_context or AuditContext.system("ingestion")
        payload = _parsed(payload)
        channel = self.customers.get_channel(payload.channel_id)
        customer, _created = self.customers.upsert_customer(
            channel, payload.customer_code, context, **payload.customer
        )
        values = {**payload.order, "customer_id": customer.id}
        new_id = self._insert_if_absent(channel.id, payload.number, values)
        order = self.session.scalars(
            select(Order)
            .where(Order.channel_id == channel.id, Order.number == payload.number)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        ).one()
        if new_id is not None:
            self._commit()
            return IngestResult(order, created=True, changed=True)
        changes = _diff(_columns(order), values)
        for name, (_old, new) in changes.items():
            setattr(order, name, new)
        if changes:
            self.session.flush()
            record_events(
                self.session,
                context,
                [PendingEvent(OBJECT_TYPE, order.id, None, "update", changes)],
            )
        self._commit()
        return IngestResult(order, created=False, changed=bool(changes))

    def _insert_if_absent(self, channel_id: int, number: str, values: dict) -> int | None:
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(Order)
            .values(**_new_values(channel_id, number, values, utcnow()))
            .on_conflict_do_nothing(index_elements=["channel_id", "number"])
            .returning(Order.id)
        )
        return self.session.execute(statement).scalar()

    # -- many orders (bulk import) -------------------------------------------------------------

    def ingest_batch(
        self,
        payloads: Sequence[OrderPayload],
        audit_context: AuditContext | None = None,
        digests: Sequence[str | None] | None = None,
    ) -> BatchResult:
        """Ingest valid payloads in one transaction, as ``ingest_order`` would one by one.

        ``digests`` (one per payload, of the import line it comes from) make a line already
        applied to its order a no-op, buyer included: counted unchanged, nothing written. A
        payload of an unknown channel is rejected, not written. A deadlock, serialization
        failure or lock timeout rolls the batch back and runs it again.
        """
        context = audit_context or AuditContext.system("ingestion")
        lines = list(zip(payloads, digests or [None] * len(payloads), strict=True))
        return self.retrying(lambda: self._ingest_batch(lines, context))

    def retrying(self, work: Callable[[], T]) -> T:
        """Run ``work`` and commit; on a retryable database error roll back and run it again."""
        for attempt in range(RETRIES):
            try:
                result = work()
                self.session.commit()
                return result
            except DBAPIError as exc:
                self.session.rollback()
                if attempt == RETRIES - 1 or not bulk.is_retryable(exc):
                    raise
                time.sleep(random.uniform(0, 0.05 * 2**attempt))  # noqa: S311  (jitter)
        raise AssertionError("unreachable")

    def _ingest_batch(self, lines: list[Line], context) -> BatchResult:
        result = BatchResult()
        known = self._known_channels({payload.channel_id for payload, _digest in lines})
        accepted = []
        for index, (payload, digest) in enumerate(lines):
            if payload.channel_id in known:
                accepted.append((payload, digest))
            else:
                message = f'Invalid pk "{payload.channel_id}" - object does not exist.'
                result.rejected.append((index, {"channel": [message]}))
        for round_ in _rounds(accepted):
            self._ingest_round(round_, context, result)
        return result

    def _ingest_round(self, lines: list[Line], context, result: BatchResult) -> None:
        table = Order.__table__
        absent: set[tuple[int, str]] = set()
        if any(digest for _payload, digest in lines):
            lines, absent = self._not_applied(lines, result)
            if not lines:
                return
        payloads = [payload for payload, _digest in lines]
        digests = {(p.channel_id, p.number): digest for p, digest in lines}
        buyers = {(p.channel_id, p.customer_code): p.customer for p in payloads}
        outcomes = self.customers.upsert_customers(
            [(*key, fields) for key, fields in buyers.items()], context
        )
        customer_ids = {}
        for key, outcome in zip(buyers, outcomes, strict=True):
            customer_ids[key] = outcome.customer_id
            result.customers_created += outcome.created
            result.customers_updated += outcome.changed and not outcome.created
        wanted = {
            (p.channel_id, p.number): {
                **p.order,
                "customer_id": customer_ids[(p.channel_id, p.customer_code)],
            }
            for p in payloads
        }
        columns = ["id", *ORDER_WRITABLE, "created_date", "applied_lines"]
        now = utcnow()
        found, new_ids, _new_rows = bulk.upsert_prepare(
            self.session,
            table,
            "number",
            wanted,
            columns,
            lambda key, values: _new_values(*key, values, now, digests[key] or ""),
            absent,
        )
        events, updates, marks = [], [], []
        for key, row in found.items():
            changes = _diff(row, wanted[key])
            values = {name: new for name, (_old, new) in changes.items()}
            if (applied := _with_line(row["applied_lines"], digests[key])) is not None:
                values["applied_lines"] = applied
            if changes:
                updates.append((row["id"], values))
                events.append(PendingEvent(OBJECT_TYPE, row["id"], None, "update", changes))
            elif values:  # the line is new, the order as it was: not a modification
                marks.append((row["id"], values))
        bulk.update_rows(self.session, table, updates, modified_date=now)
        bulk.update_rows(self.session, table, marks)
        record_events(self.session, context, events)
        result.orders_created += len(new_ids)
        result.orders_updated += len(updates)
        result.orders_unchanged += len(found) - len(updates)

    def _not_applied(
        self, lines: list[Line], result: BatchResult
    ) -> tuple[list[Line], set[tuple[int, str]]]:
        """The lines their orders do not hold yet (the others count as unchanged), and the
        keys of the orders that do not exist.

        Read before the buyers are written, and unlocked, to keep the lock order of every
        writer (customers, then orders): two imports applying the same new line at once
        may both apply it, as before lines were recognised; one records it."""
        keys = {(p.channel_id, p.number) for p, digest in lines if digest}
        held = bulk.select_by_keys(
            self.session, Order.__table__, "number", keys, ["applied_lines"], lock=False
        )
        kept = []
        for payload, digest in lines:
            row = held.get((payload.channel_id, payload.number))
            if digest and row and digest in row["applied_lines"]:
                result.orders_unchanged += 1
            else:
                kept.append((payload, digest))
        return kept, keys - held.keys()

    def _known_channels(self, channel_ids: set[int]) -> set[int]:
        if not channel_ids:
            return set()
        return set(self.session.scalars(select(Channel.id).where(Channel.id.in_(channel_ids))))

    # -- helpers -------------------------------------------------------------------------------

    def _commit(self) -> None:
        if self.autocommit:
            self.session.commit()


def _parsed(payload: OrderPayload | Any) -> OrderPayload:
    if isinstance(payload, OrderPayload):
        return payload
    parsed, errors = parse_order_payload(payload)
    if parsed is None:
        raise InvalidOrderPayload(errors)
    return parsed


def _rounds(lines: list[Line]) -> list[list[Line]]:
    """Split a batch so that no round holds an order twice, nor a customer with two different
    sets of details; a key's payloads keep their order across rounds, so the last one wins,
    as ingesting them one by one would have it."""
    rounds: list[list[Line]] = []
    order_round: dict[tuple[int, str], int] = {}
    customer_last: dict[tuple[int, str], tuple[int, dict]] = {}
    for line in lines:
        payload = line[0]
        order_key = (payload.channel_id, payload.number)
        customer_key = (payload.channel_id, payload.customer_code)
        index = order_round.get(order_key, 0)
        if customer_key in customer_last:
            last_index, last_fields = customer_last[customer_key]
            index = max(index, last_index + (last_fields != payload.customer))
        if index == len(rounds):
            rounds.append([])
        rounds[index].append(line)
        order_round[order_key] = index + 1
        customer_last[customer_key] = (index, payload.customer)
    return rounds


def _new_values(
    channel_id: int, number: str, values: dict[str, Any], now: datetime, applied_lines: str = ""
) -> dict:
    return {
        **DEFAULTS,
        "created_date": now,
        **values,
        "channel_id": channel_id,
        "number": number,
        "modified_date": now,
        "applied_lines": applied_lines,
    }


def _with_line(applied_lines: str, digest: str | None) -> str | None:
    """``applied_lines`` with ``digest`` added; None when there is nothing to add. (Digests
    are of one length, without spaces: a substring match is a whole one.)"""
    if digest is None or digest in applied_lines:
        return None
    return f"{applied_lines} {digest}" if applied_lines else digest


def _columns(order: Order) -> dict[str, Any]:
    names = ("channel_id", "number", *ORDER_WRITABLE, "created_date")
    return {name: getattr(order, name) for name in names}


def _diff(current: Any, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {name: (current[name], new) for name, new in values.items() if current[name] != new}
