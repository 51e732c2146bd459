"""No personal data in any log: not the development server's access lines, not the values a
database error carries (PostgreSQL's DETAIL), wherever the error is logged or printed."""

import logging
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote
from urllib.request import urlopen

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from backoffice.config import ROOT
from backoffice.extensions import db
from tests.browser import serve

EMAIL, PHONE = "planted.person@example.com", "05559876543"
SECRETS = (EMAIL, quote(EMAIL), quote(EMAIL, safe=""), PHONE)


class Capture(logging.Handler):
    """Every record a logger lets through, formatted as a plain text handler would."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def capture():
    """Attach a capture to named loggers; detach afterwards."""
    attached = []

    def attach(name: str) -> Capture:
        logger, handler = logging.getLogger(name), Capture()
        attached.append((logger, handler, logger.level))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        return handler

    yield attach
    for logger, handler, level in attached:
        logger.removeHandler(handler)
        logger.setLevel(level)


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def plant_a_failing_row() -> None:
    """A statement PostgreSQL refuses with the whole row (email, phone) in its DETAIL."""
    db.session.execute(
        text("INSERT INTO customers (email, phone_number) VALUES (:email, :phone)"),
        {"email": EMAIL, "phone": PHONE},
    )


def test_the_development_server_prints_no_access_lines(app, users, capture):
    werkzeug = capture("werkzeug")
    with (
        serve(app) as base,
        urlopen(f"{base}/customers/search?q={EMAIL}&phone_number={PHONE}") as answer,  # noqa: S310
    ):
        assert answer.status == 200  # the sign-in page, after a redirect with ?next=
    assert_no_secret(werkzeug.text)
    assert "GET /" not in werkzeug.text


def test_an_unexpected_database_error_is_logged_without_its_values(app, capture):
    @app.get("/test-only/failing-insert")
    def failing_insert():
        plant_a_failing_row()
        db.session.commit()

    errors, flask_log = capture("backoffice.errors"), capture("backoffice")
    response = app.test_client().get(
        "/test-only/failing-insert", headers={"X-Request-ID": "req-db-1"}
    )
    assert response.status_code == 500
    assert "IntegrityError" in errors.text and "req-db-1" in errors.text
    assert_no_secret(errors.text + flask_log.text)


def database_error() -> IntegrityError:
    try:
        plant_a_failing_row()
    except IntegrityError as error:
        db.session.rollback()
        return error
    raise AssertionError("the insert should have failed")


def test_gunicorn_logs_a_failed_request_without_values_or_query_string(app, capture):
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    cfg = Config()
    server = type("Arbiter", (), {"cfg": cfg, "log": Logger(cfg)})()
    settings = _gunicorn_settings()
    settings["on_starting"](server)
    gunicorn_log = capture("gunicorn.error")
    error = database_error()
    try:
        raise error
    except IntegrityError:
        # What a sync worker logs when a streamed body (the CSV export) fails mid-way.
        server.log.exception("Error handling request %s", f"/customers/export.csv?email={EMAIL}")
    assert "IntegrityError" in gunicorn_log.text and "/customers/export.csv" in gunicorn_log.text
    assert_no_secret(gunicorn_log.text)
    for part in ("%(r)s", "%(q)s", "%(f)s"):  # request line, query string, referer
        assert part not in settings["access_log_format"]


@pytest.mark.slow  # a Python process of its own
def test_an_uncaught_error_of_a_command_prints_no_database_values(app, database_url):
    script = (
        "from backoffice import create_app\n"
        "from backoffice.extensions import db\n"
        "from tests.test_log_privacy import plant_a_failing_row\n"
        "with create_app().app_context():\n"
        "    plant_a_failing_row()\n"
    )
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "x"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "IntegrityError" in result.stderr and "Traceback" in result.stderr
    assert_no_secret(result.stderr)


def _gunicorn_settings() -> dict:
    import runpy

    return runpy.run_path(str(Path(ROOT) / "gunicorn.conf.py"))
