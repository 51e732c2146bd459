"""The audit of privacy requests: their own events, and the source of what they write."""

from typing import Any

from backoffice.audit.context import AuditContext
from backoffice.audit.service import record_event
from backoffice.extensions import db

OBJECT_TYPE = "privacy_request"


def request_source(pk: int) -> str:
    """The audit source of what completing request ``pk`` wrote (it fits 16 characters
    up to request 99,999,999)."""
    return f"privacy:{pk}"


def audit(found: Any, context: AuditContext, action: str, changes: dict) -> None:
    """An event on request ``found`` (its changes never name the subject)."""
    record_event(
        db.session,
        context,
        object_type=OBJECT_TYPE,
        object_id=found.id,
        action=action,
        changes=changes,
    )
