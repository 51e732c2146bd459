"""The header's language switch: a POST (with its CSRF token) that remembers the choice."""

from flask import Blueprint, abort, redirect, request
from flask_babel import gettext as _
from flask_login import current_user

from backoffice.auth import service
from backoffice.auth.views import safe_next
from backoffice.i18n import COOKIE, LANGUAGES

bp = Blueprint("i18n", __name__)

COOKIE_AGE = 365 * 24 * 3600


@bp.post("/language", endpoint="language")
def choose_language():
    """Remember the language: on the user's record when signed in, and in a cookie for the
    signed-out pages (sign-in); then back to the page the switch was on."""
    language = request.form.get("language", "")
    if language not in LANGUAGES:
        abort(400, _("Choose one of the languages offered."))
    if current_user.is_authenticated:
        service.set_preferences(current_user.id, language=language)
    response = redirect(safe_next(request.form.get("next")))
    response.set_cookie(
        COOKIE,
        language,
        max_age=COOKIE_AGE,
        secure=request.is_secure,
        httponly=True,
        samesite="Lax",
    )
    return response
