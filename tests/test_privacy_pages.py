"""Privacy request pages: register, list by due date, complete with the ticked records, reject,
the access package download, the erasure lookup by hash, the home page count and CSRF."""

from datetime import timedelta

import pytest

from backoffice.audit.context import AuditContext
from backoffice.customers.models import Customer
from backoffice.extensions import db
from backoffice.privacy import service
from backoffice.privacy.models import PrivacyRequest
from backoffice.types import utcnow
from tests.builders import make_channel, make_customer

EMAIL = "mehmet@example.com"


@pytest.fixture
def records(app, channel):
    channels = [channel, make_channel(name="Second"), make_channel(name="Third")]
    return [
        make_customer(c, email=EMAIL.upper() if i else EMAIL).id for i, c in enumerate(channels)
    ]


def register(kind="erasure", **values):
    return service.create_request(AuditContext.system("test"), kind=kind, email=EMAIL, **values)


def test_new_request_form_registers_and_shows_every_match(supervisor_client, records):
    page = supervisor_client.get("/privacy/new")
    assert page.status_code == 200
    response = supervisor_client.post(
        "/privacy/new",
        data={
            "kind": "erasure",
            "email": EMAIL,
            "received_at": "2026-12-01T10:00",
            "reference": "T-9",
        },
    )
    assert response.status_code == 302
    found = db.session.query(PrivacyRequest).one()
    assert found.due_date.isoformat() == "2026-12-31"
    detail = supervisor_client.get(response.headers["Location"]).get_data(as_text=True)
    for pk in records:
        assert f'name="customers" value="{pk}" id="customer-{pk}" checked' in detail


def test_new_request_errors_stand_beside_their_fields(supervisor_client, app):
    response = supervisor_client.post("/privacy/new", data={"kind": "consent_withdrawal"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Give the subject&#39;s email or phone number" in html
    assert 'id="consents-errors"' in html
    assert db.session.query(PrivacyRequest).count() == 0


def test_completing_an_erasure_anonymizes_the_ticked_records_only(supervisor_client, records):
    found = register()
    response = supervisor_client.post(
        f"/privacy/{found.id}/complete", data={"customers": records[:2]}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert [db.session.get(Customer, pk).is_anonymized for pk in records] == [True, True, False]
    html = supervisor_client.get(f"/privacy/{found.id}").get_data(as_text=True)
    assert EMAIL not in html.lower() and "erased (kept as a keyed hash only)" in html
    again = supervisor_client.post(f"/privacy/{found.id}/complete", data={"customers": records})
    assert again.status_code == 400
    db.session.expire_all()
    assert not db.session.get(Customer, records[2]).is_anonymized


def test_erasure_lookup_answers_from_the_hash(supervisor_client, records):
    found = register()
    service.complete(found.id, None, AuditContext.system("test"))
    answer = supervisor_client.get("/privacy/erased", query_string={"email": " Mehmet@Example.COM"})
    assert f"/privacy/{found.id}" in answer.get_data(as_text=True)
    other = supervisor_client.get("/privacy/erased", query_string={"email": "nobody@example.com"})
    assert "No erasure request was completed" in other.get_data(as_text=True)


def test_access_package_downloads_then_expires(supervisor_client, records):
    found = register("access")
    assert supervisor_client.get(f"/privacy/{found.id}/package.json").status_code == 409
    supervisor_client.post(f"/privacy/{found.id}/complete", data={"customers": records})
    download = supervisor_client.get(f"/privacy/{found.id}/package.json")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    assert len(download.json["records"]) == 3
    row = db.session.get(PrivacyRequest, found.id)
    row.package_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert supervisor_client.get(f"/privacy/{found.id}/package.json").status_code == 404


def test_reject_needs_a_reason(supervisor_client, records):
    found = register()
    assert supervisor_client.post(f"/privacy/{found.id}/reject", data={}).status_code == 400
    response = supervisor_client.post(f"/privacy/{found.id}/reject", data={"reason": "Duplicate"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(PrivacyRequest, found.id).status == "rejected"


def test_list_shows_open_requests_by_due_date_overdue_marked_and_home_counts(
    supervisor_client, agent_client, records
):
    old = register(received_at=utcnow() - timedelta(days=40))
    recent = register(received_at=utcnow() - timedelta(days=25))
    later = register(received_at=utcnow())
    html = supervisor_client.get("/privacy/").get_data(as_text=True)
    positions = [html.index(f'href="/privacy/{r.id}"') for r in (old, recent, later)]
    assert positions == sorted(positions)
    assert html.count('class="overdue"') == 1
    home = supervisor_client.get("/").get_data(as_text=True)
    assert "<strong>2</strong> due this week" in home
    assert "due this week" not in agent_client.get("/").get_data(as_text=True)
    assert agent_client.get("/privacy/").status_code == 403


def test_forms_refuse_a_missing_csrf_token(app, supervisor_client, records):
    found = register()
    app.config["WTF_CSRF_ENABLED"] = True
    response = supervisor_client.post(f"/privacy/{found.id}/complete", data={"customers": records})
    assert response.status_code == 400
    db.session.expire_all()
    assert not any(db.session.get(Customer, pk).is_anonymized for pk in records)


def test_the_menu_links_the_register_for_supervisors_and_admins_only(
    supervisor_client, admin_client, agent_client
):
    link = '<a href="/privacy/"'
    assert link in supervisor_client.get("/").get_data(as_text=True)
    assert link in admin_client.get("/customers/").get_data(as_text=True)
    assert f'{link} aria-current="page"' in supervisor_client.get("/privacy/").get_data(
        as_text=True
    )
    assert link not in agent_client.get("/").get_data(as_text=True)
