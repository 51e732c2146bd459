"""What DRF's APIView and router do around every handler: negotiation, check order, headers."""

from flask import Flask, Request, current_app, request
from werkzeug.exceptions import MethodNotAllowed, SecurityError
from werkzeug.routing import BaseConverter

from backoffice.api.auth import authenticate_request, authenticate_token_or_session
from backoffice.api.responses import APIError
from backoffice.types import MAX_ID

# DRF lists a view's methods in the order of View.http_method_names.
METHOD_ORDER = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE")
NOT_ACCEPTABLE = "Could not satisfy the request Accept header."
# The docs page is no DRF view (an HTML page).
NOT_AN_API_VIEW = {"api.docs"}
# Endpoints that need no token (the docs page signs people in itself), and the schema,
# which a signed-in browser may also read.
PUBLIC_ENDPOINTS = {"api.login", "api.docs"}
SESSION_OR_TOKEN_ENDPOINTS = {"api.schema"}
# The only answers under /api/ that depend on the browser session; every other one is
# authenticated by its token alone (or refused for want of one), as DRF's TokenAuthentication
# does: no session is saved for it and it carries no ``Vary: Cookie``.
SESSION_ENDPOINTS = NOT_AN_API_VIEW | SESSION_OR_TOKEN_ENDPOINTS
VARY = ("Accept", "Authorization")


class LookupConverter(BaseConverter):
    """DRF's router lookup (``[^/.]+``): any segment routes to the detail view, which answers
    404 for what is not an id (after authentication, as DRF does). ``detailed`` is the list
    action's own path, never a pk. The value is what Django's int() makes of it; 0 (no row)
    when it is not a number or is larger than any id."""

    regex = r"(?!detailed(?:/|\Z))[^/.]+"

    def to_python(self, value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            return 0
        return number if abs(number) <= MAX_ID else 0

    def to_url(self, value: int) -> str:
        return str(value)


def accepts_json(header: str) -> bool:
    """DRF's DefaultContentNegotiation with one renderer, JSON: a media range of ``Accept``
    matches application/json; its parameters (q included) play no part."""
    for media_range in header.split(","):
        main, _, sub = media_range.split(";", 1)[0].strip().lower().partition("/")
        if main in ("*", "application") and sub in ("*", "json"):
            return True
    return False


def _request() -> Request:
    """The request itself: each attribute read through the ``request`` proxy costs ~20 plain
    ones, and the hooks below read several."""
    return request._get_current_object()


def _endpoint(routing_error: MethodNotAllowed) -> str | None:
    """The endpoint the path would reach with an allowed method."""
    adapter = current_app.create_url_adapter(request)
    method = sorted(routing_error.valid_methods or ["GET"])[0]
    endpoint, _ = adapter.match(request.path, method=method)
    return endpoint


def before_api_view():
    """Negotiation (406; 404 for an unknown ``?format=``), then, for a method the path does
    not allow, authentication before the 405: DRF's order of checks."""
    request = _request()
    if not request.path.startswith("/api/"):
        return None
    not_allowed = request.routing_exception
    endpoint = request.endpoint
    if isinstance(not_allowed, MethodNotAllowed):
        endpoint = _endpoint(not_allowed)
    elif request.url_rule is None:
        return None  # no view at this address: a plain 404
    if endpoint in NOT_AN_API_VIEW:
        return None
    try:
        requested_format = request.args.getlist("format")
        if requested_format and requested_format[-1] not in ("", "json"):
            raise APIError(404, "Not found.")
        if not accepts_json(request.headers.get("Accept", "*/*")):
            raise APIError(406, NOT_ACCEPTABLE)
        if isinstance(not_allowed, MethodNotAllowed):
            if endpoint in SESSION_OR_TOKEN_ENDPOINTS:
                authenticate_token_or_session()
            elif endpoint not in PUBLIC_ENDPOINTS:
                authenticate_request()
    except APIError as error:
        return error.response()
    return None


def ignores_browser_session() -> bool:
    """Whether this request's answer is one of the API's that never depend on the session."""
    request = _request()
    if not request.path.startswith("/api/"):
        return False
    endpoint = request.endpoint
    if isinstance(request.routing_exception, MethodNotAllowed):
        endpoint = _endpoint(request.routing_exception)
    return endpoint not in SESSION_ENDPOINTS


def add_view_headers(response):
    """``Allow``: the methods of the path; ``Vary: Accept, Authorization``."""
    request = _request()
    if not request.path.startswith("/api/") or request.endpoint in NOT_AN_API_VIEW:
        return response
    if isinstance(request.routing_exception, SecurityError):
        return response  # an untrusted Host: no URL adapter can be built for it
    allow = _allow(request.url_rule.rule) if request.url_rule else _allowed(request.path)
    if allow:
        response.headers["Allow"] = allow
    if "Vary" in response.headers:
        response.vary.update(VARY)
    else:
        # The same header, without parsing and rebuilding one through ``response.vary``.
        response.headers["Vary"] = ", ".join(VARY)
    return response


def _allow(rule: str) -> str:
    """The ``Allow`` of every path of one rule: the same for all of them, as no two rules of
    the API match one path (the lookup converter leaves other routes' segments alone;
    tests/test_api_access.py checks it), so it is worked out once per rule."""
    known = current_app.extensions.setdefault("backoffice.allow", {})
    allow = known.get(rule)
    if allow is None:
        allow = known[rule] = _allowed(request.path)
    return allow


def _allowed(path: str) -> str:
    methods = set(current_app.create_url_adapter(request).allowed_methods(path))
    return ", ".join(m for m in METHOD_ORDER if m in methods)


def init_api_views(app: Flask) -> None:
    """After the app's own request hooks (the request id, the NUL check come first)."""
    app.before_request(before_api_view)
    app.after_request(add_view_headers)
    app.session_interface.exempt(ignores_browser_session)
