"""Fast paths of payload validation: the common email and amount shapes take a shortcut that
must give exactly what the full validators give (the same value, the same DRF message)."""

from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from backoffice.customers.schema import CUSTOMER_FIELDS
from backoffice.fields import Field, FieldError, validated_email
from backoffice.orders.schema import parse_money

EMAIL_FIELDS = [CUSTOMER_FIELDS["email"], Field("email", "email")]  # the second has no max_length
# 254 characters, but 288 bytes once the Punycode domain is read as the Chinese it stands for.
PUNYCODE_TOO_LONG = "a" * 223 + "@xn--fiqaaaaaaaaaaaaaaaaaaa.com"
LOCAL = st.text(alphabet='aZ09._+-!#~"@ é', min_size=0, max_size=70)
LABEL = st.sampled_from(["example", "shop", "xn--bcher-kva", "a-b", "-ab", "ab-", "ab--cd", "1"])
TLD = st.sampled_from(["com", "net", "Com", "test", "local", "arpa", "invalid", "c0m", "123", ""])
DOMAIN = st.builds(lambda labels, tld: ".".join([*labels, tld]), st.lists(LABEL, max_size=3), TLD)
ADDRESS = st.one_of(
    st.emails(),
    st.builds(lambda local, domain: f"{local}@{domain}", LOCAL, DOMAIN),
    st.builds(lambda local, domain: f"{local}@{domain}", st.text(max_size=250), DOMAIN),
    st.text(alphabet="ab.@-_ ", max_size=20),
)


def outcome(parse, value):
    try:
        return "ok", parse(value)
    except FieldError as exc:
        return "error", str(exc)


def email_by_the_book(field, value):
    """The email field without its shortcut: the text checks, then email_validator."""
    text = field._parse_char(value)
    return text if text == "" else validated_email(text)


@settings(max_examples=2_000, deadline=None)
@given(ADDRESS)
@example("ayse@example.com")
@example("a@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + "." + "e" * 57 + ".com")
@example("a" * 65 + "@example.com")
@example("ayse@mail.local")
@example("ayse@xn--bcher-kva.com")
@example("ayse@example.com.")
@example("ayse@EXAMPLE.COM")
@example("postmaster@example.com")
@example(PUNYCODE_TOO_LONG)
@example("a" * 250 + "@example.com")
def test_an_email_is_judged_as_email_validator_judges_it(address):
    for field in EMAIL_FIELDS:
        by_the_book = outcome(lambda value, field=field: email_by_the_book(field, value), address)
        assert outcome(field.parse, address) == by_the_book


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
