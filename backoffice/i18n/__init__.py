"""Languages: Flask-Babel, the catalogs in ``backoffice/translations`` (tr, en).

The locale comes from the browser's ``Accept-Language`` among ``LANGUAGES`` (default English);
the time zone is ``DEFAULT_TIMEZONE``. The JSON API never reads either.
"""

from flask import Flask, has_request_context, request
from flask_babel import Babel

from backoffice.config import ROOT

LANGUAGES = ("en", "tr")
DEFAULT_TIMEZONE = "Europe/Istanbul"
TRANSLATIONS = ROOT / "backoffice" / "translations"

babel = Babel()


def select_locale() -> str:
    if not has_request_context():  # a command, a worker, a test's app context: English
        return LANGUAGES[0]
    return request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]


def select_timezone() -> str:
    return DEFAULT_TIMEZONE


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
