"""How the customer pages show values: times, days, field names, audit actions, JSON."""

import json
from datetime import datetime
from typing import Any

from backoffice.customers.declaration import label as field_label
from backoffice.formatting import day, when

ACTION_LABELS = {
    "create": "Created",
    "update": "Updated",
    "consent": "Consents changed",
    "anonymize": "Anonymized",
    "export": "Exported",
}


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
