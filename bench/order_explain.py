"""The list page's orderings for people (``name``, ``channel__name``, both ways) at scale: the
plan (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite) of the page's one statement
as the app builds it, its median time, and beside it the raw SQL of a plain sort of the whole
table by the same key (what a page costs without an index to walk). Run bench/dataset.py
first, then migrate (``flask db upgrade``) so the 0017x index exists.

    .venv/bin/python bench/order_explain.py --database-url postgresql://postgres@127.0.0.1:5432/bench
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import text
from werkzeug.datastructures import MultiDict

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backoffice import create_app  # noqa: E402
from backoffice.customers.filterset import CustomerPageFilterSet  # noqa: E402
from backoffice.customers.listread import (  # noqa: E402
    customer_filters,
    page_params,
    page_statement,
)
from backoffice.customers.reads import all_channels  # noqa: E402
from backoffice.extensions import db  # noqa: E402
from bench.explain import _explain  # noqa: E402

CASES = [  # (label, query, page)
    ("name", {"ordering": "name"}, 1),
    ("-name", {"ordering": "-name"}, 1),
    ("name, page 500", {"ordering": "name"}, 500),
    ("name, channel 2", {"ordering": "name", "channel": "2"}, 1),
    ("channel__name", {"ordering": "channel__name"}, 1),
    ("-channel__name", {"ordering": "-channel__name"}, 1),
    ("channel__name, page 20000", {"ordering": "channel__name"}, 20000),
    ("channel__name, is_active", {"ordering": "channel__name", "is_active": "true"}, 1),
]
NAMELESS = "CASE WHEN first_name = '' AND last_name = '' THEN 1 ELSE 0 END"
RAW = {  # the same keys sorted from the whole table (the key as a plain expression)
    "name": f"SELECT id FROM customers ORDER BY {NAMELESS} + 0, last_name || '', first_name, id "
    "LIMIT 20",
    "channel__name": "SELECT id FROM customers ORDER BY (SELECT name FROM channels "
    "WHERE channels.id = customers.channel_id), id LIMIT 20",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--plans", action="store_true", help="print each plan")
    args = parser.parse_args()
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": args.database_url})
    with app.app_context():
        dialect = db.engine.dialect.name
        channels = all_channels()
        order = tuple(channel.id for channel in channels)
        print(f"{dialect}: page of 20; median of {args.runs} runs, ms")
        for label, values, number in CASES:
            filters = customer_filters(MultiDict(values), channels, CustomerPageFilterSet)
            statement = page_statement(filters, order)
            params = page_params(number, 20)
            times = []
            for _ in range(args.runs):
                elapsed, plan = _explain(statement, params, dialect)
                times.append(elapsed)
            db.session.rollback()
            print(f"  {label:28} {statistics.median(times):9.2f}")
            if args.plans:
                print("    " + plan.replace("\n", "\n    "))
        for label, sql in RAW.items():
            times = []
            for _ in range(max(1, args.runs // 3)):
                started = time.perf_counter()
                db.session.execute(text(sql)).all()
                times.append((time.perf_counter() - started) * 1000)
            db.session.rollback()
            print(f"  raw whole-table sort, {label:14} {statistics.median(times):9.2f}")


if __name__ == "__main__":
    main()
