"""The dashboard's roll-ups equal a recount of the rows after every write path: the service, the
batch upsert, the order API and import, anonymization, raw SQL (migration 0009's triggers)."""

import io
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select, text, update

from backoffice.customers.models import Customer
from backoffice.customers.service import CustomerService
from backoffice.extensions import db
from backoffice.main.dashboard import channel_figures, week_figures
from backoffice.main.models import CustomerStats, CustomerWeek, OrderWeek
from backoffice.orders.importer import ErrorReport, import_orders
from backoffice.orders.models import Order
from backoffice.orders.service import OrderService
from tests.builders import make_channel, make_customer
from tests.test_order_service import payload


def monday(moment: datetime):
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def recount() -> dict:
    """The figures counted from the rows themselves."""
    db.session.commit()
    stats: Counter = Counter()
    weeks: Counter = Counter()
    for c in db.session.scalars(select(Customer)):
        stats[(c.channel_id, "anonymized")] += c.anonymized_at is not None
        for consent in ("email_allowed", "sms_allowed", "call_allowed"):
            stats[(c.channel_id, consent)] += getattr(c, consent)
        weeks[(c.channel_id, monday(c.created_date))] += 1
    orders: Counter = Counter()
    amounts: Counter = Counter()
    for o in db.session.scalars(select(Order)):
        orders[(o.channel_id, monday(o.created_date))] += 1
        amounts[(o.channel_id, monday(o.created_date))] += o.amount
    return _nonzero(stats=stats, weeks=weeks, orders=orders, amounts=amounts)


def rolled_up() -> dict:
    """The figures the triggers kept, summed over the shards."""
    db.session.commit()
    stats: Counter = Counter()
    for row in db.session.execute(
        select(
            CustomerStats.channel_id,
            *(
                func.sum(getattr(CustomerStats, name)).label(name)
                for name in ("anonymized", "email_allowed", "sms_allowed", "call_allowed")
            ),
        ).group_by(CustomerStats.channel_id)
    ):
        for name in ("anonymized", "email_allowed", "sms_allowed", "call_allowed"):
            stats[(row.channel_id, name)] = row._mapping[name]
    weeks = Counter(
        {
            (channel, week): total
            for channel, week, total in db.session.execute(
                select(
                    CustomerWeek.channel_id, CustomerWeek.week, func.sum(CustomerWeek.created)
                ).group_by(CustomerWeek.channel_id, CustomerWeek.week)
            )
        }
    )
    orders, amounts = Counter(), Counter()
    for channel, week, count, amount in db.session.execute(
        select(
            OrderWeek.channel_id, OrderWeek.week, func.sum(OrderWeek.orders),
            func.sum(OrderWeek.amount),
        ).group_by(OrderWeek.channel_id, OrderWeek.week)
    ):  # fmt: skip
        orders[(channel, week)], amounts[(channel, week)] = count, amount
    return _nonzero(stats=stats, weeks=weeks, orders=orders, amounts=amounts)


def _nonzero(**counters: Counter) -> dict:
    return {name: {k: v for k, v in c.items() if v} for name, c in counters.items()}


def assert_consistent() -> None:
    assert rolled_up() == recount()


def test_the_service_and_the_batch_upsert_keep_the_roll_ups(app, channel):
    other = make_channel(name="Other")
    assert_consistent()
    first = make_customer(channel, email_allowed=True, sms_allowed=True)
    make_customer(other, call_allowed=True)
    assert_consistent()
    service = CustomerService()
    service.update_customer(first, email_allowed=False, call_allowed=True)
    assert_consistent()
    service.upsert_customer(other, "up-1", email="up@example.com", sms_allowed=True)
    service.upsert_customer(other, "up-1", email="up@example.com", sms_allowed=False)
    assert_consistent()
    batch = CustomerService(autocommit=False)
    batch.upsert_customers(
        [
            (channel.id, "b-1", {"email": "b1@example.com", "email_allowed": True}),
            (other.id, "b-2", {"email": "b2@example.com", "call_allowed": True}),
            (other.id, "up-1", {"email": "again@example.com", "sms_allowed": True}),
        ]
    )
    db.session.commit()
    assert_consistent()
    service.anonymize_customer(first)
    assert_consistent()
    assert rolled_up()["stats"][(channel.id, "anonymized")] == 1


def test_orders_through_the_api_path_and_the_import_keep_the_roll_ups(app, channel, tmp_path):
    service = OrderService()
    service.ingest_order(payload(channel, "A-1", amount="100.00"))
    service.ingest_order(payload(channel, "A-2", created_date="2023-12-31T23:59:59Z"))
    assert_consistent()
    # An order moved to another week, with another amount.
    service.ingest_order(payload(channel, "A-1", amount="12.34", created_date="2024-01-01T00:00Z"))
    assert_consistent()
    lines = [
        payload(channel, f"I-{n}", amount=f"{n}.50", created_date=f"2024-0{n}-0{n}T10:00:00Z",
                customer={"channel_code": f"buyer-{n % 2}", "sms_allowed": n % 2 == 0})
        for n in range(1, 6)
    ]  # fmt: skip
    lines.append(payload(channel, "I-1", amount="999.99", customer={"channel_code": "buyer-1"}))
    stream = io.BytesIO("".join(json.dumps(line) + "\n" for line in lines).encode())
    summary = import_orders(stream, ErrorReport(tmp_path / "errors.jsonl"), batch_size=2)
    assert summary.rejected == 0
    assert_consistent()
    # I-3 (2024-03-03) and I-1 moved by its second line (2024-03-01): one week.
    week = monday(datetime(2024, 3, 3, tzinfo=UTC))
    assert rolled_up()["amounts"][(channel.id, week)] == Decimal("1003.49")


def test_raw_sql_and_deletes_keep_the_roll_ups(app, channel):
    other = make_channel(name="Other")
    customer = make_customer(channel, email_allowed=True)
    OrderService().ingest_order(payload(channel, "R-1"))
    db.session.execute(
        update(Customer)
        .where(Customer.id == customer.id)
        .values(channel_id=other.id, created_date=datetime(2021, 5, 5, tzinfo=UTC))
    )
    db.session.execute(update(Order).values(amount=Decimal("1.00"), channel_id=other.id))
    assert_consistent()
    db.session.execute(text("DELETE FROM orders"))
    db.session.execute(text("DELETE FROM audit_events WHERE object_type = 'order'"))
    assert_consistent()
    assert rolled_up()["orders"] == {}


def test_the_dashboard_reads_what_the_roll_ups_hold(app, channel):
    make_customer(channel, email_allowed=True)
    make_customer(channel, is_active=False)
    OrderService().ingest_order(payload(channel, "D-1", amount="20.00"))
    [figures] = channel_figures()
    assert (figures.total, figures.active, figures.email_allowed) == (3, 2, 2)  # the buyer too
    today = datetime(2024, 3, 1, tzinfo=UTC).date()
    weeks = week_figures(None, today)
    assert len(weeks) == 26 and weeks[-1].start == monday(datetime(2024, 3, 1, tzinfo=UTC))
    assert (weeks[-1].orders, weeks[-1].amount) == (1, Decimal("20.00"))
    assert week_figures(channel.id + 1, today)[-1].orders == 0
