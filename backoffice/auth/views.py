"""Sign-in and sign-out pages, and the signed-in person's account page."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from backoffice import i18n
from backoffice.auth import service
from backoffice.auth.access import role_required
from backoffice.auth.forms import LoginForm, SettingsForm
from backoffice.auth.models import Staff
from backoffice.auth.throttle import throttled
from backoffice.extensions import login_manager
from backoffice.i18n import COOKIE, DEFAULT_LANGUAGE, DEFAULT_TIMEZONE, LANGUAGES
from backoffice.types import MAX_ID

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(session_id: str) -> Staff | None:
    user_id, _, nonce = session_id.partition(":")
    if not user_id.isascii() or not user_id.isdigit() or int(user_id) > MAX_ID:
        return None
    return service.staff_for_session(int(user_id), nonce)


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else the home page (no open redirects)."""
    fallback = url_for("main.index")
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target) or "\\" in target:
        return fallback
    return target


def _submitted_email() -> str | None:
    return request.form.get("email")  # what LoginForm's email field reads


@bp.route("/login", methods=["GET", "POST"])
@throttled(_submitted_email, failed=lambda response: response.status_code != 302, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()  # a fresh session at sign-in: no fixation
            login_user(user, remember=form.remember.data)
            service.record_login(user)
            return redirect(safe_next(request.args.get("next")))
        form.form_errors.append(_("Email or password is incorrect, or the account is disabled."))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    service.end_all_sessions(current_user.id)
    logout_user()
    session.clear()
    flash(_("You have been signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"], endpoint="account")
@role_required("agent")
def account():
    """Who I am, my language and time zone, and my API tokens: when each was last used, and
    when it expires."""
    form = SettingsForm(
        data={
            "language": current_user.language or get_locale_name(),
            "timezone": current_user.timezone or DEFAULT_TIMEZONE,
        }
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        service.set_preferences(
            current_user.id, language=form.language.data, timezone=form.timezone.data
        )
        i18n.apply_now(form.language.data, form.timezone.data)  # the message in it already
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("auth.account"))
    return render_template(
        "auth/account.html", form=form, tokens=service.token_uses(current_user.id)
    )


def get_locale_name() -> str:
    return str(get_locale() or DEFAULT_LANGUAGE)


LANGUAGE_COOKIE_AGE = 365 * 24 * 3600


@bp.post("/language", endpoint="language")
def choose_language():
    """The header's switch (CSRF-protected as every POST): remember the language on the
    user's record when signed in, and in a cookie for the signed-out pages (sign-in); then
    back to the page the switch was on."""
    language = request.form.get("language", "")
    if language not in LANGUAGES:
        abort(400, _("Choose one of the languages offered."))
    if current_user.is_authenticated:
        service.set_preferences(current_user.id, language=language)
    response = redirect(safe_next(request.form.get("next")))
    response.set_cookie(
        COOKIE,
        language,
        max_age=LANGUAGE_COOKIE_AGE,
        secure=request.is_secure,
        httponly=True,
        samesite="Lax",
    )
    return response
