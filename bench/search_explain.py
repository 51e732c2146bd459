"""The plans of the customer search: EXPLAIN of the list page's one statement for each search
case (and the quick search, and the related records), on a database seeded here through the
service's batch upsert, then ANALYZEd. Prints each plan and flags a scan of a big table.

    .venv/bin/python bench/search_explain.py                     # SQLite, in a temporary folder
    .venv/bin/python bench/search_explain.py --database-url postgresql://postgres@127.0.0.1:5432/x

The database named is WIPED (schema dropped and migrated again). Not part of the test suite.
"""

import argparse
import random
import re
import sys
import tempfile
from pathlib import Path

import flask_migrate
from sqlalchemy import insert, text
from werkzeug.datastructures import MultiDict

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backoffice import create_app  # noqa: E402
from backoffice.channels.models import Channel, IntegrationMapping  # noqa: E402
from backoffice.customers.listread import customer_filters, page_params, page_statement  # noqa: E402
from backoffice.customers.reads import quick_search  # noqa: E402
from backoffice.customers.related import RELATED  # noqa: E402
from backoffice.customers.service import CustomerService  # noqa: E402
from backoffice.demo.seed import FIRST_NAMES, LAST_NAMES  # noqa: E402
from backoffice.extensions import db  # noqa: E402
from backoffice.orders.models import Order  # noqa: E402
from bench.explain import _explain  # noqa: E402

CASES = {
    "one name word": {"search": "murat"},
    "two name words": {"search": "murat yilmaz"},
    "two words, other order": {"search": "yılmaz murat"},
    "Turkish typed without letters": {"search": "sahin celik"},
    "full email": {"search": "murat.yilmaz7@example.com"},
    "email prefix": {"search": "murat.yilmaz7@ex"},
    "phone 05xx": {"search": "05320000007"},
    "phone spaced": {"search": "0532 000 00 07"},
    "phone +90": {"search": "+905320000007"},
    "phone last 7 digits": {"search": "0000007"},
    "channel code": {"search": "ty-100007"},
    "order number": {"search": "so-20007"},
    "mapping code": {"search": "ext-30008"},
    "no hit": {"search": "zzqxw"},
    "name + channel filter": {"search": "murat", "channel": "1"},
    "name + ordering": {"search": "murat", "ordering": "-created_date"},
}
SCANS = r"(customers|orders|integration_mappings|customer_search_words)"


def seed(count: int) -> None:
    rng = random.Random(14)
    channels = [Channel(name=f"Channel {n}") for n in range(3)]
    db.session.add_all(channels)
    db.session.flush()
    rows = []
    for n in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local = f"{first}.{last}{n}".lower().translate(str.maketrans("ışçöüğéí", "iscougei"))
        fields = {
            "first_name": first,
            "last_name": last,
            "email": f"{local}@example.com",
            "phone_number": f"0532 {n:07d}"[:4] + f" {n:07d}",
        }
        rows.append((channels[n % 3].id, f"TY-{100000 + n}", fields))
    service = CustomerService(autocommit=False)
    for start in range(0, count, 1000):
        outcomes = service.upsert_customers(rows[start : start + 1000])
        orders = [
            {"channel_id": 1, "number": f"SO-{20000 + start + i}", "customer_id": o.customer_id}
            for i, o in enumerate(outcomes)
        ]
        db.session.execute(insert(Order), orders)
        mappings = [
            {"channel_id": 2, "object_type": "customer", "object_id": o.customer_id,
             "code": f"EXT-{30000 + start + i}"}
            for i, o in enumerate(outcomes) if i % 2 == 0
        ]  # fmt: skip
        db.session.execute(insert(IntegrationMapping), mappings)
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a database to WIPE; default: a temporary SQLite")
    parser.add_argument("--count", type=int, default=5000)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'search.sqlite3'}"
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        dialect = db.engine.dialect.name
        if dialect == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        seed(args.count)
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        flagged = 0
        for name, values in CASES.items():
            statement = page_statement(customer_filters(MultiDict(values)))
            flagged += _show(name, statement, page_params(1, 20), dialect)
        flagged += _show("quick search 'murat y'", quick_search("murat y", 21), {}, dialect)
        keys = {"email_key": "murat.yilmaz7@example.com", "phone_key": "+905320000007"}
        flagged += _show("related", RELATED, {**keys, "pk": 8, "limit": 20, "offset": 0}, dialect)
        print(f"{dialect}: {len(CASES) + 2} statements, {flagged} scanning a big table")


def _show(name: str, statement, params: dict, dialect: str) -> int:
    elapsed, plan = _explain(statement, params, dialect)
    db.session.rollback()
    if dialect == "postgresql":
        scans = re.findall(rf"Seq Scan on {SCANS}\b", plan)
    else:
        scans = re.findall(rf"\bSCAN {SCANS}\b(?! USING)", plan)
    print(f"== {name}: {elapsed:.1f} ms{'  SCANS ' + ' '.join(scans) if scans else ''}")
    print(plan)
    return bool(scans)


if __name__ == "__main__":
    main()
