"""Bulk order import: stream JSON lines, ingest them in batches, report the rejected ones."""

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from backoffice.audit.context import AuditContext
from backoffice.orders.schema import OrderPayload, parse_order_payload
from backoffice.orders.service import BatchResult, OrderService

BATCH_SIZE = 500
# Decimal for JSON numbers: an amount sent as 149.90 never becomes a float. One decoder for
# every line: json.loads with parse_float builds a new one per call.
_DECODER = json.JSONDecoder(parse_float=Decimal)


@dataclass
class ImportSummary:
    lines: int = 0
    bytes_read: int = 0
    orders_created: int = 0
    orders_updated: int = 0
    orders_unchanged: int = 0
    customers_created: int = 0
    customers_updated: int = 0
    rejected: int = 0
    started: float = 0.0

    @property
    def orders(self) -> int:
        return self.orders_created + self.orders_updated + self.orders_unchanged

    @property
    def elapsed(self) -> float:
        return max(time.monotonic() - self.started, 1e-9)

    @property
    def rate(self) -> float:
        """Orders ingested per second so far."""
        return self.orders / self.elapsed

    def add(self, result: BatchResult) -> None:
        self.orders_created += result.orders_created
        self.orders_updated += result.orders_updated
        self.orders_unchanged += result.orders_unchanged
        self.customers_created += result.customers_created
        self.customers_updated += result.customers_updated


class ErrorReport:
    """One JSON line per rejected input line: ``{"line": 7, "reason": …, "errors": {…}}``.

    Opened on the first rejection; a report left by an earlier run of the same file is removed
    first, so the report always describes this run.
    """

    def __init__(self, path: Path):
        self.path = path
        self.count = 0
        self._file: IO[str] | None = None
        path.unlink(missing_ok=True)

    def reject(self, line: int, reason: str, errors: dict[str, Any] | None = None) -> None:
        if self._file is None:
            self._file = self.path.open("w", encoding="utf-8")
        entry: dict[str, Any] = {"line": line, "reason": reason}
        if errors:
            entry["errors"] = errors
        self._file.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self.count += 1

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def default_report_path(source: str) -> Path:
    """``orders.jsonl`` -> ``orders.errors.jsonl`` beside it; stdin -> in the current folder."""
    if source == "-":
        return Path("stdin.errors.jsonl")
    path = Path(source)
    return path.with_name(f"{path.name.removesuffix('.jsonl')}.errors.jsonl")


def import_orders(
    stream: IO[bytes],
    report: ErrorReport,
    *,
    label: str = "orders import",
    batch_size: int = BATCH_SIZE,
    service: OrderService | None = None,
    on_batch: Callable[[ImportSummary], None] | None = None,
) -> ImportSummary:
    """Ingest every valid line, one transaction per batch; a bad line never stops the import.

    Each committed batch is final and re-ingesting it changes nothing, so a run killed at any
    point and started again ends with the data of one clean run.
    """
    service = service or OrderService()
    context = AuditContext(source="ingestion", actor_label=label, request_id=uuid.uuid4().hex)
    summary = ImportSummary(started=time.monotonic())
    for batch in _batches(stream, report, summary, batch_size):
        result = service.ingest_batch([payload for _line, payload in batch], context)
        for index, errors in result.rejected:
            report.reject(batch[index][0], "Invalid order.", errors)
        summary.add(result)
        summary.rejected = report.count
        report.flush()
        if on_batch is not None:
            on_batch(summary)
    summary.rejected = report.count
    return summary


def _batches(
    stream: IO[bytes], report: ErrorReport, summary: ImportSummary, size: int
) -> Iterator[list[tuple[int, OrderPayload]]]:
    batch: list[tuple[int, OrderPayload]] = []
    for number, raw in enumerate(stream, start=1):
        summary.lines = number
        summary.bytes_read += len(raw)
        payload = _parse_line(number, raw, report)
        if payload is not None:
            batch.append((number, payload))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _parse_line(number: int, raw: bytes, report: ErrorReport) -> OrderPayload | None:
    if not raw.strip():
        return None  # blank lines (a trailing newline) are not orders
    try:
        # What json.loads does with bytes: UTF-8, -16 or -32, told apart by the first bytes.
        data = _DECODER.decode(raw.decode(json.detect_encoding(raw), "surrogatepass"))
    except (ValueError, UnicodeDecodeError) as exc:
        report.reject(number, f"Invalid JSON: {exc}")
        return None
    payload, errors = parse_order_payload(data)
    if payload is None:
        report.reject(number, "Invalid order.", errors)
    return payload
