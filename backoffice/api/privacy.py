"""/api/v1/privacy-requests/: register, list, complete and reject privacy requests
(supervisors and admins), and download an access package."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import jsonify, request

from backoffice.api.auth import requires
from backoffice.api.blueprint import bp
from backoffice.api.body import request_data
from backoffice.api.operations import (
    ERROR,
    VALIDATION_ERROR,
    Schema,
    documented,
    operation,
    page_operation,
    read_operation,
)
from backoffice.api.pagination import invalid_page, page_params, page_response
from backoffice.api.responses import APIError, get_or_404, validation_error
from backoffice.audit.context import audit_context_from_request, request_actor
from backoffice.fields import Field, render_datetime, validate
from backoffice.filtering import FilterError
from backoffice.pagination import InvalidPage
from backoffice.privacy import packages, service
from backoffice.privacy.filters import PrivacyRequestFilterSet, request_page
from backoffice.privacy.models import KINDS, STATUSES, PrivacyRequest

LIST = "/privacy-requests/"
INPUT_FIELDS = {
    "kind": Field("kind", "choice", required=True, choices=KINDS),
    "email": Field("email", "email", allow_null=True, max_length=254),
    "phone_number": Field("phone_number", "char", allow_null=True, max_length=128),
    "received_at": Field("received_at", "datetime"),
    "reference": Field("reference", "char", max_length=128),
    "notes": Field("notes", "char"),
}
OUTPUT_FIELDS = {
    "pk": Field("pk", "integer", read_only=True),
    "kind": Field("kind", "choice", choices=KINDS),
    "status": Field("status", "choice", choices=STATUSES, read_only=True),
    "email": Field("email", "char", allow_null=True, read_only=True),
    "phone_number": Field("phone_number", "char", allow_null=True, read_only=True),
    "received_at": Field("received_at", "datetime", read_only=True),
    "due_date": Field("due_date", "date", read_only=True),
    "reference": Field("reference", "char", read_only=True),
    "reason": Field("reason", "char", read_only=True),
    "completed_by": Field("completed_by", "char", allow_null=True, read_only=True),
    "completed_at": Field("completed_at", "datetime", allow_null=True, read_only=True),
}
REQUEST = Schema(
    "PrivacyRequest",
    OUTPUT_FIELDS,
    extra={
        "description": "Also: consents, customers (those completed), matches, and for a done "
        "access request its package: status (building, ready, failed, expired), job, "
        "done and total (records read), expires_at."
    },
)
REQUEST_INPUT = Schema(
    "PrivacyRequestInput",
    INPUT_FIELDS,
    mode="input",
    extra={"description": "consents: for consent_withdrawal, among the three consent fields."},
)
PACKAGE = Schema("PrivacyPackage", {}, extra={"additionalProperties": True})
CHANGE = {"200": REQUEST, "400": VALIDATION_ERROR, "404": ERROR, "409": ERROR}


@bp.route(LIST, methods=["GET"], endpoint="privacy_request_list")
@documented(
    "privacy_request_list",
    "get",
    page_operation("Privacy requests, by due date", REQUEST, PrivacyRequestFilterSet),
)
@requires("supervisor")
def privacy_request_list():
    number, limit = page_params()
    try:
        page = request_page(request.args, number, limit)
    except FilterError as exc:
        raise validation_error(exc.errors) from exc
    except InvalidPage as exc:
        raise invalid_page() from exc
    return page_response(page, [request_json(found) for found in page.items])


@bp.route(LIST, methods=["POST"], endpoint="privacy_request_create")
@documented(
    "privacy_request_create",
    "post",
    operation(
        "Register a privacy request; its matches come back",
        {"201": REQUEST, "400": VALIDATION_ERROR, "415": ERROR},
        body=REQUEST_INPUT,
    ),
)
@requires("supervisor")
def privacy_request_create():
    data = request_data()
    values, problems = validate(INPUT_FIELDS, data, partial=False)
    consents = data.get("consents") if isinstance(data, dict) else None
    if consents is not None and not (
        isinstance(consents, list) and all(isinstance(c, str) for c in consents)
    ):
        problems["consents"] = ['Expected a list of items but got type "str".']
    if problems:
        raise validation_error(problems)
    with request_errors():
        found = service.create_request(
            audit_context_from_request("api"), consents=consents, **values
        )
    return jsonify(request_json(found, with_matches=True)), 201


@bp.route(f"{LIST}<int:pk>/", methods=["GET"], endpoint="privacy_request_detail")
@documented("privacy_request_detail", "get", read_operation("One privacy request", REQUEST))
@requires("supervisor")
def privacy_request_detail(pk: int):
    return jsonify(request_json(get_or_404(PrivacyRequest, pk), with_matches=True))


@bp.route(f"{LIST}<int:pk>/complete/", methods=["POST"], endpoint="privacy_request_complete")
@documented(
    "privacy_request_complete",
    "post",
    operation("Complete the request for its matches (or those named)", CHANGE),
)
@requires("supervisor")
def privacy_request_complete(pk: int):
    data = request_data()
    customers = data.get("customers") if isinstance(data, dict) else None
    if customers is not None and not (
        isinstance(customers, list)
        and all(isinstance(c, int) and not isinstance(c, bool) for c in customers)
    ):
        raise validation_error({"customers": ["Expected a list of customer pks."]})
    with request_errors():
        found = service.complete(pk, request_actor(), audit_context_from_request("api"), customers)
    return jsonify(request_json(found))


@bp.route(f"{LIST}<int:pk>/reject/", methods=["POST"], endpoint="privacy_request_reject")
@documented("privacy_request_reject", "post", operation("Reject the request", CHANGE))
@requires("supervisor")
def privacy_request_reject(pk: int):
    data = request_data()
    reason = data.get("reason") if isinstance(data, dict) else None
    if not isinstance(reason, str):
        raise validation_error({"reason": ["This field is required."]})
    with request_errors():
        found = service.reject(pk, request_actor(), audit_context_from_request("api"), reason)
    return jsonify(request_json(found))


@bp.route(f"{LIST}<int:pk>/package/", methods=["GET"], endpoint="privacy_request_package")
@documented(
    "privacy_request_package",
    "get",
    operation(
        "The access package (409 with Retry-After while its job builds it)",
        {"200": PACKAGE, "404": ERROR, "409": ERROR},
    ),
)
@requires("supervisor")
def privacy_request_package(pk: int):
    try:
        package = packages.for_download(pk, audit_context_from_request("api"), "json")
    except packages.PackageError as exc:
        raise package_error(exc) from exc
    return jsonify(package)


def package_error(exc: packages.PackageError) -> APIError:
    """404 / 409 ``{"detail": …}``; while the package is built, also its state and when to
    ask again (Retry-After)."""
    if exc.state is None or exc.state.status == "expired":
        return APIError(exc.status, exc.detail)
    body = {"detail": exc.detail, "package": package_json(exc.state)}
    building = exc.state.status == "building"
    headers = {"Retry-After": str(packages.RETRY_AFTER)} if building else None
    return APIError(exc.status, body=body, headers=headers)


def package_json(state: packages.PackageState | None) -> dict[str, Any] | None:
    if state is None:
        return None
    job = state.job
    return {
        "status": state.status,
        "job": job.id if job else None,
        "done": job.done if job else None,
        "total": job.total if job else None,
        "expires_at": render_datetime(state.expires_at),
    }


def request_json(found: PrivacyRequest, *, with_matches: bool = False) -> dict[str, Any]:
    body = {
        "pk": found.id,
        "kind": found.kind,
        "status": found.status,
        "email": found.email,
        "phone_number": found.phone_number,
        "received_at": render_datetime(found.received_at),
        "due_date": found.due_date.isoformat(),
        "reference": found.reference,
        "consents": found.consents,
        "customers": found.customers,
        "reason": found.reason,
        "completed_by": found.completed_by_label,
        "completed_at": render_datetime(found.completed_at),
    }
    if found.kind == "access":
        body["package"] = package_json(packages.package_state(found))
    if with_matches:
        body["matches"] = [
            {"customer": m.customer_id, "channel": m.channel_id, "matched_on": m.matched_on}
            for m in service.matches(found)
        ]
    return body


@contextmanager
def request_errors() -> Iterator[None]:
    try:
        yield
    except service.RequestError as exc:
        if exc.status == 400:
            raise validation_error(exc.errors) from exc
        raise APIError(exc.status, exc.errors["detail"][0]) from exc
