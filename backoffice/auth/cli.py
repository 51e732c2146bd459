"""``flask users create``, ``token``, ``tokens`` and ``revoke-tokens``."""

import sys

import click
from flask.cli import AppGroup

from backoffice.auth import service
from backoffice.auth.models import ROLES, User
from backoffice.formatting import when

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


def _user(email: str) -> User:
    user = service.find_user(email)
    if user is None:
        click.echo(f"Error: no user with the email {email}.", err=True)
        sys.exit(1)
    return user


@users.command("token")
@click.argument("email")
def create_token(email: str) -> None:
    """Create an API token for EMAIL and print it (shown once, stored hashed)."""
    user = _user(email)
    key = service.issue_token(user)
    click.echo(f"API token for {user.email} (role {user.role}); it is shown only once:")
    click.echo(key)


@users.command("tokens")
@click.argument("email")
def list_tokens(email: str) -> None:
    """List EMAIL's API tokens: first characters, created, last used (to the minute), expiry."""
    user = _user(email)
    uses = service.token_uses(user.id)
    click.echo(f"API tokens of {user.email}: {len(uses)}")
    for use in uses:
        last = when(use.last_used_at) if use.last_used_at else "never"
        expiry = "no expiry"
        if use.expires_at:
            expiry = f"{'expired' if use.expired else 'expires'} {when(use.expires_at)}"
        click.echo(f"  {use.prefix}…  created {when(use.created_date)}  last used {last}  {expiry}")


@users.command("revoke-tokens")
@click.argument("email")
@click.option("--prefix", help="Only the token starting with these 8 characters (see tokens).")
def revoke_tokens(email: str, prefix: str | None) -> None:
    """Revoke EMAIL's API tokens (all, or the one with --prefix): they stop working at once."""
    user = _user(email)
    count = service.revoke_tokens(user, prefix)
    click.echo(f"Revoked {count} API token{'s' if count != 1 else ''} of {user.email}.")
