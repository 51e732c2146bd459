"""The Order model: enough to total a customer's orders and list them."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.extensions import db
from backoffice.types import Money, UTCDateTime, code_key, utcnow


class Order(db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("channel_id", "number"),
        Index("ix_orders_customer_created", "customer_id", "created_date"),
        Index("ix_orders_created_date", "created_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    number: Mapped[str] = mapped_column(String(128))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    discount_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    refund_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    # ISO 4217, of all three amounts.
    currency: Mapped[str] = mapped_column(String(3), default="TRY", server_default="TRY")
    status: Mapped[str] = mapped_column(String(32), default="new")
    created_date: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified_date: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The import lines applied to this order, each a 16-hex digest of its bytes, space
    # separated: a line already applied is skipped when a file is imported again.
    applied_lines: Mapped[str] = mapped_column(Text, default="", server_default="")

    def __repr__(self) -> str:
        return f"<Order {self.id} {self.channel_id}/{self.number}>"


# The customer search: a number in any channel and any case (migration 0014s).
Index("ix_orders_number_key", code_key(Order.number), Order.customer_id)


class ImportRun(db.Model):
    """One run of the order import: what started it, when, how far it got and how it ended.
    Written in its own short transactions beside the import's (see orders/runs.py): a run
    that dies without a word stays "running"."""

    __tablename__ = "import_runs"
    __table_args__ = (Index("ix_import_runs_started_at", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(255))  # who or what: "orders import FILE"
    file_name: Mapped[str] = mapped_column(String(255))  # the file's name, or "stdin"
    status: Mapped[str] = mapped_column(String(16), default="running")  # running, done, failed
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lines: Mapped[int] = mapped_column(default=0)
    orders_created: Mapped[int] = mapped_column(default=0)
    orders_updated: Mapped[int] = mapped_column(default=0)
    orders_unchanged: Mapped[int] = mapped_column(default=0)
    customers_created: Mapped[int] = mapped_column(default=0)
    customers_updated: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    # Why a failed run stopped: the error's kind and the database's own words, no values.
    error: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<ImportRun {self.id} {self.status}>"
