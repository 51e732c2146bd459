"""How the customer pages show values: field names, audit actions, JSON."""

import json
from typing import Any

from backoffice.customers.declaration import CONSENT_FIELDS
from backoffice.customers.declaration import label as field_label

ACTION_LABELS = {
    "create": "Created",
    "update": "Updated",
    "consent": "Consents changed",
    "anonymize": "Anonymized",
    "export": "Exported",
}


def pretty_json(value: Any) -> str:
    return json.dumps(value or {}, indent=2, ensure_ascii=False, sort_keys=True)


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def consent_marks(customer: Any) -> list[tuple[bool, str]]:
    """(allowed, label) of each consent: plain attribute reads (Jinja's ``|attr`` costs an
    ``inspect.getattr_static`` each, 75 a list page)."""
    return [(getattr(customer, name), field_label(name)) for name in CONSENT_FIELDS]


TEMPLATE_FILTERS = {
    "consent_marks": consent_marks,
    "pretty_json": pretty_json,
    "field_label": field_label,
    "action_label": action_label,
}
