"""Fast paths of payload validation: the common amount shape takes a shortcut that must give
exactly what the full validator gives (the same value, the same DRF message)."""

from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from backoffice.fields import FieldError
from backoffice.orders.schema import parse_money


def outcome(parse, value):
    try:
        return "ok", parse(value)
    except FieldError as exc:
        return "error", str(exc)


class Text(str):
    """A str that is not exactly str: it takes the full path of parse_money."""


@settings(max_examples=2_000, deadline=None)
@given(st.text(alphabet="0123456789.-+eE ٣", max_size=16))
@example("149.90")
@example("0")
@example("1234567890.12")
@example("12345678901")
@example("00000000000.5")
@example("1.999")
@example("٣.50")
def test_an_amount_is_parsed_as_the_full_decimal_field_parses_it(text):
    fast, full = outcome(parse_money, text), outcome(parse_money, Text(text))
    assert fast == full
    if fast[0] == "ok":
        assert type(fast[1]) is Decimal and fast[1].as_tuple() == full[1].as_tuple()


@pytest.mark.parametrize("amount", ["149.90", "0.5", "7"])
def test_plain_amounts_keep_two_places(amount):
    assert str(parse_money(amount)) == f"{Decimal(amount):.2f}"
