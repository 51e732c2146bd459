"""Order pages: one order with its amounts, status, buyer and history."""

from flask import Blueprint, abort, render_template

from backoffice.auth.access import role_required
from backoffice.orders.queries import order_view

bp = Blueprint("orders", __name__, url_prefix="/orders")

# How the order's fields read on its page and in its history.
ORDER_LABELS = {
    "customer_id": "Buyer",
    "amount": "Amount",
    "discount_amount": "Discount",
    "refund_amount": "Refund",
    "status": "Status",
    "created_date": "Ordered",
}


@bp.get("/<int:pk>/", endpoint="detail")
@role_required("agent")
def detail(pk: int):
    shown = order_view(pk)
    if shown is None:
        abort(404)
    return render_template("orders/detail.html", shown=shown, labels=ORDER_LABELS)
