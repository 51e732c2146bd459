"""SQLite's index of the JSON filters: customer_json_values holds exactly what the customers'
documents say, whatever wrote them, and the list reads it instead of the customers table."""

import json
import re

import flask_migrate
import pytest
from sqlalchemy import event, inspect, text
from werkzeug.datastructures import MultiDict

from backoffice.customers.listread import (
    count_statement,
    customer_filters,
    customer_page,
    page_params,
    page_statement,
)
from backoffice.customers.service import CustomerService
from backoffice.extensions import db
from tests.builders import make_customer

FIELDS = ("attributes", "extra_field")
only_sqlite = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
RAW_INSERT = text(
    "INSERT INTO customers (channel_id, email, first_name, last_name, is_active, channel_code, "
    "extra_field, modified_date, created_date, email_allowed, sms_allowed, call_allowed, "
    "attributes, attributes_kwargs, localized_attributes, localized_attributes_kwargs, version) "
    "VALUES (:channel, :code || '@example.com', '', '', true, :code, :extra, CURRENT_TIMESTAMP, "
    "CURRENT_TIMESTAMP, false, false, false, :attributes, '{}', '{}', '{}', 1)"
)

# A customer row again, with other attributes: for upserts and REPLACE.
REWRITE = (
    "(id, attributes, channel_id, email, first_name, last_name, is_active, channel_code, "
    "extra_field, modified_date, created_date, email_allowed, sms_allowed, call_allowed, "
    "attributes_kwargs, localized_attributes, localized_attributes_kwargs, version) "
    "SELECT id, :attributes, channel_id, email, first_name, last_name, is_active, channel_code, "
    "extra_field, modified_date, created_date, email_allowed, sms_allowed, call_allowed, "
    "attributes_kwargs, localized_attributes, localized_attributes_kwargs, version "
    "FROM customers WHERE id = :id"
)
UPSERT = "attributes = excluded.attributes"


def _refuse(constant: str):
    raise ValueError(constant)  # NaN, Infinity: not JSON, and not to SQLite either


def _first_wins(pairs: list[tuple[str, object]]) -> dict:
    return dict(reversed(pairs))  # of duplicate keys, the first, as json_extract reads


def _stored(value: object) -> tuple[str, object]:
    """The kind and value a row holds for a JSON value."""
    if isinstance(value, bool):
        return "blob", b"true" if value else b"false"
    if isinstance(value, str):
        return "text", value
    if isinstance(value, int | float):
        return "number", value
    return "null", None  # null, arrays, objects


def expected_rows() -> set[tuple]:
    """The rows the documents call for, worked out in Python."""
    rows = set()
    customers = db.session.execute(text("SELECT id, attributes, extra_field FROM customers"))
    for customer_id, *documents in customers:
        for field, document in zip(FIELDS, documents, strict=True):
            try:
                parsed = json.loads(document, object_pairs_hook=_first_wins, parse_constant=_refuse)
            except (TypeError, ValueError):
                continue  # NULL or malformed: no rows
            if isinstance(parsed, dict):
                rows |= {(customer_id, field, key, *_stored(v)) for key, v in parsed.items()}
    return rows


def index_rows() -> set[tuple]:
    rows = set()
    for customer_id, field, key, value in db.session.execute(
        text("SELECT customer_id, field, key, value FROM customer_json_values")
    ):
        kind = {str: "text", bytes: "blob", int: "number", float: "number"}.get(type(value))
        rows.add((customer_id, field, key, kind or "null", value))
    return rows


def assert_index_exact() -> None:
    db.session.commit()
    assert index_rows() == expected_rows()


def selected(query: dict[str, str]) -> set[int]:
    return {row.id for row in customer_page(customer_filters(MultiDict(query)), 1, 1000).items}


def raw_insert(channel, code: str, attributes: str, extra: str = "{}") -> int:
    values = {"channel": channel.id, "code": code, "attributes": attributes, "extra": extra}
    db.session.execute(RAW_INSERT, values)
    return db.session.scalar(text("SELECT id FROM customers WHERE channel_code = :c"), {"c": code})


def test_the_table_exists_on_sqlite_only(app):
    exists = inspect(db.engine).has_table("customer_json_values")
    assert exists == (db.engine.dialect.name == "sqlite")


@only_sqlite
def test_the_service_keeps_the_index_exact(channel):
    service = CustomerService()
    ann = make_customer(
        channel,
        attributes={"tier": "gold", "vip": True, "n": 1.5, "none": None, "list": [1], "o": {}},
        extra_field={"src": "x", 'a"b': "q", "a.b": 1, "größe": False},
    )
    bob = make_customer(channel)
    assert_index_exact()
    service.update_customer(ann, attributes={"tier": "silver"})
    service.update_customer(bob, extra_field={"src": "y"})
    assert_index_exact()
    service.upsert_customer(channel, "new", email="n@example.com", attributes={"sso_id": "S1"})
    service.upsert_customer(channel, "new", email="n@example.com", attributes={"sso_id": "S2"})
    assert_index_exact()
    batch = CustomerService(autocommit=False)
    batch.upsert_customers(
        [
            (channel.id, "new", {"email": "n@example.com", "attributes": {}}),
            (channel.id, "batch", {"email": "b@example.com", "extra_field": {"k": [1, 2]}}),
        ]
    )
    assert_index_exact()
    service.anonymize_customer(ann)
    assert_index_exact()
    left = text("SELECT key, value FROM customer_json_values WHERE customer_id = :id")
    erased = dict(db.session.execute(left, {"id": ann.id}).all())
    assert erased.keys() == {"anonimizing_user_id", "anonimization_time"}  # erased means erased
    assert selected({"attributes__tier": "silver"}) == set()
    assert selected({"extra_field__größe": "false"}) == set()


@only_sqlite
def test_raw_sql_keeps_the_index_exact(channel):
    first = raw_insert(channel, "raw-1", '{"tier": "gold", "tier": "silver", "x": 1}')
    second = raw_insert(channel, "raw-2", "[1, 2]", '"a string"')
    third = raw_insert(channel, "raw-3", '{"tier": "gold"', "null")  # malformed
    assert_index_exact()
    assert selected({"attributes__tier": "gold"}) == {first}  # the first of two keys wins
    assert selected({"attributes__tier": "silver"}) == set()
    assert selected({"attributes__0": "1"}) == set()  # an array's positions are no keys

    db.session.execute(
        text("UPDATE customers SET attributes = :a WHERE id = :id"),
        {"a": '{"tier": "bronze"}', "id": second},
    )
    db.session.execute(text("UPDATE customers SET id = 1000 WHERE id = :id"), {"id": first})
    assert_index_exact()
    assert selected({"attributes__x": "1"}) == {1000}
    db.session.execute(
        text(f"INSERT INTO customers {REWRITE} ON CONFLICT (id) DO UPDATE SET {UPSERT}"),
        {"id": second, "attributes": '{"tier": "lead"}'},
    )
    assert_index_exact()
    assert selected({"attributes__tier": "lead"}) == {second}
    # REPLACE deletes the old row without firing delete triggers; the insert trigger tidies.
    db.session.execute(
        text(f"INSERT OR REPLACE INTO customers {REWRITE}"), {"id": second, "attributes": "{}"}
    )
    assert_index_exact()
    assert selected({"attributes__tier": "lead"}) == set()
    db.session.execute(
        text("UPDATE customers SET attributes = '{\"r\": 1}' WHERE id = :id"), {"id": third}
    )
    db.session.execute(text("DELETE FROM customers WHERE id = :id"), {"id": 1000})
    assert_index_exact()
    assert selected({"attributes__x": "1"}) == set()
    assert selected({"attributes__r": "1"}) == {third}


@only_sqlite
def test_a_deleted_customers_rows_go_even_without_foreign_keys(channel):
    """A delete trigger, not a cascade: the sqlite3 shell runs with foreign keys off."""
    gone = raw_insert(channel, "gone", '{"tier": "gold"}')
    db.session.commit()
    raw = db.engine.raw_connection()  # autocommit, as the engine's connections are
    try:
        raw.execute("PRAGMA foreign_keys = OFF")
        raw.execute("DELETE FROM customers WHERE id = ?", (gone,))
    finally:
        raw.execute("PRAGMA foreign_keys = ON")
        raw.close()
    assert_index_exact()
    reused = raw_insert(channel, "reuses-the-id", '{"other": "x"}')
    assert reused == gone
    assert_index_exact()
    assert selected({"attributes__tier": "gold"}) == set()


@only_sqlite
def test_writes_that_keep_the_json_write_nothing_to_the_index(channel):
    customer = make_customer(channel, attributes={"tier": "gold"}, extra_field={"s": 1})
    driver = db.session.connection().connection.driver_connection
    for sql in (
        "UPDATE customers SET email = 'same@example.com' WHERE id = :id",
        "UPDATE customers SET attributes = attributes, extra_field = extra_field WHERE id = :id",
    ):
        before = driver.total_changes
        db.session.execute(text(sql), {"id": customer.id})
        assert driver.total_changes - before == 1  # the customer row, nothing in the index
    CustomerService().update_customer(customer, first_name="Changed")
    assert_index_exact()


@only_sqlite
def test_the_migration_indexes_existing_customers_and_goes_back(app, channel):
    make_customer(channel, attributes={"tier": "gold", "vip": True}, extra_field={"s": 1.0})
    raw_insert(channel, "dup", '{"k": 1, "k": 2, "n": null}')
    db.session.commit()
    rows = index_rows()
    assert rows == expected_rows() and len(rows) == 5
    db.session.rollback()  # the migration takes the write lock
    flask_migrate.downgrade(revision="0004")
    assert not inspect(db.engine).has_table("customer_json_values")
    triggers = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE :n"
    assert db.session.scalar(text(triggers), {"n": "customer_json_values%"}) == 0
    db.session.rollback()
    flask_migrate.upgrade()
    assert index_rows() == rows
    assert db.session.scalar(text(triggers), {"n": "customer_json_values%"}) == 4


def _plans(statement, params=None) -> str:
    def explained(conn, cursor, sql, parameters, context, executemany):
        return "EXPLAIN QUERY PLAN " + sql, parameters

    event.listen(db.engine, "before_cursor_execute", explained, retval=True)
    try:
        rows = db.session.connection().execute(statement, params).cursor.fetchall()
    finally:
        event.remove(db.engine, "before_cursor_execute", explained)
    return "\n".join(row[-1] for row in rows)


@only_sqlite
@pytest.mark.parametrize("ordering", ["", "-id", "email", "-created_date"])
@pytest.mark.parametrize("query", ["attributes__tier=gold", "extra_field__s=1"])
def test_the_list_reads_the_index_and_never_scans_customers(channel, query, ordering):
    for n in range(30):
        make_customer(channel, attributes={"tier": "gold" if n % 3 else "silver"})
    args = MultiDict([query.split("=", 1), *([("ordering", ordering)] if ordering else [])])
    filters = customer_filters(args)
    for statement, params in (
        (count_statement(filters), None),
        (page_statement(filters), page_params(1, 10)),
    ):
        plan = _plans(statement, params)
        assert "USING COVERING INDEX ix_customer_json_values_lookup" in plan, plan
        assert not re.search(r"\bSCAN customers\b", plan), plan
