"""The list's exact count: the counter the triggers keep equals COUNT(*), whatever wrote."""

from sqlalchemy import func, select, text

from backoffice.customers.models import Customer, CustomerCount
from backoffice.customers.service import CustomerService
from backoffice.extensions import db
from tests.builders import make_channel, make_customer


def counted(api, query: str = "") -> int:
    response = api.get(f"/api/v1/customers/?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["count"]


def real(*where) -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(Customer).where(*where))


def assert_counts_exact(api, channels) -> None:
    assert counted(api) == real()
    for active in (True, False):
        assert counted(api, f"is_active={str(active).lower()}") == real(
            Customer.is_active == active
        )
    for channel in channels:
        assert counted(api, f"channel={channel.id}") == real(Customer.channel_id == channel.id)
        for active in (True, False):
            query = f"channel={channel.id}&is_active={str(active).lower()}"
            expected = real(Customer.channel_id == channel.id, Customer.is_active == active)
            assert counted(api, query) == expected
    both = "&".join(f"channel={c.id}" for c in channels)
    assert counted(api, both) == real()


def test_counts_follow_every_write_path(api, channel):
    other = make_channel(name="Other")
    channels = [channel, other]
    assert_counts_exact(api, channels)
    for n in range(3):
        make_customer(channel, is_active=n != 0)
    make_customer(other)
    service = CustomerService()
    service.upsert_customer(other, "upserted-new", email="new@example.com")
    service.upsert_customer(other, "upserted-new", email="changed@example.com", is_active=False)
    batch = CustomerService(autocommit=False)
    batch.upsert_customers(
        [
            (channel.id, "batch-1", {"email": "b1@example.com"}),
            (other.id, "batch-2", {"email": "b2@example.com", "is_active": False}),
            (other.id, "upserted-new", {"email": "again@example.com", "is_active": True}),
        ]
    )
    db.session.commit()
    assert real() == 7
    assert_counts_exact(api, channels)


def test_counts_follow_deactivation_anonymization_and_raw_sql(api, channel):
    other = make_channel(name="Other")
    first, second = make_customer(channel), make_customer(other)
    CustomerService().update_customer(first, is_active=False)
    CustomerService().anonymize_customer(second)
    db.session.execute(
        text(
            "INSERT INTO customers (channel_id, email, first_name, last_name, is_active, "
            "channel_code, extra_field, modified_date, created_date, email_allowed, sms_allowed, "
            "call_allowed, attributes, attributes_kwargs, localized_attributes, "
            "localized_attributes_kwargs, version) SELECT :channel, 'raw' || n || '@example.com', "
            "'', '', true, 'raw-' || n, '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, false, false, "
            "false, '{}', '{}', '{}', '{}', 1 FROM (SELECT 1 AS n UNION ALL SELECT 2) AS numbers"
        ),
        {"channel": other.id},
    )
    db.session.execute(text("DELETE FROM customers WHERE channel_code = 'raw-1'"))
    assert real() == 3
    assert_counts_exact(api, [channel, other])


def test_the_counter_is_what_answers_a_channel_count(api, channel):
    make_customer(channel)
    db.session.execute(
        CustomerCount.__table__.update().values(total=CustomerCount.total + 40)
    )  # a counter out of step shows: the count did not come from the rows
    assert counted(api, f"channel={channel.id}") == 41
    assert counted(api, "email__startswith=customer") == 1  # other filters count rows
