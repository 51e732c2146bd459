"""Writers at the same moment, on real threads: without If-Match each waits its turn and
succeeds; only a stale version (If-Match, or the version a form was loaded with) is refused."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from backoffice.audit.models import AuditEvent
from backoffice.customers.models import Customer
from backoffice.extensions import db
from tests.builders import make_customer
from tests.conftest import ApiClient
from tests.test_lost_updates import edit_form

THREADS = 20
ROUNDS = 5
# Each thread sets one of these to a value no other thread writes: every write is a change.
FIELDS = {
    "first_name": lambda n: f"First{n}",
    "last_name": lambda n: f"Last{n}",
    "phone_number": lambda n: f"0777{n:07d}",
    "erp_code": lambda n: f"ERP-{n}",
    "attributes": lambda n: {"writer": n},
    "extra_field": lambda n: {"writer": n},
    "date_of_birth": lambda n: f"19{50 + n % 50}-01-{1 + n % 28:02d}",
}


@pytest.fixture(autouse=True)
def patient(app):
    """Twenty writers queue for one row: on a loaded machine the last may wait longer than
    the default bound on a request's wait (a fault, answered 503; see test_database_faults)."""
    app.config["DATABASE_LOCK_TIMEOUT"] = 60


def at_once(calls: list) -> list:
    """Run every call on its own thread, all released together; their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _history(customer_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.object_id == customer_id)
    )


def test_parallel_patches_without_if_match_all_succeed(app, tokens, channel):
    customer = make_customer(channel)
    url = f"/api/v1/customers/{customer.id}/"
    db.session.commit()
    names = list(FIELDS)
    for round_ in range(ROUNDS):
        calls = []
        for n in range(THREADS):
            field = names[n % len(names)]
            body = {field: FIELDS[field](round_ * THREADS + n)}
            client = ApiClient(app.test_client(), tokens["agent"])
            calls.append(lambda client=client, body=body: client.patch(url, json=body))
        statuses = [response.status_code for response in at_once(calls)]
        assert statuses == [200] * THREADS, statuses
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).version == 1 + ROUNDS * THREADS
    assert _history(customer.id) == 1 + ROUNDS * THREADS


def test_parallel_patches_with_the_same_if_match_one_wins(app, tokens, channel):
    customer = make_customer(channel)
    url = f"/api/v1/customers/{customer.id}/"
    db.session.commit()
    for round_ in range(ROUNDS):
        tag = ApiClient(app.test_client(), tokens["agent"]).get(url).headers["ETag"]
        calls = []
        for n in range(THREADS // 2):
            client = ApiClient(app.test_client(), tokens["agent"])
            body = {"first_name": f"Winner{round_}-{n}"}
            headers = {"If-Match": tag}
            calls.append(lambda c=client, b=body, h=headers: c.patch(url, json=b, headers=h))
        statuses = sorted(response.status_code for response in at_once(calls))
        assert statuses == [200] + [412] * (THREADS // 2 - 1), statuses
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).version == 1 + ROUNDS


def _two_staff_save(app, users, url: str, forms: list[dict]) -> list:
    from tests.conftest import sign_in

    clients = [
        sign_in(app.test_client(), users["agent"]),
        sign_in(app.test_client(), users["supervisor"]),
    ]
    return at_once(
        [lambda c=c, f=f: c.post(url, data=f) for c, f in zip(clients, forms, strict=True)]
    )


def test_two_staff_saving_the_edit_form_at_once_one_gets_the_conflict_page(app, users, channel):
    customer = make_customer(channel)
    url = f"/customers/{customer.id}/edit"
    for round_ in range(6):
        db.session.expire_all()
        current = db.session.get(Customer, customer.id)
        forms = [edit_form(current, current.version, f"{who}-{round_}") for who in ("a", "b")]
        responses = _two_staff_save(app, users, url, forms)
        statuses = sorted(response.status_code for response in responses)
        assert statuses == [200, 302], statuses
        page = next(r for r in responses if r.status_code == 200).get_data(as_text=True)
        assert "Not saved: someone else changed this customer" in page
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).version == 1 + 6


def test_two_staff_saving_the_consents_form_at_once_one_gets_the_conflict_page(app, users, channel):
    customer = make_customer(channel)
    url = f"/customers/{customer.id}/consents"
    for round_ in range(6):
        db.session.expire_all()
        version = db.session.get(Customer, customer.id).version
        forms = [
            {"version": str(version), "email_allowed": "y", "sms_allowed": ["", "y"][round_ % 2]},
            {"version": str(version), "call_allowed": "y", "sms_allowed": ["y", ""][round_ % 2]},
        ]
        forms = [{k: v for k, v in form.items() if v} for form in forms]
        responses = _two_staff_save(app, users, url, forms)
        statuses = sorted(response.status_code for response in responses)
        assert statuses == [200, 302], statuses
        page = next(r for r in responses if r.status_code == 200).get_data(as_text=True)
        assert "Not saved: someone else changed this customer" in page
