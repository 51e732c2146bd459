"""AuditContext: who is acting, from where; built from the request or made up by the service."""

import uuid
from dataclasses import dataclass

from flask import g, has_request_context, request
from flask_login import current_user

from backoffice.sessions import session_unused


@dataclass(frozen=True)
class AuditContext:
    source: str
    actor_id: int | None = None
    actor_label: str = "system"
    ip: str | None = None
    request_id: str | None = None

    @classmethod
    def system(cls, source: str = "system", label: str | None = None) -> "AuditContext":
        """The context a service creates when its caller gave none (as the seed describes)."""
        return cls(source=source, actor_label=label or source, request_id=uuid.uuid4().hex)

    @classmethod
    def for_user(cls, user, source: str) -> "AuditContext":
        return cls(
            source=source,
            actor_id=user.id,
            actor_label=user.email,
            request_id=uuid.uuid4().hex,
        )


def request_actor():
    """The signed-in staff user of this request: API token first, then the browser session
    (not for an API answer that a token alone authenticates: see sessions.py)."""
    user = g.get("api_user")
    if user is None and not session_unused() and current_user and current_user.is_authenticated:
        user = current_user._get_current_object()
    return user


def audit_context_from_request(source: str) -> AuditContext:
    if not has_request_context():
        return AuditContext.system(source)
    user = request_actor()
    return AuditContext(
        source=source,
        actor_id=user.id if user else None,
        actor_label=user.email if user else "anonymous",
        ip=request.remote_addr,
        request_id=g.get("request_id"),
    )
