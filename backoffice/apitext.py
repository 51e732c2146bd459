"""Messages the JSON API sends in English and the pages show in the reader's language.

A ``Text`` is the English message itself, a ``str`` (the API, its tests and the logs read it
as any string), that keeps its catalog msgid and values: ``shown(message)`` translates it for
a page. ``N_`` marks a msgid for ``pybabel extract`` (one of its default keywords) and
returns it unchanged.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import gettext


def N_(msgid: str) -> str:  # gettext's name for "mark only"
    return msgid


class Text(str):
    """An English message, ``msgid % params``, that remembers its msgid and params."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, **params: Any) -> "Text":
        text = super().__new__(cls, msgid % params if params else msgid)
        text.msgid = msgid
        text.params = params
        return text


def shown(message: Any) -> str:
    """``message`` in the page's language: a Text by its msgid, another string as a msgid
    (unknown ones stay as they are)."""
    if isinstance(message, Text):
        return gettext(message.msgid, **message.params)
    if isinstance(message, str) and message:
        return gettext(message)
    return message


def shown_all(messages: Iterable[Any]) -> list[str]:
    return [shown(m) for m in messages]


def shown_errors(errors: Mapping[str, Iterable[Any]]) -> dict[str, list[str]]:
    """A ``{param: [message, …]}`` of errors, each message in the page's language."""
    return {name: shown_all(messages) for name, messages in errors.items()}
