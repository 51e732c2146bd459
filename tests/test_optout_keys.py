"""The opt-out reader's shortcuts give exactly what the full rules give: a plain address is
valid as Django's validator says, a Turkish number's key is phonenumbers' E.164."""

from hypothesis import given, settings
from hypothesis import strategies as st

from backoffice.consents.optout import line_phone_key, readable_email
from backoffice.emails import is_valid_email
from backoffice.people.keys import phone_key

DIGITS = st.text("0123456789", min_size=9, max_size=11)
PUNCTUATION = st.sampled_from(["", " ", "-", ".", "(", ")", "\t"])


@settings(max_examples=500)
@given(st.from_regex(r"\A[A-Za-z0-9._%+@-]{1,20}@[A-Za-z0-9.-]{1,20}\.[A-Za-z0-9-]{1,5}\Z"))
def test_a_plain_address_is_judged_as_the_validator_judges_it(value):
    assert readable_email(value) == is_valid_email(value)


@settings(max_examples=500)
@given(st.sampled_from(["+90", "0", "90", "+9", "00", ""]), DIGITS, PUNCTUATION, PUNCTUATION)
def test_a_phone_s_key_is_the_search_key(prefix, digits, first, second):
    value = f"{prefix}{first}{digits[:3]}{second}{digits[3:]}"
    assert line_phone_key(value) == phone_key(value)
