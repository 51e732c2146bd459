"""``orders import`` with hostile lines: each becomes a rejected line with its reason, and the
good lines around it land, whoever parses (this process or workers) and whatever the
database refuses at write time."""

import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from backoffice.customers.models import Customer
from backoffice.extensions import db
from backoffice.orders import schema
from backoffice.orders.models import Order
from tests.builders import make_channel
from tests.test_order_service import payload

DEEP = 600  # levels: past the default recursion limit of anything walking it naively


def dumps(value) -> bytes:
    """JSON as a careless producer writes it: lone surrogates escaped, NaN allowed."""
    return json.dumps(value).encode()


def bad_lines(channel) -> dict[bytes, str]:
    """Hostile line -> the start of the reason it is rejected with."""

    def order(number, **overrides):
        return payload(channel, number, **overrides)

    nested = {"a": 1}
    deep_attributes = dumps(order("D-1", customer={"attributes": nested})).replace(
        b'{"a": 1}', b'{"a": ' + b"[" * DEEP + b"]" * DEEP + b"}"
    )
    return {
        dumps({**order("B-1"), "channel": "²"}): "Invalid order",
        dumps(order("\ud800")): "Surrogate characters are not allowed: U+D800.",
        dumps(order("B-2", customer={"first_name": "\udfff"})): "Surrogate characters",
        dumps(order("B-3", status="\ud800")): "Surrogate characters",
        dumps({**order("B-4"), "\ud800": 1}): "Surrogate characters",  # a key, even unknown
        dumps(order("B-5", customer={"attributes": {"k": ["x", {"\udc00": 1}]}})): "Surrogate",
        b'{"number": "B-6", "x": "\xed\xa0\x80"}': "Invalid JSON",  # a raw surrogate
        dumps(order("B-7", customer={"attributes": {"k": float("nan")}})): "Invalid JSON",
        dumps(order("B-8", customer={"attributes": {"k": float("-inf")}})): "Invalid JSON",
        dumps(order("B-9", customer={"attributes": {"k": 1}})).replace(b": 1}", b": 1e999}"): (
            "Invalid JSON"
        ),
        dumps(order("B-10"))[:-1] + b', "amount": -1E400}': "Invalid JSON",
        deep_attributes: "Invalid JSON: Nested deeper than 64 levels.",
        dumps({**order("B-11"), "x": 0})[:-2] + b"[" * 4_000 + b"}": "Invalid JSON: Nested deeper",
        b'{"a": "' + b"x" * 4992 + b'"}': "Line too long: 5,001 bytes; the limit is 5,000",
        b"\xff\xfe{}": "Invalid JSON",
    }


def good_lines(channel, prefix: str) -> list[bytes]:
    return [
        dumps(payload(channel, f"{prefix}-{n}", customer={"channel_code": f"{prefix}-{n}"}))
        for n in range(3)
    ]


def write_file(path, channel) -> dict[bytes, str]:
    """Every bad line between two good ones."""
    bad = bad_lines(channel)
    rows = []
    for n, line in enumerate(bad):
        rows += [good_lines(channel, f"G{n}")[0], line]
    rows += good_lines(channel, "END")
    path.write_bytes(b"\n".join(rows) + b"\n")
    return bad


@pytest.mark.parametrize("workers", ["0", "1"])
def test_every_bad_line_is_rejected_and_every_good_line_lands(runner, channel, tmp_path, workers):
    path = tmp_path / "orders.jsonl"
    bad = write_file(path, channel)
    options = ["--workers", workers, "--batch-size", "4", "--max-line-bytes", "5000"]
    result = runner.invoke(args=["orders", "import", str(path), *options])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    report = [
        json.loads(line)
        for line in (tmp_path / "orders.errors.jsonl").read_text("utf-8").splitlines()
    ]
    assert [entry["line"] for entry in report] == [2 * n + 2 for n in range(len(bad))]
    for entry, expected in zip(report, bad.values(), strict=True):
        assert entry["reason"].startswith(expected), (entry, expected)
    numbers = set(db.session.scalars(select(Order.number)))
    assert numbers == {f"G{n}-0" for n in range(len(bad))} | {f"END-{n}" for n in range(3)}
    assert f"rejected:  {len(bad)} lines" in result.output
    # No stored value breaks a later read: every string is valid text.
    for customer in db.session.scalars(select(Customer)):
        json.dumps([customer.first_name, customer.attributes]).encode("utf-8")


def test_the_line_size_limit_has_a_documented_default(runner, channel, tmp_path):
    path = tmp_path / "orders.jsonl"
    big = dumps(payload(channel, "BIG", customer={"attributes": {"k": "x" * (1 << 20)}}))
    path.write_bytes(big + b"\n" + good_lines(channel, "OK")[0] + b"\n")
    result = runner.invoke(args=["orders", "import", str(path), "--workers", "0"])
    assert result.exit_code == 0, result.output
    [entry] = [
        json.loads(line) for line in (tmp_path / "orders.errors.jsonl").read_text().splitlines()
    ]
    assert entry["line"] == 1
    assert (
        entry["reason"]
        == f"Line too long: {len(big):,} bytes; the limit is 1,048,576 (--max-line-bytes)."
    )
    assert db.session.scalars(select(Order.number)).all() == ["OK-0"]
    help_text = runner.invoke(args=["orders", "import", "--help"]).output
    assert "--max-line-bytes" in help_text and "1048576" in help_text


def test_numbers_in_json_fields_are_stored_as_json_numbers(runner, channel, tmp_path):
    """A float in ``attributes`` is a plain JSON number (it used to fail the batch's write)."""
    path = tmp_path / "orders.jsonl"
    line = dumps(payload(channel, "F-1", customer={"attributes": {"score": 1.5, "big": 10**30}}))
    path.write_bytes(line + b"\n" + good_lines(channel, "OK")[0] + b"\n")
    result = runner.invoke(args=["orders", "import", str(path), "--workers", "0"])
    assert "rejected:  0 lines" in result.output, result.output
    buyer = db.session.scalars(select(Customer).where(Customer.channel_code == "ty-77")).one()
    assert buyer.attributes == {"score": 1.5, "big": 10**30}
    amount = db.session.scalars(select(Order.amount).where(Order.number == "F-1")).one()
    assert amount == Decimal("149.90")


def test_a_value_the_database_refuses_costs_only_its_own_line(runner, app, tmp_path, monkeypatch):
    """Validation bypassed (as a future gap would): an amount beyond NUMERIC(12, 2) and SQLite's
    integers reaches the database, which refuses it; the batch's other lines still land."""
    monkeypatch.setattr(schema, "parse_money", Decimal)
    channel = make_channel()
    path = tmp_path / "orders.jsonl"
    rows = [*good_lines(channel, "A"), dumps(payload(channel, "HUGE", amount="1e20"))]
    rows += good_lines(channel, "B")
    path.write_bytes(b"\n".join(rows) + b"\n")
    result = runner.invoke(
        args=["orders", "import", str(path), "--workers", "0", "--batch-size", "100"]
    )
    assert result.exit_code == 0, result.output
    [entry] = [
        json.loads(line) for line in (tmp_path / "orders.errors.jsonl").read_text().splitlines()
    ]
    assert entry["line"] == 4 and entry["reason"].startswith("Refused by the database: ")
    assert "1e20" not in entry["reason"] and "100000000000000000000" not in entry["reason"]
    numbers = sorted(db.session.scalars(select(Order.number)))
    assert numbers == ["A-0", "A-1", "A-2", "B-0", "B-1", "B-2"]
    assert "orders:    6 created" in result.output
