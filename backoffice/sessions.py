"""Flask's signed-cookie session: its signing serializer built once per key set, and no
session work for the requests whose answers never depend on it.

Flask builds a new serializer (key list, signer settings) at every request's session
opening; here it is kept for as long as SECRET_KEY and SECRET_KEY_FALLBACKS stay the same.

Flask-Login reads the session after every request (for a remember-me flag), which makes
Flask save it and add ``Vary: Cookie`` even to an answer the session played no part in: the
API's, which a token authenticates (Django saves and varies only when a view read it).
``exempt`` names those requests.
"""

from collections.abc import Callable
from typing import Any

from flask import Flask, Request, current_app
from flask.sessions import SecureCookieSessionInterface, SessionMixin


def _never() -> bool:
    return False


class SessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._serializer: tuple[tuple, Any] | None = None
        self._unused: Callable[[], bool] = _never

    def exempt(self, unused: Callable[[], bool]) -> None:
        """``unused()``, asked in a request, says whether its answer never depends on the
        browser session: then the session is not saved (unless something was written to
        it) and the answer carries no ``Vary: Cookie``."""
        self._unused = unused

    def unused(self) -> bool:
        return self._unused()

    def get_signing_serializer(self, app: Flask) -> Any:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if self._serializer is None or self._serializer[0] != keys:
            self._serializer = (keys, super().get_signing_serializer(app))
        return self._serializer[1]

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        # No Cookie header (an integration's token request): the empty session Flask would
        # open, without parsing the request's cookies first.
        if "HTTP_COOKIE" not in request.environ and app.secret_key:
            return self.session_class()
        return super().open_session(app, request)

    def is_null_session(self, obj: object) -> bool:
        if super().is_null_session(obj):
            return True
        return isinstance(obj, SessionMixin) and not obj.modified and self.unused()


def session_unused() -> bool:
    """Whether the browser session plays no part in this request's answer (see ``exempt``)."""
    interface = current_app.session_interface
    return isinstance(interface, SessionInterface) and interface.unused()
