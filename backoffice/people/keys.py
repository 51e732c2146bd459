"""Search keys: names folded the Turkish and forgiving way, the email casefolded, the phone E.164.

Every key is a pure function of a customer's values, so each write path computes the same keys
and an erased value erases its key.
"""

import json
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import phonenumbers

DEFAULT_REGION = "TR"
MAX_WORD = 64  # longer words are cut: a prefix this long identifies anyone
# Letters NFKD leaves whole: folded by hand (the dotless ı is the Turkish one).
_LETTERS = str.maketrans(
    {"ı": "i", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe"}
)
# Between words: whitespace, commas, and the marks that join parts of a name or an email's
# local part (``Yılmaz-Kaya``, ``O'Brien``, ``murat.yilmaz5``, ``ayse_nur+shop``).
_WORD_SEPARATORS = re.compile(r"[\s,\-'’._+]+")
_PHONE_TERM = re.compile(r"[\d\s()+\-./]+")
MIN_PHONE_DIGITS = 7
_PHONE_PUNCTUATION = re.compile(r"[\s()\-.]+")
_TURKISH = re.compile(r"(?:\+90|0090|0)?([2-5]\d{9})")


def turkish_lower(text: str) -> str:
    """Lower case by Turkish rules: ``İ`` → ``i``, ``I`` → ``ı`` (``IŞIK`` → ``ışık``)."""
    return text.replace("İ", "i").replace("I", "ı").lower()


def fold(text: str) -> str:
    """Lower case the Turkish way, then drop the marks: ``ı I İ i`` alike, ``ş`` → ``s``,
    ``é`` → ``e``, ``ß`` → ``ss`` (``İSTANBUL`` and ``Istanbul`` → ``istanbul``)."""
    if text.isascii():  # I → ı → i: plain lower case, at a tenth of the cost
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", turkish_lower(text))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.casefold().translate(_LETTERS)


def email_key(email: str | None) -> str | None:
    """The whole address, stripped and casefolded; None when there is none."""
    key = (email or "").strip().casefold()
    return key or None


def phone_key(raw: str | None) -> str | None:
    """The number as E.164 (``+905344149106``), read as Turkish unless it says otherwise;
    None when it is no possible phone number."""
    if not raw or not raw.strip():
        return None
    # The usual Turkish forms, as phonenumbers reads them, without its cost (a batch import
    # keys thousands of numbers; tests/test_search_keys.py checks that both agree).
    if found := _TURKISH.fullmatch(_PHONE_PUNCTUATION.sub("", raw)):
        return "+90" + found[1]
    return parsed_phone_key(raw)


def parsed_phone_key(raw: str) -> str | None:
    """``phone_key`` by phonenumbers alone."""
    try:
        number = phonenumbers.parse(raw, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_tail(key: str | None) -> str | None:
    """The E.164 digits reversed: a number's last digits become a prefix an index finds."""
    return key[1:][::-1] if key else None


def digits_tail(term: str) -> str | None:
    """The term's digits reversed when the term reads as (the end of) a phone number."""
    if not _PHONE_TERM.fullmatch(term):
        return None
    digits = re.sub(r"\D", "", term)
    return digits[::-1] if len(digits) >= MIN_PHONE_DIGITS else None


def words(text: str) -> list[str]:
    """The folded words of a text, split on whitespace, commas, hyphens, apostrophes, dots,
    underscores and plus signs (``Yılmaz-Kaya`` → ``yilmaz``, ``kaya``). A search term is
    split the same way, so no joined word is stored whole: each of its parts is a word."""
    return [w[:MAX_WORD] for w in _WORD_SEPARATORS.split(fold(text)) if w]


def name_words(first: str | None, last: str | None, email: str | None) -> list[str]:
    """The folded words a name search finds a customer by: those of the first and last name
    and the email's local part, each once."""
    local = (email or "").strip().rpartition("@")[0] or (email or "").strip()
    return list(dict.fromkeys(words(f"{first or ''} {last or ''} {local}")))


# -- a customer's stored keys ------------------------------------------------------------------

KEY_SOURCES = ("first_name", "last_name", "email", "phone_number")
KEY_COLUMNS = ("email_key", "phone_key", "phone_tail", "search_words")


def customer_keys(values: Mapping[str, Any]) -> dict[str, str | None]:
    """The key columns of a customer row with ``values`` (KEY_SOURCES and ``anonymized_at``):
    all None for an anonymized customer, whose keys are erased with its values.

    ``search_words`` is the JSON array of ``name_words``; triggers copy it into the indexed
    ``customer_search_words`` table."""
    if values.get("anonymized_at") is not None:
        return dict.fromkeys(KEY_COLUMNS)
    phone = phone_key(values.get("phone_number"))
    found = name_words(values.get("first_name"), values.get("last_name"), values.get("email"))
    return {
        "email_key": email_key(values.get("email")),
        "phone_key": phone,
        "phone_tail": phone_tail(phone),
        "search_words": json.dumps(found, ensure_ascii=False, separators=(",", ":"))
        if found
        else None,
    }


def stored_word(word: str) -> str:
    """A word as ``search_words`` holds it (JSON), to find it there whole."""
    return json.dumps(word, ensure_ascii=False)
