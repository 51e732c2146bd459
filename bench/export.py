"""Export of every customer through the real WSGI app, read block by block as a client would:
CSV (GET /api/v1/customers/export.csv) or, with --format xlsx, the Excel workbook of the list
page (GET /customers/export.xlsx). Beside it the raw SQL: the same SELECT through the driver (a
server-side cursor on PostgreSQL), rows fetched in blocks and dropped. Prints rows/s of both and
the process's peak memory (ru_maxrss) before and after; run one format per process, as the
peak is the process's. Run bench/dataset.py first.

With --job the list page's export runs as the job a large export is (customers/exportjobs.py:
written into the database in pieces; run here, as JOBS_IMMEDIATE runs it), then the file is
downloaded from the job; it prints the job's rate and the download's. The database gets the
job and its file: use a copy of your own.

    .venv/bin/python bench/export.py --database-url postgresql://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/export.py --database-url sqlite:////tmp/bench.sqlite3 --format xlsx
"""

import argparse
import logging
import os
import resource
import sqlite3
import sys
import time
from pathlib import Path

import psycopg
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backoffice import create_app  # noqa: E402
from backoffice.auth.models import User  # noqa: E402
from backoffice.auth.service import create_user, issue_token  # noqa: E402
from backoffice.customers import spreadsheet  # noqa: E402
from backoffice.customers.export import cells  # noqa: E402
from backoffice.customers.listread import customer_filters  # noqa: E402
from backoffice.customers.models import Customer  # noqa: E402
from backoffice.extensions import db  # noqa: E402

EMAIL, PASSWORD = "bench-supervisor@example.com", "bench-password"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--job", action="store_true", help="as a job (writes to the database)")
    args = parser.parse_args()
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": args.database_url,
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
            # Streamed in the request, however many rows; or (--job) always a job, run here.
            "EXPORT_INLINE_ROWS": -1 if args.job else 10**12,
            "JOBS_IMMEDIATE": True,
        }
    )
    logging.getLogger("backoffice.requests").handlers[0].setStream(open(os.devnull, "w"))  # noqa: SIM115
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == EMAIL))
        user = user or create_user(EMAIL, PASSWORD, "supervisor")
        token = issue_token(user)
        dialect = db.engine.dialect.name
        order_by = customer_filters(MultiDict()).order_by()
        if args.format == "xlsx":
            statement = spreadsheet.row_statement([], order_by, dialect)
        else:
            statement = select(*cells(dialect)).order_by(*order_by)
        sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
        count = db.session.scalar(select(func.count()).select_from(Customer))
        db.session.commit()
    before = peak_mb()
    client = app.test_client()
    if args.job:
        return _job(client, args.format, count, before)
    if args.format == "xlsx":
        signed_in = client.post("/login", data={"email": EMAIL, "password": PASSWORD})
        assert signed_in.status_code == 302
        path, headers = "/customers/export.xlsx", {}
    else:
        path, headers = "/api/v1/customers/export.csv", {"Authorization": f"Token {token}"}
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(path, headers=headers)
    assert response.status_code == 200 and response.is_streamed
    size = lines = 0
    first_byte = None
    for block in response.response:
        first_byte = first_byte or time.perf_counter() - started
        size += len(block)
        lines += block.count(b"\r\n")
    response.close()
    app_seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu
    rows = lines - 1 if args.format == "csv" else count
    after_app = peak_mb()
    raw_seconds = _raw(args.database_url, dialect, sql)
    print(f"{dialect}: {args.format} export of {rows:,} customers, {size / 1e6:.0f} MB, "
          f"first byte after {first_byte or 0:.1f} s")  # fmt: skip
    print(f"  app  {app_seconds:6.2f} s  {rows / app_seconds:9,.0f} rows/s   peak RSS "
          f"{before:.0f} MB before, {after_app:.0f} MB after")  # fmt: skip
    print(f"  app CPU {cpu_seconds:6.2f} s in this process ({rows / cpu_seconds:,.0f} rows per "
          "CPU second; the database's work is the raw line's)")  # fmt: skip
    print(f"  raw  {raw_seconds:6.2f} s  {rows / raw_seconds:9,.0f} rows/s   (driver fetch only)")
    print(f"  ratio app / raw: {app_seconds / raw_seconds:.2f}")


def _job(client, file_format: str, count: int, before: float) -> None:
    signed_in = client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    assert signed_in.status_code == 302
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(f"/customers/export.{file_format}")
    job_seconds, job_cpu = time.perf_counter() - started, time.process_time() - cpu
    assert response.status_code == 303, response.status_code
    job_url = response.location
    progress = client.get(f"{job_url}progress").json
    assert progress["status"] == "done", progress
    rows, size = progress["result"]["rows"], progress["result"]["bytes"]
    started = time.perf_counter()
    download = client.get(f"{job_url}download")
    got = sum(len(block) for block in download.response)
    download.close()
    download_seconds = time.perf_counter() - started
    assert got == size, (got, size)
    print(f"{file_format} export of {rows:,} of {count:,} customers as a job: {size / 1e6:.0f} MB "
          f"in {-(-size // (1024 * 1024))} pieces")  # fmt: skip
    print(f"  job      {job_seconds:6.2f} s  {rows / job_seconds:9,.0f} rows/s   app CPU "
          f"{job_cpu:.2f} s ({rows / job_cpu:,.0f} rows per CPU second)")  # fmt: skip
    print(f"  download {download_seconds:6.2f} s  {size / 1e6 / download_seconds:9,.0f} MB/s"
          f"   peak RSS {before:.0f} MB before, {peak_mb():.0f} MB after")  # fmt: skip


def _raw(url: str, dialect: str, sql: str) -> float:
    started = time.perf_counter()
    if dialect == "postgresql":
        with psycopg.connect(url.replace("+psycopg", "")) as connection:
            connection.execute("SET jit = off")  # as the app reads an export
            with connection.cursor(name="export") as cursor:
                cursor.execute(sql)
                while cursor.fetchmany(2000):
                    pass
    else:
        connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        cursor = connection.execute(sql)
        while cursor.fetchmany(2000):
            pass
        connection.close()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
