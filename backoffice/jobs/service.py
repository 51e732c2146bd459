"""Starting, confirming, retrying and listing jobs; the only writer of the jobs table
besides the runner."""

import logging
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, delete, func, or_, select

from backoffice.extensions import db
from backoffice.jobs import queue, runner
from backoffice.jobs.models import Job
from backoffice.pagination import Page, page_offset
from backoffice.types import utcnow

RETRYABLE = ("failed",)
log = logging.getLogger(__name__)


class JobNotRetryable(Exception):
    """Only a failed job, or one whose worker died, can be run again."""


def create_job(
    kind: str,
    user: Any,
    params: dict[str, Any],
    *,
    total: int = 0,
    status: str = "queued",
    input: bytes | None = None,
    result: dict[str, Any] | None = None,
    label: str | None = None,
    commit: bool = True,
) -> Job:
    """A new job of ``kind`` started by ``user`` (None: ``label``, e.g. a command);
    ``commit=False`` leaves it in the caller's transaction (flushed: it has its id)."""
    if kind not in runner.KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(
        kind=kind,
        status=status,
        started_by_id=user.id if user else None,
        started_by_label=user.email if user else (label or "system"),
        params=params,
        total=total,
        input=input,
        result=result or {},
        done=0,
        attempts=0,
    )
    db.session.add(job)
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return job


def start(job: Job, *, inline: bool = False) -> None:
    """Queue a job (a draft is confirmed by this); ``inline`` runs it here and now."""
    if job.status == "draft":
        job.status = "queued"
        job.created_at = utcnow()
        db.session.commit()
    if inline:
        runner.run(job.id)
    else:
        enqueue(job.id)


def enqueue(job_id: int) -> bool:
    """Put a committed job on the queue; False (logged) when the queue cannot be reached:
    the job stays queued and ``requeue_lost`` puts it on the queue again later."""
    try:
        queue.run_job(job_id)
    except Exception:
        log.exception("job %s: the queue cannot be reached; it is queued again later", job_id)
        return False
    return True


def is_stalled(job: Job) -> bool:
    return job.status == "running" and (
        job.heartbeat_at is None or job.heartbeat_at < runner.stall_cutoff()
    )


def can_retry(job: Job) -> bool:
    return job.status in RETRYABLE or is_stalled(job)


def retry(job: Job) -> None:
    """Run a failed (or dead) job again, from its last committed batch."""
    if not can_retry(job):
        raise JobNotRetryable()
    if job.status == "failed":
        job.status = "queued"
        job.finished_at = None
        job.error = None
        db.session.commit()
    enqueue(job.id)


def requeue_lost(now: datetime | None = None) -> int:
    """Queue again the jobs no worker will run: running ones whose worker died, and queued ones
    waiting longer than JOBS_STALL_SECONDS (the queue was down when they started, or Redis
    restarted empty). A job on the queue twice runs once: ``runner.claim`` takes it once.
    A worker calls this as it starts, and the housekeeping every 15 minutes. Returns how many."""
    cutoff = (now or utcnow()) - timedelta(seconds=current_app.config["JOBS_STALL_SECONDS"])
    lost = db.session.scalars(
        select(Job.id).where(
            or_(
                and_(Job.status == "queued", Job.created_at < cutoff),
                and_(
                    Job.status == "running",
                    or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < cutoff),
                ),
            )
        )
    ).all()
    db.session.rollback()
    return sum(enqueue(job_id) for job_id in lost)


def job_page(number: int, limit: int, user: Any | None = None) -> Page:
    """Jobs newest first (drafts left out); only ``user``'s when given."""
    where = [Job.status != "draft"]
    if user is not None:
        where.append(Job.started_by_id == user.id)
    count = db.session.scalar(select(func.count()).select_from(Job).where(*where)) or 0
    items = db.session.scalars(
        select(Job)
        .where(*where)
        .order_by(Job.id.desc())
        .limit(limit)
        .offset(page_offset(number, limit))
    ).all()
    return Page(items=list(items), count=count, number=number, limit=limit)


def purge_drafts(now: datetime | None = None) -> int:
    """Delete the drafts (an opt-out list previewed, never confirmed) older than
    JOBS_DRAFT_HOURS, with the file each holds; commits. Returns how many."""
    hours = current_app.config["JOBS_DRAFT_HOURS"]
    cutoff = (now or utcnow()) - timedelta(hours=hours)
    gone = db.session.execute(
        delete(Job).where(Job.status == "draft", Job.created_at < cutoff)
    ).rowcount
    db.session.commit()
    return gone
