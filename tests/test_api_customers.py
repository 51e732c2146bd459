"""The customers API against the seed page's examples and DRF's error bodies."""

import re

import pytest
from sqlalchemy import select

from backoffice.audit.models import AuditEvent
from backoffice.customers.models import Customer
from backoffice.extensions import db
from tests.builders import make_channel, make_customer

SERIALIZER_KEYS = [
    "pk", "channel", "email", "first_name", "last_name", "phone_number", "is_active",
    "channel_code", "erp_code", "extra_field", "modified_date", "created_date", "date_joined",
    "email_allowed", "sms_allowed", "call_allowed", "gender", "attributes", "user_type",
    "date_of_birth", "attributes_kwargs", "localized_attributes", "localized_attributes_kwargs",
]  # fmt: skip
DATETIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z$"  # DRF: no fraction for 0 µs


def seed_post_body(channel_id: int) -> dict:
    return {
        "email": "test@test.com",
        "channel": channel_id,
        "channel_code": "1231",
        "gender": "male",
        "user_type": "registered",
        "is_active": False,
        "erp_code": "er_code",
        "email_allowed": True,
        "sms_allowed": True,
        "call_allowed": True,
        "phone_number": "05555555555",
        "attributes": {},
        "extra_field": {},
        "date_of_birth": "2001-01-01",
    }


def test_post_creates_a_customer_as_in_the_seed(api, channel):
    response = api.post("/api/v1/customers/", json=seed_post_body(channel.id))
    assert response.status_code == 201
    body = response.get_json()
    assert list(body) == SERIALIZER_KEYS
    created = {
        k: body[k] for k in SERIALIZER_KEYS if k not in ("pk", "created_date", "modified_date")
    }
    assert created == {
        "channel": channel.id,
        "email": "test@test.com",
        "first_name": "",
        "last_name": "",
        "phone_number": "05555555555",
        "is_active": False,
        "channel_code": "1231",
        "erp_code": "er_code",
        "extra_field": {},
        "date_joined": None,
        "email_allowed": True,
        "sms_allowed": True,
        "call_allowed": True,
        "gender": "male",
        "attributes": {},
        "user_type": "registered",
        "date_of_birth": "2001-01-01",
        "attributes_kwargs": {},
        "localized_attributes": {},
        "localized_attributes_kwargs": {},
    }
    assert re.match(DATETIME, body["created_date"]) and re.match(DATETIME, body["modified_date"])
    event = db.session.scalars(select(AuditEvent)).one()
    assert (event.action, event.source, event.actor_label) == (
        "create",
        "api",
        "agent@test.example",
    )


def test_post_duplicate_is_a_unique_set_error(api, channel):
    assert api.post("/api/v1/customers/", json=seed_post_body(channel.id)).status_code == 201
    response = api.post("/api/v1/customers/", json=seed_post_body(channel.id))
    assert response.status_code == 400
    assert response.get_json() == {
        "non_field_errors": ["The fields channel, channel_code must make a unique set."]
    }


def test_post_without_required_fields(api):
    response = api.post("/api/v1/customers/", json={})
    assert response.status_code == 400
    assert response.get_json() == {
        "channel": ["This field is required."],
        "email": ["This field is required."],
        "channel_code": ["This field is required."],
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-email", "Enter a valid email address."),
        ("email", None, "This field may not be null."),
        ("email", "  ", "This field may not be blank."),
        ("first_name", "x" * 256, "Ensure this field has no more than 255 characters."),
        ("channel_code", "x" * 65, "Ensure this field has no more than 64 characters."),
        ("gender", "robot", '"robot" is not a valid choice.'),
        ("user_type", "robot", '"robot" is not a valid choice.'),
        ("is_active", "maybe", "Must be a valid boolean."),
        ("sms_allowed", [], "Must be a valid boolean."),
        (
            "date_of_birth",
            "01/02/2001",
            "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.",
        ),
        (
            "date_joined",
            "yesterday",
            "Datetime has wrong format. Use one of these formats instead: "
            "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
        ),
        ("attributes", [], 'Expected a dictionary of items but got type "list".'),
        ("extra_field", "text", 'Expected a dictionary of items but got type "str".'),
        ("channel", 99, 'Invalid pk "99" - object does not exist.'),
        ("channel", "abc", "Incorrect type. Expected pk value, received str."),
        ("first_name", {"a": 1}, "Not a valid string."),
    ],
)
def test_post_field_errors(api, channel, field, value, message):
    body = seed_post_body(channel.id) | {field: value}
    response = api.post("/api/v1/customers/", json=body)
    assert response.status_code == 400
    assert response.get_json() == {field: [message]}
    assert db.session.scalar(select(Customer.id)) is None


def test_body_that_is_not_an_object(api):
    response = api.post("/api/v1/customers/", json=[1, 2])
    assert response.status_code == 400
    assert response.get_json() == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }


def test_malformed_json(api):
    response = api.post(
        "/api/v1/customers/", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.get_json()["detail"].startswith("JSON parse error - ")


def test_body_that_is_not_json_is_unsupported(api):
    response = api.post("/api/v1/customers/", data="hello", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert response.get_json() == {"detail": 'Unsupported media type "text/plain" in request.'}


def test_read_only_and_unknown_keys_are_ignored(api, channel):
    body = seed_post_body(channel.id) | {
        "pk": 999, "created_date": "2000-01-01T00:00:00Z", "modified_date": "2000-01-01T00:00:00Z",
        "version": 77, "orders_info": {}, "whatever": 1,
    }  # fmt: skip
    response = api.post("/api/v1/customers/", json=body)
    assert response.status_code == 201
    created = response.get_json()
    assert created["pk"] != 999 and not created["created_date"].startswith("2000")
    assert db.session.get(Customer, created["pk"]).version == 1


def test_get_detail_as_in_the_seed(api, channel):
    customer = make_customer(channel, email="test@test.com", channel_code="1231")
    response = api.get(f"/api/v1/customers/{customer.id}/")
    assert response.status_code == 200
    body = response.get_json()
    assert list(body) == SERIALIZER_KEYS
    assert (body["pk"], body["channel"], body["email"]) == (
        customer.id,
        channel.id,
        "test@test.com",
    )
    assert response.headers["ETag"] == '"v1"'


@pytest.mark.parametrize("path", ["/api/v1/customers/9999/", "/api/v1/customers/abc/"])
def test_missing_customer_is_not_found(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response.get_json() == {"detail": "Not found."}


def test_patch_as_in_the_seed(api, channel):
    customer = make_customer(channel, email_allowed=True, sms_allowed=True, is_active=False)
    response = api.patch(
        f"/api/v1/customers/{customer.id}/",
        json={
            "is_active": True,
            "email_allowed": False,
            "sms_allowed": False,
            "user_type": "registered",
        },
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["is_active"], body["email_allowed"], body["sms_allowed"], body["user_type"]) == (
        True, False, False, "registered"
    )  # fmt: skip
    assert body["first_name"] == "Ada"  # untouched
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert events[-1].changes == {
        "is_active": [False, True],
        "email_allowed": [True, False],
        "sms_allowed": [True, False],
        "user_type": [None, "registered"],
    }


def test_put_as_in_the_seed(api, channel):
    customer = make_customer(channel, channel_code="1231", phone_number="05555555555")
    response = api.put(
        f"/api/v1/customers/{customer.id}/",
        json={
            "email": "test2@test.com", "channel": channel.id, "channel_code": "1231",
            "is_active": True, "email_allowed": False, "sms_allowed": False,
            "user_type": "registered", "extra_field": {},
        },
    )  # fmt: skip
    assert response.status_code == 200
    body = response.get_json()
    assert body["email"] == "test2@test.com" and body["phone_number"] == "05555555555"


def test_put_requires_email_channel_and_channel_code(api, channel):
    customer = make_customer(channel)
    response = api.put(f"/api/v1/customers/{customer.id}/", json={"is_active": True})
    assert response.status_code == 400
    assert response.get_json() == {
        "channel": ["This field is required."],
        "email": ["This field is required."],
        "channel_code": ["This field is required."],
    }


@pytest.mark.parametrize("method", ["put", "patch"])
def test_changing_the_channel_is_not_acceptable(api, channel, method):
    customer = make_customer(channel, channel_code="1231")
    other = make_channel(name="Other")
    body = {"email": customer.email, "channel": other.id, "channel_code": "1231"}
    response = getattr(api, method)(f"/api/v1/customers/{customer.id}/", json=body)
    assert response.status_code == 406
    assert response.get_json() == {
        "non_field_errors": "channel:channel_name These field cannot be updated",
        "error_code": "customer_100_3",
    }
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).channel_id == channel.id


def test_update_colliding_with_another_customer_is_a_unique_set_error(api, channel):
    make_customer(channel, channel_code="taken")
    customer = make_customer(channel, channel_code="mine")
    response = api.patch(f"/api/v1/customers/{customer.id}/", json={"channel_code": "taken"})
    assert response.status_code == 400
    assert response.get_json() == {
        "non_field_errors": ["The fields channel, channel_code must make a unique set."]
    }


def test_writing_personal_data_of_an_anonymized_customer_is_refused(api, supervisor_api, channel):
    customer = make_customer(channel)
    assert supervisor_api.post(f"/api/v1/customers/{customer.id}/anonymize/").status_code == 200
    response = api.patch(f"/api/v1/customers/{customer.id}/", json={"first_name": "Back"})
    assert response.status_code == 406
    body = response.get_json()
    assert body["error_code"] == "customer_100_4" and "anonymized" in body["non_field_errors"]


def test_anonymize_needs_a_supervisor_and_returns_the_customer(api, supervisor_api, channel):
    customer = make_customer(channel, email="someone@example.com")
    denied = api.post(f"/api/v1/customers/{customer.id}/anonymize/")
    assert denied.status_code == 403
    assert denied.get_json() == {"detail": "You do not have permission to perform this action."}
    response = supervisor_api.post(f"/api/v1/customers/{customer.id}/anonymize/")
    assert response.status_code == 200
    body = response.get_json()
    assert body["is_active"] is False and body["email"].startswith("anonymized-")
    assert set(body["attributes"]) == {"anonimizing_user_id", "anonimization_time"}


def test_delete_is_not_allowed(api, channel):
    customer = make_customer(channel)
    response = api.delete(f"/api/v1/customers/{customer.id}/")
    assert response.status_code == 405
    assert response.get_json() == {"detail": 'Method "DELETE" not allowed.'}
    assert "PATCH" in response.headers["Allow"] and "DELETE" not in response.headers["Allow"]
    assert db.session.get(Customer, customer.id) is not None


def test_if_match_guards_against_lost_updates(api, channel):
    customer = make_customer(channel)
    etag = api.get(f"/api/v1/customers/{customer.id}/").headers["ETag"]
    first = api.patch(
        f"/api/v1/customers/{customer.id}/", json={"first_name": "One"}, headers={"If-Match": etag}
    )
    assert first.status_code == 200 and first.headers["ETag"] != etag
    stale = api.patch(
        f"/api/v1/customers/{customer.id}/", json={"first_name": "Two"}, headers={"If-Match": etag}
    )
    assert stale.status_code == 412
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).first_name == "One"


def test_null_characters_are_refused_not_crashed_on(api, channel):
    body = seed_post_body(channel.id) | {"first_name": "A\x00B"}
    response = api.post("/api/v1/customers/", json=body)
    assert response.get_json() == {"first_name": ["Null characters are not allowed."]}
    nested = seed_post_body(channel.id) | {"attributes": {"k": ["x\x00"]}}
    assert api.post("/api/v1/customers/", json=nested).get_json() == {
        "attributes": ["Null characters are not allowed."]
    }
    listed = api.get("/api/v1/customers/?email=a%00b")
    assert listed.status_code == 400
    assert listed.get_json() == {"detail": "Null characters are not allowed."}


@pytest.mark.parametrize(
    "path", ["/api/v1/customers/99999999999999999999/", "/api/v1/customers/2147483648/detailed/"]
)
def test_ids_beyond_any_row_are_not_found(api, path):
    response = api.get(path)
    assert response.status_code == 404 and response.get_json() == {"detail": "Not found."}


def test_huge_numbers_in_filters_and_bodies_are_handled(api, channel):
    assert api.get("/api/v1/customers/?id__gt=1e30").get_json()["count"] == 0
    assert api.get("/api/v1/customers/?id__lt=99999999999999999999999").status_code == 200
    big = seed_post_body(channel.id) | {"channel": 99999999999999999999}
    assert api.post("/api/v1/customers/", json=big).get_json() == {
        "channel": ['Invalid pk "99999999999999999999" - object does not exist.']
    }


def test_early_years_render_as_four_digits(api, channel):
    customer = make_customer(channel)
    response = api.patch(
        f"/api/v1/customers/{customer.id}/", json={"date_joined": "0139-06-12T19:30:51+16:24"}
    )
    assert response.get_json()["date_joined"] == "0139-06-12T03:06:51Z"
    out_of_range = api.patch(
        f"/api/v1/customers/{customer.id}/", json={"date_joined": "0001-01-01T00:00:00+05:00"}
    )
    assert out_of_range.status_code == 400
