"""The search keys: Turkish folding, email and phone normalization, a name's words."""

import random

import pytest

from backoffice.people.keys import (
    digits_tail,
    email_key,
    fold,
    name_words,
    parsed_phone_key,
    phone_key,
    phone_tail,
    turkish_lower,
)


def test_turkish_case_comes_before_the_marks():
    assert turkish_lower("İSTANBUL") == "istanbul"
    assert turkish_lower("IŞIK") == "ışık"
    assert fold("İSTANBUL") == fold("Istanbul") == fold("ıstanbul") == "istanbul"
    assert fold("IŞIK") == fold("ışık") == fold("Isik") == "isik"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Murat Yılmaz", "murat yilmaz"),
        ("MURAT YILMAZ", "murat yilmaz"),
        ("Şükrü Çağlar Öz", "sukru caglar oz"),
        ("José Ñandú", "jose nandu"),
        ("Straße", "strasse"),
        ("Ørsted Łódź", "orsted lodz"),
    ],
)
def test_fold_drops_case_and_marks(text, folded):
    assert fold(text) == folded


def test_email_key_is_the_whole_address_casefolded():
    assert email_key("  Murat.Yilmaz@Example.COM ") == "murat.yilmaz@example.com"
    assert email_key("") is None
    assert email_key(None) is None


@pytest.mark.parametrize(
    "raw",
    [
        "05344149106",
        "0534 414 91 06",
        "+905344149106",
        "0090 534 414 91 06",
        "(0534) 414-91-06",
        "5344149106",
        "+90 (534) 414 91 06",
    ],
)
def test_every_way_of_writing_a_turkish_number_is_one_key(raw):
    assert phone_key(raw) == "+905344149106"


def test_foreign_numbers_keep_their_country_and_nonsense_has_no_key():
    assert phone_key("+1 650 253 0000") == "+16502530000"
    assert phone_key("not a number") is None
    assert phone_key("12") is None
    assert phone_key("  ") is None
    assert phone_key(None) is None


def test_the_last_digits_are_a_prefix_of_the_reversed_number():
    tail = phone_tail("+905344149106")
    assert tail.startswith(digits_tail("4149106"))
    assert tail.startswith(digits_tail("414 91 06"))
    assert digits_tail("414906") is None  # six digits identify no one
    assert digits_tail("murat") is None
    assert phone_tail(None) is None


def test_name_words_are_folded_and_split():
    # Split at every joining mark, each word once: no joined word is kept whole.
    assert name_words("Ayşe Nur", "Yılmaz-Kaya", "Ayse.Nur@Example.com") == [
        "ayse",
        "nur",
        "yilmaz",
        "kaya",
    ]
    assert name_words("O’Brien", "d'Arc", "jo_ann+shop@x.com") == [
        "o", "brien", "d", "arc", "jo", "ann", "shop"
    ]  # fmt: skip
    assert name_words("", "", "") == []
    assert name_words(None, "İNCE", None) == ["ince"]


def test_the_fast_path_reads_numbers_as_phonenumbers_does():
    rng = random.Random(14)
    for _ in range(2000):
        digits = str(rng.randrange(10**9, 10**10))
        prefix = rng.choice(["", "0", "+90", "0090", "+90 ", "0 ", "+1", "00", "9", "+"])
        cut = [digits[:3], digits[3:6], digits[6:8], digits[8:]]
        middle = rng.choice([" ", "-", ".", ""]).join(cut)
        if rng.random() < 0.3:
            middle = f"({cut[0]}) {''.join(cut[1:])}"
        raw = prefix + middle + rng.choice(["", " ", " ext. 12"])
        assert phone_key(raw) == parsed_phone_key(raw), raw
