"""The dashboard's figures, read from the counters the triggers keep (customer_counts, and the
roll-ups of migration 0009): three small grouped statements, whatever the number of customers
and orders, and the last import runs. Nothing here counts rows of customers or orders."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Integer, Select, bindparam, case, cast, func, select

from backoffice.channels.models import Channel
from backoffice.customers.models import CustomerCount
from backoffice.extensions import db
from backoffice.main.models import CustomerStats, CustomerWeek, OrderWeek
from backoffice.orders.models import ImportRun
from backoffice.orders.runs import recent_runs
from backoffice.types import utcnow

WEEKS = 26
CONSENTS = ("email_allowed", "sms_allowed", "call_allowed")


@dataclass(frozen=True)
class ChannelFigures:
    """A channel's customers (or the whole base's, ``id`` None) and their consents."""

    id: int | None
    name: str
    total: int = 0
    active: int = 0
    anonymized: int = 0
    email_allowed: int = 0
    sms_allowed: int = 0
    call_allowed: int = 0

    def rate(self, consent: str) -> float:
        """The share of the customers who allow ``consent``, 0 to 1."""
        return getattr(self, consent) / self.total if self.total else 0.0


@dataclass(frozen=True)
class WeekFigures:
    start: date  # a Monday (UTC)
    customers: int = 0
    orders: int = 0
    amount: Decimal = Decimal("0.00")

    @property
    def end(self) -> date:
        """The next Monday: the week is [start, end)."""
        return self.start + timedelta(days=7)


@dataclass
class Dashboard:
    channel_id: int | None  # None: the whole base
    channels: list[ChannelFigures]
    weeks: list[WeekFigures]
    imports: list[ImportRun] = field(default_factory=list)

    @property
    def shown(self) -> ChannelFigures:
        """The figures of the chosen channel, or the sum over every channel."""
        if self.channel_id is not None:
            return next(c for c in self.channels if c.id == self.channel_id)
        sums = {
            name: sum(getattr(c, name) for c in self.channels)
            for name in ("total", "active", "anonymized", *CONSENTS)
        }
        return ChannelFigures(None, "", **sums)


def _total(column: Any) -> Any:
    return cast(func.coalesce(func.sum(column), 0), BigInteger)


def _channel_figures_statement() -> Select:
    counts = (
        select(
            CustomerCount.channel_id,
            _total(CustomerCount.total).label("total"),
            _total(case((CustomerCount.is_active, CustomerCount.total), else_=0)).label("active"),
        )
        .group_by(CustomerCount.channel_id)
        .subquery()
    )
    stats = (
        select(
            CustomerStats.channel_id,
            *(_total(getattr(CustomerStats, n)).label(n) for n in ("anonymized", *CONSENTS)),
        )
        .group_by(CustomerStats.channel_id)
        .subquery()
    )
    sources = {"total": counts, "active": counts}
    return (
        select(
            Channel.id,
            Channel.name,
            *(
                cast(func.coalesce(sources.get(name, stats).c[name], 0), Integer).label(name)
                for name in ("total", "active", "anonymized", *CONSENTS)
            ),
        )
        .outerjoin(counts, counts.c.channel_id == Channel.id)
        .outerjoin(stats, stats.c.channel_id == Channel.id)
        .order_by(Channel.name, Channel.id)
    )


def _weekly_statements(model: Any, columns: dict[str, Any]) -> dict[bool, Select]:
    """The weekly sums from ``start`` on, of every channel (False) or of one (True)."""
    every = (
        select(model.week, *(func.sum(c).label(name) for name, c in columns.items()))
        .where(model.week >= bindparam("start"))
        .group_by(model.week)
    )
    return {False: every, True: every.where(model.channel_id == bindparam("channel_id"))}


# Built once, run with parameters: the dashboard is read on every visit to the home page.
CHANNEL_FIGURES = _channel_figures_statement()
WEEKLY = {
    ("customers",): _weekly_statements(CustomerWeek, {"customers": CustomerWeek.created}),
    ("orders", "amount"): _weekly_statements(
        OrderWeek, {"orders": OrderWeek.orders, "amount": OrderWeek.amount}
    ),
}


def channel_figures() -> list[ChannelFigures]:
    """Every channel's figures, by name: one statement over the counters."""
    return [ChannelFigures(**row._mapping) for row in db.session.execute(CHANNEL_FIGURES)]


def first_week(today: date, weeks: int = WEEKS) -> date:
    """The Monday ``weeks - 1`` weeks before this week's: the first of the last ``weeks``."""
    return today - timedelta(days=today.weekday(), weeks=weeks - 1)


def week_figures(channel_id: int | None, today: date, weeks: int = WEEKS) -> list[WeekFigures]:
    """The last ``weeks`` weeks (this one included), oldest first: new customers, orders and
    their amount, of one channel or all."""
    start = first_week(today, weeks)
    found: dict[date, dict[str, Any]] = {}
    params = {"start": start, "channel_id": channel_id}
    for names, statements in WEEKLY.items():
        for row in db.session.execute(statements[channel_id is not None], params):
            found.setdefault(row.week, {}).update(
                {name: row._mapping[name] for name in names}  # sums keep the column's type
            )
    return [
        WeekFigures(day, **found.get(day, {}))
        for day in (start + timedelta(weeks=n) for n in range(weeks))
    ]


def recent_imports(limit: int = 5) -> list[ImportRun]:
    """The last ``limit`` order import runs, newest first: one statement."""
    return recent_runs(limit)


def dashboard(
    channel_id: int | None,
    channels: list[ChannelFigures] | None = None,
    today: date | None = None,
) -> Dashboard:
    """The dashboard of one channel, or of the whole base when ``channel_id`` is None;
    ``channels`` are the channel figures when the caller has read them already."""
    today = today or utcnow().date()
    return Dashboard(
        channel_id=channel_id,
        channels=channel_figures() if channels is None else channels,
        weeks=week_figures(channel_id, today),
        imports=recent_imports(),
    )
