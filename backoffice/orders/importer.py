"""Bulk order import: stream JSON lines, ingest them in batches, report the rejected ones."""

import gc
import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

from sqlalchemy.exc import InterfaceError, InternalError, OperationalError, ProgrammingError

from backoffice.audit.context import AuditContext
from backoffice.orders.lines import MAX_LINE_BYTES, ParsedLine
from backoffice.orders.parallel import parsed_lines
from backoffice.orders.runs import RunRecord
from backoffice.orders.service import BatchResult, OrderService

BATCH_SIZE = 2000
Rejection = tuple[int, str, dict[str, Any] | None]  # line number, reason, errors


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
            # A message may quote a line's text: whatever it holds, the report stays UTF-8.
            self._file = self.path.open("w", encoding="utf-8", errors="backslashreplace")
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
    file_name: str = "",
    batch_size: int = BATCH_SIZE,
    workers: int = 0,
    max_line_bytes: int = MAX_LINE_BYTES,
    service: OrderService | None = None,
    on_batch: Callable[[ImportSummary], None] | None = None,
) -> ImportSummary:
    """Ingest every valid line, one transaction per batch; a bad line never stops the import.

    Each committed batch is final, and a line already imported is recognised and skipped, so
    running a file again changes nothing, and a run killed at any point and started again
    ends as one clean run, audit events included. ``workers`` processes parse the lines ahead
    of the writes (0: this process parses them). A line longer than ``max_line_bytes`` is
    rejected unread. Rejected lines are reported in line order, a batch's after it commits.

    The run leaves a record (orders/runs.py): "running" from the start, its counts every
    few seconds, then "done", or "failed" with the reason when an error stops it.
    """
    service = service or OrderService()
    context = AuditContext(source="ingestion", actor_label=label, request_id=uuid.uuid4().hex)
    summary = ImportSummary(started=time.monotonic())
    # The batches commit the session as they go: end its open transaction now, so that the
    # record's own connection need not wait for it (SQLite has one writer at a time).
    service.session.commit()
    run = RunRecord(label, file_name)
    lines = parsed_lines(stream, workers=workers, chunk=batch_size, max_line_bytes=max_line_bytes)
    try:
        with closing(lines), _collector_spares_older_objects():
            for batch, rejected in _batches(lines, summary, batch_size):
                if batch:
                    rejected += _write(service, batch, context, summary)
                for number, reason, errors in sorted(rejected, key=itemgetter(0)):
                    report.reject(number, reason, errors)
                summary.rejected = report.count
                report.flush()
                run.progress(summary)
                if batch and on_batch is not None:
                    on_batch(summary)
    except BaseException as exc:  # Ctrl-C included: the record says the run stopped
        service.session.rollback()  # release the batch's locks before the record's write
        run.failed(summary, _stopped(exc))
        raise
    run.done(summary)
    return summary


def _stopped(exc: BaseException) -> str:
    """Why a run stopped, for its record: the error's kind and the database's own words
    (its diagnostic, or the first line of its message; not the statement nor its values)."""
    if isinstance(exc, KeyboardInterrupt):
        return "Interrupted."
    cause = getattr(exc, "orig", None) or exc
    diagnostic = getattr(getattr(cause, "diag", None), "message_primary", None)
    first = diagnostic or (str(cause).splitlines() or [""])[0]
    return f"{type(cause).__name__}: {first[:300]}".rstrip(": ")


# The database unavailable, or a fault of the code: not a line's, the import stops (a run
# started again resumes where it stopped).
_NOT_A_LINE_FAULT = (OperationalError, InterfaceError, InternalError, ProgrammingError, MemoryError)


def _write(
    service: OrderService, batch: list[ParsedLine], context: AuditContext, summary: ImportSummary
) -> list[Rejection]:
    """Ingest ``batch`` in one transaction. A value the database refuses (one validation let
    through) rolls it back; then each half is written on its own, down to the refused line,
    which is rejected: the batch's other lines still land, in order."""
    try:
        result = service.ingest_batch(
            [line.payload for line in batch], context, digests=[line.digest for line in batch]
        )
    except _NOT_A_LINE_FAULT:
        raise
    except Exception as exc:
        service.session.rollback()
        if len(batch) == 1:
            return [(batch[0].number, _refused(exc), None)]
        half = len(batch) // 2
        return _write(service, batch[:half], context, summary) + _write(
            service, batch[half:], context, summary
        )
    summary.add(result)
    return [(batch[index].number, "Invalid order.", errors) for index, errors in result.rejected]


def _refused(exc: Exception) -> str:
    """The database's own words, without the values its details quote."""
    cause = getattr(exc, "orig", None) or exc
    diagnostic = getattr(getattr(cause, "diag", None), "message_primary", None)
    message = diagnostic or (str(cause).splitlines() or [type(cause).__name__])[0]
    return f"Refused by the database: {message[:200]}"


@contextmanager
def _collector_spares_older_objects() -> Iterator[None]:
    """The cyclic garbage collector leaves alone what existed before the import (the app, its
    modules and caches): its full collections then walk the batches' objects only, not the
    whole heap (about 15 % of the importer's CPU time otherwise)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _batches(
    lines: Iterator[ParsedLine], summary: ImportSummary, size: int
) -> Iterator[tuple[list[ParsedLine], list[Rejection]]]:
    """Batches of ``size`` payloads, each with the lines rejected up to its last line."""
    batch: list[ParsedLine] = []
    rejected: list[Rejection] = []
    for line in lines:
        summary.lines = line.number
        summary.bytes_read += line.size
        if line.payload is not None:
            batch.append(line)
        elif line.reason is not None:
            rejected.append((line.number, line.reason, line.errors))
        if len(batch) >= size:
            yield batch, rejected
            batch, rejected = [], []
    if batch or rejected:
        yield batch, rejected
