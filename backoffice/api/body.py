"""The request body, read once per request as DRF's default parsers read it: JSON (UTF-8
only, RFC 8259), form and multipart."""

import codecs
from typing import Any

from flask import g, request

from backoffice import jsondoc
from backoffice.api.responses import APIError

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def request_data() -> Any:
    """The body's data, parsed on first use and kept for the rest of the request, so that
    everything reading it (the sign-in limiter's key, the handler) reads the same document:
    a dict or list for JSON, ``{}`` for no body, a MultiDict for a form."""
    if "request_data" not in g:
        g.request_data = parse_body()
    return g.request_data


def parse_body() -> Any:
    if request.mimetype in FORM_TYPES:
        return request.form  # parsed by Werkzeug within MAX_FORM_MEMORY_SIZE / MAX_FORM_PARTS
    raw = request.get_data(cache=True)  # within MAX_CONTENT_LENGTH, else 413
    if not raw:
        return {}
    if request.mimetype != "application/json" or not _is_utf8(request.mimetype_params):
        raise APIError(415, f'Unsupported media type "{request.content_type or ""}" in request.')
    try:
        return jsondoc.loads(raw)
    except ValueError as exc:
        raise APIError(400, f"JSON parse error - {exc}") from exc


def _is_utf8(params: dict[str, str]) -> bool:
    """JSON is UTF-8: a declared charset may only name it (another would let two readers of
    one body see two different documents)."""
    charset = params.get("charset")
    if charset is None:
        return True
    try:
        return codecs.lookup(charset).name == "utf-8"
    except LookupError:
        return False
