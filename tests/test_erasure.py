"""After a random mix of writes, the history is exact; after anonymization, the person is gone.

Every effective change leaves exactly one audit event (actor, source, UTC time, old -> new);
an anonymized customer's former email, phone and names appear nowhere: no table, no text or
JSON column, no CSV export, no log line; their orders and totals stay as they were.
"""

import logging
import random
from datetime import UTC

from sqlalchemy import JSON, String, Text, select

from backoffice.audit.models import AuditEvent
from backoffice.customers.models import Customer
from backoffice.extensions import db
from backoffice.orders.queries import orders_info
from tests.test_request_log import Capture

CUSTOMERS = 6
STEPS = 60


def order_payload(channel_id: int, code: str, n: int, person: dict) -> dict:
    return {
        "channel": channel_id,
        "number": f"ORD-{code}-{n}",
        "status": "completed",
        "amount": f"{10 + n}.50",
        "discount_amount": "1.00",
        "refund_amount": "0.00",
        "created_date": "2024-03-01T10:00:00Z",
        "customer": {"channel_code": code, **person},
    }


def searchable_text() -> str:
    """Every text and JSON value of every table, as one string."""
    chunks = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            chunks.extend(repr(value) for value in row)
    return "\n".join(chunks)


def test_random_history_is_exact_and_erasure_is_complete(app, api, supervisor_api, channel):
    capture = Capture()
    logging.getLogger().addHandler(capture)
    logging.getLogger("backoffice.requests").addHandler(capture)
    rng = random.Random(2024)
    people, former, expected_events = {}, {}, {}
    for n in range(CUSTOMERS):
        person = {"email": f"person{n}.secret@example.com", "first_name": f"Firstname{n}x",
                  "last_name": f"Lastname{n}y", "phone_number": f"0555{n:07d}"}  # fmt: skip
        body = {"channel": channel.id, "channel_code": f"code-{n}", **person}
        created = api.post("/api/v1/customers/", json=body).get_json()
        people[created["pk"]] = f"code-{n}"
        former[created["pk"]] = set(person.values())
        expected_events[created["pk"]] = 1

    for step in range(STEPS):
        pk = rng.choice(list(people))
        kind = rng.choice(["edit", "consent", "ingest", "noop"])
        if kind == "edit":
            person = {"first_name": f"Renamed{step}q", "phone_number": f"0544{step:07d}"}
            response = api.patch(f"/api/v1/customers/{pk}/", json=person)
        elif kind == "consent":
            current = api.get(f"/api/v1/customers/{pk}/").get_json()
            response = api.patch(
                f"/api/v1/customers/{pk}/", json={"sms_allowed": not current["sms_allowed"]}
            )
            person = {}
        elif kind == "ingest":
            person = {
                "email": f"ingested{step}.secret@example.com",
                "last_name": f"Ingested{step}z",
            }
            response = api.post(
                "/api/v1/orders/", json=order_payload(channel.id, people[pk], step, person)
            )
        else:
            current = api.get(f"/api/v1/customers/{pk}/").get_json()
            response = api.patch(f"/api/v1/customers/{pk}/", json={"email": current["email"]})
            person = {}
        assert response.status_code in (200, 201), response.get_data(as_text=True)
        former[pk] |= set(person.values())
        expected_events[pk] += kind != "noop"

    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    for pk, count in expected_events.items():
        mine = [e for e in events if e.object_id == pk and e.object_type == "customer"]
        assert len(mine) == count, (pk, [e.changes for e in mine])
    for event in events:
        assert event.actor_label and event.source in {"api", "ingestion"}
        assert event.created_at.tzinfo is UTC
        assert all(len(pair) == 2 and pair[0] != pair[1] for pair in event.changes.values())

    erased = rng.sample(list(people), 2)
    totals_before = orders_info(erased)
    for pk in erased:
        assert supervisor_api.post(f"/api/v1/customers/{pk}/anonymize/").status_code == 200
    db.session.expire_all()
    assert orders_info(erased) == totals_before
    export = supervisor_api.get("/api/v1/customers/export.csv")
    assert export.status_code == 200
    csv_text = export.get_data(as_text=True)
    assert csv_text.count("\n") == CUSTOMERS + 1  # the header and every customer, erased ones too
    haystack = "\n".join([searchable_text(), csv_text, *capture.lines])
    for pk in erased:
        for secret in former[pk]:
            assert secret not in haystack, (pk, secret)
    for pk in set(people) - set(erased):
        assert any(secret in haystack for secret in former[pk])  # the search can find things

    count = db.session.query(AuditEvent).count()
    for pk in erased:
        assert supervisor_api.post(f"/api/v1/customers/{pk}/anonymize/").status_code == 200
    assert db.session.query(AuditEvent).count() == count
    assert all(db.session.get(Customer, pk).is_anonymized for pk in erased)
    logging.getLogger().removeHandler(capture)
    logging.getLogger("backoffice.requests").removeHandler(capture)
