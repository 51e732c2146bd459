"""The orders' columns in the customer workbook: each customer's order count and amount."""

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, String, cast, func, literal, select
from sqlalchemy import type_coerce as as_text

from backoffice.customers.spreadsheet import MONEY, Column, joined_columns
from backoffice.orders.models import Order

COLUMNS = (
    Column("orders", _l("Orders"), "integer", 8),
    Column("order_amount", _l("Order amount"), "money", 14),
)


def _totals():
    """Each buyer's order count and amount, in one grouped pass over the orders."""
    return (
        select(
            Order.customer_id,
            func.count().label("orders"),
            func.sum(as_text(Order.amount, Integer)).label("amount"),
        )
        .group_by(Order.customer_id)
        .subquery("order_totals")
    )


def _cells(totals: Any, dialect: str) -> Any:
    """The customer's order count and amount as two cells (zeros without orders)."""
    amount = func.coalesce(totals.c.amount, 0)
    if dialect == "sqlite":
        amount = amount / 100.0  # SQLite keeps cents (Money)
    return (
        literal("<c><v>")
        + cast(func.coalesce(totals.c.orders, 0), String)
        + literal(f'</v></c><c s="{MONEY}"><v>')
        + cast(amount, String)
        + literal("</v></c>")
    )


joined_columns(COLUMNS, _totals(), _cells)
