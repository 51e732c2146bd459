"""The dashboard as the page shows it: its figures and charts, each bar with the filtered
customer list it opens, and the numbers as a reader sees them (one place to localise)."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import g, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from backoffice import formatting
from backoffice.customers.declaration import label
from backoffice.listlinks import query_url
from backoffice.main.charts import Bar, Chart, bar_chart
from backoffice.main.dashboard import CONSENTS, Dashboard, WeekFigures

LABEL_EVERY = 4  # weeks between two labels under a weekly chart


@dataclass(frozen=True)
class Figure:
    label: str
    text: str
    url: str | None


def count(value: int) -> str:
    return formatting.number(value)


def money(value: Decimal) -> str:
    """A week's order amount; the roll-ups sum amounts in the default currency's terms."""
    return formatting.money(value, formatting.DEFAULT_CURRENCY)


def percent(share: float) -> str:
    return formatting.percent(share)


def week_label(week: WeekFigures) -> str:
    return formatting.day(week.start)


def list_url(channel_id: int | None, **filters: Any) -> str:
    """The customer list with ``filters``, of one channel or all (one url_for per request:
    the dashboard links some forty bars)."""
    if channel_id is not None:
        filters["channel"] = channel_id
    if "list_url" not in g:
        g.list_url = url_for("customers.list")
    return query_url(g.list_url, MultiDict(filters))


def totals(board: Dashboard) -> list[Figure]:
    shown, channel = board.shown, board.channel_id
    return [
        Figure(_l("Customers"), count(shown.total), list_url(channel)),
        Figure(_l("Active"), count(shown.active), list_url(channel, is_active="true")),
        # No filter selects the anonymized customers: the figure opens no list.
        Figure(_l("Anonymized"), count(shown.anonymized), None),
    ]


def charts(board: Dashboard) -> dict[str, Chart]:
    """The dashboard's charts by name: new_customers, consents, orders, amounts."""
    channel = board.channel_id
    weeks = board.weeks
    return {
        "new_customers": _weekly(
            weeks,
            lambda w: Bar(
                week_label(w),
                "",
                w.customers,
                count(w.customers),
                list_url(
                    channel,
                    created_date__gte=w.start.isoformat(),
                    created_date__lt=w.end.isoformat(),
                ),
            ),
        ),
        "consents": bar_chart(
            [
                (
                    figures.name,
                    [
                        Bar(
                            figures.name,
                            label(consent),
                            round(figures.rate(consent) * 100, 1),
                            percent(figures.rate(consent)),
                            list_url(figures.id, **{consent: "true"}),
                        )
                        for consent in CONSENTS
                    ],
                )
                for figures in board.channels
                if channel is None or figures.id == channel
            ],
            maximum=(100, percent(1)),
        ),
        # No customer filter selects buyers by their orders' dates: these bars open no list.
        "orders": _weekly(weeks, lambda w: Bar(week_label(w), "", w.orders, count(w.orders), None)),
        "amounts": _weekly(
            weeks, lambda w: Bar(week_label(w), "", w.amount, money(w.amount), None)
        ),
    }


def _weekly(weeks: list[WeekFigures], bar) -> Chart:
    return bar_chart([(week_label(w), [bar(w)]) for w in weeks], label_every=LABEL_EVERY)
