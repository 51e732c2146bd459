"""PostgreSQL connection handling: reads without a transaction, a ping after idleness only."""

import psycopg
import pytest
from sqlalchemy import event

from backoffice import create_app, database
from backoffice.extensions import db
from tests.builders import make_customer
from tests.conftest import DATABASES, POSTGRES_URL, base_config

on_postgresql = pytest.mark.parametrize(
    "database_url", [d for d in DATABASES if d == "postgresql"], indirect=True
)


def _autocommit_by_statement(engine, call) -> list[tuple[str, bool]]:
    seen = []

    def record(conn, _cursor, statement, *_args):
        seen.append((statement.split()[0], conn.connection.dbapi_connection.autocommit))

    event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


@on_postgresql
def test_reads_run_in_autocommit_and_writes_in_a_transaction(app, api, channel):
    url = f"/api/v1/customers/{make_customer(channel).id}/"
    db.session.commit()
    api.get(url)  # the token's first use records it, in a write transaction of its own

    read = _autocommit_by_statement(db.engine, lambda: api.get(url))
    assert read and all(autocommit for _verb, autocommit in read), read

    rename = {"first_name": "Grace"}
    write = _autocommit_by_statement(db.engine, lambda: api.patch(url, json=rename))
    assert any(verb == "UPDATE" for verb, _ in write)
    assert not any(autocommit for _verb, autocommit in write), write
    assert api.get(url).get_json()["first_name"] == "Grace"


@on_postgresql
def test_a_connection_the_server_dropped_while_idle_is_replaced_unseen(
    database_url, users, tokens, monkeypatch
):
    """After a database restart, the first request of a worker still succeeds."""
    config = base_config(database_url)
    name = "backoffice-idle-ping-test"
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"application_name": name}}
    app = create_app(config)
    client = app.test_client()
    headers = {"Authorization": f"Token {tokens['agent']}"}
    assert client.get("/api/v1/customers/", headers=headers).status_code == 200

    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        dropped = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = %s AND datname = current_database()",
            (name,),
        ).fetchall()
    assert dropped, "the request left no pooled connection to drop"

    monkeypatch.setattr(database, "IDLE_PING_SECONDS", 0.0)  # every pooled connection is "idle"
    response = client.get("/api/v1/customers/", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()


@on_postgresql
def test_postgresql_connections_never_jit_compile(app):
    """A plan whose estimate passes jit_above_cost would be compiled on every run (~300 ms),
    even for its branches that never run: the app's connections turn JIT off."""
    assert db.session.execute(db.text("SHOW jit")).scalar() == "off"
