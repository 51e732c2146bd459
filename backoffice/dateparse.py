"""Dates and datetimes read as Django reads them (dateparse, forms.DateField), as Omnitron does."""

import re
from datetime import UTC, date, datetime, timedelta, timezone

# django.utils.dateparse (Django 4.2): fromisoformat first, then these patterns. \d and $ are
# Python's: other scripts' digits count, and $ also matches before a final newline.
DATE_RE = re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})$")
DATETIME_RE = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"[T ](?P<hour>\d{1,2}):(?P<minute>\d{1,2})"
    r"(?::(?P<second>\d{1,2})(?:[\.,](?P<microsecond>\d{1,6})\d{0,6})?)?"
    r"\s*(?P<tzinfo>Z|[+-]\d{2}(?::?\d{2})?)?$"
)
# forms.DateField's input formats (Django's "en" locale): what django-filter's DateFilter reads.
DATE_INPUT_FORMATS = (
    "%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%b %d %Y", "%b %d, %Y", "%d %b %Y", "%d %b, %Y",
    "%B %d %Y", "%B %d, %Y", "%d %B %Y", "%d %B, %Y",
)  # fmt: skip


def parse_date(value: str) -> date | None:
    """Django's parse_date: a date; None when not well formatted; ValueError when well
    formatted but no date (2001-02-30)."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        if match := DATE_RE.match(value):
            return date(**{k: int(v) for k, v in match.groupdict().items()})
    return None


def parse_datetime(value: str) -> datetime | None:
    """Django's parse_datetime: naive or with a fixed offset; None when not well formatted;
    ValueError when well formatted but no datetime."""
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        match = DATETIME_RE.match(value)
        if not match:
            return None
    kw = match.groupdict()
    kw["microsecond"] = kw["microsecond"] and kw["microsecond"].ljust(6, "0")
    offset = kw.pop("tzinfo")
    tzinfo = None
    if offset == "Z":
        tzinfo = UTC
    elif offset is not None:
        minutes = 60 * int(offset[1:3]) + (int(offset[-2:]) if len(offset) > 3 else 0)
        tzinfo = timezone(timedelta(minutes=-minutes if offset[0] == "-" else minutes))
    return datetime(**{k: int(v) for k, v in kw.items() if v is not None}, tzinfo=tzinfo)


def aware_utc(value: datetime) -> datetime:
    """DRF's enforce_timezone with TIME_ZONE UTC; OverflowError past the representable range."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_form_date(value: str) -> date | None:
    """forms.DateField: the stripped value in one of DATE_INPUT_FORMATS; None otherwise."""
    value = value.strip()
    for input_format in DATE_INPUT_FORMATS:
        try:
            return datetime.strptime(value, input_format).date()
        except ValueError:
            continue
    return None
