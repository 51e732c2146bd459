"""The orders on the pages: an order's own page (amounts, status, buyer and history); a
customer's order totals and orders, on the customer's page; and the order number, for the
customer search."""

from collections.abc import Iterable
from typing import Any

from flask import Blueprint, abort, render_template
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from werkzeug.datastructures import MultiDict

from backoffice import formatting
from backoffice.auth.access import role_required
from backoffice.customers.models import Customer
from backoffice.customers.search import code_source
from backoffice.customers.sections import customer_page_section
from backoffice.listlinks import row_urls
from backoffice.orders import spreadsheet  # noqa: F401  (the workbook's order columns)
from backoffice.orders.models import Order
from backoffice.orders.queries import OrderRow, customer_orders_with_totals, order_view
from backoffice.pagination import InvalidPage, parse_page_number

bp = Blueprint("orders", __name__, url_prefix="/orders")

ORDERS_PER_PAGE = 10

# How the order's fields read on its page and in its history.
ORDER_LABELS = {
    "customer_id": _l("Buyer"),
    "amount": _l("Amount"),
    "discount_amount": _l("Discount"),
    "refund_amount": _l("Refund"),
    "status": _l("Status"),
    "created_date": _l("Ordered"),
}

code_source(Order.customer_id, Order.number)


@bp.app_template_filter("order_cells")
def order_cells(orders: Iterable[OrderRow]) -> list[tuple[str, ...]]:
    """The customer page's order rows shaped in one pass, each a plain tuple of what its
    cells show: (link, number, date, status, amount, discount, refund), the amounts in the
    order's currency. The template unpacks it: no attribute lookup or filter call a cell.

    **Every cell is HTML, ready to print** (the rows print with autoescaping off, as the
    customer table's, customers.display.table_rows): each text escaped here once, the link
    a path of ours to a number."""
    link, when, money = row_urls("orders.detail"), formatting.when, formatting.money
    return [
        (link(order.id), escape(order.number), escape(when(order.created_date)),
         escape(order.status), escape(money(order.amount, order.currency)),
         escape(money(order.discount_amount, order.currency)),
         escape(money(order.refund_amount, order.currency)))
        for order in orders
    ]  # fmt: skip


@customer_page_section
def customer_orders_section(customer: Customer, args: MultiDict) -> dict[str, Any]:
    """``orders``: the page of orders ``orders_page`` asks for (404 past the last one);
    ``info``: the customer's order totals, read with the page (one statement)."""
    try:
        number = parse_page_number(args.get("orders_page"))
        info, orders = customer_orders_with_totals(customer.id, number, ORDERS_PER_PAGE)
    except InvalidPage:
        abort(404)
    return {"orders": orders, "info": info}


@bp.get("/<int:pk>/", endpoint="detail")
@role_required("agent")
def detail(pk: int):
    shown = order_view(pk)
    if shown is None:
        abort(404)
    return render_template("orders/detail.html", shown=shown, labels=ORDER_LABELS)
