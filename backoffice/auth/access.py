"""Roles on routes: ``@role_required("supervisor")`` and ``can()`` for templates."""

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from backoffice.auth.models import ROLE_RANK
from backoffice.i18n import worded

ROLE_NAMES = {"agent": _l("agent"), "supervisor": _l("supervisor"), "admin": _l("admin")}


def role_required(role: str) -> Callable:
    """Sign-in required, and at least ``role`` (agent < supervisor < admin); else 403."""
    if role not in ROLE_RANK:
        raise ValueError(f"unknown role {role!r}")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_role = role
        return wrapped

    return decorator


def can(role: str) -> bool:
    return bool(current_user.is_authenticated and current_user.has_role(role))


def role_name(role: str) -> str:
    """A role as the page's language names it (worded once per catalog)."""
    if role not in ROLE_NAMES:
        return role
    return worded(("role name", role), lambda: str(ROLE_NAMES[role]))
