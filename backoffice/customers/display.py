"""How the customer pages show values: field names, audit actions, JSON."""

import json
from typing import Any

from flask_babel import lazy_gettext as _l

from backoffice.apitext import shown
from backoffice.customers.declaration import label as field_label

ACTION_LABELS = {
    "create": _l("Created"),
    "update": _l("Updated"),
    "consent": _l("Consents changed"),
    "anonymize": _l("Anonymized"),
    "export": _l("Exported"),
}


def pretty_json(value: Any) -> str:
    return json.dumps(value or {}, indent=2, ensure_ascii=False, sort_keys=True)


def action_label(action: str) -> Any:
    return ACTION_LABELS.get(action, action)


TEMPLATE_FILTERS = {
    "pretty_json": pretty_json,
    "field_label": field_label,
    "action_label": action_label,
    "translated": shown,  # an engine's (English) message in the page's language
}
