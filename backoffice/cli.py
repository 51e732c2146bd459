"""Registers each feature's command group."""

from flask import Flask


def register_commands(app: Flask) -> None:
    from backoffice.auth.cli import users
    from backoffice.demo.cli import demo
    from backoffice.orders.cli import orders

    app.cli.add_command(users)
    app.cli.add_command(demo)
    app.cli.add_command(orders)
