"""Request bodies in and JSON out: parsing as DRF's JSONParser does, and the APIError."""

import json
from typing import Any

from flask import Response, jsonify, request


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
