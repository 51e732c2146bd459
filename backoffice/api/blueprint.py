"""The API blueprint: token auth, CSRF exemption and JSON errors, decided once for all routes."""

from flask import Blueprint, request

from backoffice.api.auth import authenticate_request, authenticate_token_or_session
from backoffice.api.framework import PUBLIC_ENDPOINTS, SESSION_OR_TOKEN_ENDPOINTS, LookupConverter
from backoffice.api.responses import APIError
from backoffice.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
# DRF's router lookup for <lookup:pk>; registered before the routes that use it.
bp.record_once(lambda state: state.app.url_map.converters.setdefault("lookup", LookupConverter))


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
