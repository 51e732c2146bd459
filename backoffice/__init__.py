"""Backoffice: the customer back office. ``create_app`` is the table of contents."""

from collections.abc import Mapping
from typing import Any

from flask import Flask

from backoffice.config import ROOT


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    from backoffice import cli, errors, web
    from backoffice import config as settings
    from backoffice.api.framework import init_api_views

    app = web.Backoffice(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    settings.configure(app, config)
    web.init_extensions(app)
    web.register_blueprints(app)
    web.register_request_hooks(app)
    init_api_views(app)
    web.register_template_helpers(app)
    errors.register_error_handlers(app)
    cli.register_commands(app)
    return app
