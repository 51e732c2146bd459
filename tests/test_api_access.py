"""API authentication, token login, channels, metadata, docs, and the channel-scoped alias."""

import re

import pytest
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from backoffice.auth.models import ApiToken
from backoffice.customers.filterset import CustomerFilterSet
from backoffice.extensions import db
from tests.builders import make_channel, make_customer
from tests.conftest import PASSWORDS

SEED_FILTERS = {
    "created_date": ("DateFilter", ["exact", "gt", "gte", "lt", "lte", "date"]),
    "modified_date": ("DateFilter", ["exact", "gt", "gte", "lt", "lte", "date"]),
    "attributes": ("JsonMethodFilter", ["exact"]),
    "channel": ("ModelMultipleChoiceFilter", ["exact"]),
    "email": ("CharFilter", ["exact", "startswith"]),
    "first_name": ("CharFilterWithNull", ["exact"]),
    "last_name": ("CharFilterWithNull", ["exact"]),
    "phone_number": ("CharFilterWithNull", ["exact"]),
    "is_active": ("BooleanFilter", ["exact"]),
    "channel_code": ("CharFilterWithNull", ["exact"]),
    "erp_code": ("CharFilterWithNull", ["exact"]),
    "extra_field": ("JsonMethodFilter", ["exact"]),
    "email_allowed": ("BooleanFilter", ["exact"]),
    "sms_allowed": ("BooleanFilter", ["exact"]),
    "call_allowed": ("BooleanFilter", ["exact"]),
    "date_joined": ("IsoDateTimeFilter", ["exact"]),
    "gender": ("ChoiceFilter", ["exact"]),
    "user_type": ("ChoiceFilter", ["exact"]),
    "date_of_birth": ("DateFilter", ["exact"]),
    "id": ("NumberFilter", ["exact", "gt", "gte", "lt", "lte"]),
    "pk": ("NumberFilter", ["exact", "gt", "gte", "lt", "lte"]),
    "mapping": ("RelatedFilter", "See available filters for Integration Mappings"),
}


def test_no_credentials_is_401_with_a_challenge(anonymous_api):
    response = anonymous_api.get("/api/v1/customers/")
    assert response.status_code == 401
    assert response.get_json() == {"detail": "Authentication credentials were not provided."}
    assert response.headers["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        ("Token " + "0" * 40, "Invalid token."),
        ("Token", "Invalid token header. No credentials provided."),
        ("Token a b", "Invalid token header. Token string should not contain spaces."),
    ],
)
def test_bad_tokens_are_401(anonymous_api, header, detail):
    response = anonymous_api.get("/api/v1/customers/", headers={"Authorization": header})
    assert response.status_code == 401 and response.get_json() == {"detail": detail}


def test_a_deactivated_users_token_stops_working(api, users):
    assert api.get("/api/v1/customers/").status_code == 200
    users["agent"].is_active = False
    db.session.commit()
    assert api.get("/api/v1/customers/").get_json() == {"detail": "Invalid token."}


def test_a_browser_session_does_not_authenticate_the_api(agent_client):
    response = agent_client.get("/api/v1/customers/")
    assert response.status_code == 401


def test_login_gives_a_working_token_stored_only_as_a_hash(anonymous_api, users):
    response = anonymous_api.post(
        "/api/v1/auth/login/",
        json={"username": "agent@test.example", "password": PASSWORDS["agent"]},
    )
    assert response.status_code == 200
    key = response.get_json()["key"]
    assert len(key) == 40
    assert key not in {t.token_hash for t in db.session.scalars(select(ApiToken))}
    listed = anonymous_api.get("/api/v1/customers/", headers={"Authorization": f"Token {key}"})
    assert listed.status_code == 200


def test_login_with_wrong_credentials(anonymous_api, users):
    response = anonymous_api.post(
        "/api/v1/auth/login/", json={"username": "agent@test.example", "password": "nope-nope"}
    )
    assert response.status_code == 400
    assert response.get_json() == {
        "non_field_errors": ["Unable to log in with provided credentials."]
    }
    missing = anonymous_api.post("/api/v1/auth/login/", json={})
    assert missing.get_json() == {
        "username": ["This field is required."],
        "password": ["This field is required."],
    }


def test_login_is_throttled_after_repeated_failures(anonymous_api, users):
    body = {"username": "agent@test.example", "password": "wrong-password"}
    statuses = [anonymous_api.post("/api/v1/auth/login/", json=body).status_code for _ in range(6)]
    assert statuses == [400] * 5 + [429]
    good = {"username": "agent@test.example", "password": PASSWORDS["agent"]}
    response = anonymous_api.post("/api/v1/auth/login/", json=good)
    assert response.status_code == 429
    detail = response.get_json()["detail"]
    assert re.fullmatch(r"Request was throttled\. Expected available in \d+ seconds\.", detail)


def test_sign_in_answers_state_their_limit_and_other_answers_do_not(anonymous_api, api, users):
    body = {"username": "agent@test.example", "password": "wrong-password"}
    failed = anonymous_api.post("/api/v1/auth/login/", json=body)
    assert failed.status_code == 400
    assert failed.headers["X-RateLimit-Remaining"].isdigit()
    read = api.get("/api/v1/customers/")
    assert "X-RateLimit-Limit" not in read.headers and "X-RateLimit-Remaining" not in read.headers


def test_channels(api, admin_api, channel):
    listed = api.get("/api/v1/channels/").get_json()
    assert listed["count"] == 1 and listed["results"][0]["name"] == "Test Market"
    assert list(listed["results"][0])[:4] == ["pk", "name", "channel_type", "is_active"]
    body = {"name": "Web Shop", "channel_type": "web"}
    assert api.post("/api/v1/channels/", json=body).status_code == 403
    created = admin_api.post("/api/v1/channels/", json=body)
    assert created.status_code == 201
    pk = created.get_json()["pk"]
    assert api.get(f"/api/v1/channels/{pk}/").get_json()["channel_type"] == "web"
    assert api.get("/api/v1/channels/999/").status_code == 404
    bad = admin_api.post("/api/v1/channels/", json={"channel_type": "robot"})
    assert bad.get_json() == {
        "name": ["This field is required."],
        "channel_type": ['"robot" is not a valid choice.'],
    }


@pytest.mark.parametrize("path", ["/api/v1/customers/", "/api/v1/customers/detailed/"])
def test_options_lists_the_seed_filters(api, path):
    response = api.options(path)
    assert response.status_code == 200
    body = response.get_json()
    assert body["renders"] == ["application/json"] and body["parses"] == ["application/json"]
    assert body["name"] and "description" in body
    filters = {name: (f["type"], f["lookup_types"]) for name, f in body["filters"].items()}
    assert filters == SEED_FILTERS
    assert list(body["filters"]) == list(SEED_FILTERS)
    assert body["filters"] == CustomerFilterSet.metadata()


def test_schema_and_docs(api, agent_client, client):
    document = api.get("/api/v1/schema/").get_json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/customers/{pk}/" in document["paths"]
    page = agent_client.get("/api/v1/docs/")
    assert page.status_code == 200 and "/api/v1/customers/detailed/" in page.get_data(as_text=True)
    # Nothing is fetched from another site (a CDN's script or style sheet).
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page.get_data(as_text=True))
    assert client.get("/api/v1/docs/").status_code == 302


def test_openapi_document_is_valid(api):
    from openapi_spec_validator import validate

    validate(api.get("/api/v1/schema/").get_json())


# -- the channel-scoped alias, as marketplace integrations use it ------------------------------


def test_integration_flow_on_the_channel_path(api, channel):
    base = f"/api/v1/channel/{channel.id}/customers/"
    lookup = api.get(f"{base}?email=buyer@example.com&channel={channel.id}").get_json()
    assert lookup["count"] == 0
    created = api.post(base, json={"email": "buyer@example.com", "channel_code": "mp-1"})
    assert created.status_code == 201 and created.get_json()["channel"] == channel.id
    pk = created.get_json()["pk"]
    found = api.get(f"{base}?email=buyer@example.com&channel={channel.id}").get_json()
    assert [row["pk"] for row in found["results"]] == [pk]
    patched = api.patch(
        f"{base}{pk}/",
        json={
            "channel": channel.id,
            "channel_code": "mp-1",
            "first_name": "Buyer",
            "sms_allowed": True,
        },
    )
    assert patched.status_code == 200 and patched.get_json()["first_name"] == "Buyer"
    assert api.get(f"{base}{pk}/").get_json()["sms_allowed"] is True


def test_channel_path_hides_other_channels(api, channel):
    other = make_channel(name="Other")
    theirs = make_customer(other)
    mine = make_customer(channel)
    base = f"/api/v1/channel/{channel.id}/customers/"
    assert [r["pk"] for r in api.get(base).get_json()["results"]] == [mine.id]
    assert api.get(f"{base}?channel={other.id}").get_json()["count"] == 1  # still this channel's
    assert api.get(f"{base}{theirs.id}/").status_code == 404
    assert api.patch(f"{base}{theirs.id}/", json={"first_name": "X"}).status_code == 404
    assert api.get("/api/v1/channel/999/customers/").status_code == 404


def test_channel_path_refuses_moving_a_customer(api, channel):
    other = make_channel(name="Other")
    mine = make_customer(channel)
    response = api.patch(
        f"/api/v1/channel/{channel.id}/customers/{mine.id}/", json={"channel": other.id}
    )
    assert response.status_code == 406 and response.get_json()["error_code"] == "customer_100_3"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("segment", ["1", "abc", "detailed", "export.csv"])
def test_no_two_api_rules_match_one_path(app, segment):
    """``Allow`` is worked out once per rule: right only while every path of a rule matches no
    rule of another pattern (whose methods would belong in it too)."""
    adapter = app.url_map.bind("localhost")
    by_pattern: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            by_pattern.setdefault(rule.rule, set()).update(rule.methods)
    for pattern, methods in by_pattern.items():
        path = re.sub(r"<[^>]+>", segment, pattern)
        try:
            matched, _ = adapter.match(path, method=sorted(methods)[0], return_rule=True)
        except HTTPException:
            continue  # not a path of this rule
        if matched.rule == pattern:
            assert set(adapter.allowed_methods(path)) == methods, (pattern, path)
