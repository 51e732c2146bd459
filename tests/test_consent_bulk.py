"""Bulk consent changes from the customer list: the confirmation's counts, one audit event per
changed customer naming the job, nothing for the rest, and a job that resumes without
applying anything twice. SQLite and PostgreSQL."""

from urllib.parse import urlencode

import pytest
from sqlalchemy import event, select

from backoffice.audit.models import AuditEvent
from backoffice.consents import bulk
from backoffice.customers.consents import apply_consents
from backoffice.customers.models import Customer
from backoffice.customers.service import CustomerService
from backoffice.extensions import db
from backoffice.jobs import service as jobs
from backoffice.jobs.models import Job
from backoffice.jobs.runner import KINDS, Progress, kind
from tests.builders import make_customer


def consent_events(customer_id: int) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_id == customer_id, AuditEvent.action == "consent"
        )
    ).all()


@pytest.fixture
def crowd(channel):
    """Three customers who allow email, one who does not, one anonymized."""
    allowing = [make_customer(channel, email_allowed=True) for _ in range(3)]
    refusing = make_customer(channel, email_allowed=False)
    erased = make_customer(channel, email_allowed=True)
    CustomerService().anonymize_customer(erased)
    return {"allowing": allowing, "refusing": refusing, "erased": erased}


def bulk_url(**params) -> str:
    return "/consents/bulk?" + urlencode(params, doseq=True)


def test_confirmation_counts_what_will_change(supervisor_client, channel, crowd):
    page = supervisor_client.get(
        bulk_url(consent="email_allowed", value="false", scope="all", query=f"channel={channel.id}")
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-count="will_change">3<' in html
    assert 'data-count="unchanged">1<' in html
    assert 'data-count="anonymized">1<' in html
    assert all(c.email_allowed for c in crowd["allowing"])  # a GET changes nothing


def test_withdraw_all_matching_audits_each_changed_customer_once(
    supervisor_client, users, channel, crowd
):
    before = {c.id: len(consent_events(c.id)) for c in [crowd["refusing"], crowd["erased"]]}
    response = supervisor_client.post(
        "/consents/bulk",
        data={
            "consent": "email_allowed",
            "value": "false",
            "scope": "all",
            "query": f"channel={channel.id}",
        },
    )
    job = db.session.scalars(select(Job)).one()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/jobs/{job.id}/")
    assert (job.status, job.done, job.total) == ("done", 5, 5)
    assert job.result == {"changed": 3, "unchanged": 1, "anonymized": 1}
    for customer in crowd["allowing"]:
        db.session.refresh(customer)
        assert customer.email_allowed is False
        (event_,) = consent_events(customer.id)
        assert event_.changes == {"email_allowed": [True, False]}
        assert (event_.source, event_.request_id) == ("bulk", f"job-{job.id}")
        assert event_.actor_id == users["supervisor"].id
        assert event_.object_version == customer.version
    after = {c.id: len(consent_events(c.id)) for c in [crowd["refusing"], crowd["erased"]]}
    assert after == before


def test_selected_rows_only(supervisor_client, channel, crowd):
    chosen, other, _ = crowd["allowing"]
    supervisor_client.post(
        "/consents/bulk",
        data={
            "consent": "email_allowed",
            "value": "false",
            "scope": "selected",
            "ids": [chosen.id, crowd["refusing"].id],
        },
    )
    db.session.expire_all()
    assert chosen.email_allowed is False and other.email_allowed is True
    assert db.session.scalars(select(Job)).one().result["changed"] == 1


def test_allowing_skips_anonymized_customers(supervisor_client, channel, crowd):
    supervisor_client.post(
        "/consents/bulk",
        data={"consent": "sms_allowed", "value": "true", "scope": "all", "query": ""},
    )
    db.session.expire_all()
    assert crowd["erased"].sms_allowed is False
    assert db.session.scalars(select(Job)).one().result == {
        "changed": 4,
        "unchanged": 0,
        "anonymized": 1,
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {
                "consent": "email_allowed",
                "value": "false",
                "scope": "all",
                "query": "created_date__gte=yesterday",
            },
            "These filters cannot be used",
        ),
        (
            {"consent": "email_allowed", "value": "false", "scope": "selected"},
            "Select at least one customer",
        ),
        (
            {"consent": "email_allowed", "value": "false", "scope": "selected", "ids": "x"},
            "Selected customers",
        ),
        ({"consent": "is_active", "value": "false", "scope": "all"}, "Consent"),
        ({"consent": "email_allowed", "scope": "all"}, "Choose withdraw or allow"),
    ],
)
def test_bad_input_is_a_clear_400_and_starts_nothing(supervisor_client, crowd, params, message):
    for response in (
        supervisor_client.get(bulk_url(**params)),
        supervisor_client.post("/consents/bulk", data=params),
    ):
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(Job)).all() == []


def test_large_change_runs_as_a_job_in_batches(app, supervisor_client, channel, crowd):
    app.config.update(JOBS_INLINE_LIMIT=2, JOBS_BATCH_SIZE=2)
    supervisor_client.post(
        "/consents/bulk",
        data={"consent": "call_allowed", "value": "true", "scope": "all", "query": ""},
    )
    job = db.session.scalars(select(Job)).one()
    assert (job.status, job.done, job.total, job.cursor) == ("done", 5, 5, crowd["erased"].id)
    page = supervisor_client.get(f"/jobs/{job.id}/").get_data(as_text=True)
    assert f'data-job-progress="/jobs/{job.id}/progress"' in page
    assert supervisor_client.get(f"/jobs/{job.id}/progress").json["percent"] == 100


@kind("test.dies_once")
def _dies_after_two_batches(job: Job, progress: Progress):
    """The bulk kind, but the first run dies after its second batch (as a killed worker)."""

    class Dying(Progress):
        def commit(self, *args, **kwargs):
            super().commit(*args, **kwargs)
            if job.attempts == 1 and job.done >= 4:
                raise RuntimeError("worker lost")

    return KINDS[bulk.KIND](job, Dying(job))


def test_failed_job_retries_from_its_last_batch_and_applies_nothing_twice(
    app, supervisor_client, users, channel
):
    app.config["JOBS_BATCH_SIZE"] = 2
    customers = [make_customer(channel) for _ in range(7)]
    job = jobs.create_job(
        "test.dies_once",
        users["supervisor"],
        {"query": "", "target": {"email_allowed": True}},
        total=7,
    )
    jobs.start(job)
    db.session.refresh(job)
    assert (job.status, job.done) == ("failed", 4)
    assert "RuntimeError" in job.error
    page = supervisor_client.get(f"/jobs/{job.id}/").get_data(as_text=True)
    assert "This job failed" in page and "Retry" in page
    assert sum(len(consent_events(c.id)) for c in customers) == 4

    supervisor_client.post(f"/jobs/{job.id}/retry")
    db.session.refresh(job)
    assert (job.status, job.done, job.attempts, job.error) == ("done", 7, 2, None)
    assert job.result["changed"] == 7
    assert [len(consent_events(c.id)) for c in customers] == [1] * 7


def test_a_done_job_is_not_run_again(supervisor_client, users, channel, crowd):
    job = jobs.create_job(
        bulk.KIND, users["supervisor"], {"query": "", "target": {"sms_allowed": True}}, total=5
    )
    jobs.start(job)
    assert supervisor_client.post(f"/jobs/{job.id}/retry").status_code == 302
    jobs.start(job)  # a second delivery of the task
    db.session.refresh(job)
    assert (job.attempts, job.result["changed"]) == (1, 4)


def statements_of_a_batch(limit: int) -> list[str]:
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        apply_consents(
            [Customer.email_allowed.is_(False)],
            {"email_allowed": True},
            bulk.job_context(Job(id=1, started_by_label="t"), "bulk"),
            limit=limit,
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return statements


def test_a_batch_costs_the_same_statements_whatever_its_size(app, channel):
    for _ in range(30):
        make_customer(channel)
    db.session.connection()  # the transaction begun: BEGIN is not a batch's statement
    assert len(statements_of_a_batch(5)) == len(statements_of_a_batch(20)) <= 4


def test_list_offers_the_bulk_bar_to_supervisors_only(supervisor_client, agent_client, crowd):
    assert 'id="bulk-consents"' in supervisor_client.get("/customers/").get_data(as_text=True)
    assert 'form="bulk-consents"' in supervisor_client.get("/customers/").get_data(as_text=True)
    assert "bulk-consents" not in agent_client.get("/customers/").get_data(as_text=True)


def test_jobs_page_lists_jobs_for_supervisors_and_refuses_agents(
    supervisor_client, agent_client, users, crowd
):
    job = jobs.create_job(
        bulk.KIND, users["supervisor"], {"query": "", "target": {"sms_allowed": True}}, total=5
    )
    jobs.start(job)
    page = supervisor_client.get("/jobs/").get_data(as_text=True)
    assert f"#{job.id}" in page and "4 changed" in page
    assert agent_client.get("/jobs/").status_code == 403
    assert agent_client.get(f"/jobs/{job.id}/progress").status_code == 403
