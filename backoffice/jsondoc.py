"""JSON from outside: strict parsing (finite numbers, bounded nesting) and the checks a stored
JSON value must pass (no NUL, no lone surrogate, bounded depth and size)."""

import json
import math
from typing import Any

# A whole document (a request body, an import line) nests at most this deep; one JSON field's
# value (attributes, extra_field, …) at most MAX_DEPTH, and its JSON text is at most
# MAX_VALUE_CHARS characters long.
MAX_DOCUMENT_DEPTH = 64
MAX_DEPTH = 32
MAX_VALUE_CHARS = 65_536

NULL_CHARACTERS = "Null characters are not allowed."
SURROGATES = "Surrogate characters are not allowed: U+{:X}."


class JSONValueError(ValueError):
    """A JSON text or value refused, with the message to show."""


def _refuse_constant(text: str) -> float:
    # DRF's words (rest_framework.utils.json.strict_constant).
    raise JSONValueError(f"Out of range float values are not JSON compliant: {text!r}")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e999 is a number to JSON, infinity to Python
        _refuse_constant(text)
    return number


def loads(text: str | bytes, max_depth: int = MAX_DOCUMENT_DEPTH) -> Any:
    """The document in ``text`` (bytes are UTF-8, RFC 8259). Raises ValueError (a
    UnicodeDecodeError, a json.JSONDecodeError or a JSONValueError) for anything else:
    NaN, Infinity, numbers too large for a float, nesting deeper than ``max_depth``."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    try:
        document = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError as exc:
        raise JSONValueError(_too_deep(max_depth)) from exc
    # Fewer brackets than the limit cannot nest past it: most documents skip the walk.
    if text.count("[") + text.count("{") > max_depth and depth(document, max_depth) > max_depth:
        raise JSONValueError(_too_deep(max_depth))
    return document


def depth(value: Any, limit: int = MAX_DOCUMENT_DEPTH) -> int:
    """How deep ``value`` nests (a scalar 0, ``{}`` 1, ``{"a": []}`` 2), counted level by
    level without recursion, and no further than ``limit + 1``."""
    level = [value] if type(value) in _CONTAINERS else []
    deepest = 0
    while level and deepest <= limit:
        deepest += 1
        level = [
            child
            for item in level
            for child in (item.values() if type(item) is dict else item)
            if type(child) in _CONTAINERS
        ]
    return deepest


_CONTAINERS = frozenset({dict, list})


def check_value(value: Any) -> None:
    """Raise JSONValueError unless ``value`` (parsed JSON) can be stored and served again:
    no NUL (PostgreSQL text cannot hold it), no lone surrogate (UTF-8 cannot), only finite
    numbers, at most MAX_DEPTH deep and MAX_VALUE_CHARS characters of JSON."""
    if depth(value, MAX_DEPTH) > MAX_DEPTH:
        raise JSONValueError(_too_deep(MAX_DEPTH))
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            check_text(item)
        elif isinstance(item, float) and not math.isfinite(item):
            _refuse_constant(repr(item))
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    if len(json.dumps(value, ensure_ascii=False)) > MAX_VALUE_CHARS:
        raise JSONValueError(
            f"Ensure this field has no more than {MAX_VALUE_CHARS} characters as JSON."
        )


def check_text(text: str) -> None:
    """DRF's ProhibitNullCharactersValidator and ProhibitSurrogateCharactersValidator."""
    if "\x00" in text:
        raise JSONValueError(NULL_CHARACTERS)
    surrogate = first_surrogate(text)
    if surrogate is not None:
        raise JSONValueError(SURROGATES.format(ord(surrogate)))


def first_surrogate(text: str) -> str | None:
    try:
        text.encode("utf-8")  # what UTF-8 cannot encode is exactly the surrogates
    except UnicodeEncodeError as exc:
        return text[exc.start]
    return None


def _too_deep(limit: int) -> str:
    return f"Nested deeper than {limit} levels."
