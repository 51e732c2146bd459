"""Bulk consent changes on the customers a list query selects: the plan the confirmation
shows, and the job that applies it batch by batch."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import current_app
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from backoffice.audit.context import AuditContext
from backoffice.customers.consents import apply_consents, check_target, needs_change
from backoffice.customers.filterset import CustomerFilterSet
from backoffice.customers.listread import customer_filters
from backoffice.customers.models import Customer
from backoffice.extensions import db
from backoffice.filtering import FilterError
from backoffice.jobs import service as jobs
from backoffice.jobs.models import Job
from backoffice.jobs.runner import JobError, Progress, kind

KIND = "consents.bulk"
# Parameters of the list page that choose a page, not customers.
NOT_FILTERS = frozenset({"page", "limit", "ordering"})


def filters_query(args: MultiDict) -> str:
    """The list query's filters alone, as a query string."""
    return urlencode([(k, v) for k, v in args.items(multi=True) if k not in NOT_FILTERS])


def selection_query(ids: list[int]) -> str:
    return urlencode({"id__in": ",".join(str(pk) for pk in sorted(set(ids)))})


@dataclass(frozen=True)
class BulkPlan:
    """What a bulk change would do, counted now."""

    query: str
    target: dict[str, bool]
    matching: int
    will_change: int
    anonymized: int

    @property
    def unchanged(self) -> int:
        return self.matching - self.will_change - self.anonymized


def _filters(query: str) -> CustomerFilterSet:
    filters = customer_filters(MultiDict(parse_qsl(query, keep_blank_values=True)))
    if not filters.is_valid:
        raise FilterError(filters.errors)
    return filters


def plan(query: str, target: dict[str, bool]) -> BulkPlan:
    """Count the customers ``query`` selects, and those the change would change or skip.
    Raises FilterError for a bad query, ValueError for a bad target."""
    target = check_target(target)
    where = _filters(query).where()

    def count(*more: Any) -> int:
        return db.session.scalar(select(func.count()).select_from(Customer).where(*where, *more))

    return BulkPlan(
        query,
        target,
        matching=count(),
        will_change=count(needs_change(target)),
        anonymized=count(Customer.anonymized_at.is_not(None)),
    )


def start(change: BulkPlan, user: Any) -> Job:
    """Record the job and run it: in this request when small, else on a worker."""
    job = jobs.create_job(
        KIND, user, {"query": change.query, "target": change.target}, total=change.matching
    )
    jobs.start(job, inline=change.matching <= current_app.config["JOBS_INLINE_LIMIT"])
    return job


def job_context(job: Job, source: str) -> AuditContext:
    """The audit context of a job's writes: its starter, its source, the job as request id."""
    return AuditContext(
        source=source,
        actor_id=job.started_by_id,
        actor_label=job.started_by_label,
        request_id=f"job-{job.id}",
    )


@kind(KIND)
def run_bulk(job: Job, progress: Progress) -> dict[str, Any]:
    try:
        filters = _filters(job.params["query"])
    except FilterError as exc:
        raise JobError(f"The job's filters are no longer valid: {exc}") from exc
    target = check_target(job.params["target"])
    context = job_context(job, "bulk")
    batch = current_app.config["JOBS_BATCH_SIZE"]
    while True:
        where = list(filters.where())
        if job.cursor is not None:
            where.append(Customer.id > job.cursor)
        counts, last = apply_consents(where, target, context, limit=batch)
        if last is None:
            return {}
        progress.commit(sum(counts), last, counts.as_dict())
