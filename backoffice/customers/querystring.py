"""The list page's query string: the filter form in and out of the API's language, and chips."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import get_locale, lazy_pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from backoffice.customers.declaration import label as field_label
from backoffice.filtering import FilterSet
from backoffice.filtering.values import NULL_VALUE
from backoffice.listlinks import query_url

PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 25
DEFAULT_ORDERING = "-created_date"
# Not filters: "clear all" and the filter form keep them.
VIEW_PARAMS = ("ordering", "limit")
# "Until <day>" includes the whole day: it is "before the next day" in the API's language.
UNTIL = {"created_until": "created_date__lt", "modified_until": "modified_date__lt"}
ATTRIBUTE = "attributes__"
# Date ranges the filter form offers (from / until), and what a reversed one says.
RANGED = ("created_date", "modified_date")
REVERSED = _l("The end of this range is before its start: swap the two dates.")

# Filters that are no declared field, and the word a JSON key's chip starts with.
OTHER_LABELS = {
    "id": _l("Id"),
    "mapping": _l("Mapping"),
    "search": lazy_pgettext("filter", "Search"),
}
KEY_WORDS = {
    "attributes": _l("Attribute %(key)s"),
    "extra_field": _l("Extra field %(key)s"),
    "mapping": _l("Mapping %(key)s"),
}
DATES = {"created_date", "modified_date", "date_joined", "date_of_birth"}
# A chip's label: the field's label and its lookup, worded as one phrase each.
DATE_WORDS = {
    "gt": _l("%(label)s after"),
    "gte": _l("%(label)s from"),
    "lt": _l("%(label)s before"),
    "lte": _l("%(label)s until"),
    "date": _l("%(label)s on"),
}
WORDS = {
    "startswith": _l("%(label)s starts with"),
    "gt": "%(label)s >",
    "gte": "%(label)s ≥",
    "lt": "%(label)s <",
    "lte": "%(label)s ≤",
    "in": _l("%(label)s in"),
}


@dataclass(frozen=True)
class Chip:
    label: str
    value: str
    remove_url: str


# Parameters the filter form has no field for: its rendered fields do not change with them.
NOT_IN_PANEL = frozenset({"search", "page", "ordering", "limit"})


def panel_key(args: MultiDict, channels: Iterable) -> str:
    """The cache key of the filter form's rendered fields: all they show follows from the
    filter values (and their errors), the channels offered and the language they are worded
    in; not from the search, the page, the ordering or the page size."""
    shown = (
        str(get_locale()),
        [(key, value) for key, value in args.items(multi=True) if key not in NOT_IN_PANEL],
        [(channel.id, channel.name) for channel in channels],
    )
    return hashlib.sha256(repr(shown).encode()).hexdigest()


def field_key(field: Any) -> str:
    """The cache key of one filter field's rendered HTML (``fieldsets(…, field_key=…)``): all
    it shows follows from its name, its values as typed and read, its errors, its choices
    (the channels, for the channel boxes) and the language. A query with one new value
    renders that one field, not the 21 (~5 ms)."""
    shown = (
        str(get_locale()),
        field.name,
        field.raw_data,
        field.data,
        [str(error) for error in field.errors],
        [(value, str(text)) for value, text, *_rest in getattr(field, "choices", None) or ()],
    )
    return hashlib.sha256(repr(shown).encode()).hexdigest()


def canonical_args(args: MultiDict) -> MultiDict:
    """The query string in the API's language: blanks dropped, friendly fields translated.

    An attribute key without a value (or the reverse) is kept as typed, for the form to flag.
    """
    canonical: MultiDict = MultiDict()
    for key, value in args.items(multi=True):
        if not value.strip() or key in ("attribute_key", "attribute_value"):
            continue
        if key in UNTIL:
            canonical.add(UNTIL[key], _shift_day(value, 1))
        else:
            canonical.add(key, value)
    attribute_key = args.get("attribute_key", "").strip()
    attribute_value = args.get("attribute_value", "").strip()
    if attribute_key and attribute_value:
        canonical.add(ATTRIBUTE + attribute_key, attribute_value)
    elif attribute_key:
        canonical.add("attribute_key", attribute_key)
    elif attribute_value:
        canonical.add("attribute_value", attribute_value)
    return canonical


def is_canonical(args: MultiDict) -> bool:
    return sorted(args.items(multi=True)) == sorted(canonical_args(args).items(multi=True))


def form_args(args: MultiDict) -> MultiDict:
    """The filter form's view of a canonical query string (the reverse of canonical_args)."""
    shown: MultiDict = MultiDict()
    friendly = {param: name for name, param in UNTIL.items()}
    for key, value in args.items(multi=True):
        if key in friendly:
            shown.add(friendly[key], _shift_day(value, -1))
        elif key.startswith(ATTRIBUTE) and "attribute_key" not in shown:
            shown.add("attribute_key", key.removeprefix(ATTRIBUTE))
            shown.add("attribute_value", value)
        else:
            shown.add(key, value)
    return shown


def form_errors(args: MultiDict) -> dict[str, list[str]]:
    """Errors the filter form finds beyond the engine's (an attribute half given, a date range
    that ends before it starts), keyed like the engine's errors. The API answers such a query
    as django-filter does: a half attribute is ignored, a reversed range matches nothing."""
    errors = {}
    if args.get("attribute_key") and not args.get("attribute_value"):
        errors["attribute_value"] = [_("Give the value the attribute must have.")]
    if args.get("attribute_value") and not args.get("attribute_key"):
        errors["attribute_key"] = [_("Give the attribute's key.")]
    for name in RANGED:
        start, end = args.get(f"{name}__gte", ""), args.get(f"{name}__lt", "")
        if _is_day(start) and _is_day(end) and _day(end) <= _day(start):
            errors[f"{name}__lt"] = [str(REVERSED)]
    return errors


def field_for(param: str) -> str:
    """The filter form field that edits ``param``."""
    friendly = {api: name for name, api in UNTIL.items()}
    if param in friendly:
        return friendly[param]
    if param.startswith(ATTRIBUTE):
        return "attribute_value"
    return param


def chips(filters: FilterSet, args: MultiDict, path: str, channels: dict[str, str]) -> list[Chip]:
    """One removable chip per applied (parameter, value) pair, worded from the parsed values."""
    made = []
    for param, value in filters.applied:
        remaining = MultiDict(
            (key, v) for key, v in args.items(multi=True) if (key, v) != (param, value)
        )
        remaining.pop("page", None)
        label, shown = chip_label(param, value, filters.values[param], channels)
        made.append(Chip(label, shown, query_url(path, remaining)))
    return made


def clear_url(args: MultiDict, path: str) -> str:
    return query_url(path, MultiDict((k, v) for k, v in args.items(multi=True) if k in VIEW_PARAMS))


def chip_label(param: str, value: str, parsed: Any, channels: dict[str, str]) -> tuple[str, str]:
    """The chip of one applied value: ``value`` as typed, ``parsed`` as its filter read it."""
    name, _sep, lookup = param.partition("__")
    if name in KEY_WORDS:
        return str(KEY_WORDS[name]) % {"key": lookup}, value
    label = str(OTHER_LABELS.get(name) or field_label(name))
    if name == "channel":
        return label, channels.get(value.strip(), value)
    if isinstance(parsed, bool):
        return label, _("yes") if parsed else _("no")
    if parsed == NULL_VALUE:
        return label, _("empty")
    if param in UNTIL.values():
        day = (parsed.date() - timedelta(days=1)).isoformat()
        return str(DATE_WORDS["lte"]) % {"label": label}, day
    words = DATE_WORDS if name in DATES else WORDS
    return (str(words[lookup]) % {"label": label} if lookup in words else label), value


def _is_day(value: str) -> bool:
    try:
        date.fromisoformat(value.strip())
    except ValueError:
        return False
    return len(value.strip()) == 10


def _day(value: str) -> date:
    return date.fromisoformat(value.strip())


def _shift_day(value: str, days: int) -> str:
    """The day ``days`` after ``value``; anything but a day is left for the engine to judge."""
    if not _is_day(value):
        return value
    return (date.fromisoformat(value.strip()) + timedelta(days=days)).isoformat()
