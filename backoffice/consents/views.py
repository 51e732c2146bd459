"""Consent operation pages: a bulk change from the customer list (confirm, then run), and
opt-out lists (upload, preview, confirm). Supervisors and admins."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from backoffice.apitext import shown, shown_all
from backoffice.auth.access import role_required
from backoffice.consents import bulk, optout, preview
from backoffice.consents.forms import BulkConsentForm, OptOutForm
from backoffice.customers.reads import all_channels
from backoffice.extensions import db
from backoffice.filtering import FilterError
from backoffice.jobs import service as jobs
from backoffice.jobs.models import Job

bp = Blueprint("consents", __name__, url_prefix="/consents")
bp.record_once(
    lambda state: state.app.jinja_env.globals.update(
        bulk_filters_query=lambda: bulk.filters_query(request.args)
    )
)


@bp.route("/bulk", methods=["GET", "POST"], endpoint="bulk")
@role_required("supervisor")
def bulk_change():
    """GET: what the change would do, and its confirm button; POST: run it."""
    confirming = request.method == "POST"
    # The GET shows counts only: no token needed; the POST (the change) checks it.
    form = BulkConsentForm() if confirming else BulkConsentForm(request.args, meta={"csrf": False})
    plan = None
    if form.validate():
        try:
            plan = bulk.plan(form.selection(), form.target())
        except FilterError as exc:
            form.query.errors = [_("These filters cannot be used: %(errors)s", errors=worded(exc))]
    if plan is not None and confirming:
        job = bulk.start(plan, current_user)
        if job.status == "done":
            flash(_("Consent change #%(id)d is done.", id=job.id))
        else:
            flash(_("Consent change #%(id)d started.", id=job.id))
        return redirect(url_for("jobs.detail", pk=job.id))
    list_url = url_for("customers.list")
    back = f"{list_url}?{form.query.data}" if form.query.data else list_url
    page = render_template("consents/bulk.html", form=form, plan=plan, back=back)
    return page, 200 if plan is not None else 400


def worded(exc: FilterError) -> str:
    return "; ".join(
        f"{name}: {' '.join(shown_all(messages))}" for name, messages in exc.errors.items()
    )


@bp.before_app_request
def _allow_large_lists() -> None:
    """An opt-out list may be far larger than other requests; set before any hook reads the
    form (blueprints are registered, with this hook, before the app's own hooks)."""
    if request.endpoint == "consents.optout":
        request.max_content_length = current_app.config["OPTOUT_MAX_BYTES"]


@bp.route("/optout", methods=["GET", "POST"], endpoint="optout")
@role_required("supervisor")
def optout_upload():
    form = OptOutForm(all_channels())
    if form.validate_on_submit():
        upload = form.file.data
        with upload.stream as stream:
            data = stream.read()
        target = dict.fromkeys(form.consents.data, False)
        try:
            job = preview.prepare(
                data, upload.filename or "upload", target, form.channels.data, current_user
            )
        except optout.OptOutFileError as exc:
            form.file.errors.append(shown(exc.args[0]))
        else:
            return redirect(url_for(".optout_preview", pk=job.id))
    return render_template("consents/optout.html", form=form)


@bp.route("/optout/<int:pk>", methods=["GET", "POST"], endpoint="optout_preview")
@role_required("supervisor")
def optout_preview(pk: int):
    """The upload's preview; POST (its confirm button) starts the job."""
    job = db.get_or_404(Job, pk)
    if job.kind != optout.KIND:
        abort(404)
    if job.status != "draft":
        return redirect(url_for("jobs.detail", pk=job.id))
    counting = preview.preview_job(job) if job.result.get("preview") is None else None
    if request.method == "POST" and counting is None:  # CSRFProtect checked the token
        jobs.start(job, inline=job.total <= current_app.config["JOBS_INLINE_LIMIT"])
        flash(_("Opt-out list #%(id)d started.", id=job.id))
        return redirect(url_for("jobs.detail", pk=job.id))
    channels = {c.id: c.name for c in all_channels()}
    if request.method == "POST":
        flash(_("The list is still being counted: confirm once its preview shows."))
    return render_template(
        "consents/optout_preview.html", job=job, channels=channels, counting=counting
    )
