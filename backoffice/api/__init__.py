"""The JSON API under /api/v1: a replica of Omnitron's customer API."""

from backoffice.api import channels, customers, login, openapi, orders
from backoffice.api.blueprint import bp

__all__ = ["bp", "channels", "customers", "login", "openapi", "orders"]
