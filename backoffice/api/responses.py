"""JSON out: the APIError and its helpers."""

from typing import Any

from flask import Response, jsonify

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


def validation_error(errors: dict[str, Any]) -> APIError:
    return APIError(400, body=errors)


def get_or_404(model: type, pk: int) -> Any:
    """The row with this primary key, or the contract's 404 ``{"detail": "Not found."}``."""
    found = db.session.get(model, pk)
    if found is None:
        raise APIError(404, "Not found.")
    return found
