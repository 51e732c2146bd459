"""List, detail and search pages at scale: each case through the real WSGI app, beside the raw
SQL the same page needs, measured in the same run.

For each case, one request first records the statements the app sends (SELECT / WITH, with
the driver's own parameters); then, after a warm-up, app requests and raw replays of those
statements (a plain DBAPI connection: execute + fetchall, no SQLAlchemy) alternate, so both
sides see the same machine. Prints median and p95 of each side, the ratio and the difference,
and whether the issue's goals are met. Run bench/dataset.py first.

    .venv/bin/python bench/pages.py --database-url postgresql://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/pages.py --database-url sqlite:////tmp/benchdata/bench.sqlite3
"""

import argparse
import logging
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path

import psycopg
from flask import Flask
from sqlalchemy import event, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backoffice import create_app  # noqa: E402
from backoffice.auth.models import User  # noqa: E402
from backoffice.auth.service import create_user, issue_token  # noqa: E402
from backoffice.extensions import db  # noqa: E402

PASSWORD = "bench-password"  # noqa: S105
READS = ("SELECT", "WITH")


def cases(v: dict[str, str]) -> list[tuple[str, str, str]]:
    """(name, front door, path); ``v`` holds values that exist in the data set."""
    filters = {
        "email__startswith": f"email__startswith={v['email_prefix']}",
        "channel+is_active": "channel=2&is_active=true",
        "created_date range": "created_date__gte=2023-03-01&created_date__lt=2023-03-08",
        "attributes__sso_id": f"attributes__sso_id={v['sso_id']}",
        "mapping__code": f"mapping__code={v['mapping']}",
    }
    return [
        ("API list, default page", "api", "/api/v1/customers/"),
        *((f"API list, {n}", "api", f"/api/v1/customers/?{q}") for n, q in filters.items()),
        # Page statements are reused per query: "_" (ignored by the filters) makes each request
        # a query never seen before, which pays for building its statement.
        (
            "API list, email__startswith, new query",
            "api",
            f"/api/v1/customers/?{filters['email__startswith']}&_={{n}}",
        ),
        ("API detailed list (orders_info)", "api", "/api/v1/customers/detailed/"),
        ("API detail", "api", f"/api/v1/customers/{v['customer']}/"),
        ("API deep page 50,000 (limit 10)", "api", "/api/v1/customers/?page=50000&limit=10"),
        ("API channel=5, ordering=-id *", "api", "/api/v1/customers/?channel=5&ordering=-id"),
        ("HTML list, unfiltered", "html", "/customers/"),
        *((f"HTML list, {n}", "html", f"/customers/?{q}") for n, q in filters.items()),
        (
            "HTML list, email__startswith, new query",
            "html",
            f"/customers/?{filters['email__startswith']}&_={{n}}",
        ),
        ("HTML detail (orders, history)", "html", f"/customers/{v['customer']}/"),
        ("quick search: email", "html", f"/customers/search?q={v['email']}"),
        ("quick search: phone", "html", f"/customers/search?q={v['phone'].replace(' ', '+')}"),
        ("quick search: channel_code", "html", f"/customers/search?q={v['channel_code']}"),
    ]


def request_app(database_url: str) -> Flask:
    """The app as the page benchmarks drive it through its test client: no CSRF token or rate
    limit in the way; requests still logged (as in production), to nowhere."""
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    logging.getLogger("backoffice.requests").handlers[0].setStream(open(os.devnull, "w"))  # noqa: SIM115
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--only", default="", help="run only the cases whose name has this text")
    args = parser.parse_args()
    app = request_app(args.database_url)
    with app.app_context():
        dialect = db.engine.dialect.name
        token, values = _prepare()
        engine = db.engine
    api = app.test_client()
    headers = {"Authorization": f"Token {token}"}
    html = app.test_client()
    signed_in = html.post("/login", data={"email": "bench@example.com", "password": PASSWORD})
    assert signed_in.status_code == 302
    raw = _raw_connection(args.database_url, dialect)
    print(f"{dialect}: {values['customers']:,} customers; {args.requests} requests a case after "
          f"{args.warmup} warm-up; times in ms (median / p95)")  # fmt: skip
    print(f"{'case':38} {'app med':>8} {'app p95':>8} {'raw med':>8} {'raw p95':>8} "
          f"{'ratio':>6} {'+ms':>6} {'stmts':>5}  goal")  # fmt: skip
    for name, door, path in cases(values):
        if args.only.lower() not in name.lower():
            continue
        client, extra = (api, headers) if door == "api" else (html, {})
        statements = _record(engine, client, path.format(n=0), extra)
        for n in range(args.warmup):
            client.get(path.format(n=-n - 1), headers=extra)
            _replay(raw, statements)
        app_times, raw_times = [], []
        for n in range(args.requests):
            started = time.perf_counter()
            response = client.get(path.format(n=n + 1), headers=extra)
            app_times.append((time.perf_counter() - started) * 1000)
            assert response.status_code in (200, 302), (path, response.status_code)
            raw_times.append(_replay(raw, statements))
        _report(name, door, app_times, raw_times, len(statements))
    _counts(raw, dialect)
    _without_index(raw, dialect, engine, api, headers)


def _prepare() -> tuple[str, dict[str, str]]:
    user = db.session.scalar(select(User).where(User.email == "bench@example.com"))
    if user is None:
        user = create_user("bench@example.com", PASSWORD, "agent")
    token = issue_token(user)
    one = lambda sql: db.session.execute(text(sql)).first()  # noqa: E731
    customer = one(
        "SELECT c.id, c.email, c.phone_number, c.channel_code FROM customers c "
        "JOIN audit_events a ON a.object_type = 'customer' AND a.object_id = c.id "
        "WHERE c.phone_number IS NOT NULL AND c.id < 500000 "
        "AND EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id) ORDER BY c.id LIMIT 1"
    )
    has_sso = (
        "attributes ? 'sso_id'"
        if db.engine.dialect.name == "postgresql"
        else ("attributes LIKE '%sso_id%'")
    )
    sso = one(f"SELECT id FROM customers WHERE id > 12345 AND {has_sso} ORDER BY id LIMIT 1")
    values = {
        "customer": str(customer.id),
        "email": customer.email,
        "email_prefix": customer.email.split("@")[0][:-2],
        "phone": customer.phone_number,
        "channel_code": customer.channel_code,
        "sso_id": f"sso-{sso.id:08d}",
        "mapping": one("SELECT code FROM integration_mappings WHERE id = 4242").code,
        "customers": db.session.scalar(text("SELECT count(*) FROM customers")),
    }
    db.session.commit()
    return token, values


def _raw_connection(url: str, dialect: str):
    if dialect == "postgresql":
        return psycopg.connect(url.replace("+psycopg", ""), autocommit=True)
    return sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)


def _record(engine, client, path: str, headers: dict) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(READS):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        client.get(path, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def _replay(raw, statements) -> float:
    started = time.perf_counter()
    cursor = raw.cursor()
    for sql, parameters in statements:
        cursor.execute(sql, parameters)
        cursor.fetchall()
    cursor.close()
    return (time.perf_counter() - started) * 1000


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1]


def _report(name: str, door: str, app_times, raw_times, statements: int) -> None:
    app_med, raw_med = statistics.median(app_times), statistics.median(raw_times)
    ratio, extra = app_med / raw_med, app_med - raw_med
    factor, slack = (2, 3) if door == "api" else (3, 6)
    close = ratio <= factor or (extra <= slack and (door == "html" or raw_med < 3))
    absolute = app_med < 50 and _p95(app_times) < 150
    verdict = (
        "ok"
        if close and absolute
        else "MISSED" + ("" if close else " (ratio)") + ("" if absolute else " (50/150 ms)")
    )
    app_p95, raw_p95 = _p95(app_times), _p95(raw_times)
    print(f"{name:38} {app_med:8.2f} {app_p95:8.2f} {raw_med:8.2f} {raw_p95:8.2f} "
          f"{ratio:6.2f} {extra:6.2f} {statements:5}  {verdict}")  # fmt: skip


def _timed(raw, sql: str, times: int = 15) -> float:
    measured = []
    for _ in range(times):
        measured.append(_replay(raw, [(sql, ())]))
    return statistics.median(measured)


def _counts(raw, dialect: str) -> None:
    true = "true" if dialect == "postgresql" else "1"
    pairs = [
        ("all customers", "", ""),
        ("channel=2 & is_active", f" WHERE channel_id = 2 AND is_active = {true}",
         f" WHERE channel_id = 2 AND is_active = {true}"),
    ]  # fmt: skip
    print("exact counts, raw SQL (median ms): COUNT(*) of the rows vs the counter's sum")
    for name, where, counter_where in pairs:
        rows = _timed(raw, f"SELECT count(*) FROM customers{where}")
        counter = _timed(raw, f"SELECT sum(total) FROM customer_counts{counter_where}")
        print(f"  {name:24} COUNT(*) {rows:8.2f}   counter {counter:6.2f}")


def _without_index(raw, dialect: str, engine, api, headers) -> None:
    """* The filter + sort pair again, inside a transaction that drops its composite index."""
    statements = _record(engine, api, "/api/v1/customers/?channel=5&ordering=-id", headers)
    raw.execute("BEGIN")
    try:
        raw.execute("DROP INDEX ix_customers_channel_id")
        without = statistics.median(_replay(raw, statements) for _ in range(5))
    finally:
        raw.execute("ROLLBACK")
    with_index = statistics.median(_replay(raw, statements) for _ in range(5))
    print(f"* channel=5&ordering=-id (100,000 channel-1 rows hold the highest ids), raw SQL: "
          f"{with_index:.2f} ms with ix_customers_channel_id (channel_id, id), "
          f"{without:.2f} ms without it")  # fmt: skip


if __name__ == "__main__":
    main()
