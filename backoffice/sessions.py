"""Flask's signed-cookie session, with its signing serializer built once per key set.

Flask builds a new serializer (key list, signer settings) at every request's session
opening; here it is kept for as long as SECRET_KEY and SECRET_KEY_FALLBACKS stay the same.
"""

from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface


class SessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._serializer: tuple[tuple, Any] | None = None

    def get_signing_serializer(self, app: Flask) -> Any:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if self._serializer is None or self._serializer[0] != keys:
            self._serializer = (keys, super().get_signing_serializer(app))
        return self._serializer[1]
