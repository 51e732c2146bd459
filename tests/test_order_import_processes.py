"""Real ``flask orders import`` processes: killed with SIGKILL and run again; run in parallel."""

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backoffice.audit.models import AuditEvent
from backoffice.customers.models import Customer
from backoffice.database import reset_write_intent, set_write_intent
from backoffice.demo.orders import order_payloads
from backoffice.extensions import db
from backoffice.orders.models import Order

pytestmark = pytest.mark.slow  # real import processes, killed and run again

ROOT = Path(__file__).resolve().parent.parent
BATCH = 500


@pytest.fixture(autouse=True)
def _reads_only(app):
    """The test only reads while importers write: no SQLite write lock for it."""
    token = set_write_intent(False)
    yield
    reset_write_intent(token)


def start_import(database_url: str, path: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "BACKOFFICE_ENV": "development",
        "BACKOFFICE_PROGRESS": "lines",
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "orders", "import", str(path)]
    return subprocess.Popen(
        [*command, "--batch-size", str(BATCH)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen) -> str:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    return out


def write(path: Path, payloads: list[dict]) -> Path:
    path.write_text("".join(json.dumps(p) + "\n" for p in payloads), encoding="utf-8")
    return path


def count(model) -> int:
    value = db.session.scalar(select(func.count()).select_from(model))
    db.session.rollback()  # end the read, so the next one sees new commits
    return value


def with_changing_buyers(payloads: list[dict]) -> list[dict]:
    """Every fourth order brings its buyer another phone number, which the buyer's next
    order takes back."""
    for n, p in enumerate(payloads):
        if n % 4 == 0:
            p["customer"] = {**p["customer"], "phone_number": f"0500{n:07d}"}
    return payloads


def expected_state(payloads: list[dict]):
    """The buyers and orders the payloads leave, and the audit events (by customer code and
    action) applying them one by one writes."""
    customers, orders, events = {}, {}, Counter()
    for p in payloads:
        c = p["customer"]
        details = (
            c["email"], c["first_name"], c["last_name"], c["phone_number"],
            c["email_allowed"], c["sms_allowed"], c["user_type"], c.get("gender"),
            c.get("attributes", {}),
        )  # fmt: skip
        if c["channel_code"] not in customers:
            events[(c["channel_code"], "create")] += 1
        elif customers[c["channel_code"]] != details:
            events[(c["channel_code"], "update")] += 1
        customers[c["channel_code"]] = details
        orders[p["number"]] = (
            c["channel_code"], p["status"], p["amount"], p["discount_amount"],
            p["refund_amount"], p["created_date"].replace("Z", "+00:00"),
        )  # fmt: skip
    return customers, orders, events


def stored_state():
    db.session.rollback()  # a snapshot taken before the imports ran would see none of it
    customers, codes = {}, {}
    for c in db.session.scalars(select(Customer)):
        codes[c.id] = c.channel_code
        customers[c.channel_code] = (
            c.email, c.first_name, c.last_name, c.phone_number, c.email_allowed,
            c.sms_allowed, c.user_type, c.gender, c.attributes,
        )  # fmt: skip
    orders = {
        o.number: (
            codes[o.customer_id],
            o.status,
            str(o.amount),
            str(o.discount_amount),
            str(o.refund_amount),
            o.created_date.isoformat(),
        )
        for o in db.session.scalars(select(Order))
    }
    events = Counter(
        (codes[object_id], action)
        for object_type, object_id, action in db.session.execute(
            select(AuditEvent.object_type, AuditEvent.object_id, AuditEvent.action)
        )
        if object_type == "customer"
    )
    assert sum(events.values()) == count(AuditEvent), "an order was updated"
    db.session.rollback()
    return customers, orders, events


def assert_one_clean_run(payloads: list[dict]) -> None:
    """Every order and buyer as the payloads say, with the audit events of one clean run:
    a creation per buyer, an update per change of a buyer's details."""
    assert stored_state() == expected_state(payloads)


def test_an_import_killed_part_way_and_run_again_ends_as_one_clean_run(
    channel, database_url, tmp_path
):
    payloads = with_changing_buyers(list(order_payloads([(channel.id, "TY")], 30_000, seed=5)))
    path = write(tmp_path / "orders.jsonl", payloads)
    process = start_import(database_url, path)
    deadline = time.monotonic() + 120
    while count(Order) < 4 * BATCH:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    # Reaps it; returns once no process holds its output pipes: its parsers are gone too.
    process.communicate(timeout=60)
    partial = count(Order)
    assert 0 < partial < len(payloads), "the import was not killed part-way"
    assert partial % BATCH == 0, "a batch was half written"

    out = finish(start_import(database_url, path))
    created = len(payloads) - partial
    assert f"orders:    {created:,} created, 0 updated, {partial:,} unchanged" in out
    assert_one_clean_run(payloads)
    updates = sum(
        n for (_code, action), n in expected_state(payloads)[2].items() if action == "update"
    )
    assert updates > len(payloads) // 10  # the rerun had older buyer details to re-apply


def test_parallel_imports_of_overlapping_files_neither_duplicate_nor_fail(
    channel, database_url, tmp_path
):
    payloads = list(order_payloads([(channel.id, "TY")], 6_000, seed=9))
    first = write(tmp_path / "first.jsonl", payloads[:4_000])
    second = write(tmp_path / "second.jsonl", payloads[2_000:][::-1])  # meet in the middle
    processes = [start_import(database_url, first), start_import(database_url, second)]
    outputs = [finish(process) for process in processes]
    created = sum(
        int(o.split("orders:    ")[1].split(" created")[0].replace(",", "")) for o in outputs
    )
    assert created == len(payloads)
    assert_one_clean_run(payloads)
