"""``flask privacy purge``: delete the access packages whose days are over."""

import click
from flask.cli import with_appcontext

from backoffice.privacy import packages


@click.group(help="Privacy requests.")
def privacy() -> None:
    pass


@privacy.command("purge")
@with_appcontext
def purge() -> None:
    """Delete every access package generated more than 7 days ago (the job worker does it
    every 15 minutes; run this from cron where no worker runs)."""
    count = packages.purge()
    click.echo(f"{count:,} expired access package(s) deleted.")
