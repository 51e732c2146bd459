"""Database faults: a request never hangs on a lock and never answers a bare 500; it answers
503 with Retry-After soon, reads go on meanwhile, and everything recovers once the fault ends."""

import socket
import sqlite3
import threading
import time
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy import text

from backoffice import create_app, database
from backoffice.extensions import db
from tests.builders import make_customer
from tests.conftest import DATABASES, POSTGRES_URL, ApiClient, base_config, sign_in

LOCK_TIMEOUT = 0.3  # seconds: the tests' bound on every wait
QUICK = 3.0  # a refused request answers well within this, never after SQLite's 30 s

on_sqlite = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
on_postgresql = pytest.mark.parametrize(
    "database_url", [d for d in DATABASES if d == "postgresql"], indirect=True
)


@pytest.fixture
def short_waits(app):
    app.config.update(DATABASE_LOCK_TIMEOUT=LOCK_TIMEOUT, DATABASE_RETRY_AFTER=7)
    return app


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def assert_unavailable(response, elapsed: float, *, json: bool, within: float = QUICK) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:500]
    # 7 as configured; on a rate-limited route (sign-in) the limiter's window if longer
    assert int(response.headers["Retry-After"]) >= 7
    assert elapsed < within, elapsed
    if json:
        assert response.get_json() == {
            "detail": "Service temporarily unavailable, try again later."
        }
    else:
        assert "The database is busy or out of reach" in response.get_data(as_text=True)


@contextmanager
def sqlite_write_lock(database_url: str):
    """Another process's write transaction: it holds SQLite's write lock until it ends."""
    other = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


@on_sqlite
def test_a_locked_sqlite_database_gives_503_soon_and_reads_go_on(
    short_waits, database_url, users, tokens, channel
):
    app = short_waits
    customer_id = make_customer(channel).id
    url = f"/api/v1/customers/{customer_id}/"
    api = ApiClient(app.test_client(), tokens["agent"])
    assert api.get(url).status_code == 200
    agent = sign_in(app.test_client(), users["agent"])
    supervisor = sign_in(app.test_client(), users["supervisor"])
    form = {"version": "1", "email_allowed": "y"}
    db.session.commit()

    with sqlite_write_lock(database_url):
        response, elapsed = timed(lambda: api.patch(url, json={"first_name": "Grace"}))
        assert_unavailable(response, elapsed, json=True)
        for call in (
            lambda: agent.post(f"/customers/{customer_id}/consents", data=form),
            lambda: supervisor.get("/customers/export.csv"),
            lambda: app.test_client().post("/login", data={"email": "x@y.z", "password": "p"}),
        ):
            response, elapsed = timed(call)
            assert_unavailable(response, elapsed, json=False)
        # Reads do not wait for the write lock (nor does a token's first use: its last-use
        # write is skipped when it would have to wait).
        first_use = ApiClient(app.test_client(), tokens["supervisor"])
        for response, elapsed in (
            timed(lambda: agent.get(f"/customers/{customer_id}/")),
            timed(lambda: api.get(url)),
            timed(lambda: first_use.get(url)),
            timed(lambda: agent.get("/customers/")),
        ):
            assert response.status_code == 200 and elapsed < QUICK

    assert api.patch(url, json={"first_name": "Grace"}).status_code == 200
    assert (
        agent.post(f"/customers/{customer_id}/consents", data={"version": "2"}).status_code == 302
    )


@contextmanager
def row_locked(customer_id: int):
    """Another connection holds the customer's row lock until it ends."""
    with psycopg.connect(POSTGRES_URL) as other:
        # Should a request wait for it regardless, the server ends the test's hold (no hang).
        other.execute("SET idle_in_transaction_session_timeout = '10s'")
        other.execute("SELECT id FROM customers WHERE id = %s FOR UPDATE", (customer_id,))
        yield
        other.rollback()


@on_postgresql
def test_a_locked_row_gives_503_soon_and_reads_go_on(short_waits, users, tokens, channel):
    app = short_waits
    customer = make_customer(channel)
    url = f"/api/v1/customers/{customer.id}/"
    api = ApiClient(app.test_client(), tokens["agent"])
    agent = sign_in(app.test_client(), users["agent"])
    db.session.commit()

    with row_locked(customer.id):
        response, elapsed = timed(lambda: api.patch(url, json={"first_name": "Grace"}))
        assert_unavailable(response, elapsed, json=True)
        response, elapsed = timed(
            lambda: agent.post(f"/customers/{customer.id}/consents", data={"version": "1"})
        )
        assert_unavailable(response, elapsed, json=False)
        for response, elapsed in (
            timed(lambda: api.get(url)),
            timed(lambda: agent.get(f"/customers/{customer.id}/")),
            timed(lambda: app.test_client().get("/login")),
        ):
            assert response.status_code == 200 and elapsed < QUICK

    assert api.patch(url, json={"first_name": "Grace"}).status_code == 200


@on_postgresql
def test_a_statement_running_too_long_gives_503(short_waits, tokens, channel):
    """Even a read waits on a table a migration holds: statement_timeout bounds it."""
    app = short_waits
    app.config.update(DATABASE_LOCK_TIMEOUT=0, DATABASE_STATEMENT_TIMEOUT=0.3)
    api = ApiClient(app.test_client(), tokens["agent"])
    db.session.commit()
    with psycopg.connect(POSTGRES_URL) as other:
        other.execute("SET idle_in_transaction_session_timeout = '10s'")
        other.execute("LOCK TABLE customers IN ACCESS EXCLUSIVE MODE")
        response, elapsed = timed(lambda: api.get("/api/v1/customers/"))
        other.rollback()
    assert_unavailable(response, elapsed, json=True)
    assert api.get("/api/v1/customers/").status_code == 200


@on_postgresql
def test_requests_wait_briefly_and_the_import_keeps_its_long_waits(short_waits):
    app = short_waits
    app.config["DATABASE_STATEMENT_TIMEOUT"] = 20
    show = text("SELECT current_setting('lock_timeout'), current_setting('statement_timeout')")
    with app.test_request_context("/"):
        assert tuple(db.session.execute(show).one()) == ("300ms", "20s")
        db.session.commit()
    assert tuple(db.session.execute(show).one()) == ("0", "0")  # CLI, order import


@on_sqlite
def test_requests_wait_briefly_for_sqlite_and_the_import_keeps_its_long_wait(short_waits):
    busy = text("PRAGMA busy_timeout")
    with short_waits.test_request_context("/"):
        assert db.session.execute(busy).scalar() == 300
        db.session.commit()
    assert db.session.execute(busy).scalar() == database.SQLITE_BUSY_TIMEOUT_MS


@on_postgresql
def test_a_database_refusing_connections_gives_503(database_url, users, tokens):
    up = create_app(base_config(database_url))
    signed_in = sign_in(up.test_client(), users["agent"])
    with up.app_context():
        db.engine.dispose()
    config = base_config("postgresql://postgres@127.0.0.1:9/refused")  # nothing listens
    config.update(DATABASE_RETRY_AFTER=7)
    down = create_app(config)
    api = ApiClient(down.test_client(), tokens["agent"])
    response, elapsed = timed(lambda: api.get("/api/v1/customers/"))
    assert_unavailable(response, elapsed, json=True)

    browser = down.test_client()
    browser.set_cookie("session", signed_in.get_cookie("session").value)
    response, elapsed = timed(lambda: browser.get("/customers/"))
    assert_unavailable(response, elapsed, json=False)
    response, elapsed = timed(
        lambda: browser.post("/login", data={"email": "a@b.c", "password": "secret-pw"})
    )
    assert_unavailable(response, elapsed, json=False)


def _kill_connections(application_name: str) -> int:
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        return len(
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s AND datname = current_database()",
                (application_name,),
            ).fetchall()
        )


@pytest.fixture
def killable(database_url, users):
    """An app whose connections the test can kill, and its signed-in agent."""
    config = base_config(database_url)
    name = "backoffice-fault-test"
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"application_name": name}}
    app = create_app(config)
    yield app, name, sign_in(app.test_client(), users["agent"])
    with app.app_context():
        db.engine.dispose()


@on_postgresql
def test_after_its_connections_were_killed_every_request_succeeds(killable, tokens, channel):
    app, name, agent = killable
    customer = make_customer(channel)
    db.session.commit()
    api = ApiClient(app.test_client(), tokens["agent"])
    url = f"/api/v1/customers/{customer.id}/"
    assert api.get(url).status_code == 200
    assert _kill_connections(name)
    time.sleep(0.05)  # the goodbye travels to the pooled connection's socket
    statuses = [
        api.get(url).status_code,
        api.patch(url, json={"first_name": "Grace"}).status_code,
        agent.get(f"/customers/{customer.id}/").status_code,
        *(api.get("/api/v1/customers/").status_code for _ in range(9)),
    ]
    assert statuses == [200] * 12, statuses


@on_postgresql
def test_a_read_whose_connection_drops_unseen_is_retried_once(
    killable, tokens, channel, monkeypatch
):
    """The kill lands after the connection was handed out: a read runs again on a new
    connection; a write is not repeated (503), and the next one succeeds."""
    app, name, agent = killable
    customer = make_customer(channel)
    db.session.commit()
    api = ApiClient(app.test_client(), tokens["agent"])
    url = f"/api/v1/customers/{customer.id}/"
    assert api.get(url).status_code == 200
    monkeypatch.setattr(database, "_server_spoke", lambda _c: False, raising=False)

    assert _kill_connections(name)
    assert agent.get(f"/customers/{customer.id}/").status_code == 200
    assert _kill_connections(name)
    response = api.patch(url, json={"first_name": "Grace"})
    assert response.status_code == 503 and "Retry-After" in response.headers
    assert api.patch(url, json={"first_name": "Grace"}).status_code == 200


@on_postgresql
def test_an_api_read_whose_connection_drops_unseen_is_retried_once(
    killable, tokens, channel, monkeypatch, caplog
):
    """The API's reads run on the DBAPI cursor (backoffice/dbread.py): a dropped connection
    is invalidated and the read runs again on a new one, as a Session.execute read does."""
    app, name, _agent = killable
    customer = make_customer(channel)
    db.session.commit()
    api = ApiClient(app.test_client(), tokens["agent"])
    url = f"/api/v1/customers/{customer.id}/"
    assert api.get(url).status_code == 200
    monkeypatch.setattr(database, "_server_spoke", lambda _c: False, raising=False)
    for path in (url, "/api/v1/customers/"):
        assert _kill_connections(name)
        caplog.clear()
        response = api.get(path)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert "retrying it once" in caplog.text


@on_postgresql
def test_a_database_host_that_does_not_answer_gives_503_within_the_connect_timeout(tokens):
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts TCP, never says a word
        hang_up = threading.Timer(10, silent.close)  # a regression fails, it does not hang
        hang_up.start()
        config = base_config(f"postgresql://postgres@127.0.0.1:{silent.getsockname()[1]}/x")
        config.update(DATABASE_CONNECT_TIMEOUT=2, DATABASE_RETRY_AFTER=7)
        api = ApiClient(create_app(config).test_client(), tokens["agent"])
        response, elapsed = timed(lambda: api.get("/api/v1/customers/"))
        hang_up.cancel()
    assert_unavailable(response, elapsed, json=True, within=5)


def test_the_waits_are_set_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_LOCK_TIMEOUT", "1.5")
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT", "0")
    app = create_app(base_config(f"sqlite:///{tmp_path / 'env.sqlite3'}"))
    assert (app.config["DATABASE_LOCK_TIMEOUT"], app.config["DATABASE_STATEMENT_TIMEOUT"]) == (
        1.5,
        0.0,
    )
    with app.test_request_context("/"):
        assert database.current_waits(database.SQLITE_OUTSIDE_REQUESTS) == (1500, 0)
