"""``flask users create`` and ``flask users token``."""

import sys

import click
from flask.cli import AppGroup

from backoffice.auth import service
from backoffice.auth.models import ROLES

users = AppGroup("users", help="Manage staff users and their API tokens.")


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="agent", show_default=True)
@click.option("--password", help="The password (prefer --password-stdin: argv is visible).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(email: str, role: str, password: str | None, password_stdin: bool) -> None:
    """Create a staff user."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise click.UsageError("Give a password with --password or --password-stdin.")
    try:
        user = service.create_user(email, password, role)
    except service.UserError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@users.command("token")
@click.argument("email")
def create_token(email: str) -> None:
    """Create an API token for EMAIL and print it (shown once, stored hashed)."""
    user = service.find_user(email)
    if user is None:
        click.echo(f"Error: no user with the email {email}.", err=True)
        sys.exit(1)
    key = service.issue_token(user)
    click.echo(f"API token for {user.email} (role {user.role}); it is shown only once:")
    click.echo(key)
