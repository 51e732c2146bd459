"""Access packages as background jobs: the request is done at once, the API answers 409 with
Retry-After while the job builds the package, a re-run builds nothing twice, a failed job is
retried; the readable HTML holds what the JSON holds; both downloads are audited; packages
are deleted 7 days after generation (clock moved). SQLite and PostgreSQL."""

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from backoffice.audit.context import AuditContext
from backoffice.audit.models import AuditEvent
from backoffice.customers.models import Customer
from backoffice.customers.service import CustomerService
from backoffice.extensions import db
from backoffice.jobs import queue
from backoffice.jobs import runner as job_runner
from backoffice.jobs.models import Job
from backoffice.orders.service import OrderService
from backoffice.privacy import package as package_module
from backoffice.privacy import packages, service
from backoffice.privacy.models import PrivacyRequest
from backoffice.types import utcnow
from tests.builders import make_channel, make_customer

LIST = "/api/v1/privacy-requests/"
EMAIL = "zeynep@example.com"


@pytest.fixture
def records(app, channel):
    """One person in three channels, the first with two orders and a consent history."""
    channels = [channel, make_channel(name="Second"), make_channel(name="Third")]
    ids = [make_customer(c, email=EMAIL, first_name="Zeynep").id for c in channels]
    first = db.session.get(Customer, ids[0])
    for number in ("ZK-1", "ZK-2"):
        OrderService().ingest_order(
            {
                "channel": first.channel_id,
                "number": number,
                "status": "completed",
                "amount": "12.50",
                "customer": {"channel_code": first.channel_code, "email": EMAIL},
            }
        )
    context = AuditContext.system("test")
    CustomerService().update_customer(first, context, sms_allowed=True)
    CustomerService().update_customer(first, context, sms_allowed=False)
    return ids


@pytest.fixture
def queued(app, tmp_path):
    """Jobs go to a real SQLite queue that no worker reads: the test plays the worker."""
    app.config.update(JOBS_IMMEDIATE=False, JOBS_URL=f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    queue.configure(app)
    yield
    app.config.update(JOBS_IMMEDIATE=True, JOBS_URL=None)
    queue.configure(app)


def access_request(client) -> int:
    response = client.post(LIST, json={"kind": "access", "email": EMAIL, "reference": "T-7"})
    assert response.status_code == 201, response.json
    return response.json["pk"]


def actions(pk: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "privacy_request", AuditEvent.object_id == pk)
            .order_by(AuditEvent.id)
        )
    )


def formats(pk: int) -> list[str]:
    rows = db.session.scalars(
        select(AuditEvent.changes)
        .where(AuditEvent.object_id == pk, AuditEvent.action == "download")
        .order_by(AuditEvent.id)
    )
    return [changes["format"][1] for changes in rows]


def test_the_request_is_done_at_once_and_the_package_comes_when_its_job_ran(
    supervisor_api, supervisor_client, records, queued
):
    pk = access_request(supervisor_api)
    done = supervisor_api.post(f"{LIST}{pk}/complete/", json={})
    assert done.status_code == 200
    assert done.json["status"] == "done"
    job_id = done.json["package"]["job"]
    assert done.json["package"] == {
        "status": "building",
        "job": job_id,
        "done": 0,
        "total": 3,
        "expires_at": None,
    }
    waiting = supervisor_api.get(f"{LIST}{pk}/package/")
    assert waiting.status_code == 409
    assert waiting.headers["Retry-After"] == "5"
    assert waiting.json["detail"].startswith(f"The package is being built (job {job_id}: 0 of 3")
    assert waiting.json["package"]["status"] == "building"
    page = supervisor_client.get(f"/privacy/{pk}").get_data(as_text=True)
    assert f'data-job-progress="/jobs/{job_id}/progress"' in page
    assert f'href="/jobs/{job_id}/"' in page
    assert supervisor_client.get(f"/privacy/{pk}/package.json").status_code == 409
    jobs_page = supervisor_client.get("/jobs/").get_data(as_text=True)
    assert "Access package" in jobs_page  # the kind, worded

    job_runner.run(job_id)  # what a worker does

    job = db.session.get(Job, job_id, populate_existing=True)
    assert (job.status, job.done, job.total) == ("done", 3, 3)
    assert job.result == {"records": 3, "orders": 2}
    ready = supervisor_api.get(f"{LIST}{pk}/").json["package"]
    assert ready["status"] == "ready" and ready["expires_at"].endswith("Z")
    package = supervisor_api.get(f"{LIST}{pk}/package/")
    assert package.status_code == 200
    assert [r["customer"]["id"] for r in package.json["records"]] == records
    assert actions(pk) == ["create", "complete", "package", "download"]
    found = db.session.get(PrivacyRequest, pk)
    assert found.package_expires_at - utcnow() > timedelta(days=6, hours=23)
    detail = supervisor_client.get(f"/privacy/{pk}").get_data(as_text=True)
    assert f'href="/privacy/{pk}/package"' in detail and "data-job-progress" not in detail


def test_a_package_job_run_again_builds_nothing_twice(supervisor_api, records, queued):
    pk = access_request(supervisor_api)
    job_id = supervisor_api.post(f"{LIST}{pk}/complete/", json={}).json["package"]["job"]
    stale = utcnow() - timedelta(hours=1)
    # Its worker died after the first record: the next run reads from the first again.
    db.session.execute(
        text("UPDATE jobs SET status='running', done=1, cursor=1, heartbeat_at=:t WHERE id=:id"),
        {"t": stale, "id": job_id},
    )
    db.session.commit()
    job_runner.run(job_id)
    job = db.session.get(Job, job_id, populate_existing=True)
    assert (job.status, job.done, job.attempts) == ("done", 3, 1)
    # Died after storing the package, before closing the job: the package is not made again.
    job.status, job.heartbeat_at = "running", stale
    db.session.commit()
    job_runner.run(job_id)
    job_runner.run(job_id)  # done: not claimed
    assert db.session.get(Job, job_id, populate_existing=True).status == "done"
    assert actions(pk) == ["create", "complete", "package"]


def test_a_failed_package_job_says_why_and_its_retry_builds_it(
    supervisor_api, supervisor_client, records, monkeypatch
):
    def broken(customer_id):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(packages, "package_record", broken)
    pk = access_request(supervisor_api)
    done = supervisor_api.post(f"{LIST}{pk}/complete/", json={})
    assert done.status_code == 200 and done.json["status"] == "done"
    job_id = done.json["package"]["job"]
    failed = supervisor_api.get(f"{LIST}{pk}/package/")
    assert failed.status_code == 409
    assert "could not be built" in failed.json["detail"]
    assert "Retry-After" not in failed.headers
    page = supervisor_client.get(f"/privacy/{pk}").get_data(as_text=True)
    assert "could not be built" in page and f'href="/jobs/{job_id}/"' in page
    monkeypatch.setattr(packages, "package_record", package_module.package_record)
    assert supervisor_client.post(f"/jobs/{job_id}/retry").status_code == 302
    assert supervisor_api.get(f"{LIST}{pk}/package/").status_code == 200


def test_the_html_package_holds_what_the_json_holds_and_both_are_audited(
    supervisor_api, supervisor_client, records
):
    pk = access_request(supervisor_api)
    supervisor_api.post(f"{LIST}{pk}/complete/", json={})
    body = supervisor_client.get(f"/privacy/{pk}/package.json").json
    view = supervisor_client.get(f"/privacy/{pk}/package")
    assert view.status_code == 200
    download = supervisor_client.get(f"/privacy/{pk}/package.html")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == (
        f'attachment; filename="privacy-request-{pk}.html"'
    )
    document = download.get_data(as_text=True)
    assert document.startswith("<!doctype html>") and "<style>" in document
    assert 'class="topbar"' not in document
    for html in (view.get_data(as_text=True), document):
        for record in body["records"]:
            assert f"Customer record #{record['customer']['id']}" in html
            assert f"Orders ({len(record['orders'])})" in html
            assert f"History ({len(record['events'])} events)" in html
            for order in record["orders"]:
                assert f"<td>{order['number']}</td>" in html
        sms = body["records"][0]["consents"]["sms_allowed"]
        assert [(h["from"], h["to"]) for h in sms["history"]][-2:] == [(False, True), (True, False)]
        assert "yes → no" in html
    assert formats(pk) == ["json", "page", "html"]


def test_packages_go_seven_days_after_generation(supervisor_api, records):
    pk = access_request(supervisor_api)
    supervisor_api.post(f"{LIST}{pk}/complete/", json={})
    expires = db.session.get(PrivacyRequest, pk).package_expires_at
    assert packages.purge(now=expires - timedelta(minutes=1)) == 0
    assert supervisor_api.get(f"{LIST}{pk}/package/").status_code == 200
    assert packages.purge(now=expires) == 1
    stored = db.session.execute(
        text("SELECT package IS NULL FROM privacy_requests WHERE id = :id"), {"id": pk}
    ).scalar()
    assert stored in (True, 1)
    assert packages.purge(now=expires + timedelta(days=30)) == 0  # gone once, audited once
    assert actions(pk) == ["create", "complete", "package", "download", "package_expire"]
    db.session.get(PrivacyRequest, pk).package_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    gone = supervisor_api.get(f"{LIST}{pk}/package/")
    assert (gone.status_code, gone.json) == (404, {"detail": "The package has expired."})
    assert supervisor_api.get(f"{LIST}{pk}/").json["package"]["status"] == "expired"


def test_flask_privacy_purge_deletes_the_expired_packages(supervisor_api, records, runner):
    kept, old = access_request(supervisor_api), access_request(supervisor_api)
    supervisor_api.post(f"{LIST}{kept}/complete/", json={})
    service.complete(old, None, AuditContext.system("test"))
    db.session.get(PrivacyRequest, old).package_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert result.output == "1 expired access package(s) deleted.\n"
    db.session.expire_all()
    assert db.session.get(PrivacyRequest, old).package is None
    assert db.session.get(PrivacyRequest, kept).package is not None


def test_an_erasure_deletes_the_person_s_package_and_forgets_the_closed_requests(
    supervisor_api, records
):
    """After "erase me", nothing of the person stays in the register in clear: the access
    package holding the erased records goes at once (not after its 7 days), and the person's
    closed requests keep only their hashes; an open request keeps its subject for staff."""
    accessed, still_open = access_request(supervisor_api), access_request(supervisor_api)
    supervisor_api.post(f"{LIST}{accessed}/complete/", json={})
    assert supervisor_api.get(f"{LIST}{accessed}/package/").status_code == 200
    erasure = supervisor_api.post(LIST, json={"kind": "erasure", "email": EMAIL.upper()})
    done = supervisor_api.post(f"{LIST}{erasure.json['pk']}/complete/", json={})
    assert done.status_code == 200, done.json
    gone = supervisor_api.get(f"{LIST}{accessed}/package/")
    assert (gone.status_code, gone.json) == (404, {"detail": "The package has expired."})
    assert actions(accessed)[-1] == "package_expire"
    db.session.expire_all()
    closed = db.session.get(PrivacyRequest, accessed)
    assert (closed.email, closed.email_key, closed.package) == (None, None, None)
    assert closed.email_hash is not None
    assert db.session.get(PrivacyRequest, still_open).email == EMAIL
