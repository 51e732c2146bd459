"""The batch consent write under the rules the scale path must keep: one event per changed
customer (and as many events as changed customers), customers already in the target state
untouched, anonymized ones skipped and counted, a resumed job applying nothing twice, and a
large opt-out list previewed by a job. SQLite and PostgreSQL."""

import io
import zlib

from sqlalchemy import func, select

from backoffice.audit.models import AuditEvent
from backoffice.consents import bulk, optout
from backoffice.customers.consents import read_batch, write_batch
from backoffice.customers.models import Customer
from backoffice.customers.service import CustomerService
from backoffice.extensions import db
from backoffice.jobs import service as jobs
from backoffice.jobs.models import Job
from backoffice.jobs.runner import KINDS, Progress, kind
from tests.builders import make_customer


def job_events(job: Job) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.request_id == f"job-{job.id}")
    ).all()


def stamps(customers) -> dict[int, tuple]:
    """Each customer's version and modified_date, as stored."""
    rows = db.session.execute(
        select(Customer.id, Customer.version, Customer.modified_date).where(
            Customer.id.in_([c.id for c in customers])
        )
    )
    return {row.id: (row.version, row.modified_date) for row in rows}


def dies_once(name: str, real: str):
    """A kind that runs ``real`` but whose first run dies after its second batch."""

    @kind(name)
    def run(job: Job, progress: Progress):
        class Dying(Progress):
            def commit(self, *args, **kwargs):
                super().commit(*args, **kwargs)
                if job.attempts == 1 and job.done >= 4:
                    raise RuntimeError("worker lost")

        return KINDS[real](job, Dying(job))

    return name


OPTOUT_DIES = dies_once("test.optout_dies", optout.KIND)
BULK_DIES = dies_once("test.bulk_dies", bulk.KIND)


def test_resumed_opt_out_applies_each_line_once(app, users, channel):
    app.config["JOBS_BATCH_SIZE"] = 2
    allowing = [make_customer(channel, email_allowed=True, sms_allowed=True) for _ in range(5)]
    already = [make_customer(channel, email_allowed=False) for _ in range(2)]
    listed = [c.email.upper() for c in allowing + already] + ["nobody@example.com"]
    before = stamps(already)
    job = jobs.create_job(
        OPTOUT_DIES,
        users["supervisor"],
        {"filename": "l.txt", "target": {"email_allowed": False}, "channels": []},
        total=len(listed),
        status="queued",
        input=zlib.compress("\n".join(listed).encode()),
    )
    jobs.start(job, inline=True)
    db.session.refresh(job)
    assert (job.status, job.done, job.cursor) == ("failed", 4, 4)
    assert len(job_events(job)) == job.result["changed"]

    jobs.retry(job)
    db.session.refresh(job)
    assert (job.status, job.done, job.attempts) == ("done", 8, 2)
    assert job.result["changed"] == 5 and job.result["unchanged"] == 2
    assert job.result["matched_lines"] == 7 and job.result["unmatched_lines"] == 1
    events = job_events(job)
    assert sorted(e.object_id for e in events) == sorted(c.id for c in allowing)
    assert {(e.source, e.action) for e in events} == {("optout", "consent")}
    assert stamps(already) == before  # already withdrawn: no write, no event
    db.session.expire_all()
    assert all(c.email_allowed is False and c.sms_allowed is True for c in allowing)


def test_resumed_bulk_change_counts_skips_and_events(app, users, channel):
    app.config["JOBS_BATCH_SIZE"] = 2
    refusing = [make_customer(channel, sms_allowed=False) for _ in range(4)]
    allowing = [make_customer(channel, sms_allowed=True) for _ in range(2)]
    erased = make_customer(channel, sms_allowed=False)
    CustomerService().anonymize_customer(erased)
    before = stamps([*allowing, erased])
    job = jobs.create_job(
        BULK_DIES, users["supervisor"], {"query": "", "target": {"sms_allowed": True}}, total=7
    )
    jobs.start(job, inline=True)
    jobs.retry(job)
    db.session.refresh(job)
    assert (job.status, job.done) == ("done", 7)
    assert job.result == {"changed": 4, "unchanged": 2, "anonymized": 1}
    events = job_events(job)
    assert sorted(e.object_id for e in events) == sorted(c.id for c in refusing)
    assert [e.changes for e in events] == [{"sms_allowed": [False, True]}] * 4
    assert stamps([*allowing, erased]) == before
    db.session.expire_all()
    assert erased.sms_allowed is False
    assert [c.version for c in refusing] == [2] * 4


def test_a_row_changed_after_the_read_is_not_changed_again(channel):
    first, second = (make_customer(channel, call_allowed=False) for _ in range(2))
    target = {"call_allowed": True}
    rows = read_batch([Customer.id.in_([first.id, second.id])], target)
    assert [row.change for row in rows] == [True, True]
    CustomerService().update_customer(second, call_allowed=True)  # meanwhile, by hand
    context = bulk.job_context(Job(id=99, started_by_label="t"), "bulk")
    counts = write_batch(rows, target, context)
    db.session.commit()
    assert (counts.changed, counts.unchanged) == (1, 1)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.request_id == "job-99")).all()
    assert [(e.object_id, e.object_version) for e in events] == [(first.id, 2)]
    assert db.session.get(Customer, second.id).version == 2  # the hand edit's bump only


def test_a_large_list_is_previewed_by_a_job(app, supervisor_client, channel):
    app.config["OPTOUT_INLINE_PREVIEW_LINES"] = 2
    people = [make_customer(channel, email_allowed=True) for _ in range(3)]
    data = "\n".join([c.email for c in people] + ["", "bad@", "x@unknown.example"]).encode()
    supervisor_client.post(
        "/consents/optout",
        data={"file": (io.BytesIO(data), "big.txt"), "consents": ["email_allowed"]},
        content_type="multipart/form-data",
    )
    draft = db.session.scalars(select(Job).where(Job.kind == optout.KIND)).one()
    counting = db.session.get(Job, draft.params["preview_job"])
    assert (counting.status, counting.done, counting.total) == ("done", 5, 5)
    assert draft.status == "draft" and draft.total == 5
    assert draft.result["preview"]["will_change"] == 3
    page = supervisor_client.get(f"/consents/optout/{draft.id}").get_data(as_text=True)
    assert 'data-count="will_change">3<' in page and "Apply the list" in page
    assert job_count() == 2  # the draft and its count; nothing applied


def test_a_list_still_counting_cannot_be_applied(app, supervisor_client, channel):
    app.config["OPTOUT_INLINE_PREVIEW_LINES"] = 1
    customer = make_customer(channel, email_allowed=True)
    supervisor_client.post(
        "/consents/optout",
        data={
            "file": (io.BytesIO(f"{customer.email}\nx@y.example\n".encode()), "big.txt"),
            "consents": ["email_allowed"],
        },
        content_type="multipart/form-data",
    )
    draft = db.session.scalars(select(Job).where(Job.kind == optout.KIND)).one()
    draft.result = {"preview": None}  # as while the count runs on a worker
    db.session.get(Job, draft.params["preview_job"]).status = "running"
    db.session.commit()
    page = supervisor_client.get(f"/consents/optout/{draft.id}").get_data(as_text=True)
    assert "is counting what it would do" in page and "Apply the list" not in page
    assert "data-job-progress=" in page
    supervisor_client.post(f"/consents/optout/{draft.id}")
    db.session.refresh(draft)
    assert draft.status == "draft"
    db.session.expire_all()
    assert customer.email_allowed is True


def job_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Job))


def test_each_event_records_the_consents_its_customer_had(app, users, channel):
    """Several consents at once: each customer's event holds only those that changed, from
    the values it had (on PostgreSQL the database picks them per row)."""
    states = [(True, True), (True, False), (False, True), (False, False)]
    customers = [make_customer(channel, email_allowed=e, sms_allowed=s) for e, s in states]
    target = {"email_allowed": False, "sms_allowed": False}
    job = jobs.create_job(
        bulk.KIND, users["supervisor"], {"query": "", "target": target}, total=len(customers)
    )
    jobs.start(job, inline=True)
    db.session.refresh(job)
    assert job.result == {"changed": 3, "unchanged": 1, "anonymized": 0}
    events = {e.object_id: e for e in job_events(job)}
    assert {c.id: events[c.id].changes for c in customers[:3]} == {
        customers[0].id: {"email_allowed": [True, False], "sms_allowed": [True, False]},
        customers[1].id: {"email_allowed": [True, False]},
        customers[2].id: {"sms_allowed": [True, False]},
    }
    assert customers[3].id not in events
    assert {(e.action, e.object_version, e.actor_id) for e in events.values()} == {
        ("consent", 2, users["supervisor"].id)
    }
