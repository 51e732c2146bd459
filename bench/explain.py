"""Every exposed filter x every ordering: EXPLAIN ANALYZE of the list page's one statement (page
and count) as the app builds it, on a data set built by bench/dataset.py. Prints the pairs
that scan the customers table or take longer than --slow-ms, and a summary line.

    .venv/bin/python bench/explain.py --database-url postgresql://postgres@127.0.0.1:5432/bench
"""

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import event
from werkzeug.datastructures import MultiDict

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backoffice import create_app  # noqa: E402
from backoffice.customers.filterset import CustomerFilterSet  # noqa: E402
from backoffice.customers.listread import (  # noqa: E402
    customer_filters,
    page_params,
    page_statement,
)
from backoffice.extensions import db  # noqa: E402

# One realistic value per filter (and lookup), on bench/dataset.py's data.
FILTERS = {
    "none": {},
    "created_date range": {"created_date__gte": "2023-03-01", "created_date__lt": "2023-03-08"},
    "modified_date__date": {"modified_date__date": "2022-05-05"},
    "attributes__sso_id": {"attributes__sso_id": "sso-00012347"},
    "attributes__tier": {"attributes__tier": "platinum"},
    "channel": {"channel": "5"},
    "channel+is_active": {"channel": "2", "is_active": "false"},
    "email__startswith": {"email__startswith": "ayse.yilmaz1"},
    "email": {"email": "ayse.yilmaz1@gmail.com"},
    "first_name": {"first_name": "Ayşe"},
    "last_name": {"last_name": "Yılmaz"},
    "phone_number": {"phone_number": "+90 512 0000012"},
    "is_active": {"is_active": "false"},
    "channel_code": {"channel_code": "TY-00012345"},
    "erp_code": {"erp_code": "ERP000012345"},
    "extra_field__source": {"extra_field__source": "import"},
    "email_allowed": {"email_allowed": "true"},
    "sms_allowed": {"sms_allowed": "true"},
    "call_allowed": {"call_allowed": "true"},
    "date_joined__gte": {"date_joined__gte": "2024-12-01T00:00:00Z"},
    "gender": {"gender": "female"},
    "user_type": {"user_type": "guest"},
    "date_of_birth": {"date_of_birth": "1980-01-01"},
    "id__gte": {"id__gte": "500000"},
    "pk__in": {"pk__in": "5,50,500"},
    "mapping__code": {"mapping__code": "EXT-00012348"},
    "mapping__channel": {"mapping__channel": "3"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--slow-ms", type=float, default=50.0)
    parser.add_argument("--limit", type=int, default=10)
    args = parser.parse_args()
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": args.database_url})
    orderings = list(CustomerFilterSet.ordering_fields)
    orderings.remove("pk")
    with app.app_context():
        dialect = db.engine.dialect.name
        times, flagged = [], []
        for name, values in FILTERS.items():
            for ordering in ("", *orderings, *(f"-{o}" for o in orderings)):
                query = MultiDict({**values, **({"ordering": ordering} if ordering else {})})
                statement = page_statement(customer_filters(query))
                elapsed, plan = _explain(statement, page_params(1, args.limit), dialect)
                db.session.rollback()
                times.append(elapsed)
                scans = _table_scans(plan, dialect)
                if scans or elapsed > args.slow_ms:
                    flagged.append((name, ordering or "(default)", elapsed, scans))
        for name, ordering, elapsed, scans in flagged:
            print(f"  {name:22} ordering={ordering:16} {elapsed:8.1f} ms  {' '.join(scans)}")
        print(
            f"{dialect}: {len(times)} filter x ordering pairs; "
            f"median {statistics.median(times):.1f} ms, max {max(times):.1f} ms; "
            f"{len(flagged)} flagged (full scan of a big table, "
            f"or over {args.slow_ms:.0f} ms)"
        )


def _explain(statement, params: dict, dialect: str) -> tuple[float, str]:
    """The plan (the statement's own parameters, bound by the driver) and the run time."""
    prefix = "EXPLAIN (ANALYZE, TIMING OFF) " if dialect == "postgresql" else "EXPLAIN QUERY PLAN "

    def explained(conn, cursor, sql, parameters, context, executemany):
        return prefix + sql, parameters

    event.listen(db.engine, "before_cursor_execute", explained, retval=True)
    try:
        rows = db.session.connection().execute(statement, params).cursor.fetchall()
        plan = "\n".join(str(row[-1]) for row in rows)
    finally:
        event.remove(db.engine, "before_cursor_execute", explained)
    started = time.perf_counter()
    db.session.execute(statement, params).all()
    return (time.perf_counter() - started) * 1000, plan


def _table_scans(plan: str, dialect: str) -> list[str]:
    if dialect == "postgresql":
        return re.findall(r"Seq Scan on (customers|orders|integration_mappings)\b", plan)
    return re.findall(r"\bSCAN (customers|orders|integration_mappings)\b(?! USING)", plan)


if __name__ == "__main__":
    main()
