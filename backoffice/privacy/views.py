"""Privacy request pages: the register, a new request, a request's matches and its outcome,
the access package, and the "did we erase this person?" lookup. Supervisors and admins."""

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from backoffice.apitext import shown_all
from backoffice.audit.context import audit_context_from_request
from backoffice.auth.access import role_required
from backoffice.extensions import db
from backoffice.filtering import FilterError
from backoffice.pagination import InvalidPage, parse_page_number
from backoffice.privacy import packages, service
from backoffice.privacy.filters import request_page
from backoffice.privacy.forms import CompleteForm, ErasedLookupForm, PrivacyRequestForm, RejectForm
from backoffice.privacy.models import PrivacyRequest

bp = Blueprint("privacy", __name__, url_prefix="/privacy")
PAGE_SIZE = 50
bp.record_once(lambda state: state.app.jinja_env.globals.update(privacy_waiting=service.waiting))
# How a request's kind and status read on the pages (the stored values stay the API's).
KIND_WORDS = {
    "access": _l("access"),
    "erasure": _l("erasure"),
    "consent_withdrawal": _l("consent withdrawal"),
}
STATUS_WORDS = {"open": _l("open"), "done": _l("done"), "rejected": _l("rejected")}


@bp.app_template_filter("privacy_kind_label")
def kind_label(kind: str) -> str:
    return str(KIND_WORDS.get(kind, kind.replace("_", " ")))


@bp.app_template_filter("privacy_status_label")
def status_label(status: str) -> str:
    return str(STATUS_WORDS.get(status, status))


@bp.route("/", methods=["GET"], endpoint="list")
@role_required("supervisor")
def request_list():
    """Open requests by due date (overdue marked); ``?status=done`` etc. for the others."""
    status = request.args.get("status", "open")
    try:
        number = parse_page_number(request.args.get("page"))
        page = request_page(MultiDict({"status": status}), number, PAGE_SIZE)
    except (InvalidPage, FilterError):
        abort(404)
    return render_template("privacy/list.html", page=page, status=status)


@bp.route("/new", methods=["GET", "POST"], endpoint="new")
@role_required("supervisor")
def new_request():
    form = PrivacyRequestForm()
    if form.validate_on_submit():
        found = service.create_request(
            audit_context_from_request("web"),
            kind=form.kind.data,
            email=form.email.data or None,
            phone_number=form.phone_number.data or None,
            received_at=form.received_at.data,
            reference=form.reference.data or "",
            notes=form.notes.data or "",
            consents=form.consents.data,
        )
        flash(_("Privacy request #%(id)d registered.", id=found.id))
        return redirect(url_for(".detail", pk=found.id))
    return render_template("privacy/new.html", form=form), 400 if form.errors else 200


@bp.route("/<int:pk>", methods=["GET"], endpoint="detail")
@role_required("supervisor")
def detail(pk: int):
    found = db.get_or_404(PrivacyRequest, pk)
    return render_request(found, CompleteForm(), RejectForm())


def render_request(found, complete_form, reject_form, status=200):
    matches = service.matches(found) if found.status == "open" else []
    if not complete_form.is_submitted():
        complete_form.customers.data = [m.customer_id for m in matches]
    page = render_template(
        "privacy/detail.html",
        found=found,
        package=packages.package_state(found),
        matches=matches,
        complete_form=complete_form,
        reject_form=reject_form,
    )
    return page, status


@bp.route("/<int:pk>/complete", methods=["POST"], endpoint="complete")
@role_required("supervisor")
def complete(pk: int):
    found = db.get_or_404(PrivacyRequest, pk)
    form = CompleteForm()
    if form.validate_on_submit():
        chosen = form.customers.data or []
        if not chosen:
            form.customers.errors = [_("Tick at least one record, or reject the request.")]
        else:
            try:
                service.complete(pk, current_user, audit_context_from_request("web"), chosen)
            except service.RequestError as exc:
                form.customers.errors = shown_all(m for ms in exc.errors.values() for m in ms)
            else:
                flash(_("Privacy request #%(id)d is done.", id=pk))
                return redirect(url_for(".detail", pk=pk))
    return render_request(db.session.get(PrivacyRequest, pk) or found, form, RejectForm(), 400)


@bp.route("/<int:pk>/reject", methods=["POST"], endpoint="reject")
@role_required("supervisor")
def reject(pk: int):
    found = db.get_or_404(PrivacyRequest, pk)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            service.reject(pk, current_user, audit_context_from_request("web"), form.reason.data)
        except service.RequestError as exc:
            form.reason.errors = shown_all(m for ms in exc.errors.values() for m in ms)
        else:
            flash(_("Privacy request #%(id)d is rejected.", id=pk))
            return redirect(url_for(".detail", pk=pk))
    return render_request(db.session.get(PrivacyRequest, pk) or found, CompleteForm(), form, 400)


@bp.route("/<int:pk>/package.json", methods=["GET"], endpoint="package")
@role_required("supervisor")
def package(pk: int):
    """The access package as a JSON download (404 once expired, 409 until it is built)."""
    response = jsonify(_package(pk, "json"))
    response.headers["Content-Disposition"] = f'attachment; filename="privacy-request-{pk}.json"'
    return response


@bp.route("/<int:pk>/package", methods=["GET"], endpoint="package_page")
@role_required("supervisor")
def package_page(pk: int):
    """The same package as a readable, printable page."""
    body = _package(pk, "page")
    return render_template(
        "privacy/package.html", found=db.session.get(PrivacyRequest, pk), package=body
    )


@bp.route("/<int:pk>/package.html", methods=["GET"], endpoint="package_html")
@role_required("supervisor")
def package_html(pk: int):
    """The same package as one self-contained HTML file to hand to the person."""
    response = make_response(
        render_template("privacy/package_document.html", package=_package(pk, "html"))
    )
    response.headers["Content-Disposition"] = f'attachment; filename="privacy-request-{pk}.html"'
    return response


def _package(pk: int, fmt: str) -> dict:
    try:
        return packages.for_download(pk, audit_context_from_request("web"), fmt)
    except packages.PackageError as exc:
        abort(exc.status, exc.detail)


@bp.route("/erased", methods=["GET"], endpoint="erased")
@role_required("supervisor")
def erased():
    """Did we erase this person? Answered from the hashes of done erasure requests."""
    form = ErasedLookupForm(request.args, meta={"csrf": False})
    found = None
    if request.args and form.validate():
        found = service.erased_before(form.email.data, form.phone_number.data)
    return render_template("privacy/erased.html", form=form, found=found)
