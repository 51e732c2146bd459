"""Field specs in Django REST Framework's manner: parse input with DRF's messages, render
output, and describe themselves for the OpenAPI document."""

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from email_validator import EmailNotValidError, validate_email

from backoffice import jsondoc
from backoffice.htmlinput import form_values, is_form
from backoffice.querying import ISO_DATETIME
from backoffice.types import MAX_ID

TRUE_VALUES = {"t", "y", "yes", "true", "on", "1", 1}
FALSE_VALUES = {"f", "n", "no", "false", "off", "0", 0}
DATETIME_FORMAT_HELP = "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]"


NULL_CHARACTERS = jsondoc.NULL_CHARACTERS


class FieldError(ValueError):
    pass


def render_datetime(value: datetime | None) -> str | None:
    """``2021-05-26T13:53:58.585932Z``: UTC, always with microseconds."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def render_decimal(value: Decimal) -> str:
    return f"{value:.2f}"


def validated_email(text: str) -> str:
    """``text`` judged by email_validator, the full rule the plain-address shortcut stands in
    for; FieldError with DRF's message when it is not an address."""
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise FieldError("Enter a valid email address.") from exc
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
        if "\x00" in text:
            raise FieldError(NULL_CHARACTERS)
        _refuse_surrogates(text)
        if text.strip() == "":
            if not self.allow_blank:
                raise FieldError("This field may not be blank.")
            return ""
        if self.max_length is not None and len(text) > self.max_length:
            raise FieldError(f"Ensure this field has no more than {self.max_length} characters.")
        return text

    def _parse_email(self, value: Any) -> str:
        text = self._parse_char(value)
        if text == "":
            return text
        plain = _PLAIN_ADDRESS.fullmatch(text)
        if plain and len(text) <= EMAIL_MAX_LENGTH and _plain_domain_is_valid(plain[1]):
            return text
        return validated_email(text)

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
        if isinstance(value, str):
            try:
                if len(value) == 10:
                    return date.fromisoformat(value)
            except ValueError:
                pass
        raise FieldError("Date has wrong format. Use one of these formats instead: YYYY-MM-DD.")

    def _parse_datetime(self, value: Any) -> datetime:
        if isinstance(value, str) and ISO_DATETIME.match(value.strip()):
            try:
                parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
                return (
                    parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
                )
            except (ValueError, OverflowError):
                pass  # e.g. 0001-01-01T00:00+05:00 is before the first representable instant
        raise FieldError(
            f"Datetime has wrong format. Use one of these formats instead: {DATETIME_FORMAT_HELP}."
        )

    def _parse_choice(self, value: Any) -> str:
        if isinstance(value, str) and value in self.choices:
            return value
        shown = _printable(value) if isinstance(value, str) else json.dumps(value)
        raise FieldError(f'"{shown}" is not a valid choice.')

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


# The common address, which email_validator accepts whenever it accepts its domain: a plain
# local part (dots between runs of letters, digits, _ + -: a subset of what it allows), one @,
# an ASCII host name. Checking it is checking its domain, and a domain's verdict is cached.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@([A-Za-z0-9.-]+)")
EMAIL_MAX_LENGTH = 254


@lru_cache(maxsize=1024)
def _plain_domain_is_valid(domain: str) -> bool:
    if "xn--" in domain.lower():
        return False  # Punycode: validated as the Unicode name it stands for, another length
    try:
        validate_email(f"a@{domain}", check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _refuse_surrogates(text: str) -> None:
    surrogate = jsondoc.first_surrogate(text)
    if surrogate is not None:
        raise FieldError(jsondoc.SURROGATES.format(ord(surrogate)))


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
            errors[name] = [str(exc)]
    return values, errors
