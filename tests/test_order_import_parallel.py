"""Lines parsed by worker processes: the same summary, data and report as parsing in the
importer; errors surface; no process outlives the import."""

import io
import json
import multiprocessing
import os
import signal

import pytest

from backoffice.orders.parallel import ParserDied, parsed_lines
from backoffice.orders.service import OrderService
from tests.builders import make_channel
from tests.test_order_import import lines
from tests.test_order_service import _state, _stream, payload


def run_import(runner, path, *options):
    result = runner.invoke(args=["orders", "import", str(path), *options])
    assert result.exit_code == 0, result.output
    report = path.with_name(path.name.removesuffix(".jsonl") + ".errors.jsonl")
    text = report.read_text() if report.exists() else ""
    entries = [json.loads(line) for line in text.splitlines()]
    output = result.output.replace(str(report), "REPORT")
    return [line for line in output.splitlines() if line.startswith("  ")], entries


@pytest.mark.parametrize("workers", ["1", "2"])
def test_workers_import_exactly_what_the_importer_alone_imports(runner, app, tmp_path, workers):
    """Same summary, same rejected lines and messages, same customers, orders and history."""
    alone, parallel = make_channel(name="Alone"), make_channel(name="Parallel")
    outcomes = []
    for channel, option in ((alone, "0"), (parallel, workers)):
        path = tmp_path / f"{channel.name}.jsonl"
        rows = [json.dumps(p) for p in _stream(channel)] + lines(channel)
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        outcomes.append(run_import(runner, path, "--workers", option, "--batch-size", "3"))
    assert outcomes[0] == outcomes[1]
    assert _state(alone) == _state(parallel)


def test_rejected_lines_are_reported_in_line_order(runner, channel, tmp_path):
    """An unknown channel (known only when its batch is written) before a malformed line."""
    path = tmp_path / "orders.jsonl"
    rows = [
        json.dumps({**payload(channel, "N-1"), "channel": 999}),
        "{not json",
        json.dumps(payload(channel, "N-2")),
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    _summary, entries = run_import(runner, path)
    assert [entry["line"] for entry in entries] == [1, 2]


def test_one_by_one_and_the_bulk_import_end_alike(runner, app, tmp_path):
    """The API's path (one order at a time) and the import end with the same data and history."""
    one_by_one, imported = make_channel(name="One by one"), make_channel(name="Imported")
    for item in _stream(one_by_one):
        OrderService().ingest_order(item)
    path = tmp_path / "orders.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in _stream(imported)), encoding="utf-8")
    run_import(runner, path)
    assert _state(imported) == _state(one_by_one)


def test_a_text_stream_is_refused_whatever_parses():
    """A caller's bug (text, not bytes) is raised, not reported as one bad line after another;
    a fault of one line is that line's rejection (tests/test_order_import_bad_lines.py)."""
    for workers in (0, 1):
        with pytest.raises(TypeError, match="binary stream"):
            list(parsed_lines(io.StringIO("{}\n"), workers=workers))


def test_a_parser_that_dies_stops_the_import_with_a_clear_error():
    stream = io.BytesIO(b"{}\n" * 50)
    parsed = parsed_lines(stream, workers=1, chunk=1)
    next(parsed)
    [worker] = multiprocessing.active_children()
    os.kill(worker.pid, signal.SIGKILL)
    worker.join()
    with pytest.raises(ParserDied):
        list(parsed)


def test_no_parser_outlives_the_import(runner, channel, tmp_path):
    path = tmp_path / "orders.jsonl"
    path.write_text("\n".join(lines(channel)) + "\n", encoding="utf-8")
    run_import(runner, path, "--workers", "2")
    assert multiprocessing.active_children() == []
