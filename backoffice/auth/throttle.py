"""Sign-in throttling, one set of limits for both front doors (the page and the API): failed
attempts per account, however its name is spelled, and per client address."""

import hashlib
from collections.abc import Callable
from functools import wraps

from flask import current_app, g
from flask_limiter.util import get_remote_address

from backoffice.auth.service import find_user
from backoffice.extensions import limiter

MAX_USERNAME_LENGTH = 254
# Set on ``g`` in a request a throttled view runs in: only there do Flask-Limiter's after-
# request and teardown hooks run (web._check_limits_in_views_only).
THROTTLED = "throttled"


def account_key(username: object) -> str:
    """The bucket of the account a sign-in names: the account the password check would use
    when there is one (every spelling of it shares one bucket), else the name as that check
    normalizes it (digested: a bucket name stays short)."""
    name = username.strip().lower() if isinstance(username, str) else ""
    user = find_user(name) if 0 < len(name) <= MAX_USERNAME_LENGTH else None
    if user is not None:
        return f"account:{user.id}"
    digest = hashlib.sha256(name.encode("utf-8", "backslashreplace")).hexdigest()
    return f"name:{digest}"


def throttled(username: Callable[[], object], failed: Callable, **options):
    """Both limits on a sign-in view; ``username`` reads the name the request gives, and
    only responses ``failed`` calls failures are counted."""

    def by_account() -> str:
        return account_key(username())

    def decorate(view):
        view = limiter.shared_limit(
            lambda: current_app.config["LOGIN_ADDRESS_RATE_LIMIT"],
            scope="login-address",
            key_func=get_remote_address,
            deduct_when=failed,
            **options,
        )(view)
        limited = limiter.shared_limit(
            lambda: current_app.config["LOGIN_RATE_LIMIT"],
            scope="login-account",
            key_func=by_account,
            deduct_when=failed,
            **options,
        )(view)

        @wraps(limited)
        def throttled_view(*args, **kwargs):
            setattr(g, THROTTLED, True)
            return limited(*args, **kwargs)

        return throttled_view

    return decorate
