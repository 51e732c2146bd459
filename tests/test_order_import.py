"""``flask orders import``: summary, error report beside the file, stdin, progress output."""

import json

from sqlalchemy import func, select

from backoffice.customers.models import Customer
from backoffice.extensions import db
from backoffice.orders import cli as orders_cli
from backoffice.orders.models import Order
from tests.test_order_service import payload


def lines(channel):
    good = [
        payload(channel, "N-1", customer={"channel_code": "a"}),
        payload(channel, "N-2", customer={"channel_code": "b"}),
        payload(channel, "N-3", customer={"channel_code": "a"}),
    ]
    return [
        json.dumps(good[0]),
        "{not json",
        json.dumps(good[1]),
        json.dumps(payload(channel, "N-9", amount="1.999", customer={"email": "x"})),
        "",
        json.dumps({**payload(channel, "N-8"), "channel": 999}),
        json.dumps(good[2]),
        json.dumps(payload(channel, "N-1", status="refunded", customer={"channel_code": "a"})),
    ]


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_import_reports_its_summary_and_the_rejected_lines(runner, channel, tmp_path):
    source = tmp_path / "orders.jsonl"
    source.write_text("\n".join(lines(channel)) + "\n", encoding="utf-8")
    result = runner.invoke(args=["orders", "import", str(source), "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "orders:    3 created, 1 updated, 0 unchanged" in result.output
    assert "customers: 2 created, 0 updated" in result.output
    report = tmp_path / "orders.errors.jsonl"
    assert f"rejected:  3 lines (see {report})" in result.output
    entries = [json.loads(line) for line in report.read_text().splitlines()]
    assert [(e["line"], e["reason"]) for e in entries] == [
        (2, entries[0]["reason"]),
        (4, "Invalid order."),
        (6, "Invalid order."),
    ]
    assert entries[0]["reason"].startswith("Invalid JSON: ")
    assert entries[1]["errors"] == {
        "amount": ["Ensure that there are no more than 2 decimal places."],
        "customer": {"email": ["Enter a valid email address."]},
    }
    assert entries[2]["errors"] == {"channel": ['Invalid pk "999" - object does not exist.']}
    assert (count(Order), count(Customer)) == (3, 2)
    assert db.session.scalars(select(Order.status).where(Order.number == "N-1")).one() == "refunded"

    # Run again: every line is recognised as imported; N-1 does not replay its two versions.
    again = runner.invoke(args=["orders", "import", str(source)])
    assert "orders:    0 created, 0 updated, 4 unchanged" in again.output
    assert "customers: 0 created, 0 updated" in again.output
    assert len(report.read_text().splitlines()) == 3  # rewritten, not appended


def test_import_reads_stdin_and_reports_to_the_given_path(runner, channel, tmp_path):
    report = tmp_path / "rejected.jsonl"
    data = "\n".join(lines(channel)[:3]) + "\n"
    result = runner.invoke(args=["orders", "import", "-", "--errors", str(report)], input=data)
    assert result.exit_code == 0, result.output
    assert "orders:    2 created" in result.output and "rejected:  1 lines" in result.output
    assert json.loads(report.read_text())["line"] == 2


def test_a_clean_import_leaves_no_error_report(runner, channel, tmp_path):
    source = tmp_path / "clean.jsonl"
    source.write_text(json.dumps(payload(channel)) + "\n")
    (tmp_path / "clean.errors.jsonl").write_text("stale\n")
    result = runner.invoke(args=["orders", "import", str(source)])
    assert "rejected:  0 lines\n" in result.output
    assert not (tmp_path / "clean.errors.jsonl").exists()


def test_progress_is_plain_lines_off_a_terminal(runner, channel, tmp_path, monkeypatch):
    monkeypatch.setattr(orders_cli, "PLAIN_PROGRESS_EVERY", 0)
    monkeypatch.setenv("BACKOFFICE_PROGRESS", "lines")
    source = tmp_path / "orders.jsonl"
    source.write_text("\n".join(lines(channel)) + "\n")
    result = runner.invoke(args=["orders", "import", str(source), "--batch-size", "1"])
    progress = [line for line in result.output.splitlines() if "orders/s, " in line]
    assert len(progress) == 5  # one per batch: five valid payloads (one of an unknown channel)
    assert (
        progress[-1].startswith("8 lines, 4 orders, ") and "100% of the file, ETA" in progress[-1]
    )


def test_progress_is_a_bar_with_rate_and_eta_on_a_terminal(runner, channel, tmp_path, monkeypatch):
    monkeypatch.setenv("BACKOFFICE_PROGRESS", "bar")
    source = tmp_path / "orders.jsonl"
    source.write_text("\n".join(lines(channel)) + "\n")
    result = runner.invoke(args=["orders", "import", str(source), "--batch-size", "1"])
    assert result.exit_code == 0, result.output
    assert "Importing orders" in result.output and "100%" in result.output
    assert "4 orders · " in result.output and "/s" in result.output
