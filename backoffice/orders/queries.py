"""Reading orders: filtered pages. No writes here."""

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from backoffice.extensions import db
from backoffice.orders.filters import OrderFilterSet
from backoffice.orders.models import Order
from backoffice.pagination import Page, paginate


def order_filters(args: MultiDict) -> OrderFilterSet:
    return OrderFilterSet(args, db.session, db.session.get_bind().dialect.name)


def order_page(filters: OrderFilterSet, number: int, limit: int) -> Page:
    """One page of the filtered orders; raises FilterError and InvalidPage."""
    where = filters.where()
    statement = select(Order).where(*where).order_by(*filters.order_by())
    count = select(func.count()).select_from(Order).where(*where)
    return paginate(db.session, statement, count, number, limit)
