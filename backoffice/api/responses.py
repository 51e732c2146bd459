"""Request bodies in and JSON out: parsing as DRF's JSONParser does, and the APIError."""

import json
from typing import Any

from flask import Response, jsonify, request

from backoffice.extensions import db


class APIError(Exception):
    """A response to send as ``{"detail": …}`` (or a ready body) with a status."""

    def __init__(self, status: int, detail: Any = None, *, body: Any = None, headers=None):
        self.status = status
        self.body = body if body is not None else {"detail": detail}
        self.headers = headers or {}
        super().__init__(self.body)

    def response(self) -> Response:
        response = jsonify(self.body)
        response.status_code = self.status
        response.headers.update(self.headers)
        return response


def _refuse_constant(name: str) -> float:
    raise ValueError("Out of range float values are not JSON compliant")


def json_body() -> Any:
    """The request's JSON document; ``{}`` for an empty body; 415 for other media types."""
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    if request.mimetype != "application/json":
        raise APIError(415, f'Unsupported media type "{request.mimetype}" in request.')
    try:
        return json.loads(
            raw.decode(request.mimetype_params.get("charset", "utf-8")),
            parse_constant=_refuse_constant,
        )
    except (ValueError, UnicodeDecodeError, LookupError) as exc:
        raise APIError(400, f"JSON parse error - {exc}") from exc


def validation_error(errors: dict[str, Any]) -> APIError:
    return APIError(400, body=errors)


def get_or_404(model: type, pk: int) -> Any:
    """The row with this primary key, or the contract's 404 ``{"detail": "Not found."}``."""
    found = db.session.get(model, pk)
    if found is None:
        raise APIError(404, "Not found.")
    return found
