"""CustomerService: the only place where customers are written, and audited."""

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.util import identity_key

from backoffice import bulk
from backoffice.audit.context import AuditContext
from backoffice.audit.service import (
    ERASED,
    PendingEvent,
    erase_values,
    record_event,
    record_events,
)
from backoffice.channels.models import Channel
from backoffice.customers.declaration import (
    PERSONAL_FIELDS,
    Erasure,
    erased_values,
)
from backoffice.customers.errors import (
    ChannelCodeLockedError,
    ChannelNotUpdatableError,
    CustomerAnonymizedError,
    CustomerDuplicatedFieldException,
    CustomerVersionConflict,
    UnknownChannelError,
)
from backoffice.customers.exportjobs import forget_exports
from backoffice.customers.models import Customer
from backoffice.customers.rules import (
    OBJECT_TYPE,
    SORTED_WRITABLE_FIELDS,
    change_event,
    check_fields,
    creation_event,
    diff,
    is_unique_violation,
    keys_changed,
    new_row_values,
    writable_on,
)
from backoffice.database import discard_old_page_images
from backoffice.extensions import db
from backoffice.people.keys import KEY_SOURCES, customer_keys
from backoffice.types import utcnow


class UpsertOutcome(NamedTuple):
    customer_id: int
    created: bool
    changed: bool  # created, or an effective (audited) update


class CustomerService:
    """Creates, updates, upserts and anonymizes customers, each with its audit trail.

    By default every method commits. Batch callers (order import) pass ``autocommit=False``
    and commit themselves; each method still isolates its own writes in a savepoint.
    """

    def __init__(self, session: Session | None = None, *, autocommit: bool = True):
        self.session = session or db.session
        self.autocommit = autocommit

    # -- creating ------------------------------------------------------------------------------

    def create_customer(
        self,
        channel: Channel | int,
        channel_code: str,
        audit_context: AuditContext | None = None,
        **kwargs: Any,
    ) -> Customer:
        context = audit_context or AuditContext.system()
        channel = self.get_channel(channel)
        fields = check_fields(kwargs)
        if self._find(channel.id, channel_code) is not None:
            raise CustomerDuplicatedFieldException()
        customer = Customer(
            channel=channel, channel_code=channel_code, **fields, **customer_keys(fields)
        )
        self._flush(customer, add=True)
        self._audit_creation(customer, context)
        self._commit()
        return customer

    def _audit_creation(self, customer: Customer, context: AuditContext) -> None:
        values = {field: getattr(customer, field) for field in SORTED_WRITABLE_FIELDS}
        event = creation_event(customer.id, {**values, "channel_id": customer.channel_id})
        self._record_event(event, context)

    # -- updating ------------------------------------------------------------------------------

    def update_customer(
        self,
        customer: Customer,
        audit_context: AuditContext | None = None,
        *,
        expected_version: int | None = None,
        channel_code_locked: bool = False,
        **kwargs: Any,
    ) -> Customer:
        """Apply the changes and audit exactly the fields that changed; no change, no event.
        With ``channel_code_locked`` a new channel code is refused (ChannelCodeLockedError)."""
        context = audit_context or AuditContext.system()
        if channel_code_locked and kwargs.get("channel_code", customer.channel_code) != (
            customer.channel_code
        ):
            raise ChannelCodeLockedError()
        self._refuse_duplicate(customer, kwargs)
        self._refuse_channel_change(customer, kwargs)
        fields = check_fields(kwargs)
        self._lock(customer)
        if expected_version is not None and expected_version != customer.version:
            raise CustomerVersionConflict(customer, expected_version)
        changes = diff(customer, fields)
        if not changes:
            return customer
        _allowed, refused = writable_on(customer.is_anonymized, changes)
        if refused:
            raise CustomerAnonymizedError(refused)
        self._apply(customer, changes, context, expected_version)
        self._commit()
        return customer

    def _refuse_duplicate(self, customer: Customer, kwargs: dict[str, Any]) -> None:
        """The (channel, channel_code) the write asks for must be free; checked before the
        channel change is refused, as Omnitron's serializer checks it before its service."""
        channel = kwargs.get("channel", customer.channel_id)
        channel_id = channel.id if isinstance(channel, Channel) else channel
        channel_code = kwargs.get("channel_code", customer.channel_code)
        if (channel_id, channel_code) == (customer.channel_id, customer.channel_code):
            return
        other = self._find(channel_id, channel_code)
        if other is not None and other.id != customer.id:
            raise CustomerDuplicatedFieldException()

    def _refuse_channel_change(self, customer: Customer, kwargs: dict[str, Any]) -> None:
        if "channel" not in kwargs:
            return
        channel = kwargs.pop("channel")
        channel_id = channel.id if isinstance(channel, Channel) else channel
        if channel_id != customer.channel_id:
            raise ChannelNotUpdatableError()

    def _apply(
        self,
        customer: Customer,
        changes: dict[str, tuple[Any, Any]],
        context: AuditContext,
        expected_version: int | None,
    ) -> None:
        values = {field: new for field, (_old, new) in changes.items()}
        for field, value in {**values, **keys_changed(customer, values)}.items():
            setattr(customer, field, value)
        try:
            self._flush(customer)
        except StaleDataError as exc:
            raise CustomerVersionConflict(customer, expected_version) from exc
        self._record_event(change_event(customer.id, customer.version, changes), context)

    # -- upserting (order ingestion) -----------------------------------------------------------

    def upsert_customer(
        self,
        channel: Channel | int,
        channel_code: str,
        audit_context: AuditContext | None = None,
        **kwargs: Any,
    ) -> tuple[Customer, bool]:
        """Create the customer of (channel, channel_code) or update it; race free.

        Returns the customer and whether it was created. An anonymized customer is returned
        untouched: ingestion never writes personal data back.
        """
        context = audit_context or AuditContext.system("ingestion")
        channel = self.get_channel(channel)
        fields = check_fields(kwargs)
        new_id = self._insert_if_absent(channel, channel_code, fields)
        if new_id is not None:
            customer = self.session.get(Customer, new_id, populate_existing=True)
            self._audit_creation(customer, context)
            self._commit()
            return customer, True
        customer = self.session.scalars(
            select(Customer)
            .where(Customer.channel_id == channel.id, Customer.channel_code == channel_code)
            .with_for_update(of=Customer)
            .execution_options(populate_existing=True)
        ).one()
        fields, _dropped = writable_on(customer.is_anonymized, fields)
        changes = diff(customer, fields)
        if changes:
            self._apply(customer, changes, context, None)
        self._commit()
        return customer, False

    def _insert_if_absent(self, channel: Channel, channel_code: str, fields: dict) -> int | None:
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        values = new_row_values(channel.id, channel_code, fields, utcnow())
        statement = (
            insert(Customer)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["channel_id", "channel_code"])
            .returning(Customer.id)
        )
        return self.session.execute(statement).scalar()

    # -- upserting many (bulk order import) ---------------------------------------------------

    def upsert_customers(
        self,
        rows: Sequence[tuple[int, str, dict[str, Any]]],
        audit_context: AuditContext | None = None,
    ) -> list[UpsertOutcome]:
        """``upsert_customer`` for many customers at once, in a few set-based statements, with
        the same rules and the same audit events; one outcome per row, in order.

        ``rows`` are (channel_id, channel_code, fields) with distinct keys and channels known to
        exist. Writes with Core: it never commits, and expires the ORM objects it changed.
        """
        context = audit_context or AuditContext.system("ingestion")
        wanted = {(channel_id, code): check_fields(fields) for channel_id, code, fields in rows}
        if len(wanted) != len(rows):
            raise ValueError("upsert_customers needs distinct (channel, channel_code) keys")
        table = Customer.__table__
        # Only the fields this batch sets: fewer columns to read and convert.
        # The key sources too: a changed name rewrites the keys of the whole name.
        given = set().union(*wanted.values(), KEY_SOURCES)
        columns = ["id", "version", "anonymized_at", *sorted(given)]
        now = utcnow()
        found, new_ids, new_rows = bulk.upsert_prepare(
            self.session,
            table,
            "channel_code",
            wanted,
            columns,
            lambda key, fields: new_row_values(*key, fields, now),
        )
        outcomes, events, updates = {}, [], []
        for key, customer_id in new_ids.items():
            outcomes[key] = UpsertOutcome(customer_id, created=True, changed=True)
            events.append(creation_event(customer_id, new_rows[key]))
        for key, row in found.items():
            fields, _dropped = writable_on(row["anonymized_at"] is not None, wanted[key])
            changes = diff(current := SimpleNamespace(**row), fields)
            outcomes[key] = UpsertOutcome(row["id"], created=False, changed=bool(changes))
            if changes:
                values = {f: new for f, (_old, new) in changes.items()}
                updates.append((row["id"], {**values, **keys_changed(current, values)}))
                events.append(change_event(row["id"], row["version"] + 1, changes))
        bulk.update_rows(
            self.session, table, updates, modified_date=now, version=table.c.version + 1
        )
        record_events(self.session, context, events)
        for customer_id, _values in updates:
            if (
                loaded := self.session.identity_map.get(identity_key(Customer, customer_id))
            ) is not None:
                self.session.expire(loaded)
        return [outcomes[key] for key in wanted]

    # -- anonymizing ---------------------------------------------------------------------------

    def anonymize_customer(
        self, customer: Customer, audit_context: AuditContext | None = None
    ) -> Customer:
        """Erase the customer's personal data, here and in their history. Irreversible.

        Kept: channel, channel_code, erp_code, date_joined, orders. Doing it twice is a no-op.
        """
        context = audit_context or AuditContext.system()
        self._lock(customer)
        if customer.is_anonymized:
            return customer
        now = utcnow()
        target = erased_values(Erasure(customer.id, context.actor_id, now))
        changes = diff(customer, target)
        for field, (_old, new) in changes.items():
            setattr(customer, field, new)
        customer.anonymized_at = now
        for field, value in customer_keys({"anonymized_at": now}).items():
            setattr(customer, field, value)  # erased with the values: found by none of them
        self._flush(customer)
        erase_values(
            self.session, object_type=OBJECT_TYPE, object_id=customer.id, fields=PERSONAL_FIELDS
        )
        erased = {
            field: (ERASED if field in PERSONAL_FIELDS else old, new)
            for field, (old, new) in changes.items()
        }
        event = PendingEvent(OBJECT_TYPE, customer.id, customer.version, "anonymize", erased)
        self._record_event(event, context)
        forget_exports(self.session)  # a stored export file may hold them
        self._commit()
        if self.autocommit:
            discard_old_page_images(self.session.get_bind())
        return customer

    # -- helpers -------------------------------------------------------------------------------

    def get_channel(self, channel: Channel | int) -> Channel:
        if isinstance(channel, Channel):
            return channel
        found = self.session.get(Channel, channel) if isinstance(channel, int) else None
        if found is None:
            raise UnknownChannelError(channel)
        return found

    def _lock(self, customer: Customer) -> None:
        """Re-read the customer and hold its row until the transaction ends.

        A concurrent writer of the same customer waits here for its turn and then sees the
        version this write leaves, so a write without an expected version never fails on a
        version it did not ask for. PostgreSQL: SELECT ... FOR UPDATE; SQLite: the write
        transaction (BEGIN IMMEDIATE) already holds the database.
        """
        self.session.refresh(customer, with_for_update=True)

    def _find(self, channel_id: int, channel_code: str) -> Customer | None:
        return self.session.scalars(
            select(Customer).where(
                Customer.channel_id == channel_id, Customer.channel_code == channel_code
            )
        ).one_or_none()

    def _flush(self, customer: Customer, *, add: bool = False) -> None:
        """Flush in a savepoint, so a refused write leaves the outer transaction usable."""
        try:
            with self.session.begin_nested():
                if add:
                    self.session.add(customer)
                self.session.flush()
        except IntegrityError as exc:
            if is_unique_violation(exc):
                raise CustomerDuplicatedFieldException() from exc
            raise

    def _record_event(self, event: PendingEvent, context: AuditContext) -> None:
        record_event(self.session, context, **event._asdict())

    def _commit(self) -> None:
        if self.autocommit:
            self.session.commit()
