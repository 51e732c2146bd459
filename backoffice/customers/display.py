"""How the customer pages show values: field names, audit actions, JSON."""

import json
from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any

from flask import g
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from markupsafe import Markup

from backoffice.apitext import shown
from backoffice.customers.declaration import CONSENT_FIELDS
from backoffice.customers.declaration import label as field_label
from backoffice.listlinks import row_urls

# What happened, as the history says it ("history": Turkish words an event, not a state).
ACTION_LABELS = {
    "create": lazy_pgettext("history", "Created"),
    "update": lazy_pgettext("history", "Updated"),
    "consent": lazy_pgettext("history", "Consents changed"),
    "anonymize": lazy_pgettext("history", "Anonymized"),
    "export": lazy_pgettext("history", "Exported"),
}
# A row's checkbox in the customer table, for the bulk consent bar (consents/_bulk.html).
SELECT_ROW = _l("Select %(name)s")


def pretty_json(value: Any) -> str:
    return json.dumps(value or {}, indent=2, ensure_ascii=False, sort_keys=True)


def action_label(action: str) -> Any:
    return ACTION_LABELS.get(action, action)


def consent_labels() -> list[tuple[str, str]]:
    """(name, label) of each consent, worded once a request."""
    words = g.setdefault("_i18n_words", {})
    return words.get("consents") or words.setdefault(
        "consents", [(name, str(field_label(name))) for name in CONSENT_FIELDS]
    )


def table_rows(
    customers: Iterable[Any],
    consent: Callable[..., Markup],
    flag: Callable[..., Markup],
    selectable: bool = False,
) -> list[tuple[Any, str, str, Markup, Markup, Markup | None]]:
    """The customer table's rows shaped in one pass, each (customer, link, ISO creation time,
    active flag, consent marks, checkbox label or None). ``flag`` (yes_no) and ``consent`` are
    the macros that draw them: called once a table per state, not once a row (six nested macro
    calls a row were most of a list page's CPU)."""
    names, labels = zip(*consent_labels(), strict=True)
    marks = [(consent(False, label), consent(True, label)) for label in labels]
    flags = (flag(False), flag(True))
    consents_of, cells = attrgetter(*names), {}
    link = row_urls("customers.detail")
    # Marked safe as the template's _() marks a translation; the name is escaped by % below.
    select = Markup(str(SELECT_ROW)) if selectable else None  # noqa: S704
    rows = []
    for customer in customers:
        allowed = consents_of(customer)
        cell = cells.get(allowed)
        if cell is None:
            cell = cells[allowed] = Markup("").join(
                pair[bool(value)] for pair, value in zip(marks, allowed, strict=True)
            )
        label = select and select % {"name": customer.full_name or customer.email}
        active = flags[bool(customer.is_active)]
        created = customer.created_date.isoformat()
        rows.append((customer, link(customer.id), created, active, cell, label))
    return rows


TEMPLATE_FILTERS = {
    "table_rows": table_rows,
    "pretty_json": pretty_json,
    "field_label": field_label,
    "action_label": action_label,
    "translated": shown,  # an engine's (English) message in the page's language
}
