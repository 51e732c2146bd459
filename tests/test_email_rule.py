"""Which text is an email address: exactly what Django's EmailValidator (DRF's) says."""

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from hypothesis import example, given, settings
from hypothesis import strategies as st

from backoffice.emails import is_valid_email

LOCAL = st.text(alphabet='aZ09._+-!#~"@ é\\', min_size=0, max_size=70)
LABEL = st.sampled_from(["example", "shop", "xn--bcher-kva", "a-b", "-ab", "ab-", "bücher", "1"])
TLD = st.sampled_from(["com", "Com", "test", "local", "c", "c0m", "123", "", "localhost", "ü"])
DOMAIN = st.one_of(
    st.builds(lambda labels, tld: ".".join([*labels, tld]), st.lists(LABEL, max_size=3), TLD),
    st.sampled_from(["[127.0.0.1]", "[::1]", "[1.2.3]", "[127.0.0.01]", "[IPv6:::1]"]),
)
ADDRESS = st.one_of(
    st.emails(),
    st.builds(lambda local, domain: f"{local}@{domain}", LOCAL, DOMAIN),
    st.builds(lambda local, domain: f"{local}@{domain}", st.text(max_size=330), DOMAIN),
    st.text(alphabet="ab.@-_ \n", max_size=20),
)
DJANGO = EmailValidator()


def django_says(value: str) -> bool:
    try:
        DJANGO(value)
    except ValidationError:
        return False
    return True


@settings(max_examples=3_000, deadline=None)
@given(ADDRESS)
@example("test@localhost")
@example('"quoted"@example.com')
@example("a@[127.0.0.1]")
@example("ü@example.com")
@example("a@example.c")
@example("a@bücher.com")
@example("a@b.com\n")
@example("a" * 310 + "@example.com")
def test_an_address_is_valid_exactly_when_django_says_so(address):
    assert is_valid_email(address) == django_says(address)


@pytest.mark.parametrize(
    ("address", "valid"),
    [
        ("test@localhost", True),
        ("x@foo.test", True),
        ("x@foo.local", True),
        ("a@[127.0.0.1]", True),
        ('"quoted"@example.com', True),
        ("ü@example.com", False),
        ("a@example.c", False),
    ],
)
def test_the_issues_addresses(address, valid):
    assert is_valid_email(address) is valid
