"""``flask orders import FILE.jsonl``: the resumable bulk import, with its progress display."""

import os
import sys
import time
from pathlib import Path
from typing import IO

import click
from flask.cli import AppGroup

from backoffice.orders.importer import (
    BATCH_SIZE,
    MAX_LINE_BYTES,
    ErrorReport,
    ImportSummary,
    default_report_path,
    import_orders,
)

orders = AppGroup("orders", help="Marketplace orders: bulk import.")
PLAIN_PROGRESS_EVERY = 5.0  # seconds between progress lines when not on a terminal


@orders.command("import")
@click.argument("source", metavar="FILE.jsonl")
@click.option(
    "--batch-size",
    default=BATCH_SIZE,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Lines per transaction.",
)
@click.option(
    "--workers",
    default=min(1, (os.cpu_count() or 1) - 1),  # a second CPU, if there is one
    show_default=True,
    type=click.IntRange(0, 16),
    help="Processes that parse and validate lines while this one writes (0: this one does).",
)
@click.option(
    "--errors",
    "errors_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where rejected lines are reported [default: FILE.errors.jsonl beside FILE].",
)
@click.option(
    "--max-line-bytes",
    default=MAX_LINE_BYTES,
    show_default=True,
    type=click.IntRange(1, None),
    help="A longer line is rejected (reported, not read).",
)
def import_command(
    source: str, batch_size: int, workers: int, errors_path: Path | None, max_line_bytes: int
) -> None:
    """Import orders, one JSON payload per line (``-`` reads stdin).

    Each order upserts its buyer. Batches commit as they go: after an interruption, run the
    same command again; lines already imported are recognised and skipped, buyer included,
    so a second run changes nothing. A line that is not a valid order (bad JSON, a lone
    surrogate, NaN, nesting past 64 levels, longer than --max-line-bytes, a value the
    database refuses) is reported in the error report; the other lines land.
    """
    stream, size = _open(source)
    name = Path(source).name if source != "-" else "stdin"
    report = ErrorReport(errors_path or default_report_path(source))
    progress = _progress(size)
    try:
        summary = import_orders(
            stream,
            report,
            label=f"orders import {name}",
            file_name=name,
            batch_size=batch_size,
            workers=workers,
            max_line_bytes=max_line_bytes,
            on_batch=progress.update,
        )
    finally:
        progress.close()
        report.close()
        if stream is not sys.stdin.buffer:
            stream.close()
    _print_summary(source, summary, report)


def _open(source: str) -> tuple[IO[bytes], int | None]:
    if source == "-":
        return sys.stdin.buffer, None
    path = Path(source)
    if not path.is_file():
        raise click.BadParameter(f"{source} is not a file.", param_hint="FILE.jsonl")
    return path.open("rb"), path.stat().st_size or None


class _Progress:
    """A progress bar (rate, ETA) on a terminal; a plain line every few seconds otherwise."""

    def __init__(self, total: int | None, interactive: bool, forced: bool = False):
        self.total = total
        self.interactive = interactive and total is not None
        self.summary: ImportSummary | None = None
        self.last_line = time.monotonic()
        self.bar = None
        if self.interactive:
            self.bar = click.progressbar(
                length=total,
                label="Importing orders",
                show_eta=True,
                show_percent=True,
                width=30,
                item_show_func=self._describe,
                file=sys.stderr,
            )
            if forced:  # draw it into a pipe too: a recorded demo, a test
                self.bar._is_atty = True
            self.bar.__enter__()

    def _describe(self, _item: object) -> str | None:
        if self.summary is None:
            return None
        return f"{self.summary.orders:,} orders · {self.summary.rate:,.0f}/s"

    def update(self, summary: ImportSummary) -> None:
        self.summary = summary
        if self.bar is not None:
            self.bar.update(summary.bytes_read - self.bar.pos, current_item=summary)
            return
        if time.monotonic() - self.last_line >= PLAIN_PROGRESS_EVERY:
            self.last_line = time.monotonic()
            click.echo(_plain_line(summary, self.total), err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _progress(total: int | None) -> _Progress:
    forced = os.environ.get("BACKOFFICE_PROGRESS")  # "bar" or "lines", for demos and tests
    interactive = sys.stderr.isatty() if forced is None else forced == "bar"
    return _Progress(total, interactive, forced=forced == "bar")


def _plain_line(summary: ImportSummary, total: int | None) -> str:
    line = f"{summary.lines:,} lines, {summary.orders:,} orders, {summary.rate:,.0f} orders/s"
    if total:
        fraction = min(summary.bytes_read / total, 1.0)
        remaining = summary.elapsed * (1 - fraction) / fraction if fraction else 0
        line += f", {fraction:.0%} of the file, ETA {_duration(remaining)}"
    return line


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes // 60:d}:{minutes % 60:02d}:{secs:02d}"


def _print_summary(source: str, summary: ImportSummary, report: ErrorReport) -> None:
    click.echo(
        f"Imported {source}: {summary.lines:,} lines in {summary.elapsed:.1f} s "
        f"({summary.rate:,.0f} orders/s)."
    )
    click.echo(
        f"  orders:    {summary.orders_created:,} created, {summary.orders_updated:,} updated, "
        f"{summary.orders_unchanged:,} unchanged"
    )
    click.echo(
        f"  customers: {summary.customers_created:,} created, {summary.customers_updated:,} updated"
    )
    rejected = f"  rejected:  {summary.rejected:,} lines"
    if summary.rejected:
        rejected += f" (see {report.path})"
    click.echo(rejected)
