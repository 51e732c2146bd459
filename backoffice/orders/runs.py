"""The record of each order import run: started, counted as it goes, finished or failed.

Each write is its own short transaction on a connection of its own, never the import's: a
batch's transaction neither waits for nor carries the record, and a run that dies keeps
what was written last ("running", or "failed" with the reason when the import could say).
"""

import time
from typing import TYPE_CHECKING

from sqlalchemy import insert, select, update

from backoffice.extensions import db
from backoffice.orders.models import ImportRun
from backoffice.types import utcnow

if TYPE_CHECKING:
    from backoffice.orders.importer import ImportSummary

UPDATE_EVERY = 5.0  # seconds between the counts written while a run goes on
COUNTS = (
    "lines",
    "orders_created",
    "orders_updated",
    "orders_unchanged",
    "customers_created",
    "customers_updated",
    "rejected",
)


class RunRecord:
    """The row of one run, written at its start, every few seconds, and at its end."""

    def __init__(self, label: str, file_name: str):
        self.last_write = time.monotonic()
        with db.engine.begin() as connection:
            self.id = connection.scalar(
                insert(ImportRun)
                .values(
                    label=label[:255],
                    file_name=file_name[:255],
                    status="running",
                    started_at=utcnow(),
                    error="",
                    **dict.fromkeys(COUNTS, 0),
                )
                .returning(ImportRun.id)
            )

    def progress(self, summary: "ImportSummary") -> None:
        """The counts so far, at most every UPDATE_EVERY seconds."""
        if time.monotonic() - self.last_write >= UPDATE_EVERY:
            self._write(summary)

    def done(self, summary: "ImportSummary") -> None:
        self._write(summary, status="done", finished_at=utcnow())

    def failed(self, summary: "ImportSummary", reason: str) -> None:
        self._write(summary, status="failed", finished_at=utcnow(), error=reason[:1000])

    def _write(self, summary: "ImportSummary", **values: object) -> None:
        counts = {name: getattr(summary, name) for name in COUNTS}
        with db.engine.begin() as connection:
            connection.execute(
                update(ImportRun).where(ImportRun.id == self.id).values(**counts, **values)
            )
        self.last_write = time.monotonic()


RECENT = select(ImportRun).order_by(ImportRun.started_at.desc(), ImportRun.id.desc())


def recent_runs(limit: int = 5) -> list[ImportRun]:
    """The last ``limit`` runs, newest first: one statement."""
    return list(db.session.scalars(RECENT.limit(limit)))
