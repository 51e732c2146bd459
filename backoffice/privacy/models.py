"""The PrivacyRequest model: one row per request a person made, its subject and outcome."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from backoffice.extensions import db
from backoffice.types import JSONObject, UTCDateTime, utcnow

KINDS = ("access", "erasure", "consent_withdrawal")
STATUSES = ("open", "done", "rejected")


class PrivacyRequest(db.Model):
    __tablename__ = "privacy_requests"
    __table_args__ = (
        Index("ix_privacy_requests_status_due", "status", "due_date"),
        Index("ix_privacy_requests_email_hash", "email_hash"),
        Index("ix_privacy_requests_phone_hash", "phone_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default="open")
    # The subject as given and as keys; all None once an erasure is done (the hashes stay).
    email: Mapped[str | None] = mapped_column(String(254))
    phone_number: Mapped[str | None] = mapped_column(String(128))
    email_key: Mapped[str | None] = mapped_column(String(254))
    phone_key: Mapped[str | None] = mapped_column(String(32))
    email_hash: Mapped[str | None] = mapped_column(String(64))
    phone_hash: Mapped[str | None] = mapped_column(String(64))
    # consent_withdrawal: {"consents": [...]}; done: {"customers": [...]} (those completed).
    details: Mapped[dict[str, Any]] = mapped_column(JSONObject, default=dict)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_date: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(128), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_label: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    completed_by_label: Mapped[str | None] = mapped_column(String(255))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # access: the data package a job builds (details["package_job"]), kept until
    # package_expires_at, then deleted (set to SQL NULL; package_expires_at stays).
    package: Mapped[dict[str, Any] | None] = deferred(mapped_column(JSONObject, nullable=True))
    package_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def consents(self) -> list[str]:
        return list(self.details.get("consents", []))

    @property
    def customers(self) -> list[int]:
        return list(self.details.get("customers", []))

    @property
    def is_overdue(self) -> bool:
        return self.status == "open" and self.due_date < utcnow().date()

    def __repr__(self) -> str:
        return f"<PrivacyRequest {self.id} {self.kind} {self.status}>"
