"""CSV export of every customer through the real WSGI app (GET /api/v1/customers/export.csv,
read block by block as a client would), beside the raw SQL: the same SELECT through the driver
(a server-side cursor on PostgreSQL), rows fetched in blocks and dropped. Prints rows/s of both
and the process's peak memory (ru_maxrss) before and after. Run bench/dataset.py first.

    .venv/bin/python bench/export.py --database-url postgresql://postgres@127.0.0.1:5432/bench
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
from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backoffice import create_app  # noqa: E402
from backoffice.auth.models import User  # noqa: E402
from backoffice.auth.service import create_user, issue_token  # noqa: E402
from backoffice.customers.export import cells  # noqa: E402
from backoffice.extensions import db  # noqa: E402

EMAIL = "bench-supervisor@example.com"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": args.database_url})
    logging.getLogger("backoffice.requests").handlers[0].setStream(open(os.devnull, "w"))  # noqa: SIM115
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == EMAIL))
        user = user or create_user(EMAIL, "bench-password", "supervisor")
        token = issue_token(user)
        dialect = db.engine.dialect.name
        columns = cells(dialect)
        statement = select(*columns).order_by(columns[0])
        sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
    before = peak_mb()
    client = app.test_client()
    started = time.perf_counter()
    response = client.get(
        "/api/v1/customers/export.csv", headers={"Authorization": f"Token {token}"}
    )
    assert response.status_code == 200 and response.is_streamed
    size = lines = 0
    for block in response.response:
        size += len(block)
        lines += block.count(b"\r\n")
    response.close()
    app_seconds = time.perf_counter() - started
    rows = lines - 1
    after_app = peak_mb()
    raw_seconds = _raw(args.database_url, dialect, sql)
    print(f"{dialect}: export of {rows:,} customers, {size / 1e6:.0f} MB of CSV")
    print(f"  app  {app_seconds:6.2f} s  {rows / app_seconds:9,.0f} rows/s   peak RSS "
          f"{before:.0f} MB before, {after_app:.0f} MB after")  # fmt: skip
    print(f"  raw  {raw_seconds:6.2f} s  {rows / raw_seconds:9,.0f} rows/s   (driver fetch only)")
    print(f"  ratio app / raw: {app_seconds / raw_seconds:.2f}")


def _raw(url: str, dialect: str, sql: str) -> float:
    started = time.perf_counter()
    if dialect == "postgresql":
        with (
            psycopg.connect(url.replace("+psycopg", "")) as connection,
            connection.cursor(name="export") as cursor,
        ):
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
