"""POST /api/v1/auth/login/: a token for a username (email) and password."""

from flask import current_app, jsonify, request

from backoffice.api.blueprint import bp
from backoffice.api.responses import json_body, validation_error
from backoffice.auth.service import authenticate, issue_token
from backoffice.extensions import limiter
from backoffice.fields import Field, validate

BAD_CREDENTIALS = "Unable to log in with provided credentials."
LOGIN_FIELDS = {
    "username": Field("username", "char", required=True, allow_blank=False, max_length=254),
    "password": Field(
        "password", "char", required=True, allow_blank=False, max_length=1024, trim=False
    ),
}


def _credentials() -> dict:
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return request.form.to_dict()
    return json_body()


def _username_key() -> str:
    data = request.get_json(silent=True) if request.is_json else request.form
    username = data.get("username", "") if isinstance(data, dict) or hasattr(data, "get") else ""
    return f"api-login:{str(username).strip().lower()}"


@bp.route("/auth/login/", methods=["POST"], endpoint="login")
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    key_func=_username_key,
    deduct_when=lambda response: response.status_code != 200,
)
def login():
    data = _credentials()
    values, problems = validate(LOGIN_FIELDS, data, partial=False)
    if problems:
        raise validation_error(problems)
    user = authenticate(values["username"], values["password"])
    if user is None:
        raise validation_error({"non_field_errors": [BAD_CREDENTIALS]})
    return jsonify({"key": issue_token(user)})
