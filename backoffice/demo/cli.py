"""``flask demo seed``."""

import click
from flask.cli import AppGroup

from backoffice.demo.seed import seed_demo

demo = AppGroup("demo", help="Demo data for trying the back office.")


@demo.command("seed")
@click.option("--customers", default=200, show_default=True, type=click.IntRange(0, 1_000_000))
def seed(customers: int) -> None:
    """Create channels, customers, orders and demo logins; running it again adds nothing."""
    report = seed_demo(customers)
    click.echo(
        f"Demo data: {report.customers_created} customers and {report.orders_created} orders "
        f"created, {report.anonymized} customers anonymized."
    )
    click.echo("Demo logins (email / password / role):")
    for email, role, password in report.logins:
        click.echo(f"  {email:<24} {password:<22} {role}")
