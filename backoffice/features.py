"""The feature packages, listed once: the app finds each one's tables, pages and API here."""

import importlib
import importlib.util
from types import ModuleType

# Packages under backoffice/. Where a feature has them, its ``models`` module holds its tables
# (the metadata and Alembic see them), its ``views`` module its pages (a blueprint ``bp``), and
# ``backoffice/api/<feature>.py`` its JSON routes on the ``api`` blueprint.
FEATURES = (
    "audit",
    "auth",
    "channels",
    "customers",
    "orders",
    "jobs",
    "consents",
    "privacy",
    "savedviews",
    "main",
)
# Features whose API module is named otherwise (``api/auth.py`` is the API's token check).
API_MODULES = {"auth": "login"}


def feature_modules(kind: str) -> list[ModuleType]:
    """Every feature's ``kind`` module (``models``, ``views`` or ``api``), imported, in order."""
    modules = []
    for feature in FEATURES:
        if kind == "api":
            name = f"backoffice.api.{API_MODULES.get(feature, feature)}"
        else:
            name = f"backoffice.{feature}.{kind}"
        if importlib.util.find_spec(name) is not None:
            modules.append(importlib.import_module(name))
    return modules
