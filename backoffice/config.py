"""Settings: defaults, then the environment, then the mapping a caller passes."""

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from backoffice.database import SQLITE_BUSY_TIMEOUT_MS

DEV_SECRET_KEY = "dev-only-secret-key-do-not-use-in-production"  # noqa: S105

DEFAULTS: dict[str, Any] = {
    "ENV_NAME": "production",
    # Routes answer only the methods they declare (the API's OPTIONS metadata included).
    "PROVIDE_AUTOMATIC_OPTIONS": False,
    "SECRET_KEY": None,
    "SQLALCHEMY_DATABASE_URI": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SECURE": False,
    "WTF_CSRF_TIME_LIMIT": None,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": True,
    # Failed sign-ins, on the page and the API together: per account, per client address.
    "LOGIN_RATE_LIMIT": "5 per minute",
    "LOGIN_ADDRESS_RATE_LIMIT": "20 per minute",
    # What a request may carry: a body (413 beyond it; forms are held to Flask's
    # MAX_FORM_MEMORY_SIZE per field and MAX_FORM_PARTS), and query parameters (400).
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "MAX_QUERY_PARAMETERS": 100,
    "CACHE_TYPE": "SimpleCache",
    "CACHE_DEFAULT_TIMEOUT": 3600,
    "CACHE_THRESHOLD": 1000,
    "API_PAGE_SIZE": 10,
    "API_MAX_PAGE_SIZE": 100,
}

# Environment variable -> setting, with the conversion the value needs.
ENVIRONMENT = {
    "BACKOFFICE_ENV": ("ENV_NAME", str),
    "SECRET_KEY": ("SECRET_KEY", str),
    "DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "SESSION_COOKIE_SECURE": ("SESSION_COOKIE_SECURE", lambda v: v.lower() in {"1", "true"}),
    "RATELIMIT_STORAGE_URI": ("RATELIMIT_STORAGE_URI", str),
    "MAX_CONTENT_LENGTH": ("MAX_CONTENT_LENGTH", int),
}


def configure(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    app.config.from_mapping(DEFAULTS)
    for variable, (key, convert) in ENVIRONMENT.items():
        if os.environ.get(variable):
            app.config[key] = convert(os.environ[variable])
    app.config.from_mapping(overrides or {})
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    _configure_secret_key(app)
    _configure_database(app)


def _configure_secret_key(app: Flask) -> None:
    if app.config["SECRET_KEY"]:
        return
    if app.debug or app.testing or app.config["ENV_NAME"] == "development":
        app.config["SECRET_KEY"] = DEV_SECRET_KEY
        return
    raise RuntimeError(
        "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random value "
        "(for example: python -c 'import secrets; print(secrets.token_hex(32))'), or set "
        "BACKOFFICE_ENV=development to use the development key on your own machine."
    )


def _configure_database(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        uri = f"sqlite:///{Path(app.instance_path) / 'backoffice.sqlite3'}"
    if uri.startswith(("postgres://", "postgresql://")):
        # psycopg 3 is the driver this project installs.
        uri = "postgresql+psycopg://" + uri.split("://", 1)[1]
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    # SQL errors must not carry customers' values into logs and tracebacks.
    options.setdefault("hide_parameters", True)
    if uri.startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
