"""Field specs in Django REST Framework's manner: parse input with DRF's messages, render
output, and describe themselves for the OpenAPI document."""

import contextlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from backoffice import jsondoc
from backoffice.dateparse import aware_utc, parse_date, parse_datetime
from backoffice.emails import is_valid_email
from backoffice.htmlinput import form_values, is_form
from backoffice.types import MAX_ID

TRUE_VALUES = {"t", "y", "yes", "true", "on", "1", 1}
FALSE_VALUES = {"f", "n", "no", "false", "off", "0", 0}
DATETIME_FORMAT_HELP = "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]"


NULL_CHARACTERS = jsondoc.NULL_CHARACTERS
INVALID_EMAIL = "Enter a valid email address."
INVALID_DATE = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
INVALID_DATETIME = (
    f"Datetime has wrong format. Use one of these formats instead: {DATETIME_FORMAT_HELP}."
)


class FieldError(ValueError):
    """One or more messages (DRF runs every validator of a field and reports them all)."""


def render_datetime(value: datetime | None) -> str | None:
    """DRF's rendering: ``2021-05-26T13:53:58.585932Z`` in UTC; no fraction when the
    microseconds are 0 (``2019-03-01T10:00:00Z``)."""
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def render_decimal(value: Decimal) -> str:
    return f"{value:.2f}"


def validated_email(text: str) -> str:
    """``text`` if Django's EmailValidator (DRF's EmailField) takes it; FieldError with DRF's
    message otherwise."""
    if not is_valid_email(text):
        raise FieldError(INVALID_EMAIL)
    return text


@dataclass
class Field:
    name: str
    kind: str  # char, email, boolean, dict, date, datetime, choice, pk, integer
    required: bool = False
    allow_null: bool = False
    allow_blank: bool = True
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    read_only: bool = False
    trim: bool = True  # DRF's trim_whitespace
    description: str = ""

    def parse(self, value: Any) -> Any:
        if value == "" and self.kind == "pk":
            value = None  # DRF's related fields read "" as null
        if value is None:
            if not self.allow_null:
                raise FieldError("This field may not be null.")
            return None
        parser = getattr(self, f"_parse_{self.kind}")
        return parser(value)

    # -- parsers, one per kind; each raises FieldError with DRF's message ------------------

    def _parse_char(self, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise FieldError("Not a valid string.")
        text = str(value).strip() if self.trim else str(value)
        if text.strip() == "":
            if not self.allow_blank:
                raise FieldError("This field may not be blank.")
            return ""
        # DRF's validators, in its order, each reporting: length, NUL, surrogates.
        problems = []
        if self.max_length is not None and len(text) > self.max_length:
            problems.append(f"Ensure this field has no more than {self.max_length} characters.")
        if "\x00" in text:
            problems.append(NULL_CHARACTERS)
        if (surrogate := jsondoc.first_surrogate(text)) is not None:
            problems.append(jsondoc.SURROGATES.format(ord(surrogate)))
        if problems:
            raise FieldError(*problems)
        return text

    def _parse_email(self, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise FieldError(INVALID_EMAIL)  # DRF's EmailField words its "invalid" so
        try:
            text = self._parse_char(value)
        except FieldError as exc:
            stripped = str(value).strip()
            if stripped and not is_valid_email(stripped):
                raise FieldError(*exc.args, INVALID_EMAIL) from exc
            raise
        return text if text == "" else validated_email(text)

    def _parse_boolean(self, value: Any) -> bool:
        probe = value.lower() if isinstance(value, str) else value
        if isinstance(probe, float | int) and not isinstance(probe, bool) and probe in (0, 1):
            probe = int(probe)
        if _hashable(probe) and probe in TRUE_VALUES:
            return True
        if _hashable(probe) and probe in FALSE_VALUES:
            return False
        raise FieldError("Must be a valid boolean.")

    def _parse_dict(self, value: Any) -> dict:
        if not isinstance(value, dict):
            raise FieldError(f'Expected a dictionary of items but got type "{_type_name(value)}".')
        try:
            jsondoc.check_value(value)  # NUL, lone surrogates, depth and size
        except jsondoc.JSONValueError as exc:
            raise FieldError(str(exc)) from exc
        return value

    def _parse_date(self, value: Any) -> date:
        """DRF's DateField: Django's parse_date (2001-1-1, 20010101 and 2001-W01-1 too)."""
        return _parsed(value, parse_date, INVALID_DATE)

    def _parse_datetime(self, value: Any) -> datetime:
        """DRF's DateTimeField: Django's parse_datetime (a date alone is its midnight), in UTC;
        without an offset the time is UTC's."""
        parsed = _parsed(value, parse_datetime, INVALID_DATETIME)
        try:
            return aware_utc(parsed)
        except OverflowError as exc:  # e.g. 0001-01-01T00:00+05:00: before the first instant
            raise FieldError("Datetime value out of range.") from exc

    def _parse_choice(self, value: Any) -> str:
        if isinstance(value, str) and value in self.choices:
            return value
        raise FieldError(f'"{_printable(value)}" is not a valid choice.')  # str(): "True"

    def _parse_pk(self, value: Any) -> int:
        # Django looks a pk up through int(): "²" is a digit to str.isdigit() but no number.
        incorrect = FieldError(f"Incorrect type. Expected pk value, received {_type_name(value)}.")
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise incorrect
        try:
            number = int(value)
        except ValueError:
            raise incorrect from None
        if not 0 < number <= MAX_ID:
            raise FieldError(f'Invalid pk "{_printable(value)}" - object does not exist.')
        return number

    # -- OpenAPI -------------------------------------------------------------------------------

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = dict(SCHEMA_BY_KIND[self.kind])
        if self.kind == "choice":
            schema["enum"] = list(self.choices) + ([None] if self.allow_null else [])
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        if self.allow_null:
            schema["nullable"] = True
        if self.read_only:
            schema["readOnly"] = True
        if self.description:
            schema["description"] = self.description
        return schema


SCHEMA_BY_KIND: dict[str, dict[str, Any]] = {
    "char": {"type": "string"},
    "email": {"type": "string", "format": "email"},
    "boolean": {"type": "boolean"},
    "dict": {"type": "object", "additionalProperties": True},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
    "choice": {"type": "string"},
    "pk": {"type": "integer"},
    "integer": {"type": "integer"},
    "decimal": {"type": "string", "format": "decimal"},
}


def _parsed(value: Any, parser: Any, message: str) -> Any:
    """``parser``'s reading of a string (Django's parse_date / parse_datetime), or FieldError
    with ``message`` for anything else, including a well-formed day or moment that does not
    exist."""
    parsed = None
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            parsed = parser(value)
    if parsed is None:
        raise FieldError(message)
    return parsed


def _printable(text: Any) -> str:
    """``text`` to echo in a message: a lone surrogate shown as its escape, as UTF-8 cannot
    carry it."""
    return str(text).encode("utf-8", "backslashreplace").decode("utf-8")


def _hashable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def _type_name(value: Any) -> str:
    return {dict: "dict", list: "list", str: "str", int: "int", float: "float", bool: "bool"}.get(
        type(value), type(value).__name__
    )


def validate(
    fields: dict[str, Field], data: Any, *, partial: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (values, errors) for a request body, as a DRF serializer's is_valid() would."""
    if data is None:
        return {}, {"non_field_errors": ["No data provided"]}
    if is_form(data):
        data = form_values(fields, data, partial=partial)
    if not isinstance(data, dict):
        return {}, {
            "non_field_errors": [
                f"Invalid data. Expected a dictionary, but got {_type_name(data)}."
            ]
        }
    values, errors = {}, {}
    for name, field in fields.items():
        if field.read_only:
            continue
        if name not in data:
            if field.required and not partial:
                errors[name] = ["This field is required."]
            continue
        try:
            values[name] = field.parse(data[name])
        except FieldError as exc:
            errors[name] = list(exc.args)
    return values, errors
