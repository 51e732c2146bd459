"""POST /api/v1/auth/login/: a token for a username (email) and password."""

from flask import current_app, jsonify, request

from backoffice.api.blueprint import bp
from backoffice.api.responses import json_body, validation_error
from backoffice.auth.service import authenticate, issue_token
from backoffice.extensions import limiter

BAD_CREDENTIALS = "Unable to log in with provided credentials."


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
    if not isinstance(data, dict):
        raise validation_error(
            {
                "non_field_errors": [
                    f"Invalid data. Expected a dictionary, but got {type(data).__name__}."
                ]
            }
        )
    problems = {
        name: ["This field is required."]
        if name not in data or data[name] is None
        else ["This field may not be blank."]
        for name in ("username", "password")
        if not isinstance(data.get(name), str) or not data.get(name).strip()
    }
    if problems:
        raise validation_error(problems)
    user = authenticate(data["username"], data["password"])
    if user is None:
        raise validation_error({"non_field_errors": [BAD_CREDENTIALS]})
    return jsonify({"key": issue_token(user)})
