"""Registers each feature's command group."""

from flask import Flask

from backoffice.logfilters import install_excepthook


def register_commands(app: Flask) -> None:
    # A command's uncaught error prints its traceback without a database error's values.
    install_excepthook()
    from backoffice.auth.cli import users
    from backoffice.demo.cli import demo
    from backoffice.orders.cli import orders

    app.cli.add_command(users)
    app.cli.add_command(demo)
    app.cli.add_command(orders)
