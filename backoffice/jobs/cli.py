"""``flask jobs worker``: run the background jobs of this app's queue."""

import logging

import click
from flask import current_app
from flask.cli import with_appcontext

from backoffice.jobs import queue
from backoffice.jobs.housekeeping import SweepFailed, run_sweeps


@click.group(help="Background jobs.")
def jobs() -> None:
    pass


@jobs.command("worker")
@click.option("--workers", default=2, show_default=True, help="Jobs run at the same time.")
@with_appcontext
def worker(workers: int) -> None:
    """Run jobs from the queue (JOBS_URL; unset: SQLite in the instance folder) until stopped."""
    if current_app.config["JOBS_IMMEDIATE"]:
        raise click.UsageError("JOBS_IMMEDIATE is set: jobs run where they are queued.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    storage = queue.huey.storage
    where = getattr(storage, "filename", None) or "Redis"
    click.echo(f"Job worker: {workers} thread(s) on the queue in {where}; Ctrl-C stops it.")
    queue.consumer(current_app._get_current_object(), workers).run()


@jobs.command("sweep")
@with_appcontext
def sweep() -> None:
    """Run the housekeeping once, as the worker does every 15 minutes: old draft jobs and
    expired access packages are deleted, lost jobs queued again (for a cron job where no
    worker runs)."""
    try:
        counts = run_sweeps()
    except SweepFailed as exc:
        raise click.ClickException(str(exc)) from exc
    for name, count in counts.items():
        click.echo(f"{name}: {count:,}")
