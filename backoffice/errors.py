"""Error responses, decided once by URL space: JSON under /api/, a page in the layout elsewhere."""

import logging

from flask import Flask, current_app, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import (
    BadRequest,
    HTTPException,
    InternalServerError,
    SecurityError,
    ServiceUnavailable,
)

from backoffice.database import is_unavailable
from backoffice.extensions import db, login_manager
from backoffice.logfilters import PERSONAL_DATA

log = logging.getLogger(__name__)
# A database error's values (PostgreSQL's DETAIL) never reach the log with its traceback.
log.addFilter(PERSONAL_DATA)

ADVICE = {
    400: _l("The request could not be understood. Go back, check what you entered and try again."),
    403: _l("Your role does not allow this. Ask a supervisor if you need it done."),
    404: _l("There is nothing at this address. Check the link, or search for the customer."),
    405: _l("This address does not accept that kind of request."),
    413: _l("What you sent is larger than this site accepts. Shorten it and try again."),
    429: _l("Too many attempts. Wait a minute, then try again."),
    500: _l(
        "Something went wrong on our side. Try again; if it keeps happening, "
        "tell support the request id below."
    ),
    503: _l(
        "The database is busy or out of reach right now. Wait a few seconds, then try again; "
        "nothing was saved by this attempt."
    ),
}
# The error pages' titles (Werkzeug's names are English only).
TITLES = {
    400: _l("Bad request"),
    401: _l("Sign-in required"),
    403: _l("Forbidden"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    413: _l("Request too large"),
    429: _l("Too many requests"),
    500: _l("Server error"),
    503: _l("Service unavailable"),
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        message = _l(
            "Your form expired or was sent from another page. Reload the page and submit it again."
        )
        return _render(400, _l("Form expired"), message)

    @app.errorhandler(SecurityError)
    def _untrusted_host(error: SecurityError):
        # A Host outside TRUSTED_HOSTS, refused before routing: no URL can be built for the
        # layout, and the name the client sent is never repeated back.
        if wants_json():
            from backoffice.api.errors import json_http_error

            return json_http_error(BadRequest())
        return render_template("bad_host.html"), 400

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if wants_json():
            from backoffice.api.errors import json_http_error

            return json_http_error(error)
        code = error.code or 500
        return _render(code, TITLES.get(code, error.name), _advice(error))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unhandled error (request id %s)", g.get("request_id"))
        db.session.rollback()
        if wants_json():
            from backoffice.api.errors import json_http_error

            return json_http_error(InternalServerError())
        return _render(500, TITLES[500], ADVICE[500])

    @app.errorhandler(SQLAlchemyError)
    def _database_error(error: SQLAlchemyError):
        if not is_unavailable(error):
            return _unexpected(error)
        return _unavailable(error)


def _unavailable(error: SQLAlchemyError):
    """A database fault to wait out (locked, unreachable, timed out): 503 and when to retry."""
    original = getattr(error, "orig", None) or error
    log.warning(
        "database unavailable (request id %s): %s %s",
        g.get("request_id"),
        type(original).__name__,
        getattr(original, "sqlstate", None) or getattr(original, "sqlite_errorname", ""),
    )
    db.session.rollback()
    retry_after = current_app.config["DATABASE_RETRY_AFTER"]
    if wants_json():
        from backoffice.api.errors import json_http_error

        return json_http_error(ServiceUnavailable(retry_after=retry_after))
    _user_or_no_one()
    body, status = _render(503, TITLES[503], ADVICE[503])
    return body, status, {"Retry-After": str(retry_after)}


def _user_or_no_one() -> None:
    """The layout names the signed-in user; with the database out of reach, it names no one."""
    try:
        current_user.is_authenticated  # noqa: B018  (loads the user, if the database answers)
    except SQLAlchemyError:
        db.session.rollback()
        g._login_user = login_manager.anonymous_user()  # Flask-Login's user of this request


def _advice(error: HTTPException) -> str:
    """What the page tells the person: the reason given with the error, else the advice for
    its status."""
    if error.description != type(error).description:
        return error.description or ""
    return ADVICE.get(error.code or 500, error.description or "")


def _render(status: int, title: object, message: object):
    return (
        render_template("error.html", status=status, title=title, message=message),
        status,
    )
