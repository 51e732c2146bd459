"""The orders on the pages: a customer's order totals and orders, on the customer's page; and
the order number, for the customer search."""

from typing import Any

from flask import abort
from werkzeug.datastructures import MultiDict

from backoffice.customers.models import Customer
from backoffice.customers.search import code_source
from backoffice.customers.sections import customer_page_section
from backoffice.orders import spreadsheet  # noqa: F401  (the workbook's order columns)
from backoffice.orders.models import Order
from backoffice.orders.queries import customer_orders, orders_info
from backoffice.pagination import InvalidPage, parse_page_number

ORDERS_PER_PAGE = 10

code_source(Order.customer_id, Order.number)


@customer_page_section
def customer_orders_section(customer: Customer, args: MultiDict) -> dict[str, Any]:
    """``orders``: the page of orders ``orders_page`` asks for (404 past the last one);
    ``info``: the customer's order totals."""
    try:
        number = parse_page_number(args.get("orders_page"))
        orders = customer_orders(customer, number, ORDERS_PER_PAGE)
    except InvalidPage:
        abort(404)
    return {"orders": orders, "info": orders_info([customer.id])[customer.id]}
