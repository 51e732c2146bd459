"""How the customer pages show values: field names, audit actions, JSON."""

import json
from typing import Any

from flask import g
from flask_babel import lazy_pgettext

from backoffice.apitext import shown
from backoffice.customers.declaration import CONSENT_FIELDS
from backoffice.customers.declaration import label as field_label

# What happened, as the history says it ("history": Turkish words an event, not a state).
ACTION_LABELS = {
    "create": lazy_pgettext("history", "Created"),
    "update": lazy_pgettext("history", "Updated"),
    "consent": lazy_pgettext("history", "Consents changed"),
    "anonymize": lazy_pgettext("history", "Anonymized"),
    "export": lazy_pgettext("history", "Exported"),
}


def pretty_json(value: Any) -> str:
    return json.dumps(value or {}, indent=2, ensure_ascii=False, sort_keys=True)


def action_label(action: str) -> Any:
    return ACTION_LABELS.get(action, action)


def consent_marks(customer: Any) -> list[tuple[bool, str]]:
    """(allowed, label) of each consent: plain attribute reads (Jinja's ``|attr`` costs an
    ``inspect.getattr_static`` each, 75 a list page)."""
    words = g.setdefault("_i18n_words", {})  # the labels worded once a request
    labels = words.get("consents") or words.setdefault(
        "consents", [(name, str(field_label(name))) for name in CONSENT_FIELDS]
    )
    return [(getattr(customer, name), label) for name, label in labels]


TEMPLATE_FILTERS = {
    "consent_marks": consent_marks,
    "pretty_json": pretty_json,
    "field_label": field_label,
    "action_label": action_label,
    "translated": shown,  # an engine's (English) message in the page's language
}
