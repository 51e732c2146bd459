"""Each write rule once: the single-row and the batch upsert write the same rows and events."""

import pytest
from sqlalchemy import select

from backoffice.audit.models import AuditEvent
from backoffice.customers.models import Customer
from backoffice.customers.service import CustomerService
from backoffice.extensions import db
from tests.builders import make_customer

# state, fields, the events the write leaves: (action, fields changed)
CASES = {
    "consents only": ("", {"sms_allowed": True}, [("consent", {"sms_allowed"})]),
    "a profile change": (
        "", {"first_name": "Grace", "sms_allowed": True},
        [("update", {"first_name", "sms_allowed"})],
    ),
    "anonymized: only erp_code": (
        "anonymized", {"first_name": "Back", "erp_code": "E-9"}, [("update", {"erp_code"})],
    ),
    "anonymized: nothing it takes": ("anonymized", {"first_name": "Back"}, []),
}  # fmt: skip


def _events(customer_id: int) -> list[tuple]:
    """The customer's events, without what differs by design (its channel_code, its email)."""
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_id == customer_id).order_by(AuditEvent.id)
    )
    return [
        (event.action, event.object_version, _without(event.changes, "channel_code", "email"))
        for event in events
    ]


def _without(changes: dict, *names: str) -> dict:
    return {name: change for name, change in changes.items() if name not in names}


def _write(channel, code: str, fields: dict, *, batch: bool) -> None:
    service = CustomerService(autocommit=not batch)
    if batch:
        service.upsert_customers([(channel.id, code, fields)])
        db.session.commit()
    else:
        service.upsert_customer(channel, code, **fields)


@pytest.mark.parametrize("case", CASES)
def test_both_upserts_apply_one_rule_and_record_one_event(app, channel, case):
    state, fields, expected = CASES[case]
    answers = []
    for batch in (False, True):
        customer = make_customer(channel, channel_code=f"c-{batch}")
        email = customer.email
        if state == "anonymized":
            CustomerService().anonymize_customer(customer)
        before = len(_events(customer.id))
        _write(channel, f"c-{batch}", {"email": email, **fields}, batch=batch)
        db.session.expire_all()
        row = db.session.get(Customer, customer.id)
        written = _events(row.id)[before:]
        answers.append((row.first_name, row.erp_code, row.sms_allowed, written))
    assert answers[0] == answers[1]
    assert [(action, set(changes)) for action, _version, changes in answers[0][3]] == expected


def test_both_upserts_record_the_same_creation(app, channel):
    fields = {"email": "new@example.com", "first_name": "Ada", "email_allowed": True}
    _write(channel, "new-1", fields, batch=False)
    _write(channel, "new-2", fields, batch=True)
    ids = db.session.scalars(select(Customer.id).order_by(Customer.id)).all()
    assert _events(ids[0]) == _events(ids[1])
    assert [action for action, _version, _changes in _events(ids[0])] == ["create"]
