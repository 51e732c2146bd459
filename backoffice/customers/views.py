"""Customer pages: list with filters, quick search, detail, create, edit, consents, anonymize."""

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from backoffice import listlinks
from backoffice.apitext import shown_all
from backoffice.audit.context import audit_context_from_request
from backoffice.auth.access import can, role_required
from backoffice.customers import querystring
from backoffice.customers.declaration import CONSENT_FIELDS
from backoffice.customers.display import TEMPLATE_FILTERS, consent_rows
from backoffice.customers.errors import (
    ChannelCodeLockedError,
    CustomerAnonymizedError,
    CustomerDuplicatedFieldException,
    CustomerVersionConflict,
)
from backoffice.customers.export import csv_download, export_customers, xlsx_download
from backoffice.customers.exportjobs import export_job
from backoffice.customers.filterset import CustomerPageFilterSet
from backoffice.customers.forms import (
    CODE_LOCKED,
    AnonymizeForm,
    ConsentsForm,
    CustomerFilterForm,
    EditCustomerForm,
    NewCustomerForm,
    rebase,
)
from backoffice.customers.listread import TABLE_COLUMNS, customer_list_page, customer_row
from backoffice.customers.models import Customer
from backoffice.customers.reads import (
    all_channels,
    changes_since,
    customer_history,
    quick_search_results,
)
from backoffice.customers.related import related_records
from backoffice.customers.sections import section_variables
from backoffice.customers.service import CustomerService
from backoffice.extensions import db
from backoffice.filtering import FilterError
from backoffice.pagination import InvalidPage, parse_limit, parse_page_number
from backoffice.savedviews.service import channels_and_views, list_panel

bp = Blueprint("customers", __name__, url_prefix="/customers")
for _name, _filter in TEMPLATE_FILTERS.items():
    bp.add_app_template_filter(_filter, _name)
bp.record_once(lambda state: state.app.jinja_env.globals.update(consent_fields=CONSENT_FIELDS))

SEARCH_LIMIT = 20
RELATED_LIMIT = 20
DUPLICATE = _l("Another customer of this channel already has this channel code.")
ANONYMIZED = _l("This customer has been anonymized: their data can no longer be changed.")


@bp.get("/", endpoint="list")
@role_required("agent")
def customer_list():
    if not querystring.is_canonical(request.args):
        return redirect(listlinks.query_url(request.path, querystring.canonical_args(request.args)))
    args = request.args
    channels, views = channels_and_views(current_user)
    form_errors = querystring.form_errors(args)
    try:
        listed = customer_list_page(
            listlinks.with_changes(args, ordering=_ordering()),
            args.get("page"),
            _page_size(),
            channels,
            read=not form_errors,
            filterset=CustomerPageFilterSet,
            columns=TABLE_COLUMNS,
        )
    except InvalidPage:
        return redirect(listlinks.url_with(page=_last_page(args, channels)))
    filters, page = listed.filters, listed.page
    unpaged = listlinks.with_changes(args, page=None)
    return render_template(
        "customers/list.html",
        **_filter_panel(channels, args, {**filters.errors, **form_errors}),
        panel_key=querystring.panel_key(args, channels),
        filter_field_key=querystring.field_key,
        page=page,
        chips=querystring.chips(filters, args, request.path, {str(c.id): c.name for c in channels}),
        clear_url=querystring.clear_url(args, request.path),
        export_url=listlinks.query_url(url_for(".export"), unpaged),
        xlsx_export_url=listlinks.query_url(url_for(".export_xlsx"), unpaged),
        default_ordering=querystring.DEFAULT_ORDERING,
        page_sizes=querystring.PAGE_SIZES,
        page_size=_page_size(),
        saved=list_panel(current_user, request.query_string.decode(), views),
    )


@bp.get("/export.csv", endpoint="export")
@bp.get("/export.xlsx", endpoint="export_xlsx")
@role_required("supervisor")
def export():
    file_format = "xlsx" if request.endpoint == "customers.export_xlsx" else "csv"
    args = listlinks.with_changes(querystring.canonical_args(request.args), ordering=_ordering())
    try:
        job = None
        if request.method != "HEAD":  # above EXPORT_INLINE_ROWS: a job writes the file
            job = export_job(args, file_format, current_user, filterset=CustomerPageFilterSet)
        if job is not None:
            return redirect(url_for("jobs.detail", pk=job.id), 303)
        blocks = export_customers(
            args,
            audit_context_from_request("web"),
            send_rows=request.method != "HEAD",
            filterset=CustomerPageFilterSet,
            file_format=file_format,
        )
    except FilterError:
        return redirect(listlinks.query_url(url_for(".list"), request.args))
    return xlsx_download(blocks) if file_format == "xlsx" else csv_download(blocks)


@bp.get("/search", endpoint="search")
@role_required("agent")
def search():
    term = request.args.get("q", "").strip()
    if not term:
        return redirect(url_for(".list"))
    found = quick_search_results(term, SEARCH_LIMIT + 1)
    exact = [hit.customer for hit in found if hit.exact]
    if len(found) == 1 or len(exact) == 1:
        return redirect(url_for(".detail", pk=(exact or [found[0].customer])[0].id))
    return render_template(
        "customers/search.html",
        term=term,
        customers=[hit.customer for hit in found[:SEARCH_LIMIT]],
        more=len(found) > SEARCH_LIMIT,
    )


@bp.get("/<int:pk>/", endpoint="detail")
@role_required("agent")
def detail(pk: int):
    # Plain values (listread's read of one customer with its channel): the page changes
    # nothing, so no ORM identity map or unit of work.
    customer = customer_row(pk)
    if customer is None:
        abort(404)
    history = customer_history(customer)
    return render_template(
        "customers/detail.html",
        customer=customer,
        history=history,
        consents=consent_rows(customer, history),
        related=related_records(customer.id, 1, RELATED_LIMIT),
        **section_variables(customer, request.args),
    )


@bp.route("/new", methods=["GET", "POST"], endpoint="new")
@role_required("agent")
def new():
    form = NewCustomerForm(all_channels())
    if form.validate_on_submit():
        fields = form.customer_fields()
        try:
            customer = CustomerService().create_customer(
                int(form.channel.data),
                fields.pop("channel_code"),
                audit_context_from_request("web"),
                **fields,
            )
        except CustomerDuplicatedFieldException:
            form.channel_code.errors.append(str(DUPLICATE))
        else:
            flash(_("Customer created."), "success")
            return redirect(url_for(".detail", pk=customer.id))
    return render_template("customers/form.html", form=form, customer=None)


@bp.route("/<int:pk>/edit", methods=["GET", "POST"], endpoint="edit")
@role_required("agent")
def edit(pk: int):
    return _change_page(
        pk, EditCustomerForm, "customers/form.html", may_change_code=can("supervisor")
    )


@bp.route("/<int:pk>/consents", methods=["GET", "POST"], endpoint="consents")
@role_required("agent")
def consents(pk: int):
    return _change_page(pk, ConsentsForm, "customers/consents.html")


def _change_page(pk: int, form_class: type, template: str, **form_options: bool):
    """A form that changes an existing customer: shown, validated, saved or refused."""
    customer = db.get_or_404(Customer, pk)
    if customer.is_anonymized:
        return _refuse_anonymized(customer)
    form = form_class(obj=customer, **form_options)
    outcome = _save(customer, form) if form.validate_on_submit() else {}
    if isinstance(outcome, Response):
        return outcome
    return render_template(template, form=form, customer=customer, **outcome)


@bp.route("/<int:pk>/anonymize", methods=["GET", "POST"], endpoint="anonymize")
@role_required("supervisor")
def anonymize(pk: int):
    customer = db.get_or_404(Customer, pk)
    if customer.is_anonymized:
        flash(_("This customer is already anonymized."), "info")
        return redirect(url_for(".detail", pk=customer.id))
    form = AnonymizeForm(customer.email)
    if form.validate_on_submit():
        CustomerService().anonymize_customer(customer, audit_context_from_request("web"))
        flash(_("The customer has been anonymized."), "success")
        return redirect(url_for(".detail", pk=customer.id))
    return render_template("customers/anonymize.html", form=form, customer=customer)


# -- helpers -----------------------------------------------------------------------------------


def _save(customer: Customer, form: EditCustomerForm | ConsentsForm) -> Response | dict:
    """Save a validated form: a redirect once saved, else what the page must show besides
    the form's own errors (on a conflict: what changed meanwhile, and the clashing fields)."""
    read_at = form.version.data
    try:
        CustomerService().update_customer(
            customer,
            audit_context_from_request("web"),
            expected_version=read_at,
            channel_code_locked=not getattr(form, "may_change_code", True),
            **form.customer_fields(),
        )
    except CustomerVersionConflict:
        events = changes_since(customer, read_at)
        return {"meanwhile": events, "clashes": rebase(form, customer, events)}
    except CustomerDuplicatedFieldException:
        form.channel_code.errors.append(str(DUPLICATE))
        return {}
    except ChannelCodeLockedError:
        form.channel_code.errors.append(str(CODE_LOCKED))
        return {}
    except CustomerAnonymizedError:
        return _refuse_anonymized(customer)
    if customer.version == read_at:
        flash(_("Nothing to save: no value was changed."), "info")
    else:
        flash(_("Changes saved."), "success")
    return redirect(url_for(".detail", pk=customer.id))


def _refuse_anonymized(customer: Customer) -> Response:
    flash(str(ANONYMIZED), "warning")
    return redirect(url_for(".detail", pk=customer.id))


def _last_page(args, channels) -> str | None:
    """Where a page that does not exist leads: the last page (None for the first), or the
    first page when the page parameter is not a number at all."""
    try:
        parse_page_number(args.get("page"))
    except InvalidPage:
        return None
    listed = customer_list_page(
        listlinks.with_changes(args, ordering=_ordering()),
        "last",
        _page_size(),
        channels,
        filterset=CustomerPageFilterSet,
    )
    return str(listed.page.number) if listed.page and listed.page.number > 1 else None


def _ordering() -> str | None:
    """The ordering asked for; without one, a search ranks its matches, else newest first."""
    if request.args.get("ordering"):
        return request.args["ordering"]
    return None if request.args.get("search", "").strip() else querystring.DEFAULT_ORDERING


def _page_size() -> int:
    return parse_limit(
        request.args.get("limit"), querystring.DEFAULT_PAGE_SIZE, querystring.PAGE_SIZES[-1]
    )


def _filter_panel(channels, args: MultiDict, errors: dict[str, list[str]]) -> dict[str, Any]:
    """The filter panel's template variables: ``filter_form()``, the form; ``field_errors``,
    its fields with an error; ``other_errors``, those no field shows. The form is built now
    only to place errors on it, else only when the panel's fields are drawn: a cached panel
    needs none (building it cost ~5 % of the page)."""
    if not errors:
        return {
            "filter_form": lambda: _filter_form(channels, args),
            "field_errors": [],
            "other_errors": {},
        }
    form = _filter_form(channels, args)
    others = _place_errors(form, errors)
    field_errors = [field for field in form if field.errors]
    return {"filter_form": lambda: form, "field_errors": field_errors, "other_errors": others}


def _filter_form(channels, args: MultiDict) -> CustomerFilterForm:
    return CustomerFilterForm(channels, formdata=querystring.form_args(args))


def _place_errors(form: CustomerFilterForm, errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Show each error beside the field that edits its parameter, in the page's language (the
    engine's are the API's English); return those without one."""
    others = {}
    for param, messages in errors.items():
        name = querystring.field_for(param)
        if name in form:
            form[name].errors = shown_all(messages)
        else:
            others[param] = shown_all(messages)
    return others
