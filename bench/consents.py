"""Consent operations at scale: an opt-out list and a bulk change applied by the app's job
code (audit events included), each beside a raw-SQL baseline of the same updates.

    .venv/bin/python bench/consents.py --database-url sqlite:////tmp/bench-consents.sqlite3
    .venv/bin/python bench/consents.py --database-url postgresql://postgres@127.0.0.1:5432/bench

The database named is WIPED and rebuilt with bench/dataset.py (customers only). The list has
``--lines`` lines, half of them customers' emails or phones (2 in 3 emails), half unknown
addresses. The baseline runs the same UPDATEs and event INSERTs with the keys already
normalized, in one transaction rolled back afterwards, so both sides start from one state.
Not part of the test suite.
"""

import argparse
import random
import sys
import time
from pathlib import Path

from sqlalchemy import bindparam, func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backoffice import create_app  # noqa: E402
from backoffice.audit.models import AuditEvent  # noqa: E402
from backoffice.consents import bulk, preview  # noqa: E402
from backoffice.customers.models import Customer  # noqa: E402
from backoffice.extensions import db  # noqa: E402
from backoffice.jobs import service as jobs  # noqa: E402
from backoffice.jobs.models import Job  # noqa: E402
from bench import dataset  # noqa: E402

BATCH = 2000


def fill_keys() -> None:
    """The dataset writes emails in lower case and phones as ``+90 5NN NNNNNNN``: their keys
    (once: a database kept with --skip-build has them)."""
    if db.session.scalar(text("SELECT 1 FROM customers WHERE email_key IS NULL LIMIT 1")) is None:
        return
    db.session.execute(
        text(
            "UPDATE customers SET email_key = email, phone_key = CASE WHEN phone_number IS NULL "
            "THEN NULL ELSE '+90' || replace(substr(phone_number, 5), ' ', '') END"
        )
    )
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE customers")


def opt_out_list(lines: int, rng: random.Random) -> tuple[bytes, list[tuple[str, str]]]:
    rows = db.session.execute(select(Customer.email_key, Customer.phone_key)).all()
    chosen = rng.sample(rows, lines // 2)
    values, keys = [], []
    for n, (email, phone) in enumerate(chosen):
        if phone and n % 3 == 2:
            values.append(phone[:3] + " " + phone[3:6] + " " + phone[6:])
            keys.append(("phone", phone))
        else:
            values.append(email.upper() if n % 2 else email)
            keys.append(("email", email))
    for n in range(lines - len(chosen)):
        values.append(f"nobody{n}@unknown.example")
        keys.append(("email", f"nobody{n}@unknown.example"))
    order = list(range(lines))
    rng.shuffle(order)
    return "\n".join(values[i] for i in order).encode(), [keys[i] for i in order]


def events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def run_job(job: Job) -> tuple[float, Job]:
    before = events()
    started = time.perf_counter()
    jobs.start(job, inline=True)
    elapsed = time.perf_counter() - started
    job = db.session.get(Job, job.id, populate_existing=True)
    assert job.status == "done", job.error
    print(f"  audit events written: {events() - before:,}; result {job.result}")
    return elapsed, job


def baseline_optout(keys: list[tuple[str, str]]) -> tuple[float, int]:
    """The same UPDATE and event INSERT per batch, keys given, then rolled back."""
    connection = db.session.connection()
    started, changed = time.perf_counter(), 0
    for start in range(0, len(keys), BATCH):
        chunk = keys[start : start + BATCH]
        emails = [k for kind, k in chunk if kind == "email"]
        phones = [k for kind, k in chunk if kind == "phone"]
        ids = connection.execute(
            text(
                "UPDATE customers SET email_allowed = false, sms_allowed = false, "
                "version = version + 1, modified_date = CURRENT_TIMESTAMP "
                "WHERE id IN (SELECT id FROM customers WHERE email_key IN :emails UNION ALL "
                "SELECT id FROM customers WHERE phone_key IN :phones) AND anonymized_at IS NULL "
                "AND (email_allowed <> false OR sms_allowed <> false) RETURNING id, version"
            ).bindparams(_expanding("emails"), _expanding("phones")),
            {"emails": emails or [""], "phones": phones or [""]},
        ).all()
        _insert_events(connection, ids)
        changed += len(ids)
    elapsed = time.perf_counter() - started
    db.session.rollback()
    return elapsed, changed


def baseline_bulk(channel: int) -> tuple[float, int]:
    connection = db.session.connection()
    started, changed, last = time.perf_counter(), 0, 0
    while True:
        ids = connection.execute(
            text(
                "UPDATE customers SET sms_allowed = true, version = version + 1, "
                "modified_date = CURRENT_TIMESTAMP WHERE id IN (SELECT id FROM customers "
                "WHERE channel_id = :channel AND id > :last ORDER BY id LIMIT :batch) "
                "AND anonymized_at IS NULL AND sms_allowed <> true RETURNING id, version"
            ),
            {"channel": channel, "last": last, "batch": BATCH},
        ).all()
        next_last = connection.execute(
            text(
                "SELECT max(id) FROM (SELECT id FROM customers WHERE channel_id = :channel "
                "AND id > :last ORDER BY id LIMIT :batch) AS page"
            ),
            {"channel": channel, "last": last, "batch": BATCH},
        ).scalar()
        if next_last is None:
            break
        _insert_events(connection, ids)
        changed, last = changed + len(ids), next_last
    elapsed = time.perf_counter() - started
    db.session.rollback()
    return elapsed, changed


def _expanding(name: str):
    return bindparam(name, expanding=True)


def _insert_events(connection, ids) -> None:
    if not ids:
        return
    connection.execute(
        text(
            "INSERT INTO audit_events (object_type, object_id, object_version, action, changes, "
            "actor_label, source, request_id, created_at) VALUES ('customer', :id, :version, "
            "'consent', :changes, 'bench', 'optout', 'bench', CURRENT_TIMESTAMP)"
        ),
        [{"id": i, "version": v, "changes": '{"email_allowed": [true, false]}'} for i, v in ids],
    )


def time_preview(count: int, rng: random.Random) -> None:
    """The preview of a large file, which runs as a job: its time, nothing applied."""
    data, _keys = opt_out_list(count, rng)
    target = {"email_allowed": False, "sms_allowed": False}
    started = time.perf_counter()
    draft = preview.prepare(data, "big.txt", target, [], None, label="bench")
    seconds = time.perf_counter() - started
    counting = db.session.get(Job, draft.params["preview_job"])
    seen = draft.result["preview"]
    assert counting.status == "done", counting.error
    print(f"preview job of {count:,} lines ({seen['matched_lines']:,} matched, "
          f"{seen['will_change']:,} would change): {seconds:.2f} s -> "
          f"{count / seconds:,.0f} lines/s")  # fmt: skip


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a database to WIPE")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=None, help="default: customers / 1")
    parser.add_argument("--skip-build", action="store_true", help="reuse the database as is")
    parser.add_argument(
        "--bulk-channel", type=int, default=4, help="the bulk change's filter (4: ~11 %%)"
    )
    parser.add_argument(
        "--preview-lines", type=int, default=0, help="also time the preview job of this many lines"
    )
    args = parser.parse_args()
    lines = args.lines or args.customers
    if not args.skip_build:
        dataset.build(args.database_url, args.customers, orders_per_customer=0)
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": args.database_url,
                      "JOBS_IMMEDIATE": True, "JOBS_BATCH_SIZE": BATCH})  # fmt: skip
    rng = random.Random(15)
    with app.app_context():
        fill_keys()
        dialect = db.engine.dialect.name
        total = db.session.scalar(select(func.count()).select_from(Customer))
        data, keys = opt_out_list(lines, rng)
        print(f"database: {dialect}; {total:,} customers; opt-out list of {lines:,} lines")
        print(f"load average at start: {load()}")

        raw_seconds, changed = baseline_optout(keys)
        print(f"raw SQL opt-out: {changed:,} customers changed in {raw_seconds:.2f} s -> "
              f"{lines / raw_seconds:,.0f} lines/s")  # fmt: skip
        started = time.perf_counter()
        target = {"email_allowed": False, "sms_allowed": False}
        job = preview.prepare(data, "bench.txt", target, [], None, label="bench", inline=True)
        preview_seconds = time.perf_counter() - started
        print(f"app preview: {preview_seconds:.2f} s -> {lines / preview_seconds:,.0f} lines/s")
        raw_rate = lines / raw_seconds
        seconds, job = run_job(job)
        print(f"app opt-out job: {job.result.get('changed', 0):,} customers changed in "
              f"{seconds:.2f} s -> {lines / seconds:,.0f} lines/s (incl. reading), "
              f"{lines / seconds / raw_rate:.2f} x raw")  # fmt: skip

        raw_seconds, changed = baseline_bulk(args.bulk_channel)
        print(f"raw SQL bulk (channel={args.bulk_channel}, sms_allowed=true): "
              f"{changed:,} changed in {raw_seconds:.2f} s")  # fmt: skip
        plan = bulk.plan(f"channel={args.bulk_channel}", {"sms_allowed": True})
        job = jobs.create_job(bulk.KIND, None, {"query": plan.query, "target": plan.target},
                              total=plan.matching, label="bench")  # fmt: skip
        seconds, job = run_job(job)
        print(f"app bulk job: {plan.matching:,} matching, {job.result.get('changed', 0):,} changed "
              f"in {seconds:.2f} s -> {plan.matching / seconds:,.0f} customers/s; raw "
              f"{plan.matching / raw_seconds:,.0f}/s, {raw_seconds / seconds:.2f} x")  # fmt: skip
        if args.preview_lines:
            time_preview(args.preview_lines, rng)
        print(f"load average at end: {load()}")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
