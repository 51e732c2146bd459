"""Access packages as background jobs: completing an access request queues a job that
reads the records one by one (progress on the Jobs page) and stores the package on the
request; staff download it (JSON or HTML, audited) for PACKAGE_DAYS, then it is deleted."""

from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import null, select

from backoffice.audit.context import AuditContext
from backoffice.extensions import db
from backoffice.jobs import service as jobs
from backoffice.jobs.housekeeping import sweep
from backoffice.jobs.models import Job
from backoffice.jobs.runner import JobError, Progress, kind
from backoffice.privacy.events import audit, request_source
from backoffice.privacy.models import PrivacyRequest
from backoffice.privacy.package import document, package_record
from backoffice.types import utcnow

KIND = "privacy.package"
PACKAGE_DAYS = 7
RETRY_AFTER = 5  # seconds a client waits before asking for a package being built again
FORMATS = ("json", "html")


class PackageError(ValueError):
    """No package to give: ``status`` 404 (none, or expired) or 409 (not ready yet)."""

    def __init__(self, status: int, detail: str, state: "PackageState | None" = None):
        super().__init__(detail)
        self.status, self.detail, self.state = status, detail, state


class PackageState(NamedTuple):
    """Where a done access request's package is: building, failed, ready or expired."""

    status: str
    job: Job | None
    expires_at: datetime | None


def queue_build(found: PrivacyRequest, ids: list[int], user: Any, context: AuditContext) -> Job:
    """The package job of a request being completed, in the caller's transaction; ``start``
    queues it once that transaction is committed."""
    job = jobs.create_job(
        KIND,
        user,
        {"request": found.id, "customers": ids},
        total=len(ids),
        label=context.actor_label,
        commit=False,
    )
    found.details = {**found.details, "package_job": job.id}
    return job


def start(found: PrivacyRequest) -> None:
    """Queue the request's package job (a worker builds it; JOBS_IMMEDIATE: here)."""
    jobs.start(db.session.get(Job, found.details["package_job"]))


@kind(KIND)
def run_package(job: Job, progress: Progress) -> dict[str, Any]:
    """Read record after record (a committed step each), then store the package with its
    expiry and audit it, in one transaction. A re-run reads again from the first record (it
    only reads); a package already stored by this job is not made again."""
    found = db.session.get(PrivacyRequest, job.params["request"])
    if found is None or found.details.get("package_job") != job.id:
        raise JobError("This job's privacy request no longer waits for it.")
    if found.package_expires_at is not None:
        return {}
    if job.cursor is not None:
        job.done, job.cursor = 0, None
    records, orders = [], 0
    for number, customer_id in enumerate(job.params["customers"], 1):
        record = package_record(customer_id)
        if record is not None:
            records.append(record)
            orders += len(record["orders"])
        progress.commit(1, number)
    # Held until the commit: a run that somehow overlapped this one finds the package made.
    found = db.session.get(
        PrivacyRequest, job.params["request"], with_for_update=True, populate_existing=True
    )
    if found.package_expires_at is not None:
        db.session.rollback()
        return {}
    found.package = document(found, records)
    found.package_expires_at = utcnow() + timedelta(days=PACKAGE_DAYS)
    context = AuditContext(
        source=request_source(found.id),
        actor_id=job.started_by_id,
        actor_label=job.started_by_label,
        request_id=f"job-{job.id}",
    )
    audit(found, context, "package", {"customers": (None, [r["customer"]["id"] for r in records])})
    db.session.commit()
    return {"records": len(records), "orders": orders}


def package_state(found: PrivacyRequest, now: datetime | None = None) -> PackageState | None:
    """The package of a done access request (None for any other request)."""
    if found.kind != "access" or found.status != "done":
        return None
    job_id = found.details.get("package_job")
    job = db.session.get(Job, job_id) if job_id else None
    if found.package_expires_at is not None:
        ready = found.package_expires_at > (now or utcnow())
        return PackageState("ready" if ready else "expired", job, found.package_expires_at)
    return PackageState("failed" if job and job.status == "failed" else "building", job, None)


def for_download(
    pk: int, context: AuditContext, fmt: str, now: datetime | None = None
) -> dict[str, Any]:
    """The package, its download (or view: ``fmt`` says which) audited; commits.

    PackageError 404 (no such access request, or expired: then deleted), 409 (the request
    is not done, or its package is being built or failed to build)."""
    found = db.session.get(PrivacyRequest, pk)
    if found is None or found.kind != "access":
        raise PackageError(404, "Not found.")
    state = package_state(found, now)
    if state is None:
        raise PackageError(409, "The package is made when the request is done.")
    if state.status == "building":
        job = state.job
        raise PackageError(
            409,
            f"The package is being built (job {job.id}: {job.done} of {job.total} records); "
            f"ask again in a few seconds.",
            state,
        )
    if state.status == "failed":
        raise PackageError(
            409,
            f"The package could not be built (job {state.job.id} failed); "
            "a supervisor can retry that job on the Jobs page.",
            state,
        )
    if state.status == "expired":
        if found.package is not None:  # the sweep has not passed yet
            _delete(found, context)
            db.session.commit()
        raise PackageError(404, "The package has expired.", state)
    package = found.package
    audit(found, context, "download", {"format": (None, fmt)})
    db.session.commit()
    return package


@sweep("expired access packages deleted")
def purge(now: datetime | None = None) -> int:
    """Delete every package whose PACKAGE_DAYS have passed at ``now``; commits."""
    expired = db.session.scalars(
        select(PrivacyRequest).where(
            PrivacyRequest.package_expires_at <= (now or utcnow()),
            PrivacyRequest.package.is_not(None),
        )
    ).all()
    context = AuditContext.system("system")
    for found in expired:
        _delete(found, context)
    db.session.commit()
    return len(expired)


def delete_holding(ids: list[int], context: AuditContext) -> int:
    """Delete now the packages that hold any of the customers ``ids`` (an erasure reached
    them: the person's data must not outlive it for the rest of the 7 days). Returns how many."""
    erased = set(ids)
    live = db.session.scalars(
        select(PrivacyRequest).where(
            PrivacyRequest.kind == "access", PrivacyRequest.package.is_not(None)
        )
    ).all()
    held = [found for found in live if erased.intersection(found.customers)]
    for found in held:
        _delete(found, context)
        found.package_expires_at = utcnow()
    return len(held)


def _delete(found: PrivacyRequest, context: AuditContext) -> None:
    # SQL NULL (a plain None would be stored as the JSON value null, and found again).
    found.package = null()
    audit(found, context, "package_expire", {})
