"""The Jobs pages: the list, one job with its progress (and its JSON for the progress bar),
and Retry. Supervisors and admins see every job; agents start none and see none (403)."""

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from backoffice.auth.access import role_required
from backoffice.extensions import db
from backoffice.jobs import service
from backoffice.jobs.models import Job
from backoffice.pagination import InvalidPage, parse_page_number

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
PER_PAGE = 25
# How a job's kind and status read on the pages (the stored values stay as they are).
KIND_LABELS = {
    "consents.bulk": _l("Bulk consent change"),
    "consents.optout": _l("Opt-out list"),
    "privacy.package": _l("Access package"),
}
STATUS_LABELS = {
    "draft": _l("draft"),
    "queued": _l("queued"),
    "running": _l("running"),
    "done": _l("done"),
    "failed": _l("failed"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


bp.add_app_template_filter(kind_label, "job_kind_label")
bp.add_app_template_filter(status_label, "job_status_label")


@bp.get("/", endpoint="list")
@role_required("supervisor")
def job_list():
    try:
        page = service.job_page(parse_page_number(request.args.get("page")), PER_PAGE)
    except InvalidPage:
        abort(404)
    return render_template("jobs/list.html", page=page)


@bp.get("/<int:pk>/", endpoint="detail")
@role_required("supervisor")
def detail(pk: int):
    job = _job_or_404(pk)
    return render_template("jobs/detail.html", job=job, can_retry=service.can_retry(job))


@bp.get("/<int:pk>/progress", endpoint="progress")
@role_required("supervisor")
def progress(pk: int):
    job = _job_or_404(pk)
    return jsonify(
        id=job.id,
        status=job.status,
        status_label=status_label(job.status),
        done=job.done,
        total=job.total,
        percent=job.percent,
        rate=round(job.rate, 1) if job.rate else None,
        result=job.result,
        error=job.error,
        can_retry=service.can_retry(job),
    )


@bp.post("/<int:pk>/retry", endpoint="retry")
@role_required("supervisor")
def retry(pk: int):
    job = _job_or_404(pk)  # the CSRF token was checked before (CSRFProtect)
    try:
        service.retry(job)
    except service.JobNotRetryable:
        flash(_("This job has not failed or stalled: there is nothing to retry."), "info")
    else:
        flash(_("The job runs again from its last completed batch."), "success")
    return redirect(url_for(".detail", pk=job.id))


def _job_or_404(pk: int) -> Job:
    job = db.get_or_404(Job, pk)
    if job.status == "draft":
        abort(404)
    return job
