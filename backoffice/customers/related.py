"""The same person's other customer records: those that share a customer's email or phone key.

One statement a page, from the customer's id: the customer's row (its keys) joined to the
records found by two index lookups (``email_key``, ``phone_key``); the count travels with the
rows, and a customer with no other record still comes back as one row, so the statement also
tells whether the customer exists. Anonymized records have no keys and are never listed.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, and_, bindparam, func, or_, select

from backoffice.channels.models import Channel
from backoffice.customers.listread import CustomerRow, channel_columns, customer_row_of
from backoffice.customers.models import Customer
from backoffice.dbread import read_mappings
from backoffice.pagination import InvalidPage, Page, page_offset

CUSTOMERS = Customer.__table__
MATCHED = (("email", "email_key"), ("phone", "phone_key"))  # matched_on names, in this order
LIMIT, OFFSET = bindparam("limit", type_=Integer), bindparam("offset", type_=Integer)


@dataclass(frozen=True)
class RelatedRecord:
    customer: CustomerRow
    matched_on: list[str]  # "email", "phone"


def _related() -> Any:
    me, c = CUSTOMERS.alias("me"), CUSTOMERS.c
    channel = Channel.__table__.alias("channel")
    same = or_(c.email_key == me.c.email_key, c.phone_key == me.c.phone_key)
    others = and_(same, c.id != me.c.id, c.anonymized_at.is_(None))
    return (
        select(
            *(me.c[key].label(f"me__{key}") for _name, key in MATCHED),
            func.count(c.id).over().label("total"),
            *CUSTOMERS.c,
            *channel_columns(channel),
        )
        # Left joins one after the other (not ``me LEFT JOIN (customers JOIN channel)``, which
        # SQLite answers by building the whole inner join first).
        .select_from(
            me.outerjoin(CUSTOMERS, others).outerjoin(channel, channel.c.id == c.channel_id)
        )
        .where(me.c.id == bindparam("pk"))
        .order_by(c.created_date.desc(), c.id.desc())
        .limit(LIMIT)
        .offset(OFFSET)
    )


RELATED = _related()  # built once, run with parameters


def related_records(pk: int, number: int, limit: int) -> Page | None:
    """Page ``number`` (-1: the last) of the other records sharing customer ``pk``'s email or
    phone key, newest first, as RelatedRecords; None when there is no customer ``pk``. Raises
    InvalidPage for a page past the end (the customer may not exist either)."""
    first = number in (1, -1)
    rows = _rows(pk, limit, 0 if first else page_offset(number, limit))
    if not rows:
        if first:
            return None
        raise InvalidPage(str(number))
    count = int(rows[0]["total"])
    if number == -1:
        number = max(1, -(-count // limit))
        if number > 1:
            rows = _rows(pk, limit, page_offset(number, limit))
    keys = {key: rows[0][f"me__{key}"] for _name, key in MATCHED}
    channels: dict[int, Any] = {}
    items = [
        RelatedRecord(
            customer_row_of(row, channels),
            [name for name, key in MATCHED if keys[key] is not None and row[key] == keys[key]],
        )
        for row in rows
        if row["id"] is not None  # the customer's own row when nothing shares its keys
    ]
    return Page(items=items, count=count, number=number, limit=limit)


def _rows(pk: int, limit: int, offset: int) -> list[dict[str, Any]]:
    return read_mappings(RELATED, {"pk": pk, "limit": limit, "offset": offset})
