"""The OpenAPI 3 document, generated from the same field specs and filter set the API uses,
and the page that renders it (server-side, nothing fetched)."""

import copy
from typing import Any

from flask import current_app, jsonify, render_template
from werkzeug.routing import Map

from backoffice.api.auth import requires
from backoffice.api.blueprint import bp
from backoffice.api.openapi_paths import api_url_map, paths_from_url_map
from backoffice.api.schemas import CHANNEL_FIELDS, ORDERS_INFO_SCHEMA
from backoffice.auth.access import role_required
from backoffice.customers.declaration import CUSTOMER_FIELDS
from backoffice.customers.filterset import CustomerFilterSet
from backoffice.fields import Field
from backoffice.filtering import FilterSet, JsonMethodFilter, RelatedFilter
from backoffice.orders.filters import OrderFilterSet
from backoffice.orders.schema import ORDER_CUSTOMER_FIELDS, ORDER_FIELDS


def _object(fields: dict[str, Field], *, writable: bool, required: bool) -> dict[str, Any]:
    chosen = {n: f for n, f in fields.items() if not (writable and f.read_only)}
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {n: f.json_schema() for n, f in chosen.items()},
    }
    if writable and required:
        schema["required"] = [n for n, f in chosen.items() if f.required]
    if not writable:
        schema["required"] = list(chosen)
    return schema


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


def _json(schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    return {"description": description or "OK", "content": {"application/json": {"schema": schema}}}


ERROR = _json(_ref("Error"), "An error, in DRF's words")
VALIDATION = _json(_ref("ValidationError"), "Validation errors by field")
NOT_ACCEPTABLE = _json(_ref("NotAcceptable"), "A rule refused the change")
AUTH_ERRORS = {"401": ERROR, "403": ERROR}


def _filter_parameters(filterset: type[FilterSet] = CustomerFilterSet) -> list[dict[str, Any]]:
    params = []
    for name, spec in filterset.filters.items():
        if isinstance(spec, RelatedFilter):
            params += [_query(f"{name}__{field}") for field in spec.fields]
        elif isinstance(spec, JsonMethodFilter):
            continue  # ``attributes__<key>``: the key is free, so it cannot be listed
        else:
            for lookup in (*spec.lookups, *spec.hidden_lookups):
                params.append(_query(name if lookup == "exact" else f"{name}__{lookup}"))
    if (search := filterset.search) is not None:  # as DRF's SearchFilter describes it
        params.append({**_query(search.param), "description": search.description})
    return params


def _query(name: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema or {"type": "string"}}


PAGE_PARAMETERS = [
    _query("page", {"type": "integer", "minimum": 1}),
    _query("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
]
PK = {"name": "pk", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0}}
CHANNEL_ID = {
    "name": "channel_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 0},
}
PATH_PARAMETERS = {"pk": PK, "channel_id": CHANNEL_ID}


def _page_of(item: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["count", "next", "previous", "results"],
        "properties": {
            "count": {"type": "integer"},
            "next": {"type": "string", "nullable": True},
            "previous": {"type": "string", "nullable": True},
            "results": {"type": "array", "items": _ref(item)},
        },
    }


def _list_operation(
    summary: str, item: str, filterset: type[FilterSet] | None = CustomerFilterSet
) -> dict[str, Any]:
    params = [*PAGE_PARAMETERS]
    if filterset is not None:
        params += [_query("ordering"), *_filter_parameters(filterset)]
    return {
        "summary": summary,
        "parameters": params,
        "responses": {"200": _json(_page_of(item)), "400": VALIDATION, "404": ERROR, **AUTH_ERRORS},
    }


def _write_operation(summary: str, body: str, status: str, extra: dict | None = None) -> dict:
    return {
        "summary": summary,
        "requestBody": _body(body),
        "responses": {
            status: _json(_ref("Customer")),
            "400": VALIDATION,
            "404": ERROR,
            "406": NOT_ACCEPTABLE,
            "412": ERROR,
            "415": ERROR,
            **AUTH_ERRORS,
            **(extra or {}),
        },
    }


def _read_operation(summary: str, schema: str) -> dict[str, Any]:
    return {
        "summary": summary,
        "responses": {"200": _json(_ref(schema)), "404": ERROR, **AUTH_ERRORS},
    }


def _customer_operations() -> dict[tuple[str, str], dict[str, Any]]:
    detail = {
        "get": _read_operation("One customer", "Customer"),
        "put": _write_operation(
            "Replace a customer (email, channel, channel_code required)", "CustomerInput", "200"
        ),
        "patch": _write_operation("Change some fields of a customer", "CustomerPatch", "200"),
    }
    return {
        ("api.customer_list", "get"): _list_operation("Customers, paged and filtered", "Customer"),
        ("api.customer_create", "post"): _write_operation(
            "Create a customer", "CustomerInput", "201"
        ),
        ("api.customer_detailed_list", "get"): _list_operation(
            "Customers with channel and orders_info", "CustomerDetailed"
        ),
        ("api.customer_export", "get"): {
            "summary": "The filtered customers as CSV, streamed (supervisor)",
            "parameters": [_query("ordering"), *_filter_parameters()],
            "responses": {
                "200": {
                    "description": "One row per customer; formula-like cells start with '",
                    "content": {"text/csv": {"schema": {"type": "string"}}},
                },
                "400": VALIDATION,
                **AUTH_ERRORS,
            },
        },
        ("api.customer_detail", "get"): detail["get"],
        ("api.customer_update", "put"): detail["put"],
        ("api.customer_update", "patch"): detail["patch"],
        ("api.customer_detail_detailed", "get"): _read_operation(
            "One customer with channel and orders_info", "CustomerDetailed"
        ),
        ("api.customer_related", "get"): {
            "summary": "The same person's other records: same email or phone, not anonymized",
            "parameters": PAGE_PARAMETERS,
            "responses": {
                "200": _json(_page_of("RelatedCustomer")),
                "400": ERROR,  # a query string the app refuses (a NUL character)
                "404": ERROR,
                **AUTH_ERRORS,
            },
        },
        ("api.customer_anonymize", "post"): {
            "summary": "Erase the customer's personal data for good (supervisor)",
            "responses": {"200": _json(_ref("Customer")), "404": ERROR, **AUTH_ERRORS},
        },
        ("api.channel_customer_list", "get"): _list_operation("A channel's customers", "Customer"),
        ("api.channel_customer_create", "post"): _write_operation(
            "Create a customer of this channel", "CustomerPatch", "201"
        ),
        ("api.channel_customer_detail", "get"): detail["get"],
        ("api.channel_customer_update", "put"): _write_operation(
            "Replace a customer of this channel", "CustomerPatch", "200"
        ),
        ("api.channel_customer_update", "patch"): detail["patch"],
    }


def _other_operations() -> dict[tuple[str, str], dict[str, Any]]:
    return {
        ("api.channel_list", "get"): _list_operation("Channels", "Channel", filterset=None),
        ("api.channel_create", "post"): {
            "summary": "Create a channel (admin)",
            "requestBody": _body("ChannelInput"),
            "responses": {
                "201": _json(_ref("Channel")),
                "400": VALIDATION,
                "415": ERROR,
                **AUTH_ERRORS,
            },
        },
        ("api.order_list", "get"): _list_operation(
            "Orders, paged and filtered", "Order", OrderFilterSet
        ),
        ("api.order_ingest", "post"): {
            "summary": "Ingest an order and upsert its buyer (201 new, 200 known)",
            "requestBody": _body("OrderInput"),
            "responses": {
                "201": _json(_ref("Order")),
                "200": _json(_ref("Order")),
                "400": VALIDATION,
                "415": ERROR,
                **AUTH_ERRORS,
            },
        },
        ("api.order_detail", "get"): _read_operation("One order", "Order"),
        ("api.channel_detail", "get"): _read_operation("One channel", "Channel"),
        ("api.login", "post"): {
            "summary": "A token for an email and password",
            "security": [],
            "requestBody": _body("Login"),
            "responses": {
                "200": _json(_ref("Token")),
                "400": VALIDATION,
                "415": ERROR,
                "429": ERROR,
            },
        },
    }


# Where a created customer can be read and changed next: the stateful fuzzing follows these.
CUSTOMER_LINKS = {
    "GetCustomer": {"operationId": "getCustomer", "parameters": {"pk": "$response.body#/pk"}},
    "PatchCustomer": {"operationId": "patchCustomer", "parameters": {"pk": "$response.body#/pk"}},
    "GetCustomerDetailed": {
        "operationId": "getCustomerDetailed",
        "parameters": {"pk": "$response.body#/pk"},
    },
}
OPERATION_IDS = {
    ("/api/v1/customers/", "get"): "listCustomers",
    ("/api/v1/customers/", "post"): "createCustomer",
    ("/api/v1/customers/{pk}/", "get"): "getCustomer",
    ("/api/v1/customers/{pk}/", "put"): "replaceCustomer",
    ("/api/v1/customers/{pk}/", "patch"): "patchCustomer",
    ("/api/v1/customers/{pk}/detailed/", "get"): "getCustomerDetailed",
    ("/api/v1/customers/export.csv", "get"): "exportCustomers",
}


def _identify(paths: dict[str, Any]) -> dict[str, Any]:
    """Give every operation an operationId, and link creation to what follows it."""
    # Alias paths share operation objects; each needs its own copy for its own id.
    paths = {path: {m: copy.deepcopy(op) for m, op in item.items()} for path, item in paths.items()}
    for path, item in paths.items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            default = method + "".join(p.strip("{}").title() for p in path.split("/")[3:] if p)
            operation["operationId"] = OPERATION_IDS.get((path, method), default)
    created = paths["/api/v1/customers/"]["post"]["responses"]["201"]
    paths["/api/v1/customers/"]["post"]["responses"]["201"] = {**created, "links": CUSTOMER_LINKS}
    return paths


def _related(customer: dict[str, Any]) -> dict[str, Any]:
    """A customer and the keys it shares with the one asked about."""
    matched = {"type": "array", "items": {"type": "string", "enum": ["email", "phone"]}}
    return {
        **customer,
        "properties": {**customer["properties"], "matched_on": matched},
        "required": [*customer["required"], "matched_on"],
    }


def _order_input() -> dict[str, Any]:
    order = _object(ORDER_FIELDS, writable=True, required=True)
    order["properties"]["customer"] = _object(ORDER_CUSTOMER_FIELDS, writable=True, required=True)
    return order


def openapi_document(url_map: Map | None = None) -> dict[str, Any]:
    """The document for the ``api.*`` routes of ``url_map`` (the API blueprint's by default)."""
    operations = {**_customer_operations(), **_other_operations()}
    paths = paths_from_url_map(url_map or api_url_map(), operations, PATH_PARAMETERS)
    customer = _object(CUSTOMER_FIELDS, writable=False, required=True)
    detailed = _object(CUSTOMER_FIELDS, writable=False, required=True)
    detailed["properties"] = {
        **detailed["properties"],
        "channel": _ref("Channel"),
        "orders_info": ORDERS_INFO_SCHEMA,
    }
    detailed["required"] = [*detailed["required"], "orders_info"]
    messages = {"type": "array", "items": {"type": "string"}}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Backoffice API",
            "version": "1",
            "description": "A replica of Omnitron's /api/v1/customers/. "
            "Authenticate with `Authorization: Token <key>`.",
        },
        "security": [{"tokenAuth": []}],
        "paths": _identify(paths),
        "components": {
            "securitySchemes": {
                "tokenAuth": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`Token <key>`",
                }
            },
            "schemas": {
                "Customer": customer,
                "CustomerDetailed": detailed,
                "RelatedCustomer": _related(customer),
                "CustomerInput": _object(CUSTOMER_FIELDS, writable=True, required=True),
                "CustomerPatch": _object(CUSTOMER_FIELDS, writable=True, required=False),
                "Channel": _object(CHANNEL_FIELDS, writable=False, required=True),
                "ChannelInput": _object(CHANNEL_FIELDS, writable=True, required=True),
                "Order": _object(ORDER_FIELDS, writable=False, required=True),
                "OrderInput": _order_input(),
                "Login": {
                    "type": "object",
                    "required": ["username", "password"],
                    "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
                },
                "Token": {
                    "type": "object",
                    "required": ["key"],
                    "properties": {"key": {"type": "string"}},
                },
                "Error": {
                    "type": "object",
                    "required": ["detail"],
                    "properties": {"detail": {"type": "string"}},
                },
                "ValidationError": {
                    "type": "object",
                    # Messages by field; a nested object (an order's customer) nests the same.
                    "additionalProperties": {
                        "oneOf": [messages, {"type": "string"}, {"type": "object"}]
                    },
                },
                "NotAcceptable": {
                    "type": "object",
                    "required": ["non_field_errors", "error_code"],
                    "properties": {
                        "non_field_errors": {"type": "string"},
                        "error_code": {"type": "string"},
                    },
                },
            },
        },
    }


@bp.route("/schema/", methods=["GET"], endpoint="schema")
@requires("agent")
def schema():
    return jsonify(openapi_document(current_app.url_map))


@bp.route("/docs/", methods=["GET"], endpoint="docs")
@role_required("agent")  # a page for people: signed-in staff, redirected to sign-in otherwise
def docs():
    return render_template("api/docs.html", doc=openapi_document(current_app.url_map))
