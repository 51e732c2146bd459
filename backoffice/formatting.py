"""Moments and days as people read them, on pages and in the terminal."""

from datetime import date, datetime


def when(value: datetime | None) -> str:
    """A moment to the minute, in UTC, saying so."""
    return "—" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def day(value: date | datetime | None) -> str:
    return "—" if value is None else value.strftime("%Y-%m-%d")
