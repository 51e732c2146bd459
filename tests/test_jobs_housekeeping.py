"""Housekeeping: draft jobs (an opt-out list previewed, never confirmed, holding its file)
older than JOBS_DRAFT_HOURS and expired access packages are deleted by the worker's periodic
task (every 15 minutes, on a SQLite or a Redis queue) and by ``flask jobs sweep``. The
clock is moved, not waited for. SQLite and PostgreSQL."""

import os
import time
from datetime import datetime, timedelta

import pytest
import redis
from sqlalchemy import select

from backoffice.audit.context import AuditContext
from backoffice.consents import optout, preview
from backoffice.extensions import db
from backoffice.jobs import housekeeping, queue
from backoffice.jobs import service as jobs
from backoffice.jobs.models import Job
from backoffice.privacy import service as privacy
from backoffice.privacy.models import PrivacyRequest
from backoffice.types import utcnow
from tests.builders import make_customer

REDIS_URL = os.environ.get("TEST_JOBS_REDIS_URL", "redis://127.0.0.1:6379/7")


def draft(created_at: datetime) -> int:
    """An opt-out list previewed at ``created_at`` and never confirmed."""
    job = preview.prepare(
        b"someone@example.com\n", "list.txt", {"email_allowed": False}, [], None, label="test"
    )
    job.created_at = created_at
    db.session.commit()
    return job.id


def job_ids() -> list[int]:
    ids = list(db.session.scalars(select(Job.id).order_by(Job.id)))
    db.session.rollback()
    return ids


def expired_package(channel) -> int:
    """A done access request whose package's days are over (built while jobs run inline)."""
    make_customer(channel, email="old@example.com")
    found = privacy.create_request(
        AuditContext.system("test"), kind="access", email="old@example.com"
    )
    privacy.complete(found.id, None, AuditContext.system("test"))
    found = db.session.get(PrivacyRequest, found.id)
    found.package_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    return found.id


def package_of(pk: int):
    value = db.session.get(PrivacyRequest, pk, populate_existing=True).package
    db.session.rollback()
    return value


def test_drafts_go_after_a_day_and_no_other_job_does(app, supervisor_client):
    now = utcnow()
    young, old = draft(now - timedelta(hours=23)), draft(now - timedelta(hours=25))
    finished = jobs.create_job(optout.KIND, None, {}, status="done", label="test")
    finished.created_at = now - timedelta(days=90)
    db.session.commit()
    assert jobs.purge_drafts(now=now) == 1
    assert job_ids() == [young, finished.id]
    assert supervisor_client.get(f"/consents/optout/{old}").status_code == 404
    assert supervisor_client.get(f"/consents/optout/{young}").status_code == 200
    assert jobs.purge_drafts(now=now + timedelta(hours=2)) == 1  # the clock moved on
    assert job_ids() == [finished.id]
    app.config["JOBS_DRAFT_HOURS"] = 1
    draft(now - timedelta(minutes=90))
    assert jobs.purge_drafts(now=now) == 1


def test_flask_jobs_sweep_runs_every_sweep(app, channel, runner):
    package = expired_package(channel)
    draft(utcnow() - timedelta(days=2))
    result = runner.invoke(args=["jobs", "sweep"])
    assert result.exit_code == 0, result.output
    assert "draft jobs deleted: 1" in result.output
    assert "expired access packages deleted: 1" in result.output
    assert package_of(package) is None
    assert [j.kind for j in db.session.scalars(select(Job))] == ["privacy.package"]


def test_one_failing_sweep_stops_no_other(app, runner, monkeypatch):
    def broken(now):
        raise RuntimeError("no disk")

    monkeypatch.setitem(housekeeping.SWEEPS, "broken", broken)
    draft(utcnow() - timedelta(days=2))
    result = runner.invoke(args=["jobs", "sweep"])
    assert result.exit_code == 1
    assert "sweeps failed: broken" in result.output
    assert job_ids() == []


def test_the_housekeeping_task_is_due_every_quarter_hour():
    def due(minute: int) -> list[str]:
        moment = datetime(2026, 12, 2, 10, minute)
        return [task.name for task in queue.huey.read_periodic(moment)]

    assert "backoffice.housekeeping" in due(15)
    assert "backoffice.housekeeping" in due(0)
    assert "backoffice.housekeeping" not in due(16)


@pytest.fixture
def worker_queue(app, tmp_path):
    """Moves the app's jobs to a real queue (a SQLite file or Redis), emptied before and
    after; until called, jobs run inline."""

    def switch(kind: str) -> None:
        if kind == "redis":
            try:
                redis.Redis.from_url(REDIS_URL).ping()
            except redis.ConnectionError as error:
                pytest.fail(f"Redis at {REDIS_URL} (TEST_JOBS_REDIS_URL) is needed: {error}")
            url = REDIS_URL
        else:
            url = f"sqlite:///{tmp_path / 'queue.sqlite3'}"
        app.config.update(JOBS_IMMEDIATE=False, JOBS_URL=url)
        queue.configure(app)
        queue.huey.storage.flush_all()

    yield switch
    if not app.config["JOBS_IMMEDIATE"]:
        queue.huey.storage.flush_all()
    app.config.update(JOBS_IMMEDIATE=True, JOBS_URL=None)
    queue.configure(app)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_a_worker_runs_the_housekeeping_from_its_queue(app, channel, worker_queue, kind):
    package = expired_package(channel)  # jobs still run inline here
    worker_queue(kind)
    old = draft(utcnow() - timedelta(days=2))
    queue.housekeeping()  # what the consumer's scheduler enqueues every 15 minutes
    assert old in job_ids() and queue.huey.pending_count() == 1
    consumer = queue.consumer(app, workers=1)
    consumer.start()
    try:
        deadline = time.monotonic() + 30
        while old in job_ids():
            assert time.monotonic() < deadline, "the housekeeping task did not run"
            time.sleep(0.05)
    finally:
        consumer.stop(graceful=True)
    assert package_of(package) is None


def test_a_job_started_while_the_queue_is_down_is_queued_again_later(
    app, supervisor_client, channel, worker_queue
):
    """Starting a job when the queue cannot be reached (Redis down) keeps the job queued and
    answers as usual; the housekeeping puts it on the queue once it has waited longer than
    JOBS_STALL_SECONDS, and a job on the queue twice still runs once."""
    allowing = [make_customer(channel, email_allowed=True) for _ in range(3)]
    app.config.update(JOBS_IMMEDIATE=False, JOBS_URL="redis://127.0.0.1:1/0", JOBS_INLINE_LIMIT=0)
    queue.configure(app)  # nothing listens on port 1
    response = supervisor_client.post(
        "/consents/bulk",
        data={"consent": "email_allowed", "value": "false", "scope": "all", "query": ""},
    )
    job = db.session.scalars(select(Job)).one()
    assert response.status_code == 302 and response.location.endswith(f"/jobs/{job.id}/")
    assert job.status == "queued"
    assert supervisor_client.get(f"/jobs/{job.id}/").status_code == 200

    worker_queue("sqlite")  # the queue is back, empty: the job's entry never reached it
    assert jobs.requeue_lost() == 0  # waiting less than JOBS_STALL_SECONDS: left alone
    later = utcnow() + timedelta(seconds=app.config["JOBS_STALL_SECONDS"] + 1)
    assert housekeeping.run_sweeps(now=later)["lost jobs queued again"] == 1
    assert jobs.requeue_lost(now=later) == 1
    assert queue.huey.pending_count() == 2
    while queue.huey.pending_count():
        queue.huey.execute(queue.huey.dequeue())
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == "done"
    assert db.session.get(Job, job.id).attempts == 1
    assert [c.email_allowed for c in allowing] == [False] * 3
