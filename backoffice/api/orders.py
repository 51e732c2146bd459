"""/api/v1/orders/: marketplace orders in (upserting their buyers), filtered pages out."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import jsonify, request

from backoffice.api.auth import requires
from backoffice.api.blueprint import bp
from backoffice.api.body import request_data
from backoffice.api.pagination import invalid_page, page_params, page_response
from backoffice.api.responses import get_or_404, validation_error
from backoffice.audit.context import audit_context_from_request
from backoffice.customers.errors import UnknownChannelError
from backoffice.fields import render_datetime, render_decimal
from backoffice.filtering import FilterError
from backoffice.orders.errors import InvalidOrderPayload
from backoffice.orders.models import Order
from backoffice.orders.queries import order_filters, order_page
from backoffice.orders.service import OrderService
from backoffice.pagination import InvalidPage

LIST = "/orders/"


@bp.route(LIST, methods=["GET"], endpoint="order_list")
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
@requires("agent")
def order_detail(pk: int):
    return jsonify(order_json(get_or_404(Order, pk)))


@bp.route(LIST, methods=["POST"], endpoint="order_ingest")
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
