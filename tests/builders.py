"""Tiny builders for test data; each takes overrides."""

import itertools

from backoffice.audit.context import AuditContext
from backoffice.channels.models import Channel
from backoffice.customers.models import Customer
from backoffice.customers.service import CustomerService
from backoffice.extensions import db

_codes = itertools.count(1)


def make_channel(**overrides) -> Channel:
    channel = Channel(**{"name": "Test Market", "channel_type": "marketplace", **overrides})
    db.session.add(channel)
    db.session.commit()
    return channel


def make_customer(channel: Channel, audit_context: AuditContext | None = None, **overrides):
    n = next(_codes)
    fields = {
        "email": f"customer{n}@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone_number": f"0555000{n:04d}",
        **overrides,
    }
    channel_code = fields.pop("channel_code", f"code-{n}")
    return CustomerService().create_customer(channel, channel_code, audit_context, **fields)


def customer_count() -> int:
    return db.session.query(Customer).count()
