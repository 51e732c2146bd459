"""Builds the scale data set fast (COPY on PostgreSQL, executemany on SQLite; never the service):
N customers over 5 channels, 3 orders per customer on average, integration mappings for a third
of them, and audit events for some. The last 10 % of the customers (100,000 of 1,000,000) are
one channel's back-fill: the highest ids, all of channel 1 — the rows a filter on another
channel sorted by -id must not walk through.

    .venv/bin/python bench/dataset.py --database-url postgresql://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/dataset.py --database-url sqlite:////tmp/bench.sqlite3

The database named is WIPED and migrated first. Not part of the test suite.
"""

import argparse
import io
import json
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import flask_migrate
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backoffice import create_app  # noqa: E402
from backoffice.extensions import db  # noqa: E402

CHANNELS = [  # name, type, code prefix, share of the customers
    ("Trendyol", "marketplace", "TY", 0.35),
    ("Hepsiburada", "marketplace", "HB", 0.25),
    ("Amazon TR", "marketplace", "AMZ", 0.20),
    ("N11", "marketplace", "N11", 0.12),
    ("Web Shop", "web", "WEB", 0.08),
]
FIRST = [
    "ayse",
    "mehmet",
    "fatma",
    "ahmet",
    "zeynep",
    "mustafa",
    "elif",
    "emre",
    "anna",
    "john",
    "maria",
    "ali",
    "deniz",
    "can",
    "selin",
    "burak",
    "ece",
    "murat",
    "lena",
    "omar",
    "hakan",
    "derya",
    "kerem",
    "melis",
    "oguz",
    "pinar",
    "serkan",
    "tugba",
    "umut",
    "yasemin",
    "baris",
    "cem",
    "esra",
    "gizem",
    "irem",
    "kaan",
    "leyla",
    "nazli",
    "onur",
    "sibel",
    "tolga",
    "vildan",
    "yusuf",
    "zehra",
    "peter",
    "laura",
    "paul",
    "sofia",
    "lucas",
    "emma",
    "noah",
    "mia",
    "david",
    "sara",
]
LAST = [
    "yilmaz",
    "kaya",
    "demir",
    "sahin",
    "celik",
    "yildiz",
    "aydin",
    "ozturk",
    "arslan",
    "dogan",
    "smith",
    "muller",
    "garcia",
    "rossi",
    "novak",
    "koc",
    "kurt",
    "polat",
    "erdem",
    "aksoy",
    "kilic",
    "cetin",
    "ozdemir",
    "simsek",
    "korkmaz",
    "bulut",
    "tekin",
    "gunes",
    "avci",
    "karaca",
    "bozkurt",
    "keskin",
    "ates",
    "tas",
    "yavuz",
    "uysal",
    "schmidt",
    "weber",
    "jones",
    "brown",
    "martin",
    "bernard",
    "dubois",
    "silva",
    "santos",
    "ferrari",
    "romano",
    "nowak",
    "horvat",
]
DOMAINS = ("gmail.com", "hotmail.com", "yahoo.com", "outlook.com", "example.com.tr", "icloud.com")
TIERS = ("bronze",) * 6 + ("silver",) * 3 + ("gold", "platinum")
CLIENTS = ("web", "ios", "android")
STATUSES = ("completed",) * 6 + ("shipped", "delivered", "new", "cancelled", "refunded")
START = datetime(2020, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 5 * 365 * 86400
CUSTOMER_COLUMNS = (
    "id, channel_id, email, first_name, last_name, phone_number, is_active, channel_code, "
    "erp_code, extra_field, modified_date, created_date, date_joined, email_allowed, "
    "sms_allowed, call_allowed, gender, attributes, user_type, date_of_birth, attributes_kwargs, "
    "localized_attributes, localized_attributes_kwargs, version, email_key, phone_key"
)
ORDER_COLUMNS = (
    "id, channel_id, number, customer_id, amount, discount_amount, refund_amount, status, "
    "created_date, modified_date"
)
MAPPING_COLUMNS = "id, channel_id, object_type, object_id, code, created_date"
AUDIT_COLUMNS = "id, object_type, object_id, object_version, action, changes, actor_label, source"
TABLES = ("customers", "orders", "integration_mappings", "audit_events")
# SQLite's index of the JSON filters: the triggers on customers fill it during the load (so it
# is exactly what any other write path would give); only its lookup index waits for the end.
INDEXED = (*TABLES, "customer_json_values")


def customers(count: int, rng: random.Random):
    """Rows (as Python values) in id order; created_date grows with the id, with jitter."""
    backfill_from = count - count // 10
    weights = [share for *_rest, share in CHANNELS]
    for n in range(1, count + 1):
        channel = 1 if n > backfill_from else rng.choices(range(1, 6), weights)[0]
        first, last = rng.choice(FIRST), rng.choice(LAST)
        created = START + timedelta(seconds=SPAN_SECONDS * n // count + rng.randrange(3600))
        registered = rng.random() < 0.7
        attributes = {
            "tier": rng.choice(TIERS),
            "has_loyalty": rng.random() < 0.3,
            "register_client_type": rng.choice(CLIENTS),
        }
        if rng.random() < 0.4:
            attributes["sso_id"] = f"sso-{n:08d}"
        email = f"{first}.{last}{n}@{rng.choice(DOMAINS)}"
        phone = None if rng.random() < 0.1 else f"+90 5{n % 100:02d} {n:07d}"
        yield (
            n,
            channel,
            email,
            first.capitalize(),
            last.capitalize(),
            phone,
            rng.random() < 0.93,
            f"{CHANNELS[channel - 1][2]}-{n:08d}",
            f"ERP{n:09d}" if rng.random() < 0.4 else None,
            {"source": "import"} if rng.random() < 0.05 else {},
            created + timedelta(days=rng.randrange(0, 90)),
            created,
            created if registered else None,
            rng.random() < 0.4,
            rng.random() < 0.3,
            rng.random() < 0.15,
            rng.choice(("male", "female", "female", "male", None)),
            attributes,
            "registered" if registered else "guest",
            date(1950, 1, 1) + timedelta(days=rng.randrange(20000)) if rng.random() < 0.6 else None,
            {},
            {},
            {},
            1,
            email,  # its search keys (people/keys.py): already lower case; E.164
            phone and phone.replace(" ", ""),
        )


def orders(count: int, customer_channels: bytearray, rng: random.Random):
    customer_count = len(customer_channels) - 1
    for n in range(1, count + 1):
        customer = rng.randrange(1, customer_count + 1)
        channel = customer_channels[customer]
        amount = rng.randrange(1500, 250000)
        discount = amount * rng.choice((0, 0, 0, 5, 10)) // 100
        status = rng.choice(STATUSES)
        refund = amount if status == "refunded" else 0
        created = START + timedelta(seconds=rng.randrange(SPAN_SECONDS))
        yield (n, channel, f"{CHANNELS[channel - 1][2]}{n:09d}", customer, amount, discount,
               refund, status, created, created)  # fmt: skip


def mappings(customer_channels: bytearray, rng: random.Random):
    row_id = 0
    for customer in range(1, len(customer_channels)):
        if rng.random() < 1 / 3:
            row_id += 1
            channel = customer_channels[customer]
            yield (row_id, channel, "customer", customer, f"EXT-{customer:08d}", START)


def audit_events(customer_count: int, rng: random.Random):
    for n, customer in enumerate(rng.sample(range(1, customer_count + 1), customer_count // 20)):
        changes = {"email_allowed": [False, True]}
        yield (n + 1, "customer", customer, 2, "consent", changes, "agent@example.com", "web")


# -- writers -----------------------------------------------------------------------------------


def _pg_value(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dict):
        value = json.dumps(value)
    elif isinstance(value, datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _sqlite_value(value, cents: bool = False):
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def write(connection, dialect: str, table: str, columns: str, rows, money: tuple[int, ...] = ()):
    raw = connection.connection.driver_connection
    if dialect == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            buffer = io.StringIO()
            for n, row in enumerate(rows, 1):
                values = [
                    f"{v / 100:.2f}" if i in money else _pg_value(v) for i, v in enumerate(row)
                ]
                buffer.write("\t".join(values) + "\n")
                if n % 20_000 == 0:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
        return
    marks = ", ".join("?" * len(columns.split(", ")))
    cursor = raw.cursor()
    batch = []
    for row in rows:
        batch.append(tuple(_sqlite_value(v) for v in row))
        if len(batch) == 20_000:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", batch)
            batch = []
    cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", batch)


def secondary_indexes(connection, dialect: str) -> list[str]:
    """CREATE statements of the indexes that are not constraints: dropped for the load."""
    names = ", ".join(f"'{t}'" for t in INDEXED)
    if dialect == "postgresql":
        rows = connection.execute(
            text(
                f"SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ({names}) "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
            )
        )
    else:
        rows = connection.execute(
            text(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN "
                f"({names}) AND sql IS NOT NULL"
            )
        )
    found = list(rows)
    for name, _sql in found:
        connection.execute(text(f'DROP INDEX "{name}"'))
    return [sql for _name, sql in found]


def build(url: str, count: int, orders_per_customer: float = 3.0, seed: int = 6) -> None:
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    rng = random.Random(seed)
    with app.app_context():
        dialect = db.engine.dialect.name
        started = time.perf_counter()
        if dialect == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        else:
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        step = _stepper(started)
        with db.engine.begin() as connection:
            for position, (name, kind, _prefix, _share) in enumerate(CHANNELS, 1):
                connection.execute(
                    text(
                        "INSERT INTO channels (id, name, channel_type, is_active, created_date, "
                        "modified_date) VALUES (:id, :name, :kind, true, :now, :now)"
                    ),
                    {"id": position, "name": name, "kind": kind, "now": _sqlite_value(START)},
                )
            indexes = secondary_indexes(connection, dialect)
            channels = bytearray(count + 1)

            def remember(rows):
                for row in rows:
                    channels[row[0]] = row[1]
                    yield row

            write(
                connection, dialect, "customers", CUSTOMER_COLUMNS, remember(customers(count, rng))
            )
            step(f"{count:,} customers")
            total_orders = int(count * orders_per_customer)
            money = (4, 5, 6) if dialect == "postgresql" else ()
            write(connection, dialect, "orders", ORDER_COLUMNS, orders(total_orders, channels, rng),
                  money)  # fmt: skip
            step(f"{total_orders:,} orders")
            write(connection, dialect, "integration_mappings", MAPPING_COLUMNS,
                  mappings(channels, rng))  # fmt: skip
            write(connection, dialect, "audit_events", AUDIT_COLUMNS + ", created_at",
                  ((*row, START) for row in audit_events(count, rng)))  # fmt: skip
            step("mappings and audit events")
            for sql in indexes:
                connection.exec_driver_sql(sql)
            step(f"{len(indexes)} indexes rebuilt")
            if dialect == "postgresql":
                for table in (*TABLES, "channels"):
                    connection.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT coalesce(max(id), 1) FROM {table}))"
                    )
        if dialect == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
        else:
            with db.engine.begin() as connection:  # committed: the app's engine opens a BEGIN
                connection.exec_driver_sql("ANALYZE")
        step("vacuum/analyze")
        db.engine.dispose()


def _stepper(started: float):
    def step(what: str) -> None:
        print(f"  {time.perf_counter() - started:7.1f} s  {what}", flush=True)

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a database to WIPE")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders-per-customer", type=float, default=3.0)
    args = parser.parse_args()
    print(f"building {args.customers:,} customers into {args.database_url}")
    build(args.database_url, args.customers, args.orders_per_customer)


if __name__ == "__main__":
    main()
