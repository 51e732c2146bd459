"""Limits on what a request may carry (body, nesting, parameters, field size), and the inputs
that used to end in a 500: huge page numbers, odd digits, NUL in a JSON box."""

import json

import pytest
from sqlalchemy import func, select

from backoffice.audit.models import AuditEvent
from backoffice.customers.models import Customer
from backoffice.extensions import db
from backoffice.jsondoc import MAX_DEPTH, MAX_DOCUMENT_DEPTH, MAX_VALUE_CHARS
from tests.builders import make_customer
from tests.test_order_service import payload


def post_json(client, url, text: str, method="POST"):
    return client.open(method, url, data=text, headers={"Content-Type": "application/json"})


def customer_text(channel, attributes: str) -> str:
    return (
        f'{{"channel": {channel.id}, "email": "d@example.com", "channel_code": "d", '
        f'"attributes": {attributes}}}'
    )


# -- the body ---------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_refused_with_413(app, api, agent_client, channel):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    big = customer_text(channel, json.dumps({"x": "y" * 20_000}))
    response = post_json(api, "/api/v1/customers/", big)
    assert response.status_code == 413
    assert response.get_json() == {"detail": "Request body too large: the limit is 10000 bytes."}
    page = agent_client.post("/customers/new", data={"email": "x" * 20_000})
    assert page.status_code == 413
    assert "larger than" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0


def test_the_default_body_limit_is_one_mebibyte(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024


@pytest.mark.parametrize("depth", [MAX_DOCUMENT_DEPTH, 326, 5000, 100_000])
def test_json_nested_too_deep_is_refused(api, channel, depth):
    attributes = '{"a": ' * depth + "1" + "}" * depth
    response = post_json(api, "/api/v1/customers/", customer_text(channel, attributes))
    assert response.status_code == 400
    assert response.get_json() == {
        "detail": f"JSON parse error - Nested deeper than {MAX_DOCUMENT_DEPTH} levels."
    }
    order = payload(channel)
    text = json.dumps(order).replace('"email_allowed": true', f'"x": {"[" * depth}{"]" * depth}')
    assert post_json(api, "/api/v1/orders/", text).status_code == 400


def test_a_json_field_nested_too_deep_is_refused(api, channel):
    attributes = '{"a": ' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1)
    response = post_json(api, "/api/v1/customers/", customer_text(channel, attributes))
    assert response.status_code == 400
    assert response.get_json() == {"attributes": [f"Nested deeper than {MAX_DEPTH} levels."]}
    order = payload(channel, customer={"attributes": json.loads(attributes)})
    ingested = post_json(api, "/api/v1/orders/", json.dumps(order))
    assert ingested.get_json() == {
        "customer": {"attributes": [f"Nested deeper than {MAX_DEPTH} levels."]}
    }


def test_json_nested_to_the_limit_is_stored_and_read_back(api, agent_client, channel):
    attributes = '{"a": ' * MAX_DEPTH + "1" + "}" * MAX_DEPTH
    response = post_json(api, "/api/v1/customers/", customer_text(channel, attributes))
    assert response.status_code == 201, response.get_json()
    pk = response.get_json()["pk"]
    assert api.get(f"/api/v1/customers/{pk}/").status_code == 200
    assert agent_client.get(f"/customers/{pk}/").status_code == 200


def test_a_json_field_over_its_size_limit_is_refused(api, channel):
    customer = make_customer(channel)
    value = json.dumps({"notes": "x" * MAX_VALUE_CHARS})
    url = f"/api/v1/customers/{customer.id}/"
    response = post_json(api, url, f'{{"attributes": {value}}}', "PATCH")
    assert response.status_code == 400
    assert response.get_json() == {
        "attributes": [f"Ensure this field has no more than {MAX_VALUE_CHARS} characters as JSON."]
    }


def test_the_edit_forms_json_box_refuses_what_json_fields_refuse(agent_client, channel):
    customer = make_customer(channel)
    form = {
        "email": customer.email,
        "channel_code": customer.channel_code,
        "version": str(customer.version),
        "is_active": "y",
    }
    for text, message in [
        ('{"a": "\\u0000"}', "Null characters are not allowed."),
        ('{"a": "\\ud800"}', "Surrogate characters are not allowed: U+D800."),
        ('{"a": NaN}', "Out of range float values are not JSON compliant: &#39;NaN&#39;"),
        ('{"a": ' * 40 + "1" + "}" * 40, f"Nested deeper than {MAX_DEPTH} levels."),
    ]:
        response = agent_client.post(
            f"/customers/{customer.id}/edit", data=form | {"attributes": text}
        )
        assert response.status_code == 200, text
        assert message in response.get_data(as_text=True), text
    db.session.refresh(customer)
    assert customer.attributes == {}


# -- the query string ---------------------------------------------------------------------------


def test_too_many_query_parameters_are_refused_before_anything_runs(
    app, api, supervisor_api, supervisor_client, channel
):
    make_customer(channel, attributes={"k0": "v"})
    many = "&".join(f"attributes__k{n}=v" for n in range(500))
    for url in ("/api/v1/customers/", "/api/v1/orders/", "/api/v1/customers/export.csv"):
        response = supervisor_api.get(f"{url}?{many}", buffered=True)
        assert response.status_code == 400, url
        assert response.get_json() == {"detail": "Too many query parameters (more than 100)."}
    for url in ("/customers/", "/customers/export.csv"):
        response = supervisor_client.get(f"{url}?{many}", buffered=True)
        assert response.status_code == 400, url
        assert "Too many query parameters" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 1  # the create


def test_the_most_query_parameters_allowed_still_work(supervisor_api, supervisor_client, channel):
    make_customer(channel, attributes={"k0": "v"})
    many = "&".join(f"attributes__k{n}=v" for n in range(100))
    assert supervisor_api.get(f"/api/v1/customers/?{many}").status_code == 200
    export = supervisor_api.get(f"/api/v1/customers/export.csv?{many}", buffered=True)
    assert export.status_code == 200
    assert supervisor_client.get(f"/customers/?{many}").status_code == 200


# -- item 4: other 500s ---------------------------------------------------------------------


@pytest.mark.parametrize("page", ["99999999999999999999", "2147483648", "214748365"])
def test_a_page_number_past_any_database_is_invalid(api, agent_client, channel, page):
    make_customer(channel)
    for url in ("/api/v1/customers/", "/api/v1/orders/", "/api/v1/channels/"):
        response = api.get(f"{url}?page={page}")
        assert response.status_code == 404, url
        assert response.get_json() == {"detail": "Invalid page."}
    assert api.get(f"/api/v1/customers/?page={page}&limit=100").status_code == 404
    # The list page leads past the end to the last page (here the first) instead.
    assert agent_client.get(f"/customers/?page={page}").headers["Location"] == "/customers/"
    customer = db.session.scalar(select(Customer))
    assert agent_client.get(f"/customers/{customer.id}/?orders_page={page}").status_code == 404


@pytest.mark.parametrize("value", ["²", "½", "1²", "٣x"])
def test_a_channel_that_only_looks_like_digits_is_the_wrong_type(api, channel, value):
    message = {"channel": ["Incorrect type. Expected pk value, received str."]}
    body = {"channel": value, "email": "c@example.com", "channel_code": "c"}
    created = api.post("/api/v1/customers/", json=body)
    assert created.status_code == 400 and created.get_json() == message
    customer = make_customer(channel)
    patched = api.patch(f"/api/v1/customers/{customer.id}/", json={"channel": value})
    assert patched.status_code == 400 and patched.get_json() == message
    ingested = api.post("/api/v1/orders/", json=payload(channel) | {"channel": value})
    assert ingested.status_code == 400 and ingested.get_json() == message


def test_a_channel_in_other_decimal_digits_is_read_as_python_reads_it(api, channel):
    """DRF hands the value to Django, which calls int(): '٣' (Arabic-Indic three) is 3."""
    digits = str(channel.id).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    body = {"channel": digits, "email": "c@example.com", "channel_code": "c"}
    response = api.post("/api/v1/customers/", json=body)
    assert response.status_code == 201 and response.get_json()["channel"] == channel.id
