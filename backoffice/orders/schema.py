"""The order payload marketplaces send: field specs and validation in DRF's words, nested."""

import re
from dataclasses import dataclass
from decimal import Decimal, DecimalException
from functools import lru_cache
from typing import Any

from backoffice.customers.declaration import CUSTOMER_FIELDS
from backoffice.fields import Field, FieldError, validate
from backoffice.htmlinput import is_form, nested_form

ORDER_STATUSES = (
    "new",
    "approved",
    "preparing",
    "shipped",
    "delivered",
    "completed",
    "cancelled",
    "refunded",
)
MONEY_DIGITS, MONEY_PLACES = 12, 2
MAX_DECIMAL_STRING = 1000  # DRF's DecimalField.MAX_STRING_LENGTH


class MoneyField(Field):
    """DRF's ``DecimalField(max_digits=12, decimal_places=2, min_value=0)``: a decimal string
    (a JSON number is accepted as DRF does, through its text), never a float."""

    def parse(self, value: Any) -> Any:
        if value is None:
            return super().parse(value)
        return parse_money(value)

    def json_schema(self) -> dict[str, Any]:
        schema = {"type": "string", "format": "decimal", "example": "149.90"}
        if self.description:
            schema["description"] = self.description
        return schema


# What most amounts look like ("149.90"), and all of them within the limits below.
_INTEGER_DIGITS = MONEY_DIGITS - MONEY_PLACES
_PLAIN_MONEY = re.compile(rf"[0-9]{{1,{_INTEGER_DIGITS}}}(?:\.[0-9]{{1,{MONEY_PLACES}}})?")
_QUANTUM = Decimal(1).scaleb(-MONEY_PLACES)


def parse_money(value: Any) -> Decimal:
    if type(value) is str and _PLAIN_MONEY.fullmatch(value):
        return Decimal(value).quantize(_QUANTUM)
    text = str(value).strip()
    if len(text) > MAX_DECIMAL_STRING:
        raise FieldError("String value too large.")
    try:
        number = Decimal(text)
    except DecimalException as exc:
        raise FieldError("A valid number is required.") from exc
    if not number.is_finite():
        raise FieldError("A valid number is required.")
    _check_precision(number)
    if number < 0:
        raise FieldError("Ensure this value is greater than or equal to 0.")
    return number.quantize(_QUANTUM)


def _check_precision(number: Decimal) -> None:
    _sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # finite numbers only
    if exponent >= 0:
        total, places = len(digits) + exponent, 0
    elif len(digits) > -exponent:
        total, places = len(digits), -exponent
    else:
        total = places = -exponent
    if total > MONEY_DIGITS:
        raise FieldError(f"Ensure that there are no more than {MONEY_DIGITS} digits in total.")
    if places > MONEY_PLACES:
        raise FieldError(f"Ensure that there are no more than {MONEY_PLACES} decimal places.")
    if total - places > MONEY_DIGITS - MONEY_PLACES:
        raise FieldError(
            "Ensure that there are no more than "
            f"{MONEY_DIGITS - MONEY_PLACES} digits before the decimal point."
        )


class CurrencyField(Field):
    """An ISO 4217 code of three letters (``TRY``, ``EUR``); lower case is taken as upper."""

    def parse(self, value: Any) -> Any:
        text = super().parse(value)
        if text is None:
            return None
        code = text.upper()
        if not _CURRENCY.fullmatch(code):
            raise FieldError("Enter a three-letter ISO 4217 currency code, such as TRY.")
        return code

    def json_schema(self) -> dict[str, Any]:
        schema = {"type": "string", "pattern": "^[A-Z]{3}$", "example": "TRY"}
        if self.description:
            schema["description"] = self.description
        return schema


_CURRENCY = re.compile(r"[A-Z]{3}")


class CachedEmailField(Field):
    """An email field that remembers its verdicts: a bulk import sees each buyer many times."""

    def _parse_email(self, value: Any) -> str:
        if not isinstance(value, str):
            return super()._parse_email(value)
        verdict, outcome = _email_verdict(self, value)
        if not verdict:
            raise FieldError(*outcome)
        return outcome

    __hash__ = object.__hash__


@lru_cache(maxsize=65_536)
def _email_verdict(field: Field, value: str) -> tuple[bool, Any]:
    """(True, the address) or (False, the messages)."""
    try:
        return True, Field._parse_email(field, value)
    except FieldError as exc:
        return False, exc.args


def _money(name: str, **kwargs: Any) -> MoneyField:
    return MoneyField(name, "decimal", **kwargs)


# The buyer: the Customer fields, but the channel is the order's and the pk is ours.
ORDER_CUSTOMER_FIELDS: dict[str, Field] = {
    name: CachedEmailField(**vars(field)) if field.kind == "email" else field
    for name, field in CUSTOMER_FIELDS.items()
    if name not in ("pk", "channel") and not field.read_only
}

# In the order the responses keep.
ORDER_FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field("pk", "integer", read_only=True),
        Field("channel", "pk", required=True, description="The channel's pk."),
        Field("number", "char", required=True, allow_blank=False, max_length=128),
        Field("status", "choice", required=True, choices=ORDER_STATUSES),
        _money("amount", required=True),
        _money("discount_amount", description="0.00 when left out of a new order."),
        _money("refund_amount", description="0.00 when left out of a new order."),
        CurrencyField(
            "currency",
            "char",
            max_length=3,
            allow_blank=False,
            description="ISO 4217 code of the amounts; TRY when left out of a new order.",
        ),
        Field("created_date", "datetime", description="Now when left out of a new order."),
        Field("modified_date", "datetime", read_only=True),
        Field("customer", "pk", required=True, description="The buyer: a customer object."),
    )
}
# What may change when a known order is ingested again.
ORDER_WRITABLE = (
    "customer_id",
    "status",
    "amount",
    "discount_amount",
    "refund_amount",
    "currency",
)


@dataclass(frozen=True)
class OrderPayload:
    """A valid payload: the order's own values and its buyer's, as plain Python values."""

    channel_id: int
    number: str
    order: dict[str, Any]
    customer_code: str
    customer: dict[str, Any]


_MISSING = object()


def _buyer(data: dict) -> Any:
    """The nested customer: a JSON object's ``customer``, or a form's ``customer.*`` fields
    (as DRF's nested serializer reads HTML input)."""
    if is_form(data):
        nested = nested_form(data, "customer")
        return _MISSING if nested is None else nested
    return data.get("customer", _MISSING)


def parse_order_payload(data: Any) -> tuple[OrderPayload | None, dict[str, Any]]:
    """(payload, {}) for a valid order, (None, errors) otherwise, as a DRF serializer with a
    nested customer serializer would report them."""
    fields = {name: f for name, f in ORDER_FIELDS.items() if name != "customer"}
    values, errors = validate(fields, data, partial=False)
    if not isinstance(data, dict):
        return None, errors
    customer_values = None
    buyer = _buyer(data)
    if buyer is _MISSING:
        errors["customer"] = ["This field is required."]
    elif buyer is None:
        errors["customer"] = ["This field may not be null."]
    else:
        customer_values, customer_errors = validate(ORDER_CUSTOMER_FIELDS, buyer, partial=False)
        if customer_errors:
            errors["customer"] = customer_errors
    if errors:
        return None, errors
    assert customer_values is not None
    channel_id, number = values.pop("channel"), values.pop("number")
    code = customer_values.pop("channel_code")
    return OrderPayload(channel_id, number, values, code, customer_values), {}
