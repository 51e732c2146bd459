"""/api/v1/orders/: marketplace orders in (upserting their buyers), filtered pages out."""

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
from backoffice.api.responses import get_or_404, validation_error
from backoffice.audit.context import audit_context_from_request
from backoffice.customers.errors import UnknownChannelError
from backoffice.fields import render_datetime, render_decimal
from backoffice.filtering import FilterError
from backoffice.orders.errors import InvalidOrderPayload
from backoffice.orders.filters import OrderFilterSet
from backoffice.orders.models import Order
from backoffice.orders.queries import order_filters, order_page
from backoffice.orders.schema import ORDER_CUSTOMER_FIELDS, ORDER_FIELDS
from backoffice.orders.service import OrderService
from backoffice.pagination import InvalidPage

LIST = "/orders/"
ORDER = Schema("Order", ORDER_FIELDS)
# The buyer comes nested, as its customer fields.
ORDER_INPUT = Schema(
    "OrderInput",
    {**ORDER_FIELDS, "customer": Schema("", ORDER_CUSTOMER_FIELDS, mode="input")},
    mode="input",
)


@bp.route(LIST, methods=["GET"], endpoint="order_list")
@documented(
    "order_list", "get", page_operation("Orders, paged and filtered", ORDER, OrderFilterSet)
)
@requires("agent")
def order_list():
    number, limit = page_params()
    try:
        page = order_page(order_filters(request.args), number, limit)
    except FilterError as exc:
        raise validation_error(exc.errors) from exc
    except InvalidPage as exc:
        raise invalid_page() from exc
    return page_response(page, [order_json(order) for order in page.items])


@bp.route(f"{LIST}<int:pk>/", methods=["GET"], endpoint="order_detail")
@documented("order_detail", "get", read_operation("One order", ORDER))
@requires("agent")
def order_detail(pk: int):
    return jsonify(order_json(get_or_404(Order, pk)))


@bp.route(LIST, methods=["POST"], endpoint="order_ingest")
@documented(
    "order_ingest",
    "post",
    operation(
        "Ingest an order and upsert its buyer (201 new, 200 known)",
        {"201": ORDER, "200": ORDER, "400": VALIDATION_ERROR, "415": ERROR},
        body=ORDER_INPUT,
    ),
)
@requires("agent")
def order_ingest():
    """201 for a new order, 200 for a known one (updated or unchanged)."""
    with order_errors():
        result = OrderService().ingest_order(
            request_data(), audit_context_from_request("ingestion")
        )
    return jsonify(order_json(result.order)), 201 if result.created else 200


def order_json(order: Order) -> dict[str, Any]:
    return {
        "pk": order.id,
        "channel": order.channel_id,
        "number": order.number,
        "status": order.status,
        "amount": render_decimal(order.amount),
        "discount_amount": render_decimal(order.discount_amount),
        "refund_amount": render_decimal(order.refund_amount),
        "currency": order.currency,
        "created_date": render_datetime(order.created_date),
        "modified_date": render_datetime(order.modified_date),
        "customer": order.customer_id,
    }


@contextmanager
def order_errors() -> Iterator[None]:
    try:
        yield
    except InvalidOrderPayload as exc:
        raise validation_error(exc.errors) from exc
    except UnknownChannelError as exc:
        raise validation_error({"channel": [str(exc)]}) from exc
