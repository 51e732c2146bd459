"""Privacy requests through the API: each kind end to end, due dates, the hash-only register
after an erasure, DRF-shaped 400s, and nothing applied twice."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from backoffice.audit.models import AuditEvent
from backoffice.customers.models import Customer
from backoffice.extensions import db
from backoffice.orders.service import OrderService
from backoffice.privacy import service
from backoffice.privacy.models import PrivacyRequest
from backoffice.types import utcnow
from tests.builders import make_channel, make_customer

LIST = "/api/v1/privacy-requests/"
EMAIL = "Ayse.Yilmaz@Example.com"
PHONE = "0532 111 22 33"


@pytest.fixture
def person(app, channel):
    """One person in three channels: two by email, one by phone only; and a stranger."""
    second, third = make_channel(name="Second"), make_channel(name="Third")
    records = [
        make_customer(channel, email=EMAIL, phone_number=None),
        make_customer(second, email=EMAIL.lower(), phone_number="+90 532 111 2233"),
        make_customer(third, email="other@example.com", phone_number=PHONE),
    ]
    stranger = make_customer(channel, email="stranger@example.com")
    return [c.id for c in records], stranger.id


def create(client, **body):
    return client.post(LIST, json={"email": EMAIL, "phone_number": PHONE, **body})


def events(object_type, object_id=None):
    query = select(AuditEvent).where(AuditEvent.object_type == object_type)
    if object_id is not None:
        query = query.where(AuditEvent.object_id == object_id)
    return db.session.scalars(query.order_by(AuditEvent.id)).all()


def test_create_finds_every_record_of_the_person_and_sets_the_due_date(supervisor_api, person):
    ids, stranger = person
    response = create(
        supervisor_api, kind="access", received_at="2026-12-01T10:00:00Z", reference="TCK-1"
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "open"
    assert body["due_date"] == "2026-12-31"
    assert {m["customer"]: m["matched_on"] for m in body["matches"]} == {
        ids[0]: ["email"],
        ids[1]: ["email", "phone"],
        ids[2]: ["phone"],
    }
    assert stranger not in [m["customer"] for m in body["matches"]]
    (event,) = events("privacy_request", body["pk"])
    assert event.action == "create"
    assert EMAIL.lower() not in str(event.changes).lower()


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"kind": "erasure"}, {"non_field_errors"}),
        ({"kind": "erasure", "email": "", "phone_number": ""}, {"non_field_errors"}),
        ({"kind": "access", "email": EMAIL, "consents": ["email_allowed"]}, {"consents"}),
        ({"kind": "consent_withdrawal", "email": EMAIL}, {"consents"}),
        ({"kind": "consent_withdrawal", "email": EMAIL, "consents": ["first_name"]}, {"consents"}),
        ({"kind": "consent_withdrawal", "email": EMAIL, "consents": "sms_allowed"}, {"consents"}),
        ({"kind": "forget", "email": EMAIL}, {"kind"}),
        ({"kind": "access", "email": "not-an-email"}, {"email"}),
        ({"kind": "access", "phone_number": "12"}, {"phone_number"}),
        ({"kind": "access", "email": EMAIL, "received_at": "yesterday"}, {"received_at"}),
    ],
)
def test_bad_requests_get_drf_shaped_400s(supervisor_api, app, body, errors):
    response = supervisor_api.post(LIST, json=body)
    assert response.status_code == 400
    assert set(response.json) == errors
    assert all(isinstance(m, list) and m for m in response.json.values())
    assert db.session.query(PrivacyRequest).count() == 0


def test_erasure_anonymizes_every_record_and_keeps_only_hashes(supervisor_api, person):
    ids, stranger = person
    pk = create(supervisor_api, kind="erasure").json["pk"]
    response = supervisor_api.post(f"{LIST}{pk}/complete/", json={})
    assert response.status_code == 200, response.json
    assert response.json["status"] == "done"
    assert response.json["customers"] == ids
    db.session.expire_all()
    assert all(db.session.get(Customer, i).is_anonymized for i in ids)
    assert not db.session.get(Customer, stranger).is_anonymized
    for i in ids:
        (anonymize,) = [e for e in events("customer", i) if e.action == "anonymize"]
        assert anonymize.source == f"privacy:{pk}"
    row = db.session.execute(select(PrivacyRequest.__table__).where(PrivacyRequest.id == pk))
    text = str(dict(row.mappings().one())).lower()
    for clear in (EMAIL.lower(), "5321112233", "532 111", "+905321112233"):
        assert clear not in text
    detail = supervisor_api.get(f"{LIST}{pk}/").json
    assert detail["email"] is None and detail["phone_number"] is None
    actions = [e.action for e in events("privacy_request", pk)]
    assert actions == ["create", "complete"]


def allow_all(ids):
    for i in ids:
        customer = db.session.get(Customer, i)
        customer.sms_allowed = customer.email_allowed = True
    db.session.commit()


def test_completing_twice_applies_nothing_twice(supervisor_api, person):
    ids, _ = person
    allow_all(ids)
    pk = create(supervisor_api, kind="consent_withdrawal", consents=["sms_allowed"]).json["pk"]
    before = len(events("customer"))
    assert supervisor_api.post(f"{LIST}{pk}/complete/", json={}).status_code == 200
    after = len(events("customer"))
    assert after > before
    again = supervisor_api.post(f"{LIST}{pk}/complete/", json={})
    assert again.status_code == 409
    assert len(events("customer")) == after
    assert supervisor_api.post(f"{LIST}{pk}/reject/", json={"reason": "x"}).status_code == 409
    assert [e.action for e in events("privacy_request", pk)] == ["create", "complete"]


def test_consent_withdrawal_sets_the_named_consents_on_the_selected_records(supervisor_api, person):
    ids, _ = person
    allow_all(ids)
    pk = create(supervisor_api, kind="consent_withdrawal", consents=["sms_allowed"]).json["pk"]
    response = supervisor_api.post(f"{LIST}{pk}/complete/", json={"customers": ids[:2]})
    assert response.status_code == 200
    db.session.expire_all()
    assert [db.session.get(Customer, i).sms_allowed for i in ids] == [False, False, True]
    assert all(db.session.get(Customer, i).email_allowed for i in ids)
    (event,) = [e for e in events("customer", ids[0]) if e.source == f"privacy:{pk}"]
    assert event.changes == {"sms_allowed": [True, False]}


def test_a_customer_outside_the_matches_is_refused_and_nothing_changes(supervisor_api, person):
    ids, stranger = person
    pk = create(supervisor_api, kind="erasure").json["pk"]
    response = supervisor_api.post(f"{LIST}{pk}/complete/", json={"customers": [ids[0], stranger]})
    assert response.status_code == 400
    assert set(response.json) == {"customers"}
    db.session.expire_all()
    assert not any(db.session.get(Customer, i).is_anonymized for i in [*ids, stranger])
    assert db.session.get(PrivacyRequest, pk).status == "open"
    assert (
        supervisor_api.post(f"{LIST}{pk}/complete/", json={"customers": "all"}).status_code == 400
    )


def test_access_package_holds_records_orders_and_events_and_expires(supervisor_api, person):
    ids, _ = person
    first = db.session.get(Customer, ids[0])
    OrderService().ingest_order(
        {
            "channel": first.channel_id,
            "number": "ORD-1",
            "status": "completed",
            "amount": "10.00",
            "customer": {"channel_code": first.channel_code, "email": EMAIL},
        }
    )
    pk = create(supervisor_api, kind="access").json["pk"]
    assert supervisor_api.get(f"{LIST}{pk}/package/").status_code == 409
    assert supervisor_api.post(f"{LIST}{pk}/complete/", json={}).status_code == 200
    package = supervisor_api.get(f"{LIST}{pk}/package/")
    assert package.status_code == 200
    records = {r["customer"]["id"]: r for r in package.json["records"]}
    assert set(records) == set(ids)
    assert [o["number"] for o in records[ids[0]]["orders"]] == ["ORD-1"]
    assert records[ids[0]]["events"][0]["action"] == "create"
    assert [e.action for e in events("privacy_request", pk)] == [
        "create",
        "complete",
        "package",
        "download",
    ]
    found = db.session.get(PrivacyRequest, pk)
    found.package_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert supervisor_api.get(f"{LIST}{pk}/package/").status_code == 404
    db.session.expire_all()
    assert db.session.get(PrivacyRequest, pk).package is None


def test_reject_needs_a_reason_and_closes_the_request(supervisor_api, person):
    pk = create(supervisor_api, kind="erasure").json["pk"]
    assert supervisor_api.post(f"{LIST}{pk}/reject/", json={}).status_code == 400
    assert supervisor_api.post(f"{LIST}{pk}/reject/", json={"reason": " "}).status_code == 400
    response = supervisor_api.post(f"{LIST}{pk}/reject/", json={"reason": "Identity unproven"})
    assert response.status_code == 200
    assert response.json["status"] == "rejected"
    assert response.json["reason"] == "Identity unproven"
    assert supervisor_api.post(f"{LIST}{pk}/complete/", json={}).status_code == 409
    db.session.expire_all()
    assert not any(db.session.get(Customer, i).is_anonymized for i in person[0])


def test_list_is_paged_filtered_and_by_due_date(supervisor_api, person):
    late = create(supervisor_api, kind="erasure", received_at="2026-11-01T00:00:00Z").json["pk"]
    early = create(supervisor_api, kind="access", received_at="2026-10-01T00:00:00Z").json["pk"]
    body = supervisor_api.get(LIST).json
    assert body["count"] == 2
    assert [r["pk"] for r in body["results"]] == [early, late]
    assert [r["pk"] for r in supervisor_api.get(f"{LIST}?kind=erasure").json["results"]] == [late]
    due = supervisor_api.get(f"{LIST}?due_date__lte=2026-10-31").json["results"]
    assert [r["pk"] for r in due] == [early]
    assert supervisor_api.get(f"{LIST}?status=nope").status_code == 400
    assert supervisor_api.get(f"{LIST}999/").status_code == 404


def test_agents_get_403_everywhere(api, supervisor_api, person):
    pk = create(supervisor_api, kind="access").json["pk"]
    assert create(api, kind="access").status_code == 403
    assert api.get(LIST).status_code == 403
    assert api.get(f"{LIST}{pk}/").status_code == 403
    assert api.post(f"{LIST}{pk}/complete/", json={}).status_code == 403
    assert api.post(f"{LIST}{pk}/reject/", json={"reason": "x"}).status_code == 403
    assert api.get(f"{LIST}{pk}/package/").status_code == 403
    assert db.session.get(PrivacyRequest, pk).status == "open"


def test_the_subject_hash_is_keyed_by_its_own_secret(app, supervisor_api, person):
    pk = create(supervisor_api, kind="erasure").json["pk"]
    supervisor_api.post(f"{LIST}{pk}/complete/", json={})
    stored = db.session.get(PrivacyRequest, pk).email_hash
    assert stored == service.hash_key(EMAIL.casefold())
    assert [r.id for r in service.erased_before(EMAIL.upper(), None)] == [pk]
    app.config["PRIVACY_HASH_KEY"] = "another secret"
    assert service.hash_key(EMAIL.casefold()) != stored
    assert service.erased_before(EMAIL, None) == []
