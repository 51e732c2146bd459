"""Imports every model, so the metadata (and Alembic) sees the whole schema."""

from backoffice.audit.models import AuditEvent
from backoffice.auth.models import ApiToken, User
from backoffice.channels.models import Channel, IntegrationMapping
from backoffice.customers.models import Customer, CustomerCount
from backoffice.main.models import CustomerStats, CustomerWeek, OrderWeek
from backoffice.orders.models import Order

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Channel",
    "Customer",
    "CustomerCount",
    "CustomerStats",
    "CustomerWeek",
    "IntegrationMapping",
    "Order",
    "OrderWeek",
    "User",
]
