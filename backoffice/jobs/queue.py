"""The Huey instance and the one task that runs a job; storage chosen from JOBS_URL.

No JOBS_URL: SQLite storage in the instance folder (one machine: web and worker share the
file). ``JOBS_URL=redis://host:6379/0``: Redis, so workers on several machines share the
queue. ``JOBS_IMMEDIATE`` (tests) runs each task at once, in the caller's process.
"""

from contextlib import nullcontext
from pathlib import Path

from flask import Flask, has_app_context
from huey import Huey, crontab
from huey.consumer import Consumer
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

huey = Huey("backoffice", results=False, storage_class=MemoryStorage)
# The app a worker runs tasks in; set by ``flask jobs worker``.
_worker_app: Flask | None = None


def configure(app: Flask) -> None:
    """Point the shared Huey at this app's queue."""
    storage_class, kwargs = storage_for(app.config["JOBS_URL"], Path(app.instance_path))
    huey.storage_class, huey.storage_kwargs = storage_class, kwargs
    huey.immediate = bool(app.config["JOBS_IMMEDIATE"])
    huey.storage = huey.create_storage()


def storage_for(url: str | None, instance: Path) -> tuple[type, dict]:
    if not url:
        instance.mkdir(parents=True, exist_ok=True)
        return SqliteStorage, {"filename": str(instance / "jobs.sqlite3")}
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStorage, {"url": url}
    if url.startswith("sqlite:///"):
        return SqliteStorage, {"filename": url.removeprefix("sqlite:///")}
    raise RuntimeError(
        f"JOBS_URL must be redis://HOST:6379/DB or sqlite:///PATH (or unset), not {url!r}."
    )


def consumer(app: Flask, workers: int) -> Consumer:
    """A Huey consumer whose tasks run in ``app``: ``.run()`` blocks until SIGINT / SIGTERM
    (``flask jobs worker``); ``.start()`` / ``.stop()`` run it beside other work (tests)."""
    global _worker_app
    _worker_app = app
    return huey.create_consumer(workers=workers, worker_type="thread")


def _app_context():
    if has_app_context():
        return nullcontext()
    if _worker_app is None:
        raise RuntimeError("a job task ran outside `flask jobs worker`")
    return _worker_app.app_context()


# A job's own failure is recorded on the job (runner.run); what escapes is the database
# failing to claim or close it: Huey tries again.
@huey.task(name="backoffice.run_job", retries=3, retry_delay=10)
def run_job(job_id: int) -> None:
    from backoffice.jobs import runner

    with _app_context():
        runner.run(job_id)


# Every quarter of an hour, on whichever worker's scheduler (Huey runs periodic tasks from
# the consumer: SQLite or Redis alike): old drafts and expired access packages go.
@huey.periodic_task(crontab(minute="*/15"), name="backoffice.housekeeping")
def housekeeping() -> None:
    from backoffice.jobs import housekeeping as sweeps

    with _app_context():
        sweeps.run_sweeps()


@huey.on_startup()
def _requeue_lost() -> None:
    from backoffice.jobs import service

    with _app_context():
        service.requeue_lost()
