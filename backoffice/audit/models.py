"""The AuditEvent model: one row per effective change, never updated but to erase."""

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.extensions import db
from backoffice.types import JSONObject, UTCDateTime, utcnow

ACTIONS = ("create", "update", "consent", "anonymize", "export")
SOURCES = ("web", "api", "cli", "ingestion", "system", "bulk", "optout")


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None]
    # The object's version after this change: "what changed since version N" is a range query.
    object_version: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(16))
    # {field: [old, new]} with JSON-safe values.
    changes: Mapped[dict[str, Any]] = mapped_column(JSONObject, default=dict)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(16))
    request_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} {self.object_type}:{self.object_id}>"
