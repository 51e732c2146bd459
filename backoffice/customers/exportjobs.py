"""Large customer exports as background jobs: above EXPORT_INLINE_ROWS customers the file
(CSV or .xlsx) is written by a job into the database, piece by piece, and its starter (or an
admin) downloads it from the job's page until the housekeeping deletes it.

Under a server whose workers have a timeout (gunicorn's sync workers: 30 s), a request
streaming a million rows is killed mid-file and staff get a truncated download; a job has no
such limit and a worker on another machine may run it. A re-run (a killed worker, Retry)
writes the file again from its first row: the rows are read in one snapshot, and a zip
cannot be resumed halfway through its compressed stream.
"""

from contextlib import closing
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from backoffice.audit.context import AuditContext
from backoffice.audit.service import record_event
from backoffice.customers import spreadsheet
from backoffice.customers.export import XLSX_TYPE, csv_parts, export_statement, filter_summary
from backoffice.customers.filterset import CustomerFilterSet, CustomerPageFilterSet
from backoffice.customers.listread import count_statement, customer_filters
from backoffice.database import write_intent
from backoffice.extensions import db
from backoffice.filtering import FilterError
from backoffice.i18n import DEFAULT_LANGUAGE, current_language
from backoffice.jobs import files
from backoffice.jobs import service as jobs
from backoffice.jobs.models import Job, JobFilePart
from backoffice.jobs.runner import JobError, Progress, kind

KIND = "customers.export"
FILES = {"csv": ("customers.csv", "text/csv"), "xlsx": ("customers.xlsx", XLSX_TYPE)}
# Set on an export being written when a customer is erased: what it read may hold them.
ERASED_MEANWHILE = "erased_meanwhile"
ERASED = "A customer was erased while this file was written; retry to write it again."


def export_job(
    args: MultiDict,
    file_format: str,
    user: Any,
    filterset: type[CustomerFilterSet] = CustomerPageFilterSet,
) -> Job | None:
    """The job that writes this export when the filtered list holds more than
    EXPORT_INLINE_ROWS customers (started: queued, or run at once under JOBS_IMMEDIATE);
    None when the request should stream it. Raises FilterError for a bad filter value,
    before anything is written."""
    filters = customer_filters(args, filterset=filterset)
    filters.where()  # FilterError when a value is bad
    total = int(db.session.scalar(count_statement(filters)) or 0)
    db.session.commit()  # end the read: the job is written afresh
    if total <= current_app.config["EXPORT_INLINE_ROWS"]:
        return None
    params = {
        "query": urlencode(list(args.items(multi=True))),
        "format": file_format,
        "language": current_language(),  # the workbook's header and sheet name
    }
    with write_intent():
        job = jobs.create_job(KIND, user, params, total=total)
        jobs.start(job)
    return job


@kind(KIND)
def run_export(job: Job, progress: Progress) -> dict[str, Any]:
    """Write the export's file: a piece, its rows and the job's counters per commit."""
    if ERASED_MEANWHILE in job.params:  # this run reads after that erasure
        job.params = {k: v for k, v in job.params.items() if k != ERASED_MEANWHILE}
    files.start_again(job)
    args = MultiDict(parse_qsl(job.params["query"], keep_blank_values=True))
    try:
        filters = customer_filters(args, filterset=CustomerPageFilterSet)
        statement = export_statement(filters.where(), filters.order_by(), job.params["format"])
    except FilterError as exc:
        raise JobError("The export's filter is no longer valid.") from exc
    db.session.commit()
    with force_locale(job.params.get("language") or DEFAULT_LANGUAGE):
        if job.params["format"] == "xlsx":
            parts = spreadsheet.workbook_parts(db.engine, statement)
        else:
            parts = _encoded(csv_parts(db.engine, statement))
    writer = files.FileWriter(job, progress, check=lambda: _not_erased_meanwhile(job))
    with closing(parts):
        for data, rows in parts:
            writer.write(data, rows)
    writer.close()
    return {"rows": writer.rows, "bytes": writer.size}


def forget_exports(session: Session) -> None:
    """An erasure (in its transaction): every export file goes, as any may hold the erased
    customer, and the exports being written are marked: they fail at their next piece."""
    exports = select(Job.id).where(Job.kind == KIND)
    session.execute(delete(JobFilePart).where(JobFilePart.job_id.in_(exports)))
    running = session.scalars(
        select(Job).where(Job.kind == KIND, Job.status.in_(("queued", "running")))
    )
    for job in running:
        job.params = {**job.params, ERASED_MEANWHILE: True}


def _not_erased_meanwhile(job: Job) -> None:
    params = db.session.scalar(select(Job.params).where(Job.id == job.id))
    if ERASED_MEANWHILE in params:
        raise JobError(ERASED)


def _encoded(parts):
    with closing(parts):
        for text, rows in parts:
            yield text.encode("utf-8"), rows


@files.download(KIND)
def hand_over(job: Job, context: AuditContext | None) -> tuple[str, str]:
    """The export's file name and type; its download (``context``: not a HEAD request) is
    audited as the export it is (who, from where, with which filter: no personal value);
    commits."""
    args = MultiDict(parse_qsl(job.params["query"], keep_blank_values=True))
    file_format = job.params["format"]
    if context is None:
        return FILES[file_format]
    db.session.commit()
    with write_intent():
        record_event(
            db.session,
            context,
            object_type="customer",
            object_id=None,
            action="export",
            changes={
                "filter": (None, filter_summary(args)),
                "format": (None, file_format),
                "job": (None, job.id),
            },
        )
        db.session.commit()
    return FILES[file_format]
