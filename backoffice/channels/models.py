"""Channel and IntegrationMapping models."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.extensions import db
from backoffice.types import UTCDateTime, code_key, utcnow

CHANNEL_TYPES = ("marketplace", "web", "store", "app")


class Channel(db.Model):
    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    channel_type: Mapped[str] = mapped_column(String(32), default="marketplace")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_date: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified_date: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Channel {self.id} {self.name!r}>"


class IntegrationMapping(db.Model):
    """The code an object (e.g. a customer) carries on an external system of a channel."""

    __tablename__ = "integration_mappings"
    __table_args__ = (
        UniqueConstraint("channel_id", "object_type", "code"),
        Index("ix_integration_mappings_object", "object_type", "object_id"),
        Index("ix_integration_mappings_code", "code"),
        # mapping__channel: the channel's customers, from the index alone.
        Index("ix_integration_mappings_channel_object", "channel_id", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int]
    code: Mapped[str] = mapped_column(String(255))
    created_date: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The customer search: a code in any case (migration 0014s).
Index("ix_integration_mappings_code_key", code_key(IntegrationMapping.code))
