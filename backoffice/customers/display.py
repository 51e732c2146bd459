"""How the customer pages show values: times, days, field names, audit actions, JSON."""

import json
from datetime import date, datetime
from typing import Any

FIELD_LABELS = {
    "email": "Email",
    "first_name": "First name",
    "last_name": "Last name",
    "phone_number": "Phone",
    "is_active": "Active",
    "channel": "Channel",
    "channel_code": "Channel code",
    "erp_code": "ERP code",
    "extra_field": "Extra field",
    "date_joined": "Joined",
    "email_allowed": "Email allowed",
    "sms_allowed": "SMS allowed",
    "call_allowed": "Calls allowed",
    "gender": "Gender",
    "attributes": "Attributes",
    "user_type": "User type",
    "date_of_birth": "Date of birth",
    "attributes_kwargs": "Attributes kwargs",
    "localized_attributes": "Localized attributes",
    "localized_attributes_kwargs": "Localized attributes kwargs",
}
ACTION_LABELS = {
    "create": "Created",
    "update": "Updated",
    "consent": "Consents changed",
    "anonymize": "Anonymized",
    "export": "Exported",
}


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


def pretty_json(value: Any) -> str:
    return json.dumps(value or {}, indent=2, ensure_ascii=False, sort_keys=True)


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name)


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


TEMPLATE_FILTERS = {
    "when": when,
    "day": day,
    "show": show,
    "pretty_json": pretty_json,
    "field_label": field_label,
    "action_label": action_label,
}
