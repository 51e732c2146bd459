"""Ingestion benchmark: ``flask orders import`` of N generated orders beside a raw-SQL baseline
(plain executemany INSERT … ON CONFLICT of the same rows), both measured in this run.

    .venv/bin/python bench/ingest.py                        # SQLite, in a temporary folder
    .venv/bin/python bench/ingest.py --database-url postgresql://postgres@127.0.0.1:5432/bench

The database named is WIPED (schema dropped and migrated again). Not part of the test suite.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import flask_migrate
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backoffice import create_app  # noqa: E402
from backoffice.demo.orders import demo_channels, order_payloads, write_jsonl  # noqa: E402
from backoffice.extensions import db  # noqa: E402

CUSTOMER_COLUMNS = (
    "channel_id, channel_code, email, first_name, last_name, phone_number, is_active, "
    "extra_field, attributes, attributes_kwargs, localized_attributes, "
    "localized_attributes_kwargs, email_allowed, sms_allowed, call_allowed, gender, user_type, "
    "created_date, modified_date, version"
)
CUSTOMER_UPDATES = (
    "email, first_name, last_name, phone_number, email_allowed, sms_allowed, gender, "
    "user_type, attributes"
)
ORDER_UPDATES = "customer_id, amount, discount_amount, refund_amount, status, created_date"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a database to WIPE; default: a temporary SQLite")
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        _reset(url)
        channels = demo_channels()
        db.session.rollback()  # hold no SQLite lock while the import runs
        source = workdir / "orders.jsonl"
        with source.open("w", encoding="utf-8") as out:
            write_jsonl(order_payloads(channels, args.count, seed=42), out)
        print(f"database: {db.engine.dialect.name}; {args.count:,} orders; file {source}")

        seconds, output = _run_import(url, source)
        orders, customers = _counts()
        print(output.strip())
        imported = orders / seconds
        print(f"orders import: {orders:,} orders, {customers:,} customers in {seconds:.2f} s "
              f"-> {imported:,.0f} orders/s (whole process, start-up included)")  # fmt: skip
        rerun, _ = _run_import(url, source)
        print(f"orders import again (all unchanged): {rerun:.2f} s "
              f"-> {orders / rerun:,.0f} orders/s")  # fmt: skip

        _clear()
        db_only, with_prep = _baseline(source)
        assert _counts() == (orders, customers), "the baseline wrote other rows"
        print(f"raw baseline: executemany {args.count / db_only:,.0f} orders/s "
              f"({db_only:.2f} s); with JSON reading and value conversion "
              f"{args.count / with_prep:,.0f} orders/s ({with_prep:.2f} s)")  # fmt: skip
        ratio, ratio_prep = imported * db_only / args.count, imported * with_prep / args.count
        print(f"ratio import / raw executemany: {ratio:.2f}; "
              f"import / raw incl. conversion: {ratio_prep:.2f}")  # fmt: skip


def _reset(url: str) -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    flask_migrate.upgrade(directory=str(ROOT / "migrations"))


def _run_import(url: str, source: Path) -> tuple[float, str]:
    env = {**os.environ, "DATABASE_URL": url, "BACKOFFICE_ENV": "development"}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "orders", "import", str(source)]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    if done.returncode:
        sys.exit(done.stderr)
    return time.perf_counter() - started, done.stdout


def _counts() -> tuple[int, int]:
    orders = db.session.scalar(text("SELECT count(*) FROM orders"))
    customers = db.session.scalar(text("SELECT count(*) FROM customers"))
    db.session.rollback()
    return orders, customers


def _clear() -> None:
    if db.engine.dialect.name == "postgresql":  # the audit table refuses DELETE there
        db.session.execute(text("TRUNCATE audit_events, orders, customers"))
    else:
        for table in ("audit_events", "orders", "customers"):
            db.session.execute(text(f"DELETE FROM {table}"))
    db.session.commit()


def _baseline(source: Path) -> tuple[float, float]:
    """Seconds for the executemany alone, and for reading + converting + executemany."""
    sqlite = db.engine.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    started = time.perf_counter()
    customers, orders = [], []
    now = "2024-01-01 00:00:00.000000" if sqlite else "2024-01-01T00:00:00+00:00"

    def money(value: str):
        return int(Decimal(value) * 100) if sqlite else Decimal(value)

    with source.open("rb") as lines:
        for line in lines:
            p = json.loads(line)
            c = p["customer"]
            customers.append(
                (p["channel"], c["channel_code"], c["email"], c["first_name"], c["last_name"],
                 c["phone_number"], True, "{}", json.dumps(c.get("attributes", {})), "{}", "{}",
                 "{}", c["email_allowed"], c["sms_allowed"], False, c.get("gender"),
                 c["user_type"], now, now, 1)
            )  # fmt: skip
            created = (
                p["created_date"].replace("T", " ").rstrip("Z") if sqlite else p["created_date"]
            )
            orders.append(
                (p["channel"], p["number"], p["channel"], c["channel_code"], money(p["amount"]),
                 money(p["discount_amount"]), money(p["refund_amount"]), p["status"], created, now)
            )  # fmt: skip
    prepared = time.perf_counter()
    marks = ", ".join([mark] * 20)
    customer_sql = (
        f"INSERT INTO customers ({CUSTOMER_COLUMNS}) VALUES ({marks}) "
        f"ON CONFLICT (channel_id, channel_code) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in CUSTOMER_UPDATES.split(", "))
    )
    order_sql = (
        "INSERT INTO orders (channel_id, number, customer_id, amount, discount_amount, "
        f"refund_amount, status, created_date, modified_date) VALUES ({mark}, {mark}, "
        f"(SELECT id FROM customers WHERE channel_id = {mark} AND channel_code = {mark}), "
        f"{mark}, {mark}, {mark}, {mark}, {mark}, {mark}) ON CONFLICT (channel_id, number) "
        "DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in ORDER_UPDATES.split(", "))
    )
    connection = db.session.connection()
    connection.exec_driver_sql(customer_sql, customers)
    connection.exec_driver_sql(order_sql, orders)
    db.session.commit()
    finished = time.perf_counter()
    return finished - prepared, finished - started


if __name__ == "__main__":
    main()
