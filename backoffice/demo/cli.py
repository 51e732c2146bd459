"""``flask demo seed`` and ``flask demo orders-jsonl``."""

import click
from flask.cli import AppGroup

from backoffice.demo.orders import demo_channels, order_payloads, write_jsonl
from backoffice.demo.seed import seed_demo

demo = AppGroup("demo", help="Demo data for trying the back office.")


@demo.command("seed")
@click.option("--customers", default=200, show_default=True, type=click.IntRange(0, 1_000_000))
def seed(customers: int) -> None:
    """Create channels, CUSTOMERS generated customers (and one person's three records across
    channels), orders and demo logins; running it again adds nothing."""
    report = seed_demo(customers)
    click.echo(
        f"Demo data: {report.customers_created} customers and {report.orders_created} orders "
        f"created, {report.anonymized} customers anonymized."
    )
    click.echo("Demo logins (email / password / role):")
    for email, role, password in report.logins:
        click.echo(f"  {email:<24} {password:<22} {role}")


@demo.command("orders-jsonl")
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--count", default=10_000, show_default=True, type=click.IntRange(1, 100_000_000))
@click.option(
    "--seed",
    default=1,
    show_default=True,
    type=int,
    help="Another seed gives other orders and buyers; the same seed, the same file.",
)
def orders_jsonl(path: str, count: int, seed: int) -> None:
    """Write COUNT generated orders of the demo channels to FILE (``-``: stdout), ready for
    ``flask orders import FILE``."""
    payloads = order_payloads(demo_channels(), count, seed=seed)
    with click.open_file(path, "w", encoding="utf-8") as out:
        written = write_jsonl(payloads, out)
    if path != "-":
        click.echo(f"Wrote {written:,} orders to {path}. Import them with:")
        click.echo(f"  flask --app wsgi orders import {path}")
