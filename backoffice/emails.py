"""Which text is an email address: Django's EmailValidator (4.2), the rule of DRF's EmailField."""

# tests/test_email_rule.py holds this port to Django's own validator.

import ipaddress
import re

# Django's patterns, as they are: a dot-atom or a quoted string; host names of labels; or an
# address literal. Case-insensitive: \Z, not $, so a final newline is no address.
_USER = re.compile(
    r"(^[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*\Z"
    r'|^"([\001-\010\013\014\016-\037!#-\[\]-\177]|\\[\001-\011\013\014\016-\177])'
    r'*"\Z)',
    re.IGNORECASE,
)
_DOMAIN = re.compile(
    r"((?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+)(?:[A-Z0-9-]{2,63}(?<!-))\Z",
    re.IGNORECASE,
)
_LITERAL = re.compile(r"\[([A-F0-9:.]+)\]\Z", re.IGNORECASE)
ALLOWED_DOMAINS = ("localhost",)
MAX_LENGTH = 320  # RFC 3696, section 3


def is_valid_email(value: str) -> bool:
    if not value or "@" not in value or len(value) > MAX_LENGTH:
        return False
    user, domain = value.rsplit("@", 1)
    if not _USER.match(user):
        return False
    if domain in ALLOWED_DOMAINS or _is_valid_domain(domain):
        return True
    try:
        return _is_valid_domain(domain.encode("idna").decode("ascii"))  # an IDN's Punycode
    except UnicodeError:
        return False


def _is_valid_domain(domain: str) -> bool:
    if _DOMAIN.match(domain):
        return True
    literal = _LITERAL.match(domain)
    return bool(literal) and _is_ip_address(literal[1])


def _is_ip_address(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        pass
    else:
        return not any(octet != "0" and octet[0] == "0" for octet in text.split("."))
    if len(text) > 39:
        return False
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True
