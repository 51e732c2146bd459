"""An opt-out list's preview: what applying it would do, counted at upload for a small file
and by a job of its own for a large one; and the draft job that holds the upload."""

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from backoffice.consents.optout import (
    KEYS,
    KIND,
    batches,
    count_lines,
    matched_lines,
    matching,
    read_lines,
)
from backoffice.customers.consents import check_target, read_batch
from backoffice.extensions import db
from backoffice.jobs import service as jobs
from backoffice.jobs.models import Job
from backoffice.jobs.runner import JobError, Progress, kind

PREVIEW_KIND = "consents.optout_preview"
SHOWN_UNREADABLE = 100  # line numbers a preview lists


@dataclass
class Preview:
    """What applying the list would do, counted now."""

    lines: int = 0
    matched_lines: int = 0
    unmatched_lines: int = 0
    unreadable: list[int] = field(default_factory=list)
    customers: int = 0
    will_change: int = 0
    anonymized: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "matched_lines": self.matched_lines,
            "unmatched_lines": self.unmatched_lines,
            "unreadable_lines": len(self.unreadable),
            "unreadable_shown": self.unreadable[:SHOWN_UNREADABLE],
            "customers": self.customers,
            "will_change": self.will_change,
            "anonymized": self.anonymized,
        }


def preview(
    data: bytes,
    target: dict[str, bool],
    channels: list[int],
    on_batch: Callable[[int], None] | None = None,
) -> Preview:
    """Count lines, matches, unreadable lines and the customers that would change;
    ``on_batch`` hears of each batch of readable lines counted."""
    target = check_target(target)
    lines = list(read_lines(data))
    found = Preview(lines=len(lines))
    found.unreadable = [line.number for line in lines if not (line.email or line.phone)]
    readable = [line for line in lines if line.email or line.phone]
    customers: set[int] = set()
    changing: set[int] = set()
    anonymized: set[int] = set()
    for batch in batches(readable, current_app.config["JOBS_BATCH_SIZE"]):
        rows = read_batch(matching(batch, channels), target, extra=KEYS)
        customers.update(row.id for row in rows)
        changing.update(row.id for row in rows if row.change)
        anonymized.update(row.id for row in rows if row.anonymized)
        found.matched_lines += matched_lines(
            batch, [(row.email_key, row.phone_key) for row in rows]
        )
        if on_batch:
            on_batch(len(batch))
    found.unmatched_lines = len(readable) - found.matched_lines
    found.customers, found.will_change = len(customers), len(changing)
    found.anonymized = len(anonymized)
    return found


def prepare(
    data: bytes,
    filename: str,
    target: dict[str, bool],
    channels: list[int],
    user: Any,
    *,
    label: str | None = None,
    inline: bool | None = None,
) -> Job:
    """The draft job of an upload, holding the file and its preview; ``jobs.start`` runs it.
    A file of more than OPTOUT_INLINE_PREVIEW_LINES lines is previewed by a job of its own
    (the draft's ``preview_job``), which writes the preview into the draft when done.
    ``inline`` True previews here whatever the size (the command line). Raises
    OptOutFileError for a file that cannot be read."""
    target = check_target(target)
    lines = count_lines(data)
    if inline is None:
        inline = lines <= current_app.config["OPTOUT_INLINE_PREVIEW_LINES"]
    counted = preview(data, target, channels).as_dict() if inline else None
    draft = jobs.create_job(
        KIND,
        user,
        {"filename": filename[:200], "target": target, "channels": channels},
        total=counted["lines"] if counted else lines,
        status="draft",
        input=zlib.compress(data, 6),
        result={"preview": counted},
        label=label,
    )
    if not inline:
        previewing = jobs.create_job(
            PREVIEW_KIND, user, {"draft": draft.id}, total=lines, label=label
        )
        draft.params = {**draft.params, "preview_job": previewing.id}
        db.session.commit()
        jobs.start(previewing)
    return draft


def preview_job(draft: Job) -> Job | None:
    """The job counting a large upload's preview (None: previewed at upload)."""
    pk = draft.params.get("preview_job")
    return db.session.get(Job, pk) if pk else None


@kind(PREVIEW_KIND)
def run_preview(job: Job, progress: Progress) -> dict[str, Any]:
    """Count a large upload's preview into its draft. Reads nothing but the customers, so a
    re-run simply counts again from the start."""
    draft = db.session.get(Job, job.params["draft"])
    if draft is None or draft.kind != KIND:
        raise JobError("The upload this preview counts no longer exists.")
    job.done = 0
    try:
        data = zlib.decompress(draft.input)
    except zlib.error as exc:
        raise JobError(f"The uploaded file cannot be read: {exc}") from exc
    counted = preview(
        data,
        draft.params["target"],
        list(draft.params.get("channels") or []),
        on_batch=lambda lines: progress.commit(lines, None),
    ).as_dict()
    draft.result = {**draft.result, "preview": counted}
    draft.total = job.total = counted["lines"]  # blank lines and a header are not lines
    progress.commit(max(0, job.total - job.done), None)
    return {"lines": counted["lines"], "matched_lines": counted["matched_lines"]}
