"""The list's modified_date filter and ordering, and on PostgreSQL the indexed copy of the
date (customer_modified, migration 0020c) that serves them there."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text, update
from werkzeug.datastructures import MultiDict

from backoffice.audit.context import AuditContext
from backoffice.customers.consents import apply_consents
from backoffice.customers.listread import count_statement, customer_list_page, page_statement
from backoffice.customers.models import Customer, customer_modified
from backoffice.customers.service import CustomerService
from backoffice.extensions import db
from tests.builders import make_channel, make_customer

DAY = datetime(2025, 3, 10, 12, tzinfo=UTC)


def _customers(channel, other):
    """Six customers, modified on days 0, 2, 2, 4, 6, 8 after DAY (two share a date)."""
    customers = [make_customer(channel if n % 2 else other) for n in range(6)]
    for customer, days in zip(customers, (0, 2, 2, 4, 6, 8), strict=True):
        db.session.execute(
            update(Customer)
            .where(Customer.id == customer.id)
            .values(modified_date=DAY + timedelta(days=days))
        )
    db.session.commit()
    return [customer.id for customer in customers]


def _ids(**args) -> list[int]:
    page = customer_list_page(MultiDict(args), 1, 50).page
    return [row.id for row in page.items]


def test_the_modified_date_filter_and_ordering(app, channel):
    other = make_channel(name="Other")
    ids = _customers(channel, other)
    assert _ids(ordering="modified_date") == ids
    assert _ids(ordering="-modified_date") == [ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]]
    assert _ids(ordering="modified_date", channel=str(channel.id)) == ids[1::2]
    # A later field than the date: customers joined to the copy's walk on PostgreSQL.
    assert _ids(ordering="-modified_date,-channel") == [
        ids[5],
        ids[4],
        ids[3],
        ids[2],
        ids[1],
        ids[0],
    ]
    assert _ids(ordering="-modified_date,channel") == [
        ids[5],
        ids[4],
        ids[3],
        ids[1],
        ids[2],
        ids[0],
    ]
    assert _ids(modified_date__gt="2025-03-13", ordering="id") == ids[3:]
    assert _ids(modified_date__gte="2025-03-12", ordering="id") == ids[1:]
    assert _ids(modified_date__lt="2025-03-12", ordering="id") == ids[:1]
    assert _ids(modified_date__date="2025-03-12", ordering="-modified_date") == [ids[2], ids[1]]
    assert _ids(modified_date__lte="2025-03-14", ordering="-modified_date") == ids[2::-1]


def test_postgresql_walks_the_copy_and_sqlite_the_table(app):
    listed = customer_list_page(MultiDict({"ordering": "-modified_date"}), 1, 10, read=False)
    sql = str(page_statement(listed.filters).compile(db.engine))
    assert ("customer_modified" in sql) == (db.engine.dialect.name == "postgresql")


def _copy_agrees() -> None:
    table = dict(db.session.execute(select(Customer.id, Customer.modified_date)).tuples().all())
    copied = dict(db.session.execute(select(*customer_modified.c)).tuples().all())
    assert copied == table


def test_the_copy_follows_every_write_path(app, channel):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the copy exists on PostgreSQL only")
    first, second, third = (make_customer(channel) for _ in range(3))
    _copy_agrees()
    context = AuditContext(source="web", actor_label="agent@example.com")
    CustomerService().update_customer(first, context, first_name="Grace")
    db.session.commit()
    _copy_agrees()
    apply_consents([Customer.id.in_([first.id, second.id])], {"sms_allowed": True}, context)
    db.session.commit()
    _copy_agrees()
    db.session.execute(
        text("UPDATE customers SET modified_date = :when WHERE id = :id"),
        {"when": DAY, "id": third.id},
    )
    db.session.execute(text("DELETE FROM customers WHERE id = :id"), {"id": second.id})
    db.session.commit()
    _copy_agrees()
    db.session.execute(
        text("DELETE FROM customer_modified WHERE customer_id = :id"), {"id": first.id}
    )
    db.session.execute(
        text("UPDATE customers SET version = version + 1, modified_date = :when"), {"when": DAY}
    )
    db.session.commit()
    _copy_agrees()  # a missing copy comes back with the next update


def test_a_consent_filter_counts_as_the_table_does(app, channel):
    """On PostgreSQL the roll-ups count it (no index of customers holds a consent there)."""
    other = make_channel(name="Other")
    for n in range(7):
        make_customer(channel if n % 3 else other, email_allowed=n % 2 == 0, sms_allowed=n > 4)
    apply_consents([Customer.id.in_([1, 2, 3])], {"sms_allowed": True}, AuditContext("web"))
    db.session.commit()
    for args in (
        {"email_allowed": "true"},
        {"email_allowed": "false"},
        {"sms_allowed": "true", "channel": str(channel.id)},
        {"sms_allowed": "0", "channel": str(other.id)},
        {"call_allowed": "true"},
        {"email_allowed": "true", "sms_allowed": "true"},
        {"email_allowed": "false", "is_active": "true"},
    ):
        filters = customer_list_page(MultiDict(args), 1, 50, read=False).filters
        statement = count_statement(filters)
        by_roll_ups = db.engine.dialect.name == "postgresql" and (
            len(args) == 1 or "channel" in args
        )
        assert ("customer_stats" in str(statement)) == by_roll_ups
        table = select(func.count()).select_from(Customer).where(*filters.where())
        assert db.session.scalar(statement) == db.session.scalar(table), args
        assert customer_list_page(MultiDict(args), 1, 50).page.count == db.session.scalar(table)
