"""The JSON API under /api/v1: a replica of Omnitron's customer API."""

from backoffice.api import openapi
from backoffice.api.blueprint import bp
from backoffice.features import feature_modules

# Each feature's routes join the blueprint before anyone registers it.
ROUTES = feature_modules("api")

__all__ = ["ROUTES", "bp", "openapi"]
