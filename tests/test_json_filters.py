"""attributes__<key>=<value> and extra_field__<key>=<value>: one meaning on both databases.

A string matches the same string; ``true``/``false`` (any case) also match JSON booleans; a
value that reads as a number also matches a JSON number of that value. Null, arrays, nested
objects and nested keys never match. Each case is checked against that rule, written out here
in Python, over customers written through the service.
"""

import contextlib
import json

import pytest
from werkzeug.datastructures import MultiDict

from backoffice.customers.listread import customer_filters, customer_page
from backoffice.customers.service import CustomerService
from backoffice.extensions import db
from backoffice.filtering import FilterValueError, parse_number
from tests.builders import make_customer

VALUES = [
    "gold", "Gold", "", " 1", "01", "1", "true", "True", "false", "null", "[1]", "größe",
    'say "hi"', "back\\slash", True, False, None, 0, 1, 1.0, -0.0, 1.5, 3, 10**20, 2**53 + 1,
    [1], ["gold"], {"gold": 1}, {"tier": "gold"}, [],
]  # fmt: skip
RAW_VALUES = [
    "gold", "Gold", "GOLD", "gold ", "true", "True", "TRUE", "false", "1", "01", "1.0", "1e0",
    " 1", "+1", "1.5", "0", "-0", "3", "[1]", '["gold"]', '{"gold": 1}', '{"tier": "gold"}',
    "null", "None", "größe", 'say "hi"', "back\\slash", "100000000000000000000", "1e20",
    "9007199254740993", "9007199254740992", "Infinity", "NaN", "1e400", "[]",
]  # fmt: skip
KEYS = ["plain", "a.b", 'a"b', "a\\b", "größe", "$", "a[0]", " spaced ", "*", "a__b"]


def matches(document: dict, key: str, raw: str) -> bool:
    """The rule, in Python: does ``?attributes__<key>=<raw>`` select ``document``?"""
    if key not in document:
        return False
    value = document[key]
    if isinstance(value, bool):
        return raw.lower() == ("true" if value else "false")
    if isinstance(value, str):
        return value == raw
    if isinstance(value, int | float):
        with contextlib.suppress(FilterValueError):
            number = parse_number(raw)
            return number not in (float("inf"), float("-inf")) and value == number
    return False  # null, an array, an object


def selected(query: dict[str, str]) -> set[int]:
    page = customer_page(customer_filters(MultiDict(query)), 1, 1000)
    assert page.count == len(page.items)
    return {row.id for row in page.items}


@pytest.fixture
def documents(channel):
    """Customer id -> attributes: each value under "tier", and under each other key."""
    made = {}
    for value in VALUES:
        attributes = {"tier": value, "nested": {"tier": value}, "list": [{"tier": value}]}
        made[make_customer(channel, attributes=attributes).id] = attributes
    for n, key in enumerate(KEYS):
        attributes = {key: "gold", "n": n}
        made[make_customer(channel, attributes=attributes).id] = attributes
    made[make_customer(channel).id] = {}
    return made


@pytest.mark.parametrize("raw", RAW_VALUES)
def test_a_value_matches_by_the_rule(documents, raw):
    expected = {pk for pk, document in documents.items() if matches(document, "tier", raw)}
    assert selected({"attributes__tier": raw}) == expected


def test_the_rule_is_not_empty(documents):
    """The cases above do select: strings, booleans, and numbers across types."""
    by_raw = {raw: [documents[pk]["tier"] for pk in sorted(selected({"attributes__tier": raw}))]
              for raw in ("gold", "true", "True", "1", "01", "1e20", "0")}  # fmt: skip
    assert by_raw["gold"] == ["gold"]
    assert by_raw["true"] == ["true", True]
    assert by_raw["True"] == ["True", True]
    assert by_raw["1"] == ["1", 1, 1.0]
    assert by_raw["01"] == ["01", 1, 1.0]
    assert by_raw["1e20"] == [10**20]
    assert by_raw["0"] == [0, -0.0]


@pytest.mark.parametrize("key", KEYS)
def test_keys_match_exactly_whatever_their_characters(documents, key):
    expected = {pk for pk, document in documents.items() if document.get(key) == "gold"}
    assert len(expected) == 1
    assert selected({f"attributes__{key}": "gold"}) == expected
    assert selected({f"attributes__{key}": "silver"}) == set()


def test_nested_keys_and_missing_keys_never_match(documents):
    assert selected({"attributes__nested": "gold"}) == set()
    assert selected({"attributes__list": "gold"}) == set()
    assert selected({"attributes__missing": "gold"}) == set()
    assert selected({"attributes__nested.tier": "gold"}) == set()


def test_extra_field_is_its_own_document(channel):
    both = make_customer(channel, attributes={"source": "a"}, extra_field={"source": "b"})
    assert selected({"extra_field__source": "b"}) == {both.id}
    assert selected({"extra_field__source": "a"}) == set()
    assert selected({"attributes__source": "a"}) == {both.id}


def test_json_filters_combine_with_each_other_and_with_other_filters(channel):
    ann = make_customer(channel, attributes={"tier": "gold", "vip": True}, is_active=False)
    bob = make_customer(channel, attributes={"tier": "gold", "vip": False})
    make_customer(channel, attributes={"tier": "silver", "vip": True})
    assert selected({"attributes__tier": "gold"}) == {ann.id, bob.id}
    assert selected({"attributes__tier": "gold", "attributes__vip": "true"}) == {ann.id}
    assert selected({"attributes__tier": "gold", "is_active": "true"}) == {bob.id}
    page = customer_page(customer_filters(MultiDict({"attributes__tier": "gold"})), 1, 1)
    assert page.count == 2 and [row.id for row in page.items] == [ann.id]


def test_writes_move_a_customer_in_and_out_of_a_filter(channel):
    """Through the service: create, update, upsert, batch upsert, anonymization."""
    service = CustomerService()
    ann = make_customer(channel, attributes={"sso_id": "S-1"})
    assert selected({"attributes__sso_id": "S-1"}) == {ann.id}
    service.update_customer(ann, attributes={"sso_id": "S-2"}, extra_field={"src": "x"})
    assert selected({"attributes__sso_id": "S-1"}) == set()
    assert selected({"attributes__sso_id": "S-2"}) == {ann.id}
    assert selected({"extra_field__src": "x"}) == {ann.id}
    service.update_customer(ann, email="ann@example.com")  # JSON untouched
    assert selected({"attributes__sso_id": "S-2"}) == {ann.id}

    bob, created = service.upsert_customer(
        channel, "bob", email="bob@example.com", attributes={"sso_id": "S-3"}
    )
    assert created and selected({"attributes__sso_id": "S-3"}) == {bob.id}
    service.upsert_customer(channel, "bob", email="bob@example.com", attributes={"sso_id": "S-4"})
    assert selected({"attributes__sso_id": "S-3"}) == set()
    assert selected({"attributes__sso_id": "S-4"}) == {bob.id}

    batch = CustomerService(autocommit=False)
    outcomes = batch.upsert_customers(
        [
            (channel.id, "bob", {"attributes": {"sso_id": "S-5"}, "email": "bob@example.com"}),
            (channel.id, "cem", {"attributes": {"sso_id": "S-6"}, "email": "cem@example.com"}),
        ]
    )
    db.session.commit()
    cem = outcomes[1].customer_id
    assert selected({"attributes__sso_id": "S-4"}) == set()
    assert selected({"attributes__sso_id": "S-5"}) == {bob.id}
    assert selected({"attributes__sso_id": "S-6"}) == {cem}

    service.anonymize_customer(ann)
    assert selected({"attributes__sso_id": "S-2"}) == set()
    assert selected({"extra_field__src": "x"}) == set()
    anonymized = selected({"attributes__anonimization_time": ann.attributes["anonimization_time"]})
    assert anonymized == {ann.id}


def test_the_api_and_the_html_list_use_the_same_filter(api, agent_client, channel):
    ann = make_customer(channel, email="ann@example.com", attributes={"größe": "M", "n": 2})
    make_customer(channel, email="bob@example.com", attributes={"größe": "L", "n": "2"})
    response = api.get("/api/v1/customers/?attributes__größe=M")
    assert [row["pk"] for row in response.get_json()["results"]] == [ann.id]
    response = api.get("/api/v1/customers/?attributes__n=2.0")
    assert [row["pk"] for row in response.get_json()["results"]] == [ann.id]
    html = agent_client.get("/customers/?attributes__größe=M").get_data(as_text=True)
    assert "ann@example.com" in html and "bob@example.com" not in html


def test_documents_written_by_the_service_read_back_as_json(channel):
    """The corpus really is what the rule sees (JSON round trip, nothing coerced)."""
    odd = {"a": 10**20, "b": 1.0, "c": [], "d": None}
    customer = make_customer(channel, attributes=odd)
    db.session.expire_all()
    assert json.dumps(db.session.get(type(customer), customer.id).attributes) == json.dumps(odd)
