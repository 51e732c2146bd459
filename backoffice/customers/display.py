"""How the customer pages show values: field names, audit actions, JSON."""

import json
from typing import Any, NamedTuple

from flask import g
from flask_babel import lazy_pgettext
from flask_babel.speaklater import LazyString
from markupsafe import Markup

from backoffice.apitext import shown
from backoffice.audit.models import AuditEvent
from backoffice.customers.declaration import CONSENT_FIELDS, LABELS
from backoffice.customers.declaration import label as field_label
from backoffice.i18n import worded

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


def _word(kind: str, labels: dict[str, Any], name: str) -> Any:
    """``labels[name]`` in the page's language, worded once per catalog; a lazy label renders
    unescaped (its ``__html__``), so its words are Markup. A name without a label: itself."""
    found = labels.get(name)
    if not isinstance(found, LazyString):
        return name if found is None else found
    return worded((kind, name), lambda: Markup(str(found)))  # noqa: S704  (a catalog's text)


def field_label_word(name: str) -> Any:
    """The ``field_label`` filter: ``field_label(name)`` without a catalog lookup a call."""
    return _word("field label", LABELS, name)


def action_label_word(action: str) -> Any:
    """The ``action_label`` filter, likewise."""
    return _word("history action", ACTION_LABELS, action)


class ConsentRow(NamedTuple):
    name: str
    label: Any
    allowed: bool
    changed: AuditEvent | None  # the newest event that changed it, if any


def consent_rows(customer: Any, history: list[AuditEvent]) -> list[ConsentRow]:
    """The customer page's consents: each with its label, value and newest change
    (``history`` is newest first), shaped once for the card."""
    return [
        ConsentRow(
            name,
            field_label_word(name),
            bool(getattr(customer, name)),
            next((event for event in history if name in event.changes), None),
        )
        for name in CONSENT_FIELDS
    ]


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
    "field_label": field_label_word,
    "action_label": action_label_word,
    "translated": shown,  # an engine's (English) message in the page's language
}
