"""Fixtures: a real, migrated database per test, on SQLite always and PostgreSQL when named.

Set TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test) to run every
database test a second time on PostgreSQL; with REQUIRE_POSTGRES=1 (CI) its absence fails.

In parallel (``pytest -n 2``, pytest-xdist) each worker has a database of its own: worker gw1
creates ``<database>_gw1`` beside the named one (and drops it at the end), its SQLite files are
in its own temporary folder, and the Redis of the multi-process tests is TEST_REDIS_URL's
database number plus the worker's.
"""

import contextvars
import os
import shutil

import flask_migrate
import psycopg
import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from psycopg import sql
from sqlalchemy import create_engine, make_url, text
from werkzeug.security import generate_password_hash

from backoffice import create_app
from backoffice.auth.models import PASSWORD_METHOD, User
from backoffice.auth.service import issue_token
from backoffice.extensions import db, schema_metadata
from tests.builders import make_channel

# "gw0", "gw1", ... in a pytest-xdist worker; empty in a plain run.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _for_worker(url: str) -> str:
    """The worker's own database beside the named one: .../test -> .../test_gw1."""
    if not url or not WORKER:
        return url
    base, _, query = url.partition("?")
    return f"{base}_{WORKER}" + (f"?{query}" if query else "")


def _redis_for_worker(url: str) -> str:
    """redis://host:6379/9 -> redis://host:6379/10 in worker gw1."""
    if not WORKER:
        return url
    base, _, number = url.rpartition("/")
    return f"{base}/{int(number or 0) + int(WORKER.removeprefix('gw'))}"


ADMIN_POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")  # the database named; exists
POSTGRES_URL = _for_worker(ADMIN_POSTGRES_URL)  # the one this process's tests use
REDIS_URL = _redis_for_worker(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/4"))
DATABASES = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])
PASSWORDS = {role: f"{role}-test-password" for role in ("agent", "supervisor", "admin")}


def pytest_sessionstart(session):
    if os.environ.get("REQUIRE_POSTGRES") and not POSTGRES_URL:
        pytest.exit("REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not", returncode=3)


def pytest_collection_modifyitems(items):
    """The long in-process tests first (a browser, the fuzzer): in parallel they are dealt out
    among the workers at the start instead of one of them finishing the run alone. The tests
    that start processes (marked slow) keep their places: all at once they start dozens of
    processes on a couple of cores and their timeouts (a job within 60 s, a busy SQLite) fail."""
    items.sort(key=lambda item: not _long(item))  # stable: otherwise in the usual order


def _long(item) -> bool:
    return bool(
        item.get_closest_marker("browser") or item.nodeid.startswith("tests/test_api_fuzz.py")
    )


def base_config(database_url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Tests post forms without tokens; the CSRF tests switch it back on.
        "WTF_CSRF_ENABLED": False,
        # Jobs run in the test's process as they are queued (tests/test_jobs_worker.py starts
        # a real worker).
        "JOBS_IMMEDIATE": True,
    }


def _migrate(database_url: str) -> None:
    app = create_app(base_config(database_url))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_engine():
    if POSTGRES_URL != ADMIN_POSTGRES_URL:
        _worker_database("CREATE")
    engine = create_engine(_driver_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    _migrate(POSTGRES_URL)
    yield engine
    engine.dispose()
    if POSTGRES_URL != ADMIN_POSTGRES_URL:
        _worker_database("DROP")


def _worker_database(action: str) -> None:
    """(Re)create or drop this xdist worker's database, from a connection to the named one."""
    name = make_url(_driver_url(POSTGRES_URL)).database
    admin = create_engine(_driver_url(ADMIN_POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if action == "CREATE":
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def _driver_url(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1]


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path):
    """A clean, migrated database for one test."""
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    request.getfixturevalue("postgres_emptier")()
    return POSTGRES_URL


@pytest.fixture(scope="session")
def postgres_emptier(postgres_engine):
    """Empties every table and restarts every sequence, as ``TRUNCATE ... RESTART IDENTITY``.

    TRUNCATE costs 0.1-0.6 s a test (new files for every table); DELETE in a session acting as
    a replica (no row triggers, no foreign-key checks: what TRUNCATE skips too) costs a few ms.
    After a test that wrote many rows the tables are truncated all the same, so no test starts
    over thousands of dead rows.
    """
    tables = [t.name for m in schema_metadata("postgresql") for t in m.sorted_tables]
    with postgres_engine.connect() as connection:
        sequences = connection.execute(OWNED_SEQUENCES, {"tables": tables}).all()
    truncate = text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")

    def empty() -> None:
        with postgres_engine.connect() as connection:
            if not _delete_everything(connection, tables, sequences):
                connection.execute(truncate)

    return empty


# The sequences of the tables' serial and identity columns: what RESTART IDENTITY restarts.
OWNED_SEQUENCES = text(
    """SELECT seq.oid::regclass::text, ps.seqstart
    FROM pg_class seq
    JOIN pg_sequence ps ON ps.seqrelid = seq.oid
    JOIN pg_depend d ON d.objid = seq.oid AND d.classid = 'pg_class'::regclass
        AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
    JOIN pg_class tab ON tab.oid = d.refobjid
    WHERE tab.relnamespace = 'public'::regnamespace AND tab.relname = ANY(:tables)"""
)
MANY_ROWS = 5_000  # more deleted than this: truncate too


def _delete_everything(connection, tables, sequences) -> bool:
    """False when TRUNCATE must follow (many rows deleted, or no right to act as a replica)."""
    raw = connection.connection.driver_connection  # psycopg, outside SQLAlchemy's AUTOCOMMIT
    try:
        with raw.transaction(), raw.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            deleted = 0
            for table in tables:
                cursor.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
                deleted += cursor.rowcount
            for sequence, start in sequences:
                cursor.execute("SELECT setval(%s, %s, false)", (sequence, start))
    except psycopg.errors.InsufficientPrivilege:
        return False
    return deleted <= MANY_ROWS


class IsolatedClient(FlaskClient):
    """Serves each request in a fresh context, as a real server would.

    The test's own app context (and its ``g``, its session) stays out of the request: the
    test's transaction is committed first, as another process's would be, and the request
    gets its own app context, ``g`` and database session.
    """

    def open(self, *args, **kwargs):
        if has_app_context():  # not when following a redirect, already in the fresh context
            db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(database_url):
    app = create_app(base_config(database_url))
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def channel(app):
    return make_channel()


@pytest.fixture(scope="session")
def password_hashes():
    """Hashing is slow by design: hash each test password once per run."""
    return {
        role: generate_password_hash(pw, method=PASSWORD_METHOD) for role, pw in PASSWORDS.items()
    }


@pytest.fixture
def users(app, password_hashes):
    """One user per role, keyed by role."""
    made = {
        role: User(email=f"{role}@test.example", role=role, password_hash=password_hashes[role])
        for role in PASSWORDS
    }
    db.session.add_all(made.values())
    db.session.commit()
    return made


def sign_in(client, user, password=None):
    response = client.post(
        "/login",
        data={"email": user.email, "password": password or PASSWORDS[user.role]},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def agent_client(app, users):
    return sign_in(app.test_client(), users["agent"])


@pytest.fixture
def supervisor_client(app, users):
    return sign_in(app.test_client(), users["supervisor"])


@pytest.fixture
def admin_client(app, users):
    return sign_in(app.test_client(), users["admin"])


class ApiClient:
    """The Flask test client with ``Authorization: Token <key>`` on every request."""

    def __init__(self, client, key: str | None):
        self.client = client
        self.key = key

    def open(self, method: str, url: str, **kwargs):
        headers = dict(kwargs.pop("headers", None) or {})
        if self.key is not None:
            headers.setdefault("Authorization", f"Token {self.key}")
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, url, **kwargs):
        return self.open("GET", url, **kwargs)

    def post(self, url, **kwargs):
        return self.open("POST", url, **kwargs)

    def put(self, url, **kwargs):
        return self.open("PUT", url, **kwargs)

    def patch(self, url, **kwargs):
        return self.open("PATCH", url, **kwargs)

    def options(self, url, **kwargs):
        return self.open("OPTIONS", url, **kwargs)

    def delete(self, url, **kwargs):
        return self.open("DELETE", url, **kwargs)


@pytest.fixture
def tokens(users):
    return {role: issue_token(user) for role, user in users.items()}


@pytest.fixture
def api(app, tokens):
    """An agent's API client."""
    return ApiClient(app.test_client(), tokens["agent"])


@pytest.fixture
def supervisor_api(app, tokens):
    return ApiClient(app.test_client(), tokens["supervisor"])


@pytest.fixture
def admin_api(app, tokens):
    return ApiClient(app.test_client(), tokens["admin"])


@pytest.fixture
def anonymous_api(app):
    return ApiClient(app.test_client(), None)
