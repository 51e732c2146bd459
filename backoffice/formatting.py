"""Values as people read them: on pages in the reader's language and time zone (Babel's
formats, through Flask-Babel's locale and time zone of the request); in the terminal, outside
any request, as plain ISO text in UTC.

Each filter is called once per table cell: a locale's patterns are compiled once
(``_style``) into plain ``%``-formatting of the fields they use (Babel's own formatter, a
tenth of the speed, serves the fields not listed in ``FIELDS``), and the request's locale and
time zone are looked up once per request (``_current``).
"""

import dataclasses
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import get_month_names, get_period_names, parse_pattern
from babel.numbers import (
    format_currency,
    format_decimal,
    format_percent,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
)
from flask import has_request_context
from flask.globals import _cv_app
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _

DEFAULT_CURRENCY = "TRY"
# How many currencies a locale's Style keeps formats of (as _currency_format's cache).
CURRENCIES_KEPT = 256
EMPTY = "—"


# The date fields the fast path knows, as Babel formats them: value, month names, periods.
FIELDS: dict[str, Callable[[Any, dict, dict], str]] = {
    "y": lambda v, months, periods: str(v.year),
    "yyyy": lambda v, months, periods: f"{v.year:04d}",
    "M": lambda v, months, periods: str(v.month),
    "MM": lambda v, months, periods: f"{v.month:02d}",
    "MMM": lambda v, months, periods: months[v.month],
    "d": lambda v, months, periods: str(v.day),
    "dd": lambda v, months, periods: f"{v.day:02d}",
    "H": lambda v, months, periods: str(v.hour),
    "HH": lambda v, months, periods: f"{v.hour:02d}",
    "h": lambda v, months, periods: str(v.hour % 12 or 12),
    "hh": lambda v, months, periods: f"{v.hour % 12 or 12:02d}",
    "mm": lambda v, months, periods: f"{v.minute:02d}",
    "a": lambda v, months, periods: periods["pm" if v.hour >= 12 else "am"],
}


def compile_pattern(pattern: str, locale: Locale) -> Callable[[date], str]:
    """A function that formats a date or (local) datetime as Babel's ``format_datetime``
    would with ``pattern``; plain %-formatting when every field is in ``FIELDS``."""
    parsed = parse_pattern(pattern)
    fields = sorted(set(re.findall(r"%\((\w+)\)s", parsed.format)))
    if not all(field in FIELDS for field in fields):
        return lambda value: parsed.apply(value, locale)
    months = dict(get_month_names("abbreviated", "format", locale))
    periods = dict(get_period_names("abbreviated", "format", locale))
    text, getters = parsed.format, [(field, FIELDS[field]) for field in fields]
    return lambda value: text % {field: get(value, months, periods) for field, get in getters}


# Whole numbers Babel's format_decimal must format as ``integer_format``'s fast path does, or
# the fast path is not used for that locale.
INTEGER_PROBES = (0, 7, -7, 999, 1000, -1000, 1825, 12345, 999999, 1234567, -987654321, 10**15)


def integer_format(locale: Locale) -> Callable[[int], str] | None:
    """``format_decimal`` of a whole number in ``locale``, ~10 times faster (a count on a list
    page: its range and pages), or None where the locale's pattern needs Babel: Python's own
    grouping by threes with the locale's group symbol, checked against Babel on
    ``INTEGER_PROBES`` once, when made."""
    group = get_group_symbol(locale)

    def fast(value: int) -> str:
        return f"{value:,}".replace(",", group)

    if all(fast(probe) == format_decimal(probe, locale=locale) for probe in INTEGER_PROBES):
        return fast
    return None


@dataclass(frozen=True)
class Style:
    """A locale's formats: a moment to the minute, a day, a percentage, a whole number."""

    locale: Locale
    moment: Callable[[datetime], str]
    day: Callable[[date], str]
    percent: str  # the locale's percent pattern with one decimal place
    integer: Callable[[int], str] | None  # None: Babel's format_decimal
    # money's formats by currency (_currency_format's), found once a process and locale
    currencies: dict[str, Callable[[Decimal], str] | None] = dataclasses.field(
        default_factory=dict, compare=False
    )


@lru_cache(maxsize=16)
def _style(identifier: str) -> Style:
    locale = Locale.parse(identifier)
    day = locale.date_formats["medium"].pattern
    time = locale.time_formats["short"].pattern
    moment = locale.datetime_formats["medium"].replace("{1}", day).replace("{0}", time)
    percent = re.sub(r"0(?=[^0#]*$)", "0.0", locale.percent_formats[None].pattern, count=1)
    return Style(
        locale,
        compile_pattern(moment, locale),
        compile_pattern(day, locale),
        percent,
        integer_format(locale),
    )


@lru_cache(maxsize=64)
def _zone(name: str) -> tzinfo:
    return ZoneInfo(name)


def _current() -> tuple[Style, tzinfo]:
    """This request's formats and time zone, looked up once per request (kept on ``g``, read
    through Flask's context variable, as ``i18n.translations``: its callers are in a request)."""
    kept = _cv_app.get().g
    try:
        return kept._formats
    except AttributeError:
        zone = get_timezone()
        kept._formats = found = (_style(str(get_locale() or "en")), _zone(str(zone)))
        return found


def when(value: datetime | None) -> str:
    """A moment to the minute, in the reader's time zone: ``Dec 2, 2026, 2:05 PM``,
    ``2 Ara 2026 14:05``; in the terminal ``2026-12-02 11:05 UTC``."""
    if value is None:
        return EMPTY
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if not has_request_context():
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    style, zone = _current()
    return style.moment(value.astimezone(zone))


def day(value: date | datetime | None) -> str:
    """A day: ``Dec 2, 2026``, ``2 Ara 2026`` (a moment's day in the reader's time zone);
    in the terminal ``2026-12-02``."""
    if value is None:
        return EMPTY
    if not has_request_context():
        return value.strftime("%Y-%m-%d")
    return _day_in(value, *_current())


def days() -> Callable[[date | datetime | None], str]:
    """``day`` for a table's column: the request's formats and time zone looked up once,
    each day worded once (a list's rows share their days)."""
    if not has_request_context():
        return day
    style, zone = _current()
    worded: dict[date, str] = {}

    def day_of(value: date | datetime | None) -> str:
        if value is None:
            return EMPTY
        value = _local_day(value, zone)
        try:
            return worded[value]
        except KeyError:
            worded[value] = found = style.day(value)
            return found

    return day_of


def _day_in(value: date | datetime, style: Style, zone: tzinfo) -> str:
    return style.day(_local_day(value, zone))


def _local_day(value: date | datetime, zone: tzinfo) -> date:
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(zone).date()
    return value


def number(value: int | float | Decimal | None) -> str:
    """A count or quantity with the language's separators: ``1,825`` / ``1.825``."""
    if value is None:
        return EMPTY
    if not has_request_context():
        return str(value)
    style = _current()[0]
    if type(value) is int and style.integer is not None:
        return style.integer(value)
    return format_decimal(value, locale=style.locale)


def percent(share: float | None) -> str:
    """A share (0 to 1) as a percentage to a tenth: ``66.7%`` / ``%66,7``."""
    if share is None:
        return EMPTY
    if not has_request_context():
        return f"{share * 100:.1f}%"
    style = _current()[0]
    return format_percent(share, style.percent, locale=style.locale)


def money(amount: Decimal | None, currency: str | None = None) -> str:
    """An amount with its currency: ``TRY 1,825.75`` / ``₺1.825,75``; in the terminal
    ``1825.75 TRY``."""
    if amount is None:
        return EMPTY
    currency = currency or DEFAULT_CURRENCY
    if not has_request_context():
        return f"{amount:.2f} {currency}"
    style = _current()[0]
    try:
        fast = style.currencies[currency]
    except KeyError:  # kept a locale as _currency_format's cache does, without its hashing
        fast = _currency_format(currency, style.locale)
        if len(style.currencies) < CURRENCIES_KEPT:
            style.currencies[currency] = fast
    if fast is not None and isinstance(amount, Decimal) and amount.is_finite():
        return fast(amount)
    locale = style.locale
    return _spaced(format_currency(amount, currency, locale=locale), _symbol(currency, locale))


# Amounts Babel's format_currency must format as the fast path does, or the fast path is not
# used for that currency and locale.
MONEY_PROBES = tuple(
    Decimal(text)
    for text in ("0", "0.005", "0.015", "-0.001", "7", "-12.5", "999.995", "1234567.895", "1E+3")
)


@lru_cache(maxsize=256)
def _currency_format(currency: str, locale: Locale) -> Callable[[Decimal], str] | None:
    """``money`` for one currency and locale, ~10 times faster than Babel's ``format_currency``
    (30 amounts a customer page), or None where its pattern needs Babel's general path.

    The same steps as Babel's ``NumberPattern.apply`` for a plain pattern: the sign read
    before rounding, the absolute value rounded to the currency's digits (the decimal
    context's rounding), the integer digits grouped by the pattern's grouping, the affixes of
    the sign with the currency's symbol; then ``_spaced``. Checked against Babel on
    ``MONEY_PROBES`` once, when made."""
    pattern = locale.currency_formats["standard"]
    digits = get_currency_precision(currency)
    symbol = _symbol(currency, locale)
    group, point = get_group_symbol(locale), get_decimal_symbol(locale)
    affixes = [*pattern.prefix, *pattern.suffix]
    if (
        pattern.scale
        or pattern.exp_prec
        or "@" in pattern.pattern
        or not pattern.number_pattern
        or pattern.int_prec[0] != 1
        or any("¤¤¤" in a or "'" in a for a in affixes)
        or "'" in group + point + symbol
    ):
        return None

    def worded(affix: str) -> str:
        return affix.replace("¤¤", currency.upper()).replace("¤", symbol)

    prefixes = [worded(a) for a in pattern.prefix]
    suffixes = [worded(a) for a in pattern.suffix]
    # ``_spaced`` decided once a sign: the number between the affixes starts and ends with a
    # digit, so a symbol of letters beside it is the prefix's end or the suffix's start.
    for sign in (0, 1):
        head = _spaced(prefixes[sign] + "0", symbol)[:-1]
        if head != prefixes[sign]:
            prefixes[sign] = head
        else:
            suffixes[sign] = _spaced("0" + suffixes[sign], symbol)[1:]
    quantum = Decimal(1).scaleb(-digits)
    first, other = pattern.grouping

    def fast(amount: Decimal) -> str:
        negative = int(amount.is_signed())
        whole, _, fraction = f"{abs(amount).normalize().quantize(quantum):f}".partition(".")
        size, grouped = first, ""
        while len(whole) > size:
            whole, grouped = whole[:-size], group + whole[-size:] + grouped
            size = other
        number = whole + grouped + (point + fraction if digits else "")
        return prefixes[negative] + number + suffixes[negative]

    for probe in MONEY_PROBES:
        slow = _spaced(format_currency(probe, currency, locale=locale), symbol)
        if fast(probe) != slow:
            return None
    return fast


@lru_cache(maxsize=256)
def _symbol(currency: str, locale: Locale) -> str:
    return get_currency_symbol(currency, locale=locale)


def _spaced(text: str, symbol: str) -> str:
    """CLDR's currency spacing, which Babel leaves out: a symbol of letters (``TRY``) is kept
    apart from the digits by a no-break space (``TRY 1,825.75``, not ``TRY1,825.75``)."""
    if (
        text.startswith(symbol)
        and symbol[-1:].isalpha()
        and text[len(symbol) : len(symbol) + 1].isdigit()
    ):
        return f"{symbol}\u00a0{text[len(symbol) :]}"
    if (
        text.endswith(symbol)
        and symbol[:1].isalpha()
        and text[-len(symbol) - 1 : -len(symbol)].isdigit()
    ):
        return f"{text[: -len(symbol)]}\u00a0{symbol}"
    return text


def show(value: Any) -> str:
    """Any stored or audited value as short text: empty, yes/no, compact JSON or the value."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else "{}"
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, date):
        return day(value)
    if isinstance(value, Decimal):
        return number(value)
    return str(value)


TEMPLATE_FILTERS = {
    "when": when,
    "day": day,
    "show": show,
    "number": number,
    "percent": percent,
    "money": money,
}
