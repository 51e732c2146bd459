"""JSON error bodies in Django REST Framework's words."""

import time

from flask import current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from backoffice.extensions import limiter

DETAILS = {
    400: "Bad request.",
    401: "Authentication credentials were not provided.",
    403: "You do not have permission to perform this action.",
    404: "Not found.",
    406: "Could not satisfy the request Accept header.",
    500: "A server error occurred.",
    503: "Service temporarily unavailable, try again later.",
}


def json_http_error(error: HTTPException):
    status = error.code or 500
    if status == 405:
        detail = f'Method "{request.method}" not allowed.'
    elif status == 413:
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        detail = f"Request body too large: the limit is {limit} bytes."
    elif status == 415:
        detail = f'Unsupported media type "{request.content_type or ""}" in request.'
    elif status == 400 and error.description != type(error).description:
        detail = error.description
    elif status == 429:
        detail = _throttled()
    else:
        detail = DETAILS.get(status, error.description)
    response = jsonify(detail=detail)
    response.status_code = status
    for header, value in error.get_headers():
        if header.lower() != "content-type":
            response.headers[header] = value
    return response


def _throttled() -> str:
    """DRF's words, with the wait when the limiter knows it."""
    limit = limiter.current_limit
    if limit is None:
        return "Request was throttled."
    wait = max(1, int(limit.reset_at - time.time()))
    return f"Request was throttled. Expected available in {wait} seconds."
