"""The same person's other customer records: those that share a customer's email or phone key.

One statement a page: the ids come from two index lookups (``email_key``, ``phone_key``), the
count travels with the rows. Anonymized records have no keys and are never listed.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, bindparam, func, select, union

from backoffice.channels.models import Channel
from backoffice.customers.listread import CustomerRow, channel_columns, customer_row_of
from backoffice.customers.models import Customer
from backoffice.extensions import db
from backoffice.pagination import InvalidPage, Page, page_offset

CUSTOMERS = Customer.__table__
MATCHED = (("email", "email_key"), ("phone", "phone_key"))  # matched_on names, in this order
LIMIT, OFFSET = bindparam("limit", type_=Integer), bindparam("offset", type_=Integer)


@dataclass(frozen=True)
class RelatedRecord:
    customer: CustomerRow
    matched_on: list[str]  # "email", "phone"


def _related() -> Any:
    c = CUSTOMERS.c
    same = union(
        select(c.id).where(c.email_key == bindparam("email_key")),
        select(c.id).where(c.phone_key == bindparam("phone_key")),
    )
    channel = Channel.__table__.alias("channel")
    return (
        select(func.count().over().label("total"), *CUSTOMERS.c, *channel_columns(channel))
        .join_from(CUSTOMERS, channel, channel.c.id == c.channel_id)
        .where(c.id.in_(same), c.id != bindparam("pk"), c.anonymized_at.is_(None))
        .order_by(c.created_date.desc(), c.id.desc())
        .limit(LIMIT)
        .offset(OFFSET)
    )


RELATED = _related()  # built once, run with parameters


def related_records(customer: Any, number: int, limit: int) -> Page:
    """Page ``number`` (-1: the last) of the other records sharing ``customer``'s email or
    phone key, newest first, as RelatedRecords. Raises InvalidPage past the end."""
    keys = {"email_key": customer.email_key, "phone_key": customer.phone_key}
    params = {**keys, "pk": customer.id, "limit": limit}
    if number == -1:
        rows = db.session.execute(RELATED, {**params, "offset": 0}).mappings().all()
        count = int(rows[0]["total"]) if rows else 0
        number = max(1, -(-count // limit))
    rows = db.session.execute(RELATED, {**params, "offset": page_offset(number, limit)})
    rows = rows.mappings().all()
    count = int(rows[0]["total"]) if rows else 0
    if not rows and number > 1:
        raise InvalidPage(str(number))
    channels: dict[int, Any] = {}
    items = [
        RelatedRecord(
            customer_row_of(row, channels),
            [name for name, key in MATCHED if keys[key] is not None and row[key] == keys[key]],
        )
        for row in rows
    ]
    return Page(items=items, count=count, number=number, limit=limit)
