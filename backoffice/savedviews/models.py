"""The SavedView model: a named query string of the customer list, personal or shared."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.auth.models import User
from backoffice.extensions import db
from backoffice.types import UTCDateTime, utcnow


class SavedView(db.Model):
    __tablename__ = "saved_views"
    __table_args__ = (
        UniqueConstraint("owner_id", "name"),
        Index("ix_saved_views_shared", "shared"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(100))
    # The list's query string, without its page: "channel=2&ordering=-created_date&limit=50".
    query: Mapped[str] = mapped_column(Text, default="")
    shared: Mapped[bool] = mapped_column(default=False)
    created_date: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified_date: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<SavedView {self.id} {self.name!r}>"
