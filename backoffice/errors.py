"""Error responses, decided once by URL space: JSON under /api/, a page in the layout elsewhere."""

import logging

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from backoffice.extensions import db

log = logging.getLogger(__name__)

ADVICE = {
    400: "The request could not be understood. Go back, check what you entered and try again.",
    403: "Your role does not allow this. Ask a supervisor if you need it done.",
    404: "There is nothing at this address. Check the link, or search for the customer.",
    405: "This address does not accept that kind of request.",
    413: "What you sent is larger than this site accepts. Shorten it and try again.",
    429: "Too many attempts. Wait a minute, then try again.",
    500: "Something went wrong on our side. Try again; if it keeps happening, "
    "tell support the request id below.",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        message = (
            "Your form expired or was sent from another page. Reload the page and submit it again."
        )
        return _render(400, "Form expired", message)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if wants_json():
            from backoffice.api.errors import json_http_error

            return json_http_error(error)
        return _render(error.code or 500, error.name, _advice(error))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unhandled error (request id %s)", g.get("request_id"))
        db.session.rollback()
        if wants_json():
            from backoffice.api.errors import json_http_error

            return json_http_error(InternalServerError())
        return _render(500, "Server error", ADVICE[500])


def _advice(error: HTTPException) -> str:
    """What the page tells the person: the reason given with the error, else the advice for
    its status."""
    if error.description != type(error).description:
        return error.description or ""
    return ADVICE.get(error.code or 500, error.description or "")


def _render(status: int, title: str, message: str):
    return (
        render_template("error.html", status=status, title=title, message=message),
        status,
    )
