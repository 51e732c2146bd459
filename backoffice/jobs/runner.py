"""Runs one job: claims it, calls its kind batch by batch, records the outcome.

A kind is a function ``(job, progress) -> result`` registered with ``@kind("name")``. It
works in batches, and commits each through ``progress.commit(...)``: the batch's writes, the
job's counters and its resume cursor in one transaction. A job that dies between batches
loses nothing committed and repeats nothing: its next run starts after ``job.cursor``.
"""

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, or_, text, update

from backoffice.extensions import db
from backoffice.jobs.models import Job
from backoffice.types import utcnow

log = logging.getLogger(__name__)

Kind = Callable[[Job, "Progress"], dict[str, Any]]
KINDS: dict[str, Kind] = {}


class JobError(Exception):
    """A failure the job's page shows as is: the message says why, for staff."""


def kind(name: str) -> Callable[[Kind], Kind]:
    """Register the function that runs jobs of kind ``name``."""

    def register(function: Kind) -> Kind:
        KINDS[name] = function
        return function

    return register


class Progress:
    """A running job's batch commits: counters, cursor, heartbeat and the batch together."""

    def __init__(self, job: Job):
        self.job = job

    def commit(self, units: int, cursor: int | None, counts: dict[str, int] | None = None):
        job = self.job
        job.done += units
        job.cursor = cursor
        job.heartbeat_at = utcnow()
        if counts:
            result = dict(job.result)
            for name, number in counts.items():
                result[name] = result.get(name, 0) + number
            job.result = result
        if db.session.get_bind().dialect.name == "postgresql":
            # A batch's commit need not wait for its WAL flush: a crash loses at most the last
            # batches together with the cursor that counts them, and the re-run redoes them.
            db.session.execute(text("SET LOCAL synchronous_commit = off"))
        db.session.commit()


def stall_cutoff():
    """A running job whose last heartbeat is older than this has died."""
    return utcnow() - timedelta(seconds=current_app.config["JOBS_STALL_SECONDS"])


def claim(job_id: int) -> bool:
    """Mark the job running, if it is queued or has stalled; False if someone else runs it."""
    now = utcnow()
    claimed = db.session.execute(
        update(Job)
        .where(
            Job.id == job_id,
            or_(
                Job.status == "queued",
                and_(Job.status == "running", Job.heartbeat_at < stall_cutoff()),
            ),
        )
        .values(
            status="running",
            attempts=Job.attempts + 1,
            heartbeat_at=now,
            started_at=func.coalesce(Job.started_at, now),
            error=None,
        )
    ).rowcount
    db.session.commit()
    return claimed == 1


def run(job_id: int) -> None:
    if not claim(job_id):
        return
    job = db.session.get(Job, job_id, populate_existing=True)
    try:
        result = KINDS[job.kind](job, Progress(job))
    except Exception as exc:
        db.session.rollback()
        log.exception("job %s (%s) failed", job_id, job.kind)
        _finish(job_id, "failed", error=_reason(exc))
        return
    _finish(job_id, "done", result=result)


def _finish(job_id: int, status: str, **values: Any) -> None:
    """End the job: its status, the kind's result beside the batch counts, or the error."""
    job = db.session.get(Job, job_id, populate_existing=True)
    job.status = status
    job.finished_at = utcnow()
    job.result = {**job.result, **values.get("result", {})}
    job.error = values.get("error")
    db.session.commit()


def _reason(exc: Exception) -> str:
    """What the job's page says: a JobError's words; otherwise the error's kind alone (a
    database error's text may hold customers' values)."""
    if isinstance(exc, JobError):
        return str(exc)
    return f"Unexpected error ({type(exc).__name__}); the worker's log has the details."
