"""CSRF on every state-changing page; no request can write what it should not."""

from sqlalchemy import select

from backoffice.customers.models import Customer
from backoffice.extensions import db
from tests.access import url_for_rule
from tests.builders import make_customer

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def test_every_state_changing_page_refuses_a_request_without_a_csrf_token(
    app, supervisor_client, channel
):
    customer = make_customer(channel)
    ids = {"pk": customer.id, "channel_id": channel.id}
    app.config["WTF_CSRF_ENABLED"] = True
    checked = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.endpoint == "static":
            continue
        for method in sorted(rule.methods & STATE_CHANGING):
            url = url_for_rule(rule, ids)
            response = supervisor_client.open(url, method=method, data={"csrf_token": "forged"})
            assert response.status_code == 400, f"{method} {url}: {response.status_code}"
            assert "Form expired" in response.get_data(as_text=True)
            checked.append(rule.endpoint)
    assert {"customers.edit", "customers.anonymize", "auth.logout", "auth.login"} <= set(checked)
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).anonymized_at is None


def test_token_api_calls_need_no_csrf_token(app, api, channel):
    app.config["WTF_CSRF_ENABLED"] = True
    customer = make_customer(channel)
    response = api.patch(f"/api/v1/customers/{customer.id}/", json={"first_name": "Via API"})
    assert response.status_code == 200


def test_patch_cannot_write_read_only_fields_or_another_customer(api, channel):
    target, bystander = make_customer(channel), make_customer(channel, first_name="Untouched")
    before = db.session.get(Customer, target.id)
    created, version = before.created_date, before.version
    response = api.patch(
        f"/api/v1/customers/{target.id}/",
        json={
            "pk": bystander.id,
            "id": bystander.id,
            "created_date": "2000-01-01T00:00:00Z",
            "modified_date": "2000-01-01T00:00:00Z",
            "version": 99,
            "anonymized_at": "2000-01-01T00:00:00Z",
            "first_name": "Changed",
        },
    )
    assert response.status_code == 200 and response.get_json()["pk"] == target.id
    db.session.expire_all()
    row = db.session.get(Customer, target.id)
    assert (row.first_name, row.created_date, row.version) == ("Changed", created, version + 1)
    assert row.anonymized_at is None
    assert db.session.get(Customer, bystander.id).first_name == "Untouched"


def test_a_form_post_cannot_reach_another_customer(agent_client, channel):
    target, bystander = make_customer(channel), make_customer(channel, first_name="Untouched")
    page = agent_client.post(
        f"/customers/{target.id}/edit",
        data={
            "version": "1",
            "email": target.email,
            "first_name": "Changed",
            "last_name": "",
            "channel_code": target.channel_code,
            "pk": str(bystander.id),
            "id": str(bystander.id),
            "channel": "999",
            "created_date": "2000-01-01",
            "is_active": "y",
            "attributes": "{}",
            "extra_field": "{}",
        },
    )
    assert page.status_code in (302, 303), page.get_data(as_text=True)[:500]
    db.session.expire_all()
    rows = {c.id: c for c in db.session.scalars(select(Customer))}
    assert rows[target.id].first_name == "Changed" and rows[target.id].channel_id == channel.id
    assert rows[bystander.id].first_name == "Untouched" and rows[bystander.id].version == 1
