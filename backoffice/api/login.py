"""POST /api/v1/auth/login/: a token for a username (email) and password."""

from flask import g, jsonify

from backoffice.api.blueprint import bp
from backoffice.api.body import request_data
from backoffice.api.operations import ERROR, VALIDATION_ERROR, Schema, documented, operation
from backoffice.api.responses import validation_error
from backoffice.auth.service import authenticate, issue_token
from backoffice.auth.throttle import throttled
from backoffice.fields import Field, validate

BAD_CREDENTIALS = "Unable to log in with provided credentials."
LOGIN_FIELDS = {
    "username": Field("username", "char", required=True, allow_blank=False, max_length=254),
    "password": Field(
        "password", "char", required=True, allow_blank=False, max_length=1024, trim=False
    ),
}

TOKEN = Schema("Token", {"key": Field("key", "char")})


def _credentials() -> tuple[dict, dict]:
    """(values, errors) of the body, validated once: the limiter's key and the password
    check read the same username."""
    if "login_credentials" not in g:
        g.login_credentials = validate(LOGIN_FIELDS, request_data(), partial=False)
    return g.login_credentials


def _username() -> object:
    return _credentials()[0].get("username")


@bp.route("/auth/login/", methods=["POST"], endpoint="login")
@documented(
    "login",
    "post",
    operation(
        "A token for an email and password",
        {"200": TOKEN, "400": VALIDATION_ERROR, "415": ERROR, "429": ERROR},
        body=Schema("Login", LOGIN_FIELDS, mode="input"),
        public=True,
    ),
)
@throttled(_username, failed=lambda response: response.status_code != 200)
def login():
    values, problems = _credentials()
    if problems:
        raise validation_error(problems)
    user = authenticate(values["username"], values["password"])
    if user is None:
        raise validation_error({"non_field_errors": [BAD_CREDENTIALS]})
    return jsonify({"key": issue_token(user)})
