"""``flask consents withdraw FILE``: apply an opt-out list from the command line."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from backoffice.consents import optout, preview
from backoffice.customers.declaration import CONSENT_FIELDS
from backoffice.extensions import db
from backoffice.jobs import service as jobs


@click.group(help="Consent operations.")
def consents() -> None:
    pass


def _consent_names(_ctx, _param, value: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = sorted(set(names) - set(CONSENT_FIELDS))
    if not names or unknown:
        raise click.BadParameter(f"name one or more of {', '.join(CONSENT_FIELDS)}")
    return names


@consents.command("withdraw")
@click.argument(
    "path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--consents",
    "names",
    required=True,
    callback=_consent_names,
    help="Comma-separated: email_allowed,sms_allowed,call_allowed.",
)
@click.option(
    "--channel", "channels", type=int, multiple=True, help="Only this channel (repeatable)."
)
@with_appcontext
def withdraw(path: Path, names: list[str], channels: tuple[int, ...]) -> None:
    """Withdraw consents from every customer FILE names (emails and/or phones)."""
    data = path.read_bytes()
    target = dict.fromkeys(names, False)
    try:
        job = preview.prepare(
            data, path.name, target, list(channels), None, label=f"cli {path.name}", inline=True
        )
    except optout.OptOutFileError as exc:
        raise click.ClickException(str(exc)) from exc
    seen = job.result["preview"]
    click.echo(
        f"{seen['lines']:,} lines: {seen['matched_lines']:,} matched "
        f"{seen['customers']:,} customers, "
        f"{seen['unmatched_lines']:,} unmatched, {seen['unreadable_lines']:,} unreadable."
    )
    jobs.start(job, inline=True)
    db.session.refresh(job)
    if job.status != "done":
        raise click.ClickException(f"Job #{job.id} failed: {job.error}")
    result = job.result
    click.echo(
        f"Job #{job.id}: {result.get('changed', 0):,} customers changed, "
        f"{result.get('unchanged', 0):,} already withdrawn, "
        f"{result.get('anonymized', 0):,} anonymized skipped; {job.rate or 0:,.0f} lines/s."
    )
