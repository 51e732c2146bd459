"""OrderService: orders upsert their buyers; re-ingesting is a no-op; every change audited."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from backoffice.audit.models import AuditEvent
from backoffice.customers.errors import UnknownChannelError
from backoffice.customers.models import Customer
from backoffice.customers.service import CustomerService
from backoffice.extensions import db
from backoffice.orders.errors import InvalidOrderPayload
from backoffice.orders.models import Order
from backoffice.orders.schema import parse_order_payload
from backoffice.orders.service import OrderService
from tests.builders import make_channel, make_customer


def payload(channel, number="TY-1001", **overrides):
    customer = {
        "channel_code": "ty-77",
        "email": "ayse@example.com",
        "first_name": "Ayşe",
        "last_name": "Yılmaz",
        "phone_number": "05321234567",
        "email_allowed": True,
        **overrides.pop("customer", {}),
    }
    return {
        "channel": channel.id,
        "number": number,
        "status": "completed",
        "amount": "149.90",
        "discount_amount": "10.00",
        "refund_amount": "0.00",
        "created_date": "2024-03-01T10:00:00Z",
        "customer": customer,
        **overrides,
    }


def events(object_type=None):
    query = select(AuditEvent).order_by(AuditEvent.id)
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    return db.session.scalars(query).all()


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_new_order_creates_its_customer(channel):
    result = OrderService().ingest_order(payload(channel))
    assert result.created and result.changed
    order = db.session.get(Order, result.order.id)
    assert (order.number, order.status, order.amount) == ("TY-1001", "completed", Decimal("149.90"))
    assert (order.discount_amount, order.refund_amount) == (Decimal("10.00"), Decimal("0.00"))
    assert order.created_date.isoformat() == "2024-03-01T10:00:00+00:00"
    customer = db.session.get(Customer, order.customer_id)
    assert (customer.channel_id, customer.channel_code) == (channel.id, "ty-77")
    assert (customer.email, customer.first_name, customer.email_allowed) == (
        "ayse@example.com", "Ayşe", True
    )  # fmt: skip
    [event] = events()
    assert (event.object_type, event.action, event.source) == ("customer", "create", "ingestion")
    assert event.changes["email"] == [None, "ayse@example.com"]


def test_a_known_customer_is_updated_and_gets_the_order(channel):
    known = make_customer(channel, channel_code="ty-77", email="old@example.com", first_name="A")
    result = OrderService().ingest_order(payload(channel))
    assert result.order.customer_id == known.id and count(Customer) == 1
    db.session.expire_all()
    customer = db.session.get(Customer, known.id)
    assert (customer.email, customer.first_name, customer.version) == (
        "ayse@example.com",
        "Ayşe",
        2,
    )
    update = events("customer")[-1]
    assert (update.action, update.source, update.object_version) == ("update", "ingestion", 2)
    assert update.changes["email"] == ["old@example.com", "ayse@example.com"]


def test_ingesting_the_same_order_again_changes_nothing(channel):
    first = OrderService().ingest_order(payload(channel))
    before = (first.order.modified_date, len(events()))
    again = OrderService().ingest_order(payload(channel))
    assert not again.created and not again.changed and again.order.id == first.order.id
    db.session.expire_all()
    assert (count(Order), count(Customer)) == (1, 1)
    assert (db.session.get(Order, first.order.id).modified_date, len(events())) == before
    assert db.session.get(Customer, first.order.customer_id).version == 1


def test_a_changed_amount_status_refund_or_discount_updates_the_order(channel):
    first = OrderService().ingest_order(payload(channel))
    changed = payload(
        channel, status="refunded", amount="150.00", refund_amount="150.00", discount_amount="0"
    )
    result = OrderService().ingest_order(changed)
    assert not result.created and result.changed
    db.session.expire_all()
    order = db.session.get(Order, first.order.id)
    assert (order.status, order.amount, order.refund_amount, order.discount_amount) == (
        "refunded", Decimal("150.00"), Decimal("150.00"), Decimal("0.00")
    )  # fmt: skip
    [event] = events("order")
    assert (event.action, event.object_id, event.source) == ("update", order.id, "ingestion")
    assert event.changes == {
        "status": ["completed", "refunded"],
        "amount": ["149.90", "150.00"],
        "discount_amount": ["10.00", "0.00"],
        "refund_amount": ["0.00", "150.00"],
    }
    assert count(Customer) == 1 and len(events("customer")) == 1


def test_an_anonymized_customer_gets_the_order_but_no_personal_data(channel):
    customer = make_customer(channel, channel_code="ty-77")
    CustomerService().anonymize_customer(customer)
    anonymized = (customer.email, customer.first_name, customer.phone_number, customer.version)
    before = len(events("customer"))
    result = OrderService().ingest_order(payload(channel))
    assert result.created and result.order.customer_id == customer.id
    db.session.expire_all()
    stored = db.session.get(Customer, customer.id)
    assert stored.is_anonymized
    assert (stored.email, stored.first_name, stored.phone_number, stored.version) == anonymized
    assert len(events("customer")) == before


def test_payload_errors_are_nested_in_drf_words(channel):
    bad = payload(
        channel,
        amount="149.901",
        discount_amount="ten",
        refund_amount="-1",
        status="lost",
        customer={"email": "not-an-email", "channel_code": ""},
    )
    del bad["number"]
    with pytest.raises(InvalidOrderPayload) as raised:
        OrderService().ingest_order(bad)
    assert raised.value.errors == {
        "number": ["This field is required."],
        "status": ['"lost" is not a valid choice.'],
        "amount": ["Ensure that there are no more than 2 decimal places."],
        "discount_amount": ["A valid number is required."],
        "refund_amount": ["Ensure this value is greater than or equal to 0."],
        "customer": {
            "email": ["Enter a valid email address."],
            "channel_code": ["This field may not be blank."],
        },
    }
    assert count(Order) == count(Customer) == 0


@pytest.mark.parametrize(
    ("customer", "errors"),
    [
        (None, ["This field may not be null."]),
        ("ty-77", {"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]}),
        ({}, {"email": ["This field is required."], "channel_code": ["This field is required."]}),
    ],
)
def test_the_customer_object_is_validated_as_a_nested_serializer(channel, customer, errors):
    _payload, problems = parse_order_payload({**payload(channel), "customer": customer})
    assert problems == {"customer": errors}


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1234567890123", "Ensure that there are no more than 12 digits in total."),
        ("12345678901.5", "Ensure that there are no more than 10 digits before the decimal point."),
        ("NaN", "A valid number is required."),
        ("", "A valid number is required."),
        (True, "A valid number is required."),
    ],
)
def test_amounts_are_decimal_fields(channel, amount, message):
    _payload, problems = parse_order_payload(payload(channel, amount=amount))
    assert problems == {"amount": [message]}


def test_amounts_are_decimals_never_floats(channel):
    parsed, _ = parse_order_payload(payload(channel, amount=149.9, refund_amount=Decimal("0.1")))
    assert parsed.order["amount"] == Decimal("149.90") and type(parsed.order["amount"]) is Decimal
    assert parsed.order["refund_amount"] == Decimal("0.10")


def test_an_unknown_channel_is_refused(channel):
    with pytest.raises(UnknownChannelError):
        OrderService().ingest_order({**payload(channel), "channel": 999})
    assert count(Order) == 0


def _state(channel):
    """The customers, orders and history of one channel, free of ids."""
    customers = db.session.scalars(select(Customer).where(Customer.channel_id == channel.id)).all()
    codes = {c.id: c.channel_code for c in customers}
    orders = db.session.scalars(select(Order).where(Order.channel_id == channel.id)).all()
    numbers = {o.id: o.number for o in orders}
    history = sorted(
        (e.object_type, e.action,
         codes.get(e.object_id) if e.object_type == "customer" else numbers.get(e.object_id),
         sorted((f, [codes[v] for v in vs] if f == "customer_id" else vs)
                for f, vs in e.changes.items() if f != "channel"))
        for e in events()
        if (e.object_type == "customer" and e.object_id in codes)
        or (e.object_type == "order" and e.object_id in numbers)
    )  # fmt: skip
    return (
        {c.channel_code: (c.email, c.first_name, c.phone_number, c.email_allowed, c.version)
         for c in customers},
        {o.number: (codes[o.customer_id], o.status, o.amount, o.refund_amount, o.created_date)
         for o in orders},
        history,
    )  # fmt: skip


def _stream(channel):
    """Orders in which buyers repeat, change their details, and orders change status."""
    return [
        payload(channel, "N-1", customer={"channel_code": "a"}),
        payload(channel, "N-2", customer={"channel_code": "b", "email": "b@example.com"}),
        payload(channel, "N-3", customer={"channel_code": "a"}),
        payload(channel, "N-1", status="refunded", refund_amount="149.90",
                customer={"channel_code": "a"}),
        payload(channel, "N-4", customer={"channel_code": "a", "first_name": "Ayla"}),
        payload(channel, "N-5", customer={"channel_code": "b", "sms_allowed": True}),
        payload(channel, "N-4", amount="99.00", customer={"channel_code": "b"}),
    ]  # fmt: skip


def test_a_batch_ends_as_ingesting_its_orders_one_by_one(channel, app):
    for item in _stream(channel):
        OrderService().ingest_order(item)
    other = make_channel(name="Batch Market")
    parsed = [parse_order_payload(item)[0] for item in _stream(other)]
    result = OrderService().ingest_batch(parsed)
    assert (result.orders_created, result.orders_updated, result.orders_unchanged) == (5, 2, 0)
    assert (result.customers_created, result.customers_updated) == (2, 2)
    assert _state(other) == _state(channel)
    assert len(_state(other)[2]) == 6  # 2 creations, 2 buyer updates, 2 order updates
    # The last payload of an order and of its buyer is what they now hold.
    again = OrderService().ingest_batch(parsed[-1:])
    assert (again.orders_updated, again.orders_unchanged, again.customers_updated) == (0, 1, 0)
