"""Values as people read them, on pages and in the terminal: moments, days, any value."""

import json
from datetime import date, datetime
from typing import Any


def when(value: datetime | None) -> str:
    """A moment to the minute, in UTC, saying so."""
    return "—" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def day(value: date | datetime | None) -> str:
    return "—" if value is None else value.strftime("%Y-%m-%d")


def show(value: Any) -> str:
    """Any stored or audited value as short text: empty, yes/no, compact JSON or the value."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else "{}"
    if isinstance(value, datetime):
        return when(value)
    return str(value)


TEMPLATE_FILTERS = {"when": when, "day": day, "show": show}
