"""Two editors, many rounds, random order: a stale write is never accepted."""

import random

from backoffice.customers.models import Customer
from backoffice.extensions import db
from tests.builders import make_customer

ROUNDS = 200


def test_api_if_match_accepts_no_stale_write(app, api, channel):
    customer = make_customer(channel)
    url = f"/api/v1/customers/{customer.id}/"
    rng = random.Random(7)
    accepted_stale = 0
    expected = customer.first_name
    for n in range(ROUNDS):
        tags = {editor: api.get(url).headers["ETag"] for editor in ("a", "b")}
        order = rng.sample(["a", "b"], 2)
        statuses = []
        for editor in order:
            name = f"{editor}-{n}"
            response = api.patch(url, json={"first_name": name}, headers={"If-Match": tags[editor]})
            statuses.append(response.status_code)
            if response.status_code == 200:
                expected = name
        accepted_stale += statuses[1] == 200
        assert statuses == [200, 412], statuses
    db.session.expire_all()
    row = db.session.get(Customer, customer.id)
    assert accepted_stale == 0
    assert row.first_name == expected and row.version == 1 + ROUNDS


def edit_form(customer, version: int, first_name: str) -> dict:
    return {
        "version": str(version),
        "email": customer.email,
        "first_name": first_name,
        "last_name": customer.last_name,
        "channel_code": customer.channel_code,
        "is_active": "y",
        "attributes": "{}",
        "extra_field": "{}",
    }


def test_edit_form_accepts_no_stale_write(app, agent_client, supervisor_client, channel):
    customer = make_customer(channel)
    editors = {"agent": agent_client, "supervisor": supervisor_client}
    rng = random.Random(11)
    accepted_stale = 0
    for n in range(ROUNDS // 2):
        db.session.expire_all()
        current = db.session.get(Customer, customer.id)
        read_at = current.version  # both open the form now
        order = rng.sample(list(editors), 2)
        outcomes = []
        for editor in order:
            response = editors[editor].post(
                f"/customers/{customer.id}/edit", data=edit_form(current, read_at, f"{editor}-{n}")
            )
            outcomes.append(response.status_code)
        accepted_stale += outcomes[1] == 302
        assert outcomes[0] == 302 and outcomes[1] != 302, outcomes
    db.session.expire_all()
    assert accepted_stale == 0
    assert db.session.get(Customer, customer.id).version == 1 + ROUNDS // 2
