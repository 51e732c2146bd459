"""The app's wiring: extensions, blueprints, per-request hooks and template helpers."""

import os
import re
from collections.abc import Callable
from functools import partial
from typing import Any

from flask import Flask, Request, abort, g, request
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from backoffice import i18n
from backoffice.auth.throttle import THROTTLED
from backoffice.config import ROOT
from backoffice.database import configure_engines, reset_write_intent, set_write_intent
from backoffice.extensions import cache, csrf, db, limiter, login_manager, migrate
from backoffice.jobs import queue as jobs_queue
from backoffice.requestlog import init_request_log
from backoffice.sessions import SessionInterface
from backoffice.types import MAX_ID

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class Backoffice(Flask):
    """Flask, deciding once per function whether it needs an event loop: Flask asks
    ``inspect.iscoroutinefunction`` again for each hook and for the view of every request
    (15 calls a token request, 2 % of its instructions)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync_callables: dict[Callable, Callable] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        try:
            return self._sync_callables[func]
        except KeyError:
            found = super().ensure_sync(func)
            # Views, hooks and error handlers: a few hundred. Callbacks made per request
            # (after_this_request; none here) would fill the bound, then go unkept.
            if len(self._sync_callables) < SYNC_CALLABLES_KEPT:
                self._sync_callables[func] = found
            return found


SYNC_CALLABLES_KEPT = 1024


def init_extensions(app: Flask) -> None:
    # DRF renders keys in declaration order and UTF-8 as is.
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    import backoffice.models  # noqa: F401  (the whole schema, for relationships and Alembic)

    db.init_app(app)
    with app.app_context():
        configure_engines(app, db.engines.values())
    migrate.init_app(
        app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    csrf.init_app(app)
    i18n.init_app(app)
    cache.init_app(app)
    app.session_interface = SessionInterface()
    limiter.init_app(app)
    _check_limits_in_views_only(app)
    login_manager.init_app(app)
    jobs_queue.configure(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


def _check_limits_in_views_only(app: Flask) -> None:
    """Drop Flask-Limiter's check before every request when no default or application limit
    is set: it only finds that most routes have no limit. The throttled views (sign-in) check
    their limits themselves when they run (the decorator's own check).

    Its after-request hook (a failed attempt's deduction, the limit headers) and teardown
    (the request's limiter state) then have work only in a request a throttled view ran in
    (``throttle.throttled`` marks it): the others skip them."""
    if app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION"):
        return
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit not in hooks:  # not there with RATELIMIT_ENABLED=False
        return
    hooks.remove(limiter._check_request_limit)
    for funcs in (app.after_request_funcs, app.teardown_request_funcs):
        funcs[None] = [_when_throttled(f) if _limiters(f) else f for f in funcs.get(None, [])]


def _limiters(hook: Callable) -> bool:
    """Flask-Limiter's after-request hook (a partial of its method) or teardown (a bound one)."""
    if isinstance(hook, partial):
        return hook.args[:1] == (limiter,)
    return getattr(hook, "__self__", None) is limiter


def _when_throttled(hook: Callable) -> Callable:
    def limiter_hook(value: Any) -> Any:
        return hook(value) if g.get(THROTTLED) else value

    return limiter_hook


class DatabaseIdConverter(IntegerConverter):
    """``<int:pk>`` that never overflows an id column.

    A number larger than any id becomes 0, an id no row has, so the view answers 404 as for
    any other missing object (rejecting it here would make routing answer 405 instead).
    """

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= MAX_ID else 0


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseIdConverter
    from backoffice.api import bp as api_bp
    from backoffice.features import feature_modules

    app.register_blueprint(api_bp)  # with every feature's API routes (backoffice/api/__init__.py)
    for views in feature_modules("views"):
        if hasattr(views, "bp"):
            app.register_blueprint(views.bp)


def register_request_hooks(app: Flask) -> None:
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    init_request_log(app)

    @app.before_request
    def _begin_request():
        # The request and g taken from their proxies once: each attribute read through a
        # LocalProxy costs ~8,000 instructions, a plain one ~350 (bench/instructions.py).
        req, state = request._get_current_object(), g._get_current_object()
        incoming = req.headers.get("X-Request-ID", "")
        # 32 random hex digits, as uuid4().hex without building a UUID (a sixth of the cost).
        state.request_id = incoming if REQUEST_ID.match(incoming) else os.urandom(16).hex()
        state.write_intent_token = set_write_intent(req.method not in SAFE_METHODS)
        _check_query_size(req, app.config["MAX_QUERY_PARAMETERS"])
        if _has_null_character(req):
            abort(400, "Null characters are not allowed.")

    @app.teardown_request
    def _end_request(_error):
        if "write_intent_token" in g:
            reset_write_intent(g.pop("write_intent_token"))

    @app.after_request
    def _finish_response(response):
        headers = response.headers
        headers["X-Request-ID"] = g._get_current_object().get("request_id", "")
        # Each header a view has not set itself, in one pass: Headers.setdefault scans the
        # headers per call, and Headers.extend costs twice as much as adding them one by one.
        present = {name.lower() for name, _value in headers}
        endpoint = request._get_current_object().endpoint
        wanted = SECURITY_HEADERS if endpoint == "static" else PAGE_HEADERS
        for name, value in wanted:
            if name.lower() not in present:
                headers.add(name, value)
        return response


SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    (
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    ),
)
# Pages and API answers hold personal data: no browser or proxy keeps a copy.
PAGE_HEADERS = (*SECURITY_HEADERS, ("Cache-Control", "no-store"))


def _check_query_size(req: Request, limit: int) -> None:
    """Refuse a query string of more than ``limit`` parameters before anything runs: hundreds
    of filters make a statement no database should be asked to plan."""
    if sum(1 for _ in req.args.items(multi=True)) > limit:
        abort(400, f"Too many query parameters (more than {limit}).")


def _has_null_character(req) -> bool:
    """NUL cannot be stored in PostgreSQL text: refuse it in parameters and page forms up
    front (the API's fields refuse it one by one, in DRF's words)."""
    if b"\x00" in req.query_string or b"%00" in req.query_string:
        return True
    if req.path.startswith("/api/"):
        return False
    if req.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return any("\x00" in value for value in req.form.values())
    return False


def register_template_helpers(app: Flask) -> None:
    from backoffice import formatting, listlinks
    from backoffice.api import docpage
    from backoffice.auth.access import can, role_name

    listlinks.register(app)
    docpage.register(app)
    app.jinja_env.filters.update(formatting.TEMPLATE_FILTERS)

    app.jinja_env.globals["can"] = can
    app.jinja_env.globals["role_name"] = role_name
