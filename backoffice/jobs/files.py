"""The file a job writes (a large export): pieces in the database, each committed with the
rows it holds and the job's progress; handed out piece by piece; deleted JOBS_FILE_HOURS
after the job finished (the housekeeping) or with the job.

The database, not a disk: a worker on one machine writes the file that the web server on
another hands out. Memory stays flat: at most a piece is held, writing and reading.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Engine, delete, exists, select

from backoffice.audit.context import AuditContext
from backoffice.database import reset_write_intent, set_write_intent
from backoffice.extensions import db
from backoffice.jobs.housekeeping import sweep
from backoffice.jobs.models import Job, JobFilePart
from backoffice.jobs.runner import Progress
from backoffice.types import utcnow

PIECE_BYTES = 1024 * 1024

# kind -> what hands its file over: (job, audit context) -> (file name, content type); it
# records the download as its feature audits it (no context: a HEAD request, nothing sent).
Handover = Callable[[Job, AuditContext | None], tuple[str, str]]
DOWNLOADS: dict[str, Handover] = {}


def download(kind: str) -> Callable[[Handover], Handover]:
    """Register the hand-over of the files jobs of ``kind`` write."""

    def register(function: Handover) -> Handover:
        DOWNLOADS[kind] = function
        return function

    return register


class FileWriter:
    """Writes a job's file a piece at a time: each piece, the rows it completes and the
    job's counters are one commit (``Progress``); the job's cursor is the last piece's number.
    ``check`` runs before each commit: raising there ends the job (a JobError: failed)."""

    def __init__(
        self,
        job: Job,
        progress: Progress,
        piece_bytes: int | None = None,
        check: Callable[[], None] | None = None,
    ):
        self.job, self.progress, self.check = job, progress, check
        self.piece_bytes = piece_bytes or PIECE_BYTES
        self.buffer: list[bytes] = []
        self.buffered = self.rows = self.pending_rows = self.size = self.pieces = 0

    def write(self, data: bytes, rows: int = 0) -> None:
        """Add ``data``, which completes ``rows`` rows; a piece is committed once full."""
        self.buffer.append(data)
        self.buffered += len(data)
        self.pending_rows += rows
        if self.buffered >= self.piece_bytes:
            self._commit_piece()

    def close(self) -> None:
        if self.buffer or self.pending_rows:
            self._commit_piece()

    def _commit_piece(self) -> None:
        if self.check is not None:
            self.check()
        data = b"".join(self.buffer)
        if data:
            self.pieces += 1
            db.session.add(JobFilePart(job_id=self.job.id, seq=self.pieces, data=data))
            self.size += len(data)
        rows, self.rows = self.pending_rows, self.rows + self.pending_rows
        self.buffer, self.buffered, self.pending_rows = [], 0, 0
        self.progress.commit(rows, self.pieces)


def start_again(job: Job) -> None:
    """Before a (re-)run writes the file: delete what an earlier run wrote and zero the
    job's counters; commits. The file is always written whole by one run."""
    db.session.execute(delete(JobFilePart).where(JobFilePart.job_id == job.id))
    job.done, job.cursor = 0, None
    db.session.commit()


def expires_at(job: Job) -> datetime | None:
    if job.finished_at is None:
        return None
    return job.finished_at + timedelta(hours=current_app.config["JOBS_FILE_HOURS"])


@dataclass(frozen=True)
class FileState:
    """Where a job's file is: ``building``, ``ready``, ``expired`` or ``failed``."""

    status: str
    expires_at: datetime | None
    size: int


def file_state(job: Job, now: datetime | None = None) -> FileState:
    if job.status == "failed":
        return FileState("failed", None, 0)
    if job.status != "done":
        return FileState("building", None, 0)
    ends = expires_at(job)
    held = db.session.scalar(select(exists().where(JobFilePart.job_id == job.id)))
    if not held or ends is None or ends <= (now or utcnow()):
        return FileState("expired", ends, 0)
    return FileState("ready", ends, int(job.result.get("bytes", 0)))


def has_file(job: Job) -> bool:
    return job.kind in DOWNLOADS


def may_download(job: Job, user) -> bool:
    """Only who started the job, or an admin: the file holds what they chose to export."""
    return job.started_by_id == user.id or user.has_role("admin")


@dataclass(frozen=True)
class Download:
    name: str
    mimetype: str
    size: int
    pieces: Iterator[bytes]


class NoFile(Exception):
    """The job's file cannot be handed out: ``state`` says why (building, failed, expired)."""

    def __init__(self, state: FileState):
        super().__init__(state.status)
        self.state = state


def hand_over(job: Job, context: AuditContext | None) -> Download:
    """The job's file, to send; its kind records the download. Without ``context`` (a HEAD
    request) nothing is read or recorded. Raises NoFile."""
    state = file_state(job)
    if state.status != "ready":
        raise NoFile(state)
    name, mimetype = DOWNLOADS[job.kind](job, context)
    return Download(name, mimetype, state.size, pieces(job) if context else iter(()))


def pieces(job: Job) -> Iterator[bytes]:
    """The file's pieces in order, each read as it is sent (after the request's context has
    ended: on its own connection, without the write lock on SQLite)."""
    engine = db.engine
    numbers = list(
        db.session.scalars(
            select(JobFilePart.seq).where(JobFilePart.job_id == job.id).order_by(JobFilePart.seq)
        )
    )
    return _read(engine, job.id, numbers)


def _read(engine: Engine, job_id: int, numbers: list[int]) -> Iterator[bytes]:
    for number in numbers:
        intent = set_write_intent(False)
        try:
            with engine.connect() as connection:
                data = connection.scalar(
                    select(JobFilePart.data).where(
                        JobFilePart.job_id == job_id, JobFilePart.seq == number
                    )
                )
        finally:
            reset_write_intent(intent)
        if data is None:  # deleted meanwhile (expired): the answer ends short of its length
            return
        yield data


@sweep("expired job files deleted")
def purge_expired(now: datetime | None = None) -> int:
    """Delete the files of jobs finished more than JOBS_FILE_HOURS before ``now``; commits.
    Returns how many files."""
    cutoff = (now or utcnow()) - timedelta(hours=current_app.config["JOBS_FILE_HOURS"])
    expired = select(Job.id).where(Job.finished_at < cutoff)
    ids = list(
        db.session.scalars(
            select(JobFilePart.job_id).where(JobFilePart.job_id.in_(expired)).distinct()
        )
    )
    if ids:
        db.session.execute(delete(JobFilePart).where(JobFilePart.job_id.in_(ids)))
    db.session.commit()
    return len(ids)
