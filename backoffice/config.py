"""Settings: defaults, then the environment, then the mapping a caller passes."""

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from backoffice.database import SQLITE_BUSY_TIMEOUT_MS
from backoffice.types import load_stored_json

# The project's directory: templates/, static/, instance/, migrations/.
ROOT = Path(__file__).resolve().parent.parent

DEV_SECRET_KEY = "dev-only-secret-key-do-not-use-in-production"  # noqa: S105
# Trusted when TRUSTED_HOSTS is not set, with any port (as Django's ALLOWED_HOSTS in DEBUG).
# Werkzeug 3.1's matcher cuts a trusted name at its first colon, so an IPv6 literal ([::1])
# cannot be listed: it could never match.
LOOPBACK_HOSTS = ["localhost", "127.0.0.1"]

log = logging.getLogger(__name__)

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
    # Database faults: a request waits at most this long for a lock (SQLite's busy timeout,
    # PostgreSQL's lock_timeout) and runs a statement at most this long (PostgreSQL's
    # statement_timeout), then answers 503 with Retry-After. Seconds; 0: no limit.
    "DATABASE_LOCK_TIMEOUT": 5.0,
    "DATABASE_STATEMENT_TIMEOUT": 30.0,
    "DATABASE_RETRY_AFTER": 5,
    "DATABASE_CONNECT_TIMEOUT": 5,  # PostgreSQL: a host that does not answer (seconds, >= 2)
    # Host names this server answers to (Flask checks them); None: the loopback names.
    "TRUSTED_HOSTS": None,
    # Proxies (load balancers) in front of the app that set X-Forwarded-For and -Proto: the
    # client's address is read that many hops back (the sign-in throttle counts per address).
    # 0: the connecting address is the client's; a forwarded header is ignored.
    "TRUSTED_PROXIES": 0,
    # Days an API token lives from its creation; None: tokens live until revoked.
    "API_TOKEN_TTL_DAYS": None,
    # Background jobs (backoffice/jobs): the queue (None: SQLite in the instance folder; or
    # redis://HOST:6379/DB), tasks run at once in the caller (tests), units per committed
    # batch, seconds without a batch after which a running job counts as dead.
    "JOBS_URL": None,
    "JOBS_IMMEDIATE": False,
    "JOBS_BATCH_SIZE": 2000,
    "JOBS_STALL_SECONDS": 120.0,
    # Bulk consent changes of up to this many customers run in the request, not the queue.
    "JOBS_INLINE_LIMIT": 500,
    # A draft job (an opt-out list previewed but never confirmed) holds the uploaded file:
    # the housekeeping task deletes drafts older than this many hours.
    "JOBS_DRAFT_HOURS": 24,
    # The file a job writes (a large export) can be downloaded for this many hours after the
    # job finished; then the housekeeping deletes it.
    "JOBS_FILE_HOURS": 24,
    # A customer export (CSV or .xlsx) of up to this many rows is streamed in the request;
    # a larger one is written by a job (the request would outlast a server worker's timeout).
    "EXPORT_INLINE_ROWS": 50_000,
    # An opt-out list upload may be this large (a million lines of emails: ~30 MB).
    "OPTOUT_MAX_BYTES": 64 * 1024 * 1024,
    "OPTOUT_MAX_LINES": 1_000_000,
    # A larger upload is previewed by a job, not in the upload request.
    "OPTOUT_INLINE_PREVIEW_LINES": 20_000,
    # The secret of the keyed hashes privacy requests keep of their subject's email and phone
    # (backoffice/privacy/service.py:hash_key). None: derived from SECRET_KEY, so that
    # rotating SECRET_KEY makes earlier erasures unfindable; set it to keep them findable.
    "PRIVACY_HASH_KEY": None,
}

# Environment variable -> setting, with the conversion the value needs.
ENVIRONMENT = {
    "BACKOFFICE_ENV": ("ENV_NAME", str),
    "SECRET_KEY": ("SECRET_KEY", str),
    "DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "SESSION_COOKIE_SECURE": ("SESSION_COOKIE_SECURE", lambda v: v.lower() in {"1", "true"}),
    "RATELIMIT_STORAGE_URI": ("RATELIMIT_STORAGE_URI", str),
    "DATABASE_LOCK_TIMEOUT": ("DATABASE_LOCK_TIMEOUT", float),
    "DATABASE_STATEMENT_TIMEOUT": ("DATABASE_STATEMENT_TIMEOUT", float),
    "TRUSTED_HOSTS": ("TRUSTED_HOSTS", lambda v: [h.strip() for h in v.split(",") if h.strip()]),
    "API_TOKEN_TTL_DAYS": ("API_TOKEN_TTL_DAYS", lambda v: _whole_days("API_TOKEN_TTL_DAYS", v)),
    "MAX_CONTENT_LENGTH": ("MAX_CONTENT_LENGTH", int),
    "TRUSTED_PROXIES": ("TRUSTED_PROXIES", int),
    "JOBS_URL": ("JOBS_URL", str),
    "JOBS_BATCH_SIZE": ("JOBS_BATCH_SIZE", int),
    "JOBS_STALL_SECONDS": ("JOBS_STALL_SECONDS", float),
    "JOBS_INLINE_LIMIT": ("JOBS_INLINE_LIMIT", int),
    "JOBS_DRAFT_HOURS": ("JOBS_DRAFT_HOURS", float),
    "JOBS_FILE_HOURS": ("JOBS_FILE_HOURS", float),
    "EXPORT_INLINE_ROWS": ("EXPORT_INLINE_ROWS", int),
    "PRIVACY_HASH_KEY": ("PRIVACY_HASH_KEY", str),
}


def configure(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    app.config.from_mapping(DEFAULTS)
    for variable, (key, convert) in ENVIRONMENT.items():
        if os.environ.get(variable):
            app.config[key] = convert(os.environ[variable])
    app.config.from_mapping(overrides or {})
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    _configure_secret_key(app)
    _configure_trusted_hosts(app)
    _configure_database(app)


def _whole_days(variable: str, value: str) -> int:
    if not value.strip().isdigit() or int(value) < 1:
        raise RuntimeError(
            f"{variable} must be a whole number of days (for example 90), not {value!r}."
        )
    return int(value)


def _configure_trusted_hosts(app: Flask) -> None:
    if app.config["TRUSTED_HOSTS"]:
        return
    app.config["TRUSTED_HOSTS"] = list(LOOPBACK_HOSTS)
    if not app.testing:
        log.warning(
            "TRUSTED_HOSTS is not set: only requests for localhost or 127.0.0.1 (any port) are "
            "answered, any other Host header gets 400. Set TRUSTED_HOSTS to the comma-separated "
            "names this server is reached by, e.g. TRUSTED_HOSTS=backoffice.example.com "
            "(a leading dot trusts every subdomain: .example.com)."
        )


def shared_throttle_problem(workers: int, environ: Mapping[str, str]) -> str | None:
    """Why ``workers`` server processes must not share this sign-in throttle, or None.

    With ``memory://`` each process counts failures on its own: N workers let N times the
    allowed attempts through (gunicorn.conf.py refuses to start so in production).
    """
    storage = environ.get("RATELIMIT_STORAGE_URI") or DEFAULTS["RATELIMIT_STORAGE_URI"]
    if workers <= 1 or not storage.startswith("memory://"):
        return None
    return (
        f"RATELIMIT_STORAGE_URI is {storage}: each of the {workers} workers would count sign-in "
        f"failures on its own and let {workers} times the allowed attempts through. Set "
        "RATELIMIT_STORAGE_URI=redis://HOST:6379 (pip install -e '.[prod]' installs the "
        "client) so that every worker shares one count, or serve with --workers 1."
    )


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
    options.setdefault("json_deserializer", load_stored_json)  # 50 JSON values an API page
    if uri.startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    else:
        # A database host that does not answer costs a request seconds (503), not minutes.
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("connect_timeout", int(app.config["DATABASE_CONNECT_TIMEOUT"]))
        # No JIT: compiling a plan costs ~250-300 ms whenever its estimated cost passes
        # jit_above_cost, even for branches that never run (a ranked search's unused tier, a
        # consent filter's fallback scan); the app's statements are short index reads.
        connect_args.setdefault("options", "-c jit=off")
        options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
