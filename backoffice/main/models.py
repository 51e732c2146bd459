"""The dashboard's roll-ups: counters kept by database triggers (migration 0009) in the writing
transaction, whatever the write path. Each figure is the sum over ``shard`` (see
``CustomerCount``)."""

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Numeric
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.extensions import db
from backoffice.types import Money


class MoneyTotal(Money):
    """A sum of amounts: NUMERIC(16, 2) on PostgreSQL, integer cents on SQLite."""

    impl = Numeric(16, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(16, 2, asdecimal=True))


class CustomerStats(db.Model):
    """Per channel: the anonymized customers, and those who allow email, SMS and calls."""

    __tablename__ = "customer_stats"

    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"), primary_key=True)
    shard: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    anonymized: Mapped[int] = mapped_column(BigInteger)
    email_allowed: Mapped[int] = mapped_column(BigInteger)
    sms_allowed: Mapped[int] = mapped_column(BigInteger)
    call_allowed: Mapped[int] = mapped_column(BigInteger)


class CustomerWeek(db.Model):
    """Per channel and week (its Monday, UTC): the customers created."""

    __tablename__ = "customer_weeks"

    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"), primary_key=True)
    week: Mapped[date] = mapped_column(primary_key=True)
    shard: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    created: Mapped[int] = mapped_column(BigInteger)


class OrderWeek(db.Model):
    """Per channel and week of the order's date (its Monday, UTC): the orders, their amount."""

    __tablename__ = "order_weeks"

    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"), primary_key=True)
    week: Mapped[date] = mapped_column(primary_key=True)
    shard: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    orders: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[Decimal] = mapped_column(MoneyTotal)
