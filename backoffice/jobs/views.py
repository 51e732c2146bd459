"""The Jobs pages: the list, one job with its progress (and its JSON for the progress bar),
Retry, and the download of the file a job wrote. Supervisors and admins see every job;
agents start none and see none (403); a file goes only to its job's starter or an admin."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from backoffice.audit.context import audit_context_from_request
from backoffice.auth.access import role_required
from backoffice.extensions import db
from backoffice.jobs import files, service
from backoffice.jobs.models import Job
from backoffice.pagination import InvalidPage, parse_page_number

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
PER_PAGE = 25
# How a job's kind and status read on the pages (the stored values stay as they are).
KIND_LABELS = {
    "consents.bulk": _l("Bulk consent change"),
    "consents.optout": _l("Opt-out list"),
    "privacy.package": _l("Access package"),
    "customers.export": _l("Customer export"),
}
NO_FILE = {
    "building": _l("The file is still being written: this page offers it once it is done."),
    "failed": _l("The file could not be written: retry the job, or export again."),
    "expired": _l("The file has been deleted (files are kept for a limited time): export again."),
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
    return render_template(
        "jobs/detail.html",
        job=job,
        can_retry=service.can_retry(job),
        file=files.file_state(job) if files.has_file(job) else None,
        may_download=files.may_download(job, current_user),
        no_file=NO_FILE,
    )


@bp.get("/<int:pk>/download", endpoint="download")
@role_required("supervisor")
def download(pk: int):
    job = _job_or_404(pk)
    if not files.has_file(job):
        abort(404)
    if not files.may_download(job, current_user):
        abort(403)
    try:
        sending = request.method != "HEAD"
        sent = files.hand_over(job, audit_context_from_request("web") if sending else None)
    except files.NoFile as exc:
        flash(str(NO_FILE[exc.state.status]), "info")
        return redirect(url_for(".detail", pk=job.id))
    return Response(
        sent.pieces,
        mimetype=sent.mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{sent.name}"',
            "Content-Length": str(sent.size),
        },
    )


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
        if files.has_file(job):  # a file is written again whole (one consistent read)
            flash(_("The job runs again and writes its file from the first row."), "success")
        else:
            flash(_("The job runs again from its last completed batch."), "success")
    return redirect(url_for(".detail", pk=job.id))


def _job_or_404(pk: int) -> Job:
    job = db.get_or_404(Job, pk)
    if job.status == "draft":
        abort(404)
    return job
