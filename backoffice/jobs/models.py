"""The Job model: one row per background job, its progress and its outcome."""

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from backoffice.extensions import db
from backoffice.types import JSONObject, UTCDateTime, utcnow

# draft: prepared, waiting for a person to confirm (an opt-out list's preview).
STATUSES = ("draft", "queued", "running", "done", "failed")


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_by_label: Mapped[str] = mapped_column(String(255))
    # What the job does, as its kind reads it (JSON-safe values only).
    params: Mapped[dict[str, Any]] = mapped_column(JSONObject, default=dict)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    # Where a re-run resumes: the last unit committed (an id, a line number); None: the start.
    cursor: Mapped[int | None]
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Written with every committed batch: a running job without one for long has died.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[dict[str, Any]] = mapped_column(JSONObject, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    # An uploaded file the job reads (zlib-compressed), kept in the database so that a worker
    # on another machine reads it too.
    input: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return min(100, self.done * 100 // self.total) if self.total else 0

    @property
    def rate(self) -> float | None:
        """Units per second since the job started (to its end when it has ended)."""
        if self.started_at is None or not self.done:
            return None
        seconds = ((self.finished_at or utcnow()) - self.started_at).total_seconds()
        return self.done / seconds if seconds > 0 else None

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.status} {self.done}/{self.total}>"


class JobFilePart(db.Model):
    """One piece (about JOBS_FILE_PIECE_BYTES) of the file a job writes (an export), in order.

    Kept in the database, not on a disk: the worker that writes the file and the web server
    that hands it out may run on different machines. Deleted with its job, and by the
    housekeeping once the file has expired (jobs/files.py)."""

    __tablename__ = "job_file_parts"

    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
