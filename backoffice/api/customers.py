"""/api/v1/customers/ and its channel-scoped alias: thin adapters over CustomerService."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from flask import jsonify, request
from werkzeug.datastructures import MultiDict

from backoffice.api.auth import requires
from backoffice.api.blueprint import bp
from backoffice.api.body import request_data
from backoffice.api.metadata import options_response
from backoffice.api.operations import (
    ERROR,
    NOT_ACCEPTABLE,
    VALIDATION_ERROR,
    Schema,
    documented,
    operation,
    page_operation,
    read_operation,
)
from backoffice.api.operations import filter_parameters as filtered_by
from backoffice.api.pagination import invalid_page, page_params, page_response
from backoffice.api.responses import APIError, get_or_404, validation_error
from backoffice.api.schemas import (
    CUSTOMER,
    CUSTOMER_DETAILED,
    CUSTOMER_INPUT,
    CUSTOMER_PATCH,
    RELATED_CUSTOMER,
    customer_detailed_json,
    customer_json,
)
from backoffice.audit.context import audit_context_from_request
from backoffice.channels.models import Channel
from backoffice.customers import errors
from backoffice.customers.declaration import CUSTOMER_FIELDS
from backoffice.customers.export import csv_download, export_customers
from backoffice.customers.filterset import CustomerFilterSet
from backoffice.customers.listread import (
    CustomerRow,
    customer_filters,
    customer_list_page,
    customer_row,
    filters_select,
)
from backoffice.customers.models import Customer
from backoffice.customers.related import related_records
from backoffice.customers.service import CustomerService
from backoffice.extensions import db
from backoffice.fields import Field, validate
from backoffice.filtering import FilterError
from backoffice.orders.queries import orders_info
from backoffice.pagination import InvalidPage

LIST = "/customers/"
SCOPED = "/channel/<int:channel_id>/customers/"


def _write(summary: str, body: Schema, status: str, **kwargs) -> dict:
    refused = {"406": NOT_ACCEPTABLE, "412": ERROR, "415": ERROR}
    responses = {status: CUSTOMER, "400": VALIDATION_ERROR, "404": ERROR, **refused}
    return operation(summary, responses, body=body, **kwargs)


# The OpenAPI operations of the views below.
LISTED = page_operation("Customers, paged and filtered", CUSTOMER, CustomerFilterSet)
SCOPED_LISTED = page_operation("A channel's customers", CUSTOMER, CustomerFilterSet)
DETAILED = page_operation(
    "Customers with channel and orders_info", CUSTOMER_DETAILED, CustomerFilterSet
)
CSV = {"text/csv": {"schema": {"type": "string"}}}
EXPORTED = operation(
    "The filtered customers as CSV, streamed (supervisor)",
    {
        "200": {
            "description": "One row per customer; formula-like cells start with '",
            "content": CSV,
        },
        "400": VALIDATION_ERROR,
    },
    parameters=filtered_by(CustomerFilterSet),
)
ONE = read_operation("One customer", CUSTOMER)
ONE_DETAILED = read_operation("One customer with channel and orders_info", CUSTOMER_DETAILED)
# Where a created customer can be read and changed next: the stateful fuzzing follows these.
LINKS = {
    name: {"operationId": op, "parameters": {"pk": "$response.body#/pk"}}
    for name, op in (
        ("GetCustomer", "getCustomer"),
        ("PatchCustomer", "patchCustomer"),
        ("GetCustomerDetailed", "getCustomerDetailed"),
    )
}
CREATED = _write("Create a customer", CUSTOMER_INPUT, "201", links=LINKS)
SCOPED_CREATED = _write("Create a customer of this channel", CUSTOMER_PATCH, "201")
REPLACED = _write(
    "Replace a customer (email, channel, channel_code required)", CUSTOMER_INPUT, "200"
)
SCOPED_REPLACED = _write("Replace a customer of this channel", CUSTOMER_PATCH, "200")
PATCHED = _write("Change some fields of a customer", CUSTOMER_PATCH, "200")
RELATED = page_operation(
    "The same person's other records: same email or phone, not anonymized", RELATED_CUSTOMER
)
ANONYMIZED = operation(
    "Erase the customer's personal data for good (supervisor)", {"200": CUSTOMER, "404": ERROR}
)


# -- reading -----------------------------------------------------------------------------------


@bp.route(LIST, methods=["GET"], endpoint="customer_list")
@bp.route(SCOPED, methods=["GET"], endpoint="channel_customer_list")
@documented("customer_list", "get", LISTED, operation_id="listCustomers")
@documented("channel_customer_list", "get", SCOPED_LISTED)
@requires("agent")
def customer_list(channel_id: int | None = None):
    return _list(channel_id, detailed=False)


@bp.route(f"{LIST}detailed/", methods=["GET"], endpoint="customer_detailed_list")
@documented("customer_detailed_list", "get", DETAILED)
@requires("agent")
def customer_detailed_list():
    return _list(None, detailed=True)


def _list(channel_id: int | None, *, detailed: bool):
    args = request.args
    if channel_id is not None:
        get_or_404(Channel, channel_id)
        args = MultiDict([(k, v) for k, v in args.items(multi=True) if k != "channel"])
        args.add("channel", str(channel_id))
    number, limit = page_params()
    try:
        listed = customer_list_page(args, number, limit)
    except InvalidPage as exc:
        raise invalid_page() from exc
    if listed.page is None:
        raise validation_error(listed.filters.errors)
    page = listed.page
    if not detailed:
        return page_response(page, [customer_json(c) for c in page.items])
    info = orders_info([c.id for c in page.items])
    return page_response(page, [customer_detailed_json(c, info[c.id]) for c in page.items])


@bp.route(f"{LIST}export.csv", methods=["GET"], endpoint="customer_export")
@documented("customer_export", "get", EXPORTED, operation_id="exportCustomers")
@requires("supervisor")
def customer_export():
    try:
        blocks = export_customers(
            request.args, audit_context_from_request("api"), send_rows=request.method != "HEAD"
        )
    except FilterError as exc:
        raise validation_error(exc.errors) from exc
    return csv_download(blocks)


@bp.route(f"{LIST}<lookup:pk>/", methods=["GET"], endpoint="customer_detail")
@bp.route(f"{SCOPED}<lookup:pk>/", methods=["GET"], endpoint="channel_customer_detail")
@documented("customer_detail", "get", ONE, operation_id="getCustomer")
@documented("channel_customer_detail", "get", ONE)
@requires("agent")
def customer_detail(pk: int, channel_id: int | None = None):
    customer = _customer_row_or_404(pk, channel_id)
    return _with_etag(jsonify(customer_json(customer)), customer)


@bp.route(f"{LIST}<lookup:pk>/detailed/", methods=["GET"], endpoint="customer_detail_detailed")
@documented("customer_detail_detailed", "get", ONE_DETAILED, operation_id="getCustomerDetailed")
@requires("agent")
def customer_detail_detailed(pk: int):
    customer = _customer_row_or_404(pk)
    body = customer_detailed_json(customer, orders_info([customer.id])[customer.id])
    return _with_etag(jsonify(body), customer)


@bp.route(f"{LIST}<lookup:pk>/related/", methods=["GET"], endpoint="customer_related")
@documented("customer_related", "get", RELATED)
@requires("agent")
def customer_related(pk: int):
    """The same person's other records: those sharing the email or phone key. One statement
    finds the customer and the page; a bad page reads the customer again, to answer "Not
    found." before "Invalid page." as DRF's get_object does."""
    _filtered_or_404(pk)
    try:
        number, limit = page_params()
        page = related_records(pk, number, limit)
    except (APIError, InvalidPage) as exc:  # page_params raises an APIError "Invalid page."
        _customer_row_or_404(pk)
        raise invalid_page() from exc
    if page is None:
        raise APIError(404, "Not found.")
    results = [{**customer_json(r.customer), "matched_on": r.matched_on} for r in page.items]
    return page_response(page, results)


# -- writing -----------------------------------------------------------------------------------


@bp.route(LIST, methods=["POST"], endpoint="customer_create")
@bp.route(SCOPED, methods=["POST"], endpoint="channel_customer_create")
@documented("customer_create", "post", CREATED, operation_id="createCustomer")
@documented("channel_customer_create", "post", SCOPED_CREATED)
@requires("agent")
def customer_create(channel_id: int | None = None):
    values = _validated(request_data(), partial=False, channel_id=channel_id)
    with service_errors():
        customer = CustomerService().create_customer(
            values.pop("channel"),
            values.pop("channel_code"),
            audit_context_from_request("api"),
            **values,
        )
    return _with_etag(jsonify(customer_json(customer)), customer), 201


@bp.route(f"{LIST}<lookup:pk>/", methods=["PUT", "PATCH"], endpoint="customer_update")
@bp.route(f"{SCOPED}<lookup:pk>/", methods=["PUT", "PATCH"], endpoint="channel_customer_update")
@documented("customer_update", "put", REPLACED, operation_id="replaceCustomer")
@documented("customer_update", "patch", PATCHED, operation_id="patchCustomer")
@documented("channel_customer_update", "put", SCOPED_REPLACED)
@documented("channel_customer_update", "patch", PATCHED)
@requires("agent")
def customer_update(pk: int, channel_id: int | None = None):
    customer = _customer_or_404(pk, channel_id)
    expected = _if_match_version(customer)
    values = _validated(request_data(), partial=request.method == "PATCH", channel_id=channel_id)
    with service_errors():
        CustomerService().update_customer(
            customer, audit_context_from_request("api"), expected_version=expected, **values
        )
    return _with_etag(jsonify(customer_json(customer)), customer)


@bp.route(f"{LIST}<lookup:pk>/anonymize/", methods=["POST"], endpoint="customer_anonymize")
@documented("customer_anonymize", "post", ANONYMIZED)
@requires("supervisor")
def customer_anonymize(pk: int):
    customer = _customer_or_404(pk)
    CustomerService().anonymize_customer(customer, audit_context_from_request("api"))
    return _with_etag(jsonify(customer_json(customer)), customer)


# -- metadata ----------------------------------------------------------------------------------


@bp.route(LIST, methods=["OPTIONS"], endpoint="customer_list_options")
@bp.route(SCOPED, methods=["OPTIONS"], endpoint="channel_customer_list_options")
@bp.route(f"{LIST}detailed/", methods=["OPTIONS"], endpoint="customer_detailed_list_options")
@requires("agent")
def customer_list_options(channel_id: int | None = None):
    name = "Customer Detailed" if request.path.endswith("/detailed/") else "Customer List"
    post = None if name == "Customer Detailed" else CUSTOMER_FIELDS
    return options_response(
        name,
        filters=CustomerFilterSet.metadata(),
        search=CustomerFilterSet.search.metadata(),
        post_fields=post,
    )


@bp.route(f"{LIST}<lookup:pk>/", methods=["OPTIONS"], endpoint="customer_detail_options")
@bp.route(f"{SCOPED}<lookup:pk>/", methods=["OPTIONS"], endpoint="channel_customer_detail_options")
@bp.route(f"{LIST}<lookup:pk>/detailed/", methods=["OPTIONS"], endpoint="customer_detailed_options")
@requires("agent")
def customer_detail_options(pk: int, channel_id: int | None = None):
    _customer_or_404(pk, channel_id)
    return options_response("Customer Instance", put_fields=CUSTOMER_FIELDS)


# -- helpers -----------------------------------------------------------------------------------


def _customer_row_or_404(pk: int, channel_id: int | None = None) -> CustomerRow:
    """A customer to read (plain values, no ORM object)."""
    _filtered_or_404(pk)
    customer = customer_row(pk, channel_id)
    if customer is None:
        raise APIError(404, "Not found.")
    return customer


def _customer_or_404(pk: int, channel_id: int | None = None) -> Customer:
    _filtered_or_404(pk)
    customer = get_or_404(Customer, pk)
    if channel_id is not None and customer.channel_id != channel_id:
        raise APIError(404, "Not found.")
    return customer


def _filtered_or_404(pk: int) -> None:
    """DRF finds the object in the filtered list: a bad filter value is a 400 there too, and a
    customer the query's filters leave out is not found."""
    filters = customer_filters(request.args)
    if not filters.is_valid:
        raise validation_error(filters.errors)
    if not filters_select(filters, pk):
        raise APIError(404, "Not found.")


def _validated(data: Any, *, partial: bool, channel_id: int | None) -> dict[str, Any]:
    """The body checked as CustomerSerializer would; the channel path may omit channel."""
    fields = CUSTOMER_FIELDS
    if channel_id is not None:
        get_or_404(Channel, channel_id)
        fields = {**fields, "channel": _optional(fields["channel"])}
    values, problems = validate(fields, data, partial=partial)
    if channel_id is not None and not problems:
        values.setdefault("channel", channel_id)
        if values["channel"] != channel_id and request.method == "POST":
            problems["channel"] = [f"This path creates customers of channel {channel_id}."]
    if (
        "channel" in values
        and "channel" not in problems
        and db.session.get(Channel, values["channel"]) is None
    ):
        problems["channel"] = [f'Invalid pk "{values["channel"]}" - object does not exist.']
    if problems:
        raise validation_error(problems)
    return values


def _optional(field: Field) -> Field:
    return replace(field, required=False)


def _etag(customer: Customer) -> str:
    return f'"v{customer.version}"'


def _with_etag(response, customer: Customer):
    response.headers["ETag"] = _etag(customer)
    return response


def _if_match_version(customer: Customer) -> int | None:
    """The version the client read, from If-Match; 412 when it is no longer current."""
    if_match = request.headers.get("If-Match")
    if if_match is None:
        return None
    tags = {tag.strip() for tag in if_match.split(",")}
    if "*" in tags:
        return None
    if _etag(customer) not in tags:
        raise APIError(412, "Precondition failed: this customer has changed since you read it.")
    return customer.version


@contextmanager
def service_errors() -> Iterator[None]:
    """Domain errors in the contract's words and statuses."""
    try:
        yield
    except errors.CustomerDuplicatedFieldException as exc:
        raise validation_error({"non_field_errors": [str(exc)]}) from exc
    except errors.UnknownChannelError as exc:
        raise validation_error({"channel": [str(exc)]}) from exc
    except (errors.ChannelNotUpdatableError, errors.CustomerAnonymizedError) as exc:
        raise APIError(
            406, body={"non_field_errors": str(exc), "error_code": exc.error_code}
        ) from exc
    except errors.CustomerVersionConflict as exc:
        raise APIError(
            412, "Precondition failed: this customer has changed since you read it."
        ) from exc
