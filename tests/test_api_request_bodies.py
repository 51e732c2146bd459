"""How the API reads a request body: UTF-8 JSON, form and multipart, each read once."""

import json

import pytest
from sqlalchemy import select

from backoffice import create_app
from backoffice.customers.models import Customer
from backoffice.extensions import db
from tests.builders import make_customer
from tests.conftest import PASSWORDS, base_config

LOGIN = "/api/v1/auth/login/"
UTF7 = "application/json; charset=utf-7"


def raw_post(client, url, text: str | bytes, content_type="application/json", **kwargs):
    data = text.encode() if isinstance(text, str) else text
    return client.post(url, data=data, headers={"Content-Type": content_type}, **kwargs)


# -- item 1: the sign-in throttle -------------------------------------------------------------


def test_a_charset_other_than_utf8_is_refused_with_415(api, anonymous_api, users):
    body = b'{"username": "+AGE-gent@test.example", "password": "wrong-password"}'
    response = raw_post(anonymous_api, LOGIN, body, UTF7)
    assert response.status_code == 415
    assert response.get_json() == {"detail": f'Unsupported media type "{UTF7}" in request.'}
    for charset in ("latin-1", "utf-16", "no-such-codec"):
        content_type = f"application/json; charset={charset}"
        refused = raw_post(api, "/api/v1/customers/", b"{}", content_type)
        assert refused.status_code == 415, charset
    for charset in ("utf-8", "UTF-8", "utf8"):
        content_type = f"application/json; charset={charset}"
        answered = raw_post(api, "/api/v1/customers/", b"{}", content_type)
        assert answered.status_code == 400, charset  # read, and found to lack fields


def test_another_spelling_of_a_locked_account_is_still_locked(anonymous_api, users):
    """The attack: lock the account, then spell its name in UTF-7 to get a fresh bucket."""
    wrong = {"username": "agent@test.example", "password": "wrong-password"}
    for _ in range(5):
        assert anonymous_api.post(LOGIN, json=wrong).status_code == 400
    right = f'{{"username": "+AGE-gent@test.example", "password": "{PASSWORDS["agent"]}"}}'
    assert raw_post(anonymous_api, LOGIN, right, UTF7).status_code in (415, 429)
    for spelling in ("AGENT@test.example", " agent@test.example ", "Agent@Test.Example"):
        attempt = {"username": spelling, "password": PASSWORDS["agent"]}
        assert anonymous_api.post(LOGIN, json=attempt).status_code == 429, spelling
    form = {"username": "agent@test.example", "password": PASSWORDS["agent"]}
    assert anonymous_api.post(LOGIN, data=form).status_code == 429


def test_both_sign_in_doors_count_failures_of_one_account_together(client, anonymous_api, users):
    wrong = {"username": "agent@test.example", "password": "wrong-password"}
    for _ in range(3):
        assert anonymous_api.post(LOGIN, json=wrong).status_code == 400
    for _ in range(2):
        client.post("/login", data={"email": "agent@test.example", "password": "wrong-password"})
    right = {"email": "agent@test.example", "password": PASSWORDS["agent"]}
    assert client.post("/login", data=right).status_code == 429
    right_json = wrong | {"password": PASSWORDS["agent"]}
    assert anonymous_api.post(LOGIN, json=right_json).status_code == 429


def test_one_address_trying_many_accounts_is_throttled(app, anonymous_api, users):
    app.config["LOGIN_ADDRESS_RATE_LIMIT"] = "8 per minute"
    here = {"REMOTE_ADDR": "192.0.2.7"}
    for n in range(8):
        attempt = {"username": f"guess{n}@test.example", "password": "wrong-password"}
        response = anonymous_api.post(LOGIN, json=attempt, environ_base=here)
        assert response.status_code == 400
    fresh = {"username": "agent@test.example", "password": PASSWORDS["agent"]}
    assert anonymous_api.post(LOGIN, json=fresh, environ_base=here).status_code == 429
    elsewhere = {"REMOTE_ADDR": "192.0.2.8"}
    assert anonymous_api.post(LOGIN, json=fresh, environ_base=elsewhere).status_code == 200


@pytest.mark.parametrize("proxies", [0, 1])
def test_behind_a_trusted_proxy_each_forwarded_address_is_throttled_apart(database_url, proxies):
    """Behind a load balancer every request comes from its address: with TRUSTED_PROXIES the
    throttle counts per client (X-Forwarded-For); without it a forwarded header is ignored."""
    app = create_app(
        base_config(database_url)
        | {"TRUSTED_PROXIES": proxies, "LOGIN_ADDRESS_RATE_LIMIT": "2 per minute"}
    )
    client = app.test_client()
    balancer = {"REMOTE_ADDR": "10.0.0.2"}
    attempt = {"username": "nobody@test.example", "password": "wrong-password"}

    def login(client_address: str) -> int:
        headers = {"X-Forwarded-For": client_address}
        return client.post(LOGIN, json=attempt, headers=headers, environ_base=balancer).status_code

    try:
        assert [login("192.0.2.7"), login("192.0.2.7"), login("192.0.2.7")] == [400, 400, 429]
        assert login("192.0.2.8") == (400 if proxies else 429)
    finally:
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()


def test_the_body_is_read_once(api, channel, monkeypatch):
    """The limiter's key and the handler share one parse of the body."""
    from backoffice.api import body

    calls = []
    real = body.parse_body
    monkeypatch.setattr(body, "parse_body", lambda: calls.append(1) or real())
    api.post(LOGIN, json={"username": "agent@test.example", "password": "wrong-password"})
    api.post("/api/v1/customers/", json={"channel": channel.id})
    assert calls == [1, 1]


# -- item 2: surrogates and numbers JSON cannot carry --------------------------------------------

SURROGATE = "Surrogate characters are not allowed: U+D800."
LOW_SURROGATE = "Surrogate characters are not allowed: U+DFFF."


def escaped(document) -> str:
    """JSON text with every non-ASCII character escaped, lone surrogates included."""
    return json.dumps(document)


def customer_body(channel, **overrides):
    return {"channel": channel.id, "email": "s@example.com", "channel_code": "s-1", **overrides}


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"first_name": "a\ud800b"}, {"first_name": [SURROGATE]}),
        ({"email": "\ud800@example.com"}, {"email": [SURROGATE, "Enter a valid email address."]}),
        ({"attributes": {"k": "\ud800"}}, {"attributes": [SURROGATE]}),
        ({"attributes": {"\ud800": 1}}, {"attributes": [SURROGATE]}),
        ({"extra_field": {"a": [{"b": ["\udfff"]}]}}, {"extra_field": [LOW_SURROGATE]}),
        ({"gender": "\ud800"}, {"gender": ['"\\ud800" is not a valid choice.']}),
    ],
)  # fmt: skip
def test_a_lone_surrogate_is_refused_and_never_stored(api, channel, overrides, errors):
    customer = make_customer(channel)
    url = "/api/v1/customers/"
    created = raw_post(api, url, escaped(customer_body(channel, **overrides)))
    assert created.status_code == 400 and created.get_json() == errors
    scoped_url = f"/api/v1/channel/{channel.id}/customers/"
    scoped = raw_post(api, scoped_url, escaped(customer_body(channel, **overrides)))
    assert scoped.status_code == 400 and scoped.get_json() == errors
    for method in ("PATCH", "PUT"):
        body = escaped(customer_body(channel, channel_code=customer.channel_code, **overrides))
        response = api.open(
            method, f"{url}{customer.id}/", data=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400 and response.get_json() == errors, method
    assert db.session.scalar(select(Customer).where(Customer.email == "s@example.com")) is None
    assert api.get(f"{url}{customer.id}/").status_code == 200
    assert api.get(url).status_code == 200


def test_a_lone_surrogate_in_an_order_its_buyer_a_login_or_a_channel_is_refused(
    api, admin_api, channel
):
    from tests.test_order_service import payload

    order = payload(channel)
    order["number"] = "TY-\ud800"
    order["customer"]["attributes"] = {"sso": "\udbff"}
    response = raw_post(api, "/api/v1/orders/", escaped(order))
    assert response.status_code == 400
    assert response.get_json() == {
        "number": [SURROGATE],
        "customer": {"attributes": [SURROGATE.replace("D800", "DBFF")]},
    }
    login = raw_post(api, LOGIN, escaped({"username": "\ud800", "password": "x"}))
    assert login.status_code == 400 and login.get_json() == {"username": [SURROGATE]}
    channel_body = escaped({"name": "\ud800", "channel_type": "web"})
    created = raw_post(admin_api, "/api/v1/channels/", channel_body)
    assert created.status_code == 400 and created.get_json() == {"name": [SURROGATE]}


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999", "-1e400"])
def test_numbers_json_cannot_carry_are_refused(api, channel, constant):
    body = json.dumps(customer_body(channel, attributes={"x": "CONSTANT"}))
    text = body.replace('"CONSTANT"', constant)
    response = raw_post(api, "/api/v1/customers/", text)
    assert response.status_code == 400
    assert response.get_json() == {
        "detail": f"JSON parse error - Out of range float values are not JSON compliant: "
        f"'{constant}'"
    }
    assert db.session.scalar(select(Customer)) is None


# -- issue 13 item 3: form and multipart bodies, as DRF's default parsers read them ------------


def test_a_form_encoded_patch_is_applied(api, channel):
    customer = make_customer(channel, attributes={"size": "M"})
    url = f"/api/v1/customers/{customer.id}/"
    response = api.patch(url, data={"first_name": "Form", "sms_allowed": "true"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["first_name"] == "Form"
    assert response.get_json()["sms_allowed"] is True
    assert response.get_json()["attributes"] == {"size": "M"}  # not in the form: kept
    multipart = api.patch(url, data={"last_name": "Multi"}, content_type="multipart/form-data")
    assert multipart.status_code == 200 and multipart.get_json()["last_name"] == "Multi"
    assert api.get(url).get_json()["first_name"] == "Form"


def test_a_form_encoded_create_reads_fields_as_drf_does(api, channel):
    form = {
        "channel": str(channel.id),
        "email": "form@example.com",
        "channel_code": "f-1",
        "phone_number": "",  # blank allowed: stays blank
        "gender": "",  # a choice: blank means null
        "attributes.size": "L",  # DRF's dotted names for a dictionary
        "attributes.color": "red",
    }
    response = api.post("/api/v1/customers/", data=form)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["phone_number"] == "" and body["gender"] is None
    assert body["attributes"] == {"size": "L", "color": "red"}
    assert body["email_allowed"] is False  # an unticked box is false on a full write
    invalid = api.post("/api/v1/customers/", data={"channel": str(channel.id)})
    assert invalid.status_code == 400
    assert set(invalid.get_json()) == {"email", "channel_code"}


def test_a_form_with_a_null_character_gets_the_fields_message(api, channel):
    customer = make_customer(channel)
    response = api.patch(f"/api/v1/customers/{customer.id}/", data={"first_name": "a\x00b"})
    assert response.status_code == 400
    assert response.get_json() == {"first_name": ["Null characters are not allowed."]}


def test_an_order_may_be_sent_as_a_form_with_a_nested_buyer(api, channel):
    from tests.test_order_service import payload

    order = payload(channel)
    form = {k: str(v) for k, v in order.items() if k != "customer"}
    form |= {f"customer.{k}": str(v) for k, v in order["customer"].items() if k != "attributes"}
    response = api.post("/api/v1/orders/", data=form)
    assert response.status_code == 201, response.get_json()
    missing = api.post("/api/v1/orders/", data={k: v for k, v in form.items() if "." not in k})
    assert missing.status_code == 400
    assert missing.get_json() == {"customer": ["This field is required."]}


def test_a_login_may_be_form_encoded(anonymous_api, users):
    form = {"username": "agent@test.example", "password": PASSWORDS["agent"]}
    assert anonymous_api.post(LOGIN, data=form).status_code == 200


@pytest.mark.parametrize("name", [b"a\\", b"a\r\nb"])
def test_a_multipart_part_without_a_readable_name_is_ignored(api, channel, name):
    # Werkzeug names such a part None; the body reader must not trip over it (found by the
    # hostile-input fuzz run).
    customer = make_customer(channel)
    body = (
        b'--b0undary\r\nContent-Disposition: form-data; name="' + name + b'"\r\n\r\nv\r\n'
        b'--b0undary\r\nContent-Disposition: form-data; name="last_name"\r\n\r\nParts\r\n'
        b"--b0undary--\r\n"
    )
    content_type = "multipart/form-data; boundary=b0undary"
    for url in (
        f"/api/v1/customers/{customer.id}/",
        f"/api/v1/channel/{channel.id}/customers/{customer.id}/",
    ):
        patched = api.patch(url, data=body, content_type=content_type)
        assert patched.status_code == 200 and patched.get_json()["last_name"] == "Parts"
    order = api.post("/api/v1/orders/", data=body, content_type=content_type)
    assert order.status_code == 400
