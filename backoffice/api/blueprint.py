"""The API blueprint: token auth, CSRF exemption and JSON errors, decided once for all routes."""

from flask import Blueprint, request

from backoffice.api.auth import authenticate_request, authenticate_token_or_session
from backoffice.api.responses import APIError
from backoffice.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

# Endpoints that need no token (the docs page signs people in itself), and the schema,
# which a signed-in browser may also read.
PUBLIC_ENDPOINTS = {"api.login", "api.docs"}
SESSION_OR_TOKEN_ENDPOINTS = {"api.schema"}


@bp.before_request
def _authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    if request.endpoint in SESSION_OR_TOKEN_ENDPOINTS:
        authenticate_token_or_session()
        return
    authenticate_request()


@bp.errorhandler(APIError)
def _api_error(error: APIError):
    return error.response()
