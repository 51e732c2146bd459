"""How the customer pages show values: field names, audit actions, JSON."""

import json
from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any, NamedTuple

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_babel.speaklater import LazyString
from jinja2 import pass_context
from markupsafe import Markup, escape

from backoffice.apitext import shown
from backoffice.customers.declaration import CONSENT_FIELDS, LABELS
from backoffice.customers.declaration import label as field_label
from backoffice.customers.reads import EventRow
from backoffice.formatting import days
from backoffice.formatting import show as show_value
from backoffice.i18n import worded
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


def audited_value(value: Any, name: str, customer: Any = None) -> str:
    """A field's old or new value in the history: the customer's own channel by its name,
    any other value as ``show`` words it (a filter: a macro call for each was most of a long
    history's cost)."""
    if customer and name == "channel" and value == customer.channel_id:
        return customer.channel.name
    return show_value(value)


class ConsentRow(NamedTuple):
    name: str
    label: Any
    allowed: bool
    changed: EventRow | None  # the newest event that changed it, if any


def consent_rows(customer: Any, history: list[EventRow]) -> list[ConsentRow]:
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


def consent_labels() -> list[tuple[str, str]]:
    """(name, label) of each consent, worded once per catalog."""
    return worded(
        ("field labels", "consents"),
        lambda: [(name, str(field_label(name))) for name in CONSENT_FIELDS],
    )


# What a row of the customer table shows of a customer, read in one call a row.
_SHOWN = attrgetter(
    "id", "full_name", "anonymized_at", "email", "channel.name", "channel_code",
    "phone_number", "is_active", "user_type", "created_date",
)  # fmt: skip


def table_rows(
    customers: Iterable[Any],
    consent: Callable[..., Markup],
    flag: Callable[..., Markup],
    selectable: bool = False,
) -> list[tuple[Any, ...]]:
    """The customer table's rows shaped in one pass, each a plain tuple of what its cells
    show: (id, link, full name, anonymized?, email, channel name, channel code, phone, active
    flag, consent marks, user type, ISO creation time, creation day, checkbox label or None).
    The template unpacks it in its loop: no attribute lookup and no filter call a cell.

    **Every cell is HTML, ready to print**: the stored texts (name, email, channel, code,
    phone, user type) escaped here, once; the marks and the label Markup; the rest numbers,
    a URL path of ours and times we format. The row prints them with autoescaping off (an
    ``escape()`` for each of a row's 22 outputs, labels included, was a fifth of the page's
    CPU); tests/test_customer_pages.py puts markup in each stored text.
    ``flag`` (yes_no) and ``consent`` are the macros that draw them: called once a table
    per state, not once a row (six nested macro calls a row were most of a list page's
    CPU)."""
    names, labels = zip(*consent_labels(), strict=True)
    marks = [(consent(False, label), consent(True, label)) for label in labels]
    flags = (flag(False), flag(True))
    consents_of, cells = attrgetter(*names), {}
    link, day = row_urls("customers.detail"), days()
    # Marked safe as the template's _() marks a translation; the name is escaped by % below.
    select = Markup(str(SELECT_ROW)) if selectable else None  # noqa: S704
    rows = []
    for customer in customers:
        pk, name, anonymized_at, email, channel, code, phone, active, kind, created = _SHOWN(
            customer
        )
        allowed = consents_of(customer)
        cell = cells.get(allowed)
        if cell is None:
            cell = cells[allowed] = Markup("").join(
                pair[bool(value)] for pair, value in zip(marks, allowed, strict=True)
            )
        label = select and select % {"name": name or email}
        rows.append(
            (pk, link(pk), name and escape(name), anonymized_at is not None, escape(email),
             escape(channel), escape(code), phone and escape(phone), flags[bool(active)], cell,
             kind and escape(kind), created.isoformat(), day(created), label)
        )  # fmt: skip
    return rows


def _per_render(word: Callable[[str], Any]) -> Callable[..., Any]:
    """``word`` as a filter Jinja never folds into a template while compiling it: a filter
    that is not told the render's context may be run once at compile time on a constant
    (``'email'|field_label``), and the template, compiled once, would keep the words of the
    language of the request that compiled it."""
    return pass_context(lambda _context, name: word(name))


TEMPLATE_FILTERS = {
    "table_rows": table_rows,
    "pretty_json": pretty_json,
    "field_label": _per_render(field_label_word),
    "action_label": _per_render(action_label_word),
    "audited_value": audited_value,
    "translated": shown,  # an engine's (English) message in the page's language
}
