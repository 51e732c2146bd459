"""Bodies read and written as DRF reads and writes them (issue 13, items 4, 5, 7, 9 and 12)."""

from datetime import UTC, datetime

import pytest

from backoffice.extensions import db
from tests.builders import make_channel, make_customer
from tests.test_customer_edit_pages import edit_data


def patch(api, customer, value: dict):
    return api.patch(f"/api/v1/customers/{customer.id}/", json=value)


@pytest.fixture
def customer(channel):
    return make_customer(channel)


# -- item 4: whole seconds render without a fraction ---------------------------------------------


def test_a_whole_second_renders_without_a_fraction(api, customer):
    response = patch(api, customer, {"date_joined": "2019-03-01T10:00:00Z"})
    assert response.get_json()["date_joined"] == "2019-03-01T10:00:00Z"
    response = patch(api, customer, {"date_joined": "2019-03-01T10:00:00.5Z"})
    assert response.get_json()["date_joined"] == "2019-03-01T10:00:00.500000Z"


# -- item 5: Django's parse_date and parse_datetime ------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("date_of_birth", "2001-1-1", "2001-01-01"),
        ("date_of_birth", "20010101", "2001-01-01"),
        ("date_joined", "2017-01-30", "2017-01-30T00:00:00Z"),
        ("date_joined", "2017-01-30T08:21:20.1234567Z", "2017-01-30T08:21:20.123456Z"),
        ("date_joined", "2017-01-30 08:21", "2017-01-30T08:21:00Z"),
        ("date_joined", "2017-01-30T08:21:20+03:00", "2017-01-30T05:21:20Z"),
    ],
)
def test_dates_and_datetimes_drf_accepts(api, customer, field, value, stored):
    response = patch(api, customer, {field: value})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()[field] == stored


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("date_of_birth", "2001-13-01", "Date has wrong format."),
        ("date_of_birth", " 2001-01-01", "Date has wrong format."),
        ("date_joined", " 2017-01-30T08:21:20Z", "Datetime has wrong format."),
        ("date_joined", "2017-01-30T25:00", "Datetime has wrong format."),
        ("date_joined", "0001-01-01T00:00:00+01:00", "Datetime value out of range."),
    ],
)
def test_dates_and_datetimes_drf_refuses(api, customer, field, value, message):
    response = patch(api, customer, {field: value})
    assert response.status_code == 400
    assert response.get_json()[field][0].startswith(message)


# -- item 7: Django's EmailValidator ---------------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    ["test@localhost", "x@foo.test", "x@foo.local", "a@[127.0.0.1]", '"quoted"@example.com'],
)
def test_addresses_django_accepts_are_accepted(api, customer, email):
    response = patch(api, customer, {"email": email})
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.mark.parametrize("email", ["ü@example.com", "a@example.c", "a@b", "a b@c.com"])
def test_addresses_django_refuses_are_refused(api, customer, email):
    response = patch(api, customer, {"email": email})
    assert (response.status_code, response.get_json()) == (
        400,
        {"email": ["Enter a valid email address."]},
    )


def test_the_form_takes_what_the_api_takes(agent_client, customer):
    form = edit_data(customer, email="test@localhost")
    response = agent_client.post(f"/customers/{customer.id}/edit", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(customer)
    assert customer.email == "test@localhost"


# -- item 9: the unique set is checked before the channel change is refused ------------------------


def test_a_taken_code_in_the_new_channel_is_a_unique_set_error(api, customer):
    other = make_channel(name="Second")
    make_customer(other, channel_code="taken")
    response = patch(api, customer, {"channel": other.id, "channel_code": "taken"})
    assert (response.status_code, response.get_json()) == (
        400,
        {"non_field_errors": ["The fields channel, channel_code must make a unique set."]},
    )
    response = patch(api, customer, {"channel": other.id, "channel_code": "free"})
    assert response.status_code == 406


# -- item 12: DRF's messages -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "errors"),
    [
        ({"email": True}, {"email": ["Enter a valid email address."]}),
        ({"email": ["a"]}, {"email": ["Enter a valid email address."]}),
        ({"gender": True}, {"gender": ['"True" is not a valid choice.']}),
        ({"user_type": 1}, {"user_type": ['"1" is not a valid choice.']}),
        ({"channel": ""}, {"channel": ["This field may not be null."]}),
        (
            {"first_name": "x" * 300 + "\x00"},
            {
                "first_name": [
                    "Ensure this field has no more than 255 characters.",
                    "Null characters are not allowed.",
                ]
            },
        ),
        (
            {"email": "a@b.com\x00"},
            {"email": ["Null characters are not allowed.", "Enter a valid email address."]},
        ),
    ],
)
def test_drfs_messages(api, customer, value, errors):
    response = patch(api, customer, value)
    assert (response.status_code, response.get_json()) == (400, errors)


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_a_null_body_is_no_data(api, customer, method):
    url = "/api/v1/customers/" + ("" if method == "POST" else f"{customer.id}/")
    response = api.open(method, url, data="null", content_type="application/json")
    assert (response.status_code, response.get_json()) == (
        400,
        {"non_field_errors": ["No data provided"]},
    )


def test_whole_second_timestamps_of_the_seed_example(api, channel):
    joined = datetime(2017, 1, 30, 8, 21, 20, tzinfo=UTC)
    customer = make_customer(channel, date_joined=joined)
    assert api.get(f"/api/v1/customers/{customer.id}/").get_json()["date_joined"] == (
        "2017-01-30T08:21:20Z"
    )
