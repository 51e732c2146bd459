"""Token authentication and role permissions, in DRF's words."""

from collections.abc import Callable
from functools import wraps

from flask import g, request
from flask_login import current_user

from backoffice.api.responses import APIError
from backoffice.auth.service import user_for_token

NOT_PROVIDED = "Authentication credentials were not provided."
FORBIDDEN = "You do not have permission to perform this action."


def authenticate_request() -> None:
    """Set ``g.api_user`` from ``Authorization: Token <key>``; 401 when missing or wrong."""
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "token":
        raise APIError(401, NOT_PROVIDED, headers={"WWW-Authenticate": "Token"})
    key = key.strip()
    if not key:
        raise APIError(401, "Invalid token header. No credentials provided.", headers=_challenge())
    if " " in key:
        raise APIError(
            401,
            "Invalid token header. Token string should not contain spaces.",
            headers=_challenge(),
        )
    user = user_for_token(key)
    if user is None:
        raise APIError(401, "Invalid token.", headers=_challenge())
    g.api_user = user


def authenticate_token_or_session() -> None:
    """For the schema: a token, or a signed-in staff member's browser session."""
    if "Authorization" not in request.headers and current_user.is_authenticated:
        g.api_user = current_user._get_current_object()
        return
    authenticate_request()


def _challenge() -> dict[str, str]:
    return {"WWW-Authenticate": "Token"}


def requires(role: str) -> Callable:
    """The token's user must hold ``role`` or a higher one; 403 otherwise."""

    def decorator(handler: Callable) -> Callable:
        @wraps(handler)
        def wrapped(*args, **kwargs):
            if not g.api_user.has_role(role):
                raise APIError(403, FORBIDDEN)
            return handler(*args, **kwargs)

        wrapped.required_role = role
        return wrapped

    return decorator
