"""Every write path keeps a customer's search keys equal to the keys of its values."""

import json

from sqlalchemy import select

from backoffice.customers.models import Customer, customer_search_words
from backoffice.customers.service import CustomerService
from backoffice.extensions import db
from backoffice.people.keys import KEY_COLUMNS, customer_keys
from tests.builders import make_customer
from tests.test_order_service import payload

CUSTOMERS = Customer.__table__
WORDS = customer_search_words


def assert_keys_consistent() -> None:
    """The stored keys of every customer are those its values give, and the words table holds
    exactly the words of ``search_words``."""
    rows = db.session.execute(select(CUSTOMERS)).mappings().all()
    assert rows
    for row in rows:
        stored = {name: row[name] for name in KEY_COLUMNS}
        assert stored == customer_keys(row), row["channel_code"]
        words = db.session.scalars(
            select(WORDS.c.word).where(WORDS.c.customer_id == row["id"]).order_by(WORDS.c.word)
        ).all()
        assert words == sorted(json.loads(row["search_words"] or "[]")), row["channel_code"]


def keys_of(channel_code: str) -> dict:
    row = (
        db.session.execute(select(CUSTOMERS).where(CUSTOMERS.c.channel_code == channel_code))
        .mappings()
        .one()
    )
    return {name: row[name] for name in KEY_COLUMNS}


def test_create_and_update_keep_the_keys(channel):
    customer = make_customer(
        channel,
        channel_code="k1",
        first_name="Murat",
        last_name="Yılmaz",
        email="Murat@Example.com",
        phone_number="0534 414 91 06",
    )
    assert keys_of("k1")["email_key"] == "murat@example.com"
    assert keys_of("k1")["phone_key"] == "+905344149106"
    CustomerService().update_customer(customer, last_name="IŞIK", phone_number="+1 650 253 0000")
    assert json.loads(keys_of("k1")["search_words"]) == ["murat", "isik"]
    assert keys_of("k1")["phone_key"] == "+16502530000"
    CustomerService().update_customer(customer, is_active=False)  # no key source: keys stay
    assert_keys_consistent()


def test_upserts_one_and_many_keep_the_keys(channel):
    service = CustomerService()
    service.upsert_customer(channel, "u1", first_name="Ayşe Nur", email="ayse@example.com")
    service.upsert_customer(channel, "u1", last_name="Çelik", email="ayse@example.com")
    service.upsert_customers(
        [
            (channel.id, "u1", {"first_name": "Şule"}),  # one source: the whole name rekeyed
            (channel.id, "u2", {"first_name": "Ömer", "email": "o@x.com", "phone_number": "05321"}),
        ]
    )
    db.session.commit()
    assert json.loads(keys_of("u1")["search_words"]) == ["sule", "celik", "ayse"]
    assert keys_of("u2")["phone_key"] is None  # too short to be a number
    service.upsert_customers(
        [(channel.id, "u2", {"email": "omer@example.com", "phone_number": "05321234567"})]
    )
    db.session.commit()
    assert keys_of("u2")["email_key"] == "omer@example.com"
    assert keys_of("u2")["phone_key"] == "+905321234567"
    assert_keys_consistent()


def test_the_order_import_keeps_the_keys(runner, channel, tmp_path):
    lines = [
        payload(channel, "N-1", customer={"channel_code": "i1"}),
        payload(channel, "N-2", customer={"channel_code": "i2", "first_name": "İpek"}),
        payload(channel, "N-3", customer={"channel_code": "i1", "last_name": "Öztürk"}),
    ]
    source = tmp_path / "orders.jsonl"
    source.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    result = runner.invoke(args=["orders", "import", str(source), "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert json.loads(keys_of("i1")["search_words"]) == ["ayse", "ozturk"]
    assert json.loads(keys_of("i2")["search_words"]) == ["ipek", "yilmaz", "ayse"]
    assert_keys_consistent()


def test_anonymization_erases_the_keys_and_the_words(channel):
    customer = make_customer(channel, channel_code="a1", first_name="Murat", last_name="Yılmaz")
    make_customer(channel, channel_code="a2")
    CustomerService().anonymize_customer(customer)
    assert keys_of("a1") == dict.fromkeys(KEY_COLUMNS)
    found = db.session.scalars(select(WORDS.c.word).where(WORDS.c.customer_id == customer.id)).all()
    assert found == []
    # An upsert of the anonymized customer writes no personal value back, nor its keys.
    CustomerService().upsert_customers(
        [(channel.id, "a1", {"first_name": "Murat", "email": "murat@example.com"})]
    )
    db.session.commit()
    assert keys_of("a1") == dict.fromkeys(KEY_COLUMNS)
    assert_keys_consistent()
