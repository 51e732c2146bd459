"""Imports every model, so the metadata (and Alembic) sees the whole schema."""

from backoffice.audit.models import AuditEvent
from backoffice.auth.models import ApiToken, User
from backoffice.channels.models import Channel, IntegrationMapping
from backoffice.customers.models import Customer, CustomerCount
from backoffice.orders.models import Order
from backoffice.savedviews.models import SavedView

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Channel",
    "Customer",
    "CustomerCount",
    "IntegrationMapping",
    "Order",
    "SavedView",
    "User",
]
