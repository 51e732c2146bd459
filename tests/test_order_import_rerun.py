"""Importing a file again is an exact no-op, and an import stopped after any batch and run
again ends as one clean run: the same values and the same audit events."""

import json

import pytest
from sqlalchemy import func, select

from backoffice.audit.models import AuditEvent
from backoffice.customers.models import Customer
from backoffice.extensions import db
from tests.builders import make_channel
from tests.test_order_service import _state, _stream, payload


def phones(channel) -> list[dict]:
    """One buyer, two orders, a new phone number on the second."""
    return [
        payload(channel, "P-1", customer={"channel_code": "c", "phone_number": "05320000001"}),
        payload(channel, "P-2", customer={"channel_code": "c", "phone_number": "05320000002"}),
    ]


def changing(channel) -> list[dict]:
    """Buyers that change their details, orders that change status, a line delivered twice."""
    rows = _stream(channel) + phones(channel)
    return [*rows, rows[0], *phones(channel)[:1]]


def write(path, rows: list[dict]):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def run(runner, path, batch_size=2):
    options = ["--workers", "0", "--batch-size", str(batch_size)]
    result = runner.invoke(args=["orders", "import", str(path), *options])
    assert result.exit_code == 0, result.output
    return result.output


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def test_a_buyer_changed_within_the_file_is_not_changed_back_by_a_second_run(
    runner, channel, tmp_path
):
    path = write(tmp_path / "orders.jsonl", phones(channel))
    run(runner, path)
    buyer = db.session.scalars(select(Customer)).one()
    assert (buyer.phone_number, buyer.version, audit_count()) == ("05320000002", 2, 2)
    db.session.rollback()

    output = run(runner, path)
    assert "orders:    0 created, 0 updated, 2 unchanged" in output
    assert "customers: 0 created, 0 updated" in output
    buyer = db.session.scalars(select(Customer)).one()
    assert (buyer.phone_number, buyer.version, audit_count()) == ("05320000002", 2, 2)


@pytest.mark.parametrize("batch_size", [1, 3, 100])
def test_running_any_file_again_is_an_exact_no_op(runner, channel, tmp_path, batch_size):
    path = write(tmp_path / "orders.jsonl", changing(channel))
    run(runner, path, batch_size)
    before = _state(channel), audit_count()
    db.session.rollback()
    output = run(runner, path, batch_size)
    assert f"orders:    0 created, 0 updated, {len(changing(channel))} unchanged" in output
    assert "customers: 0 created, 0 updated" in output
    assert (_state(channel), audit_count()) == before


def test_an_import_stopped_after_any_batch_and_run_again_ends_as_one_clean_run(
    runner, app, tmp_path
):
    """A batch is one transaction: stopped (killed) after batch k, the database holds exactly
    the file's first k batches, as an import of those lines alone leaves it."""
    clean = make_channel(name="Clean")
    run(runner, write(tmp_path / "clean.jsonl", changing(clean)))
    expected = _state(clean)
    # 3 buyers created, 3 buyer and 2 order updates; the lines delivered twice are skipped.
    assert len(expected[2]) == 8
    for batches in range(1, len(changing(clean)) // 2 + 1):
        channel = make_channel(name=f"Stopped after {batches}")
        rows = changing(channel)
        run(runner, write(tmp_path / f"part{batches}.jsonl", rows[: 2 * batches]))
        run(runner, write(tmp_path / f"all{batches}.jsonl", rows))
        assert _state(channel) == expected, f"stopped after batch {batches}"
