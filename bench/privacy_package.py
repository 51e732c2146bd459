"""An access package for one person with 5 customer records and 500 orders: the app's
package job end to end (claim, record-by-record reads with progress commits, the package
stored as JSON with its audit event), the package reads alone, and a raw-SQL baseline of
the same reads (3 SELECTs per record, rows fetched, nothing built), in the same run.

    .venv/bin/python bench/privacy_package.py --database-url sqlite:////tmp/bench-privacy.sqlite3
    .venv/bin/python bench/privacy_package.py --database-url postgresql://postgres@127.0.0.1:5432/x

The database named is WIPED and rebuilt with bench/dataset.py (--customers others, 3 orders
each), then the person is added through the service (audited), with 100 orders per record
and a consent history. Not part of the test suite.
"""

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import null, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backoffice import create_app  # noqa: E402
from backoffice.audit.context import AuditContext  # noqa: E402
from backoffice.channels.models import Channel  # noqa: E402
from backoffice.customers.models import Customer  # noqa: E402
from backoffice.customers.service import CustomerService  # noqa: E402
from backoffice.extensions import db  # noqa: E402
from backoffice.jobs import runner  # noqa: E402
from backoffice.jobs import service as jobs  # noqa: E402
from backoffice.privacy import packages  # noqa: E402
from backoffice.privacy import service as privacy  # noqa: E402
from backoffice.privacy.models import PrivacyRequest  # noqa: E402
from backoffice.privacy.package import build_package  # noqa: E402
from bench import dataset  # noqa: E402

EMAIL = "bench.person@example.com"
RECORDS, ORDERS_PER_RECORD = 5, 100


def add_person() -> list[int]:
    """The person: one record per channel, each with a consent history and 100 orders."""
    context = AuditContext.system("cli", "bench")
    service = CustomerService()
    ids = []
    for number, channel in enumerate(db.session.query(Channel).order_by(Channel.id)):
        customer = service.create_customer(
            channel, f"PERSON-{number}", context, email=EMAIL, first_name="Bench",
            last_name="Person", phone_number="+90 532 000 0000",
        )  # fmt: skip
        for allowed in (True, False, True):
            service.update_customer(customer, context, email_allowed=allowed, sms_allowed=allowed)
        ids.append(customer.id)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    db.session.execute(
        text(
            "INSERT INTO orders (channel_id, number, customer_id, amount, discount_amount, "
            "refund_amount, status, created_date, modified_date, applied_lines) VALUES "
            "(:channel, :number, :customer, 120.50, 0, 0, 'completed', :at, :at, '')"
        ),
        [
            {
                "channel": c.channel_id,
                "number": f"P-{c.id}-{n}",
                "customer": c.id,
                "at": start + timedelta(days=n),
            }
            for c in (db.session.get(Customer, pk) for pk in ids)
            for n in range(ORDERS_PER_RECORD)
        ],
    )
    db.session.commit()
    return ids


def raw_reads(ids: list[int]) -> int:
    """The baseline: the same three reads per record on the DBAPI connection; rows read."""
    connection = db.session.connection().connection.dbapi_connection
    mark = "%s" if db.engine.dialect.name == "postgresql" else "?"
    rows = 0
    cursor = connection.cursor()
    for pk in ids:
        for sql in (
            f"SELECT * FROM customers WHERE id = {mark}",
            f"SELECT * FROM orders WHERE customer_id = {mark} ORDER BY id",
            "SELECT * FROM audit_events WHERE object_type = 'customer' "
            f"AND object_id = {mark} ORDER BY id",
        ):
            cursor.execute(sql, (pk,))
            rows += len(cursor.fetchall())
    cursor.close()
    db.session.rollback()
    return rows


def package_job(found: PrivacyRequest, ids: list[int]) -> float:
    """The package job as a worker runs it, from a fresh job (the last package dropped)."""
    found.package, found.package_expires_at = null(), None
    job = jobs.create_job(packages.KIND, None, {"request": found.id, "customers": ids},
                          total=len(ids), label="bench", commit=False)  # fmt: skip
    found.details = {**found.details, "package_job": job.id}
    db.session.commit()
    started = time.perf_counter()
    runner.run(job.id)
    seconds = time.perf_counter() - started
    assert db.session.get(type(job), job.id, populate_existing=True).status == "done"
    return seconds


def timed(function, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a database to WIPE")
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    dataset.build(args.database_url, args.customers, orders_per_customer=3)
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": args.database_url,
                      "JOBS_IMMEDIATE": True})  # fmt: skip
    with app.app_context():
        ids = add_person()
        found = privacy.create_request(AuditContext.system("cli", "bench"), kind="access",
                                       email=EMAIL)  # fmt: skip
        assert [m.customer_id for m in privacy.matches(found)] == ids
        privacy.complete(found.id, None, AuditContext.system("cli", "bench"))
        found = db.session.get(PrivacyRequest, found.id)
        body = json.dumps(found.package)
        orders = sum(len(r["orders"]) for r in found.package["records"])
        events = sum(len(r["events"]) for r in found.package["records"])
        print(f"database: {db.engine.dialect.name}; {args.customers:,} other customers; "
              f"person: {len(ids)} records, {orders} orders, {events} audit events; "
              f"package {len(body) / 1024:,.0f} KiB of JSON")  # fmt: skip
        rows = raw_reads(ids)
        raw = timed(lambda: raw_reads(ids), args.runs)
        reads = timed(lambda: (build_package(found, ids), db.session.rollback()), args.runs)
        job = [package_job(db.session.get(PrivacyRequest, found.id), ids) for _ in range(args.runs)]
        base = statistics.median(raw)
        for label, times in (("raw SQL, same reads", raw), ("app package reads", reads),
                             ("app package job, end to end", job)):  # fmt: skip
            median = statistics.median(times)
            print(f"{label:30} median {median * 1000:8.1f} ms  (min {min(times) * 1000:.1f}, "
                  f"max {max(times) * 1000:.1f})  x{median / base:.1f} raw")  # fmt: skip
        print(f"raw SQL reads {rows:,} rows; runs: {args.runs}; load average: "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")  # fmt: skip
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
