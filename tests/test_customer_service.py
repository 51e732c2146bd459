"""CustomerService: creation, updates with their audit trail, upserts and anonymization."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from backoffice.audit.context import AuditContext
from backoffice.audit.models import AuditEvent
from backoffice.audit.service import ERASED
from backoffice.customers.errors import (
    ChannelNotUpdatableError,
    CustomerAnonymizedError,
    CustomerDuplicatedFieldException,
    CustomerVersionConflict,
    UnknownChannelError,
)
from backoffice.customers.models import Customer
from backoffice.customers.service import CustomerService
from backoffice.extensions import db
from backoffice.orders.models import Order
from tests.builders import customer_count, make_channel, make_customer


def events_for(customer) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "customer", AuditEvent.object_id == customer.id)
        .order_by(AuditEvent.id)
    ).all()


def test_create_customer_stores_fields_and_audits_creation(channel):
    context = AuditContext(source="api", actor_label="robot@example.com", request_id="req-1")
    customer = CustomerService().create_customer(
        channel,
        "ty-1",
        context,
        email="ann@example.com",
        first_name="Ann",
        sms_allowed=True,
        date_of_birth=date(1990, 5, 17),
        attributes={"logged_ip": "127.0.0.1"},
    )
    db.session.expire_all()
    stored = db.session.get(Customer, customer.id)
    assert (stored.channel_id, stored.channel_code, stored.email) == (
        channel.id,
        "ty-1",
        "ann@example.com",
    )
    assert stored.last_name == "" and stored.phone_number is None
    assert (stored.email_allowed, stored.sms_allowed, stored.call_allowed) == (False, True, False)
    assert stored.date_of_birth == date(1990, 5, 17)
    assert stored.attributes == {"logged_ip": "127.0.0.1"} and stored.extra_field == {}
    assert stored.created_date.tzinfo is UTC and stored.version == 1

    [event] = events_for(customer)
    assert (event.action, event.source, event.actor_label, event.request_id) == (
        "create", "api", "robot@example.com", "req-1"
    )  # fmt: skip
    assert event.changes["email"] == [None, "ann@example.com"]
    assert event.changes["date_of_birth"] == [None, "1990-05-17"]
    assert event.changes["channel"] == [None, channel.id]


def test_duplicate_channel_and_code_is_refused(channel):
    make_customer(channel, channel_code="dup")
    with pytest.raises(CustomerDuplicatedFieldException):
        make_customer(channel, channel_code="dup")
    assert customer_count() == 1
    # The same code on another channel is another customer.
    make_customer(make_channel(name="Other"), channel_code="dup")
    assert customer_count() == 2


def test_unknown_channel_is_a_domain_error(app):
    with pytest.raises(UnknownChannelError):
        CustomerService().create_customer(999, "x", email="a@example.com")


def test_update_audits_exactly_the_changed_fields(channel):
    customer = make_customer(channel, first_name="Ann", email="ann@example.com")
    context = AuditContext(source="web", actor_id=None, actor_label="agent@example.com")
    CustomerService().update_customer(
        customer, context, first_name="Anna", email="ann@example.com", sms_allowed=False
    )
    events = events_for(customer)
    assert [e.action for e in events] == ["create", "update"]
    assert events[-1].changes == {"first_name": ["Ann", "Anna"]}
    assert events[-1].source == "web" and events[-1].object_version == 2
    assert db.session.get(Customer, customer.id).first_name == "Anna"


def test_update_without_changes_writes_no_event(channel):
    customer = make_customer(channel, first_name="Ann")
    before = customer.modified_date
    CustomerService().update_customer(customer, first_name="Ann", email=customer.email)
    assert len(events_for(customer)) == 1
    assert customer.version == 1 and customer.modified_date == before


def test_update_without_context_creates_a_system_one(channel):
    customer = make_customer(channel)
    CustomerService().update_customer(customer, last_name="Byron")
    event = events_for(customer)[-1]
    assert event.source == "system" and event.actor_id is None and event.request_id


def test_consent_only_change_is_a_consent_event(channel):
    customer = make_customer(channel)
    CustomerService().update_customer(customer, email_allowed=True, call_allowed=True)
    event = events_for(customer)[-1]
    assert event.action == "consent"
    assert event.changes == {"email_allowed": [False, True], "call_allowed": [False, True]}


def test_channel_cannot_change(channel):
    customer = make_customer(channel)
    other = make_channel(name="Other")
    with pytest.raises(ChannelNotUpdatableError) as raised:
        CustomerService().update_customer(customer, channel=other, first_name="X")
    assert raised.value.error_code == "customer_100_3"
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).first_name == "Ada"
    # Sending the same channel along is fine.
    CustomerService().update_customer(customer, channel=channel.id, first_name="Y")
    assert customer.first_name == "Y"


def test_changing_channel_code_onto_another_customer_is_a_duplicate(channel):
    make_customer(channel, channel_code="taken")
    customer = make_customer(channel, channel_code="mine")
    with pytest.raises(CustomerDuplicatedFieldException):
        CustomerService().update_customer(customer, channel_code="taken")


def test_stale_version_is_refused(channel):
    customer = make_customer(channel)
    CustomerService().update_customer(customer, expected_version=1, first_name="One")
    with pytest.raises(CustomerVersionConflict):
        CustomerService().update_customer(customer, expected_version=1, first_name="Two")
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).first_name == "One"


def test_concurrent_edit_detected_at_write_time(app, channel):
    """Two sessions read version 1; the second write, made at the version it read, fails
    instead of overwriting the first; made without one, it applies on top of the first."""
    customer = make_customer(channel)
    customer_id = customer.id
    db.session.commit()  # SQLite has one writer: end this session's transaction first
    other_session = db.session.session_factory(expire_on_commit=False)
    try:
        stale = other_session.get(Customer, customer_id)
        other_session.commit()  # end the read; keep the object as it was read
        CustomerService().update_customer(customer, first_name="First")
        with pytest.raises(CustomerVersionConflict):
            CustomerService(other_session).update_customer(
                stale, expected_version=1, first_name="Second"
            )
        other_session.rollback()
        CustomerService(other_session).update_customer(stale, last_name="Second")
    finally:
        other_session.rollback()
        other_session.close()
    db.session.expire_all()
    saved = db.session.get(Customer, customer.id)
    assert (saved.first_name, saved.last_name, saved.version) == ("First", "Second", 3)


def test_upsert_creates_then_updates(channel):
    service = CustomerService()
    customer, created = service.upsert_customer(channel, "u-1", email="u@example.com")
    assert created and customer.email == "u@example.com"
    again, created = service.upsert_customer(channel, "u-1", email="u@example.com")
    assert not created and again.id == customer.id
    assert len(events_for(customer)) == 1  # nothing changed, nothing audited
    updated, created = service.upsert_customer(
        channel, "u-1", email="new@example.com", sms_allowed=True
    )
    assert not created and updated.email == "new@example.com" and updated.sms_allowed
    assert [e.source for e in events_for(customer)] == ["ingestion", "ingestion"]
    assert customer_count() == 1


def test_anonymization_erases_row_and_history_and_keeps_orders(channel, users):
    supervisor = users["supervisor"]
    customer = make_customer(
        channel,
        channel_code="keep-me",
        email="secret.person@example.com",
        first_name="Secret",
        last_name="Person",
        phone_number="05551234567",
        erp_code="ERP-1",
        gender="female",
        date_of_birth=date(1980, 1, 2),
        date_joined=datetime(2020, 1, 1, tzinfo=UTC),
        email_allowed=True,
        attributes={"logged_ip": "1.2.3.4"},
        extra_field={"note": "Secret Person likes tea"},
    )
    CustomerService().update_customer(customer, first_name="Secreta", phone_number="05559999999")
    db.session.add(
        Order(channel_id=channel.id, number="O-1", customer_id=customer.id, amount=Decimal("12.50"))
    )
    db.session.commit()

    context = AuditContext.for_user(supervisor, "web")
    CustomerService().anonymize_customer(customer, context)
    db.session.expire_all()
    row = db.session.get(Customer, customer.id)

    assert row.email == f"anonymized-{row.id}@anonymized.example"
    assert (row.first_name, row.last_name, row.phone_number) == ("", "", None)
    assert (row.gender, row.date_of_birth, row.is_active) == (None, None, False)
    assert (row.email_allowed, row.sms_allowed, row.call_allowed) == (False, False, False)
    assert row.extra_field == {} and row.localized_attributes == {}
    assert set(row.attributes) == {"anonimizing_user_id", "anonimization_time"}
    assert row.attributes["anonimizing_user_id"] == supervisor.id
    assert row.attributes["anonimization_time"].endswith("Z")
    assert (row.channel_id, row.channel_code, row.erp_code) == (channel.id, "keep-me", "ERP-1")
    assert row.date_joined == datetime(2020, 1, 1, tzinfo=UTC)
    assert db.session.scalars(
        select(Order).where(Order.customer_id == row.id)
    ).one().amount == Decimal("12.50")

    events = events_for(row)
    assert [e.action for e in events] == ["create", "update", "anonymize"]
    history = repr([e.changes for e in events])
    secrets = ("secret.person", "Secret", "Person", "05551234567", "05559999999", "1980-01-02")
    for secret in (*secrets, "likes tea", "1.2.3.4", "female"):
        assert secret not in history
    assert events[1].changes["first_name"] == [ERASED, ERASED]
    assert events[2].actor_id == supervisor.id


def test_anonymized_customer_refuses_personal_writes_and_anonymizing_again_is_a_noop(channel):
    customer = make_customer(channel)
    service = CustomerService()
    service.anonymize_customer(customer)
    with pytest.raises(CustomerAnonymizedError) as raised:
        service.update_customer(customer, first_name="Back")
    assert raised.value.fields == ["first_name"]
    with pytest.raises(CustomerAnonymizedError):
        service.update_customer(customer, email_allowed=True)
    service.update_customer(customer, erp_code="E-9")  # not personal: allowed
    count = len(events_for(customer))
    service.anonymize_customer(customer)
    assert len(events_for(customer)) == count


def test_upsert_never_writes_personal_data_back_onto_an_anonymized_customer(channel):
    customer = make_customer(channel, channel_code="gone")
    CustomerService().anonymize_customer(customer)
    again, created = CustomerService().upsert_customer(
        channel, "gone", email="back@example.com", first_name="Back"
    )
    assert not created and again.id == customer.id
    assert again.first_name == "" and again.email.startswith("anonymized-")


def test_erasure_keeps_empty_old_values_empty(channel):
    customer = make_customer(channel, first_name="Gone")
    CustomerService().anonymize_customer(customer)
    created = events_for(customer)[0]
    assert created.changes["first_name"] == [None, ERASED]
