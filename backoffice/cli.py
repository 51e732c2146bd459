"""Registers each feature's command group."""

from flask import Flask

from backoffice.logfilters import install_excepthook


def register_commands(app: Flask) -> None:
    # A command's uncaught error prints its traceback without a database error's values.
    install_excepthook()
    from backoffice.auth.cli import users
    from backoffice.consents.cli import consents
    from backoffice.demo.cli import demo
    from backoffice.jobs.cli import jobs
    from backoffice.orders.cli import orders
    from backoffice.privacy.cli import privacy

    app.cli.add_command(users)
    app.cli.add_command(demo)
    app.cli.add_command(orders)
    app.cli.add_command(jobs)
    app.cli.add_command(consents)
    app.cli.add_command(privacy)
