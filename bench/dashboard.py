"""The home page's dashboard at scale, through the real WSGI app, beside the raw SQL of its
aggregates and beside a full-scan recount of the same figures from customers and orders.

One request first records the statements the page sends (SELECT, with the driver's
parameters); then, after a warm-up, page requests and raw replays of those statements alternate.
The recount (what the page would need without the roll-ups: per-channel counts and consents,
and the last 26 weeks of new customers and of orders) runs a few times after. Prints medians
and p95 in ms, the roll-ups' sizes, and the page's median CPU time in this process (the app's
own work, less sensitive to a busy machine than the wall time). Run bench/dataset.py first.

    .venv/bin/python bench/dashboard.py --database-url postgresql://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/dashboard.py --database-url sqlite:////tmp/benchdata/bench.sqlite3
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import event, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backoffice.auth.models import User  # noqa: E402
from backoffice.auth.service import create_user  # noqa: E402
from backoffice.extensions import db  # noqa: E402
from bench.pages import _p95, _raw_connection, _replay, request_app  # noqa: E402

EMAIL, PASSWORD = "bench-dashboard@example.com", "bench-password"


def recount_sql(dialect: str) -> list[str]:
    """The dashboard's figures counted from the rows (the last 26 weeks of the data)."""
    if dialect == "postgresql":
        week = "date_trunc('week', created_date AT TIME ZONE 'UTC')::date"
        start = "(SELECT max(created_date) FROM {table}) - interval '26 weeks'"
        flag = "count(*) FILTER (WHERE {column})"
    else:
        week = "date(created_date, '-6 days', 'weekday 1')"
        start = "(SELECT datetime(max(created_date), '-182 days') FROM {table})"
        flag = "sum({column})"
    consents = ", ".join(
        flag.format(column=c) for c in ("is_active", "email_allowed", "sms_allowed", "call_allowed")
    )
    return [
        f"SELECT channel_id, count(*), count(anonymized_at), {consents} "
        "FROM customers GROUP BY channel_id",
        f"SELECT {week}, count(*) FROM customers "
        f"WHERE created_date >= {start.format(table='customers')} GROUP BY 1",
        f"SELECT {week}, count(*), sum(amount) FROM orders "
        f"WHERE created_date >= {start.format(table='orders')} GROUP BY 1",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--recounts", type=int, default=5)
    args = parser.parse_args()
    app = request_app(args.database_url)
    with app.app_context():
        if db.session.scalar(select(User).where(User.email == EMAIL)) is None:
            create_user(EMAIL, PASSWORD, "agent")
        dialect = db.engine.dialect.name
        sizes = {
            table: db.session.scalar(text(f"SELECT count(*) FROM {table}"))
            for table in ("customers", "orders", "customer_stats", "customer_weeks", "order_weeks")
        }
        channel = db.session.scalar(text("SELECT min(id) FROM channels"))
        db.session.commit()
        engine = db.engine
    client = app.test_client()
    assert client.post("/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 302
    raw = _raw_connection(args.database_url, dialect)
    print(f"{dialect}: {sizes['customers']:,} customers, {sizes['orders']:,} orders; roll-up rows: "
          f"customer_stats {sizes['customer_stats']:,}, customer_weeks "
          f"{sizes['customer_weeks']:,}, order_weeks {sizes['order_weeks']:,}")  # fmt: skip
    print(f"{args.requests} requests a case after {args.warmup} warm-up; ms")
    print(f"{'case':34} {'page med':>9} {'page p95':>9} {'raw med':>8} {'raw p95':>8} "
          f"{'stmts':>5} {'page cpu':>8}")  # fmt: skip
    for name, path in (
        ("dashboard, whole base", "/"),
        ("dashboard, one channel", f"/?channel={channel}"),
    ):
        statements = _record(engine, client, path)
        for _ in range(args.warmup):
            client.get(path)
            _replay(raw, statements)
        page_times, raw_times, cpu_times = [], [], []
        for _ in range(args.requests):
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            page_times.append((time.perf_counter() - started) * 1000)
            cpu_times.append((time.process_time() - cpu) * 1000)
            assert response.status_code == 200, response.status_code
            raw_times.append(_replay(raw, statements))
        print(f"{name:34} {statistics.median(page_times):9.2f} {_p95(page_times):9.2f} "
              f"{statistics.median(raw_times):8.2f} {_p95(raw_times):8.2f} "
              f"{len(statements):5} {statistics.median(cpu_times):8.2f}")  # fmt: skip
    recount = [(sql, ()) for sql in recount_sql(dialect)]
    times = [_replay(raw, recount) for _ in range(args.recounts)]
    print(f"{'full-scan recount (raw SQL)':34} {'':9} {'':9} {statistics.median(times):8.2f} "
          f"{max(times):8.2f} {len(recount):5}")  # fmt: skip
    for sql, _params in recount:
        print(f"  recount: {sql}")


def _record(engine, client, path: str) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


if __name__ == "__main__":
    main()
