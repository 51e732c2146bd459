"""``flask jobs worker``: run the background jobs of this app's queue."""

import click
from flask import current_app
from flask.cli import with_appcontext

from backoffice.jobs import queue


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
    queue.serve(current_app._get_current_object(), workers)
