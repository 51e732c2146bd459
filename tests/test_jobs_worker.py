"""A real worker process (``flask jobs worker``, a Huey consumer on its SQLite queue) runs a
job; killed mid-way, the job resumes in the next worker from its last committed batch and no
customer is changed twice. SQLite and PostgreSQL."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backoffice import create_app
from backoffice.audit.models import AuditEvent
from backoffice.config import ROOT
from backoffice.consents import bulk
from backoffice.customers.service import CustomerService
from backoffice.extensions import db
from backoffice.jobs import service as jobs
from backoffice.jobs.models import Job
from tests.builders import make_channel
from tests.conftest import base_config

pytestmark = pytest.mark.slow
CUSTOMERS = 20_000


def start_worker(database_url: str, queue_url: str, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "JOBS_URL": queue_url,
        "JOBS_BATCH_SIZE": "25",
        "JOBS_STALL_SECONDS": "1",
        "BACKOFFICE_ENV": "development",
    }
    flask = str(Path(sys.executable).with_name("flask"))
    return subprocess.Popen(
        [flask, "--app", "wsgi", "jobs", "worker", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_for(condition, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def job_state(job_id: int) -> Job:
    """The job as it is now; no transaction left open (SQLite: no lock held while waiting)."""
    job = db.session.get(Job, job_id, populate_existing=True)
    db.session.expunge(job)
    db.session.rollback()
    return job


def test_a_killed_worker_s_job_resumes_in_the_next_and_changes_nobody_twice(database_url, tmp_path):
    queue_url = f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    app = create_app({**base_config(database_url), "JOBS_IMMEDIATE": False, "JOBS_URL": queue_url})
    with app.app_context(), (tmp_path / "worker.log").open("a") as log:
        channel = make_channel()
        CustomerService().upsert_customers(
            [(channel.id, f"c{n}", {"email": f"c{n}@example.com"}) for n in range(CUSTOMERS)]
        )
        db.session.commit()
        job = jobs.create_job(
            bulk.KIND,
            None,
            {"query": f"channel={channel.id}", "target": {"email_allowed": True}},
            total=CUSTOMERS,
            label="test",
        )
        jobs.start(job)  # queued: nothing runs in this process
        assert job_state(job.id).status == "queued"

        first = start_worker(database_url, queue_url, log)
        try:
            wait_for(lambda: job_state(job.id).done > 0)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        killed = job_state(job.id)
        assert killed.status == "running" and 0 < killed.done < CUSTOMERS
        time.sleep(1.2)  # the dead worker's heartbeat goes stale

        second = start_worker(database_url, queue_url, log)  # requeues the stalled job
        try:
            wait_for(lambda: job_state(job.id).status == "done")
        finally:
            second.send_signal(signal.SIGINT)
            second.wait(30)
        done = job_state(job.id)
        assert (done.done, done.attempts, done.result["changed"]) == (CUSTOMERS, 2, CUSTOMERS)
        per_customer = (
            select(AuditEvent.object_id, func.count().label("n"))
            .where(AuditEvent.action == "consent")
            .group_by(AuditEvent.object_id)
            .subquery()
        )
        counts = db.session.execute(
            select(per_customer.c.n, func.count()).group_by(per_customer.c.n)
        ).all()
        assert [tuple(row) for row in counts] == [(1, CUSTOMERS)]
        db.session.remove()
        db.engine.dispose()
