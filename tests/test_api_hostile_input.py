"""Hostile input to every JSON endpoint: raw bytes, odd charsets and arbitrary JSON documents
(lone surrogates, NUL, numbers no float holds, deep nesting, huge strings), not only what the
schema describes. No answer may be a 5xx, and whatever was stored must read back everywhere.

FUZZ_EXAMPLES raises the examples per endpoint (30 by default, a few seconds each; CI's fuzz
step: 200).
"""

import contextvars
import itertools
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backoffice.customers.declaration import CUSTOMER_FIELDS
from backoffice.extensions import db
from backoffice.orders.schema import ORDER_FIELDS
from tests.builders import make_customer

EXAMPLES = max(30, int(os.environ.get("FUZZ_EXAMPLES", "30")))
_serial = itertools.count()


# -- JSON text of any shape, written by hand so that it can say what json.dumps cannot ------


@dataclass(frozen=True)
class Raw:
    """A token copied into the text as is (a number no float holds, NaN …)."""

    text: str


@dataclass(frozen=True)
class Nested:
    """``inner`` wrapped in ``depth`` arrays or objects."""

    depth: int
    inner: Any
    kind: str


@dataclass(frozen=True)
class Repeat:
    """A string of ``text`` repeated ``times`` (built only when sent: a short repr)."""

    text: str
    times: int


def encode(value: Any, ascii_only: bool) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, Repeat):
        return json.dumps(value.text * value.times, ensure_ascii=ascii_only)
    if isinstance(value, Nested):
        opening, closing = ("[", "]") if value.kind == "list" else ('{"k":', "}")
        return opening * value.depth + encode(value.inner, ascii_only) + closing * value.depth
    if isinstance(value, dict):
        items = (f"{encode(k, ascii_only)}:{encode(v, ascii_only)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(encode(item, ascii_only) for item in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_only)  # NaN and Infinity as Python writes them


def to_bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # a lone surrogate as the bytes UTF-8 forbids


SPECIAL = ["\ud800", "\udfff", "a\udbff", "\x00", "a\x00b", "\ufeff", "\u2028", "²", "٣", "𝟘", ""]
surrogates = st.integers(0xD800, 0xDFFF).map(chr)
texts = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(max_size=12),
    st.lists(st.one_of(st.characters(), surrogates), max_size=8).map("".join),
)
huge_texts = st.builds(Repeat, texts.filter(bool), st.sampled_from([300, 70_000, 400_000]))
RAW_NUMBERS = ["NaN", "-Infinity", "1e999", "-1e400", "1" * 400, "1" * 5000, "1e-999", "-0"]
numbers = st.one_of(
    st.sampled_from([Raw(text) for text in RAW_NUMBERS]),
    st.integers(),
    st.floats(),  # NaN and ±Infinity included
    st.sampled_from([2**31, 2**63, -1, 0]),
)
leaves = st.one_of(texts, numbers, st.none(), st.booleans())
values = st.recursive(
    leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=10,
)
DEPTHS = [20, 33, 65, 326, 1200, 50_000]
hostile_values = st.one_of(
    values,
    huge_texts,
    st.builds(Nested, st.sampled_from(DEPTHS), values, st.sampled_from(["list", "dict"])),
)


# One kind of attack at a time, each often enough that a few examples find what a field
# lets through: the attack's value as the field, inside an object (a JSON field), or as a key.
KINDS = st.sampled_from(["list", "dict"])
SIZES = st.sampled_from([300, 70_000, 400_000])
ATTACKS = {
    "surrogate": st.sampled_from(["\ud800", "\udfff", "a\udbffb", "\udc00\ud800"]),
    "nul": st.sampled_from(["\x00", "a\x00b"]),
    "number": st.sampled_from([Raw(text) for text in RAW_NUMBERS]),
    "deep": st.builds(Nested, st.sampled_from(DEPTHS), st.none(), KINDS),
    "huge": st.builds(Repeat, st.sampled_from(["x", "é", "\ud800"]), SIZES),
    "digits": st.sampled_from(["²", "٣", "𝟘", "½", "1²", " 1 ", "+1", "1_0", "0x1"]),
    "anything": hostile_values,
}


@st.composite
def nasty(draw) -> Any:
    attack = draw(ATTACKS[draw(st.sampled_from(list(ATTACKS)))])
    place = draw(st.sampled_from(["value", "value", "inside", "key"]))
    if place == "inside":
        return {draw(texts): attack}
    if place == "key" and isinstance(attack, str):
        return {attack: 1}
    return attack


def shaped(field_names: list[str], base: Callable[[], dict]) -> st.SearchStrategy[dict]:
    """A valid body with one or two of its fields given something nasty."""
    extras = st.dictionaries(st.sampled_from(field_names), nasty(), min_size=1, max_size=2)
    return st.builds(lambda extra: {**base(), **extra}, extras)


CHARSETS = [
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=UTF-8",
    "application/json; charset=utf-7",
    "application/json; charset=utf-16",
    "application/json; charset=latin-1",
    "application/json; charset=bogus",
    "text/plain",
    "",
]


@dataclass(frozen=True)
class Body:
    """What to send, kept small until sent: JSON text, a form or plain bytes, and the
    Content-Type it declares."""

    kind: str
    document: Any
    content_type: str
    ascii_only: bool = True

    def content(self) -> bytes:
        if self.kind == "bytes":
            return self.document
        if self.kind == "json":
            return to_bytes(encode(self.document, self.ascii_only))
        document = self.document
        pairs = document.items() if isinstance(document, dict) else [("x", document)]
        form = [(str(k), v if isinstance(v, str) else encode(v, True)) for k, v in pairs]
        if self.kind == "form":
            return urlencode(form, encoding="utf-8", errors="surrogatepass").encode()
        parts = b"".join(
            b'--b0undary\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
            % (to_bytes(k), to_bytes(v))
            for k, v in form
        )
        return parts + b"--b0undary--\r\n"


@st.composite
def bodies(draw, documents: st.SearchStrategy) -> Body:
    kind = draw(st.sampled_from(["json"] * 5 + ["form", "multipart", "bytes"]))
    if kind == "bytes":
        return Body(kind, draw(st.binary(max_size=300)), draw(st.sampled_from(CHARSETS)))
    document = draw(documents)
    if kind == "form":
        return Body(kind, document, "application/x-www-form-urlencoded")
    if kind == "multipart":
        return Body(kind, document, "multipart/form-data; boundary=b0undary")
    charset = draw(st.sampled_from(CHARSETS[:3] * 3 + CHARSETS[3:]))
    return Body(kind, document, charset, ascii_only=draw(st.sampled_from([True, True, False])))


# -- the endpoints ------------------------------------------------------------------------------


def customer_base(channel_id: int) -> dict:
    n = next(_serial)
    return {"channel": channel_id, "email": f"fuzz{n}@example.com", "channel_code": f"fz-{n}"}


def order_base(channel_id: int) -> dict:
    n = next(_serial)
    buyer = {"email": f"buyer{n}@example.com", "channel_code": f"by-{n}"}
    order = {"channel": channel_id, "number": f"F-{n}", "status": "new", "amount": "1.00"}
    return order | {"customer": buyer}


def nothing(_channel_id: int) -> dict:
    return {}


def channel_base(_channel_id: int) -> dict:
    return {"name": "Fuzz"}


def login_base(_channel_id: int) -> dict:
    return {"username": "admin@test.example", "password": "wrong-password"}


CUSTOMER_NAMES = list(CUSTOMER_FIELDS)
CHANNEL_NAMES = ["name", "channel_type", "is_active"]
LIST = "/api/v1/customers/"
SCOPED = "/api/v1/channel/{channel}/customers/"
# name: (method, URL, a valid body to start from, the names a shaped body varies)
ENDPOINTS = {
    "customer_create": ("POST", LIST, customer_base, CUSTOMER_NAMES),
    "channel_customer_create": ("POST", SCOPED, customer_base, CUSTOMER_NAMES),
    "customer_patch": ("PATCH", LIST + "{pk}/", nothing, CUSTOMER_NAMES),
    "customer_put": ("PUT", LIST + "{pk}/", customer_base, CUSTOMER_NAMES),
    "channel_customer_patch": ("PATCH", SCOPED + "{pk}/", nothing, CUSTOMER_NAMES),
    "customer_anonymize": ("POST", LIST + "{pk}/anonymize/", nothing, ["x"]),
    "order_ingest": ("POST", "/api/v1/orders/", order_base, list(ORDER_FIELDS)),
    "channel_create": ("POST", "/api/v1/channels/", channel_base, CHANNEL_NAMES),
    "login": ("POST", "/api/v1/auth/login/", login_base, ["username", "password"]),
}
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def send(client, method: str, url: str, **kwargs):
    db.session.commit()  # each request in its own context and session, as in production
    return contextvars.Context().run(client.open, url, method=method, **kwargs)


def read_back(client, headers: dict, admin_client, pk: int) -> None:
    """The customer answers everywhere it is shown: API detail and lists, export, its pages."""
    for url in (
        f"/api/v1/customers/{pk}/",
        f"/api/v1/customers/{pk}/detailed/",
        f"/api/v1/customers/?id={pk}",
        f"/api/v1/customers/detailed/?id={pk}",
        f"/api/v1/customers/export.csv?id={pk}",
    ):
        response = send(client, "GET", url, headers=headers, buffered=True)
        assert response.status_code == 200, (url, response.data[:300])
    for url in (f"/customers/{pk}/", f"/customers/?id={pk}", f"/customers/{pk}/edit"):
        response = send(admin_client, "GET", url, buffered=True)
        assert response.status_code in (200, 302), (url, response.data[:300])


@pytest.mark.parametrize("name", ENDPOINTS)
def test_hostile_bodies_never_make_a_5xx_nor_a_value_that_breaks_a_read(
    name, app, channel, tokens, admin_client
):
    method, template, base, names = ENDPOINTS[name]
    client = app.test_client()
    headers = {"Authorization": f"Token {tokens['admin']}"}
    body_shaped = shaped(names, lambda: base(channel.id))
    documents = st.one_of(body_shaped, body_shaped, body_shaped, hostile_values)

    @FUZZ_SETTINGS
    @given(body=bodies(documents))
    def attempt(body: Body):
        data, content_type = body.content(), body.content_type
        target = make_customer(channel)
        url = template.format(channel=channel.id, pk=target.id)
        sent = {**headers, **({"Content-Type": content_type} if content_type else {})}
        response = send(client, method, url, data=data, headers=sent, buffered=True)
        assert response.status_code < 500, (response.status_code, response.data[:300])
        if response.status_code >= 300:
            return  # refused: nothing was stored (the refusal tests check that)
        answer = response.get_json()
        if name.startswith(("customer", "channel_customer")):
            read_back(client, headers, admin_client, answer["pk"])
        elif name == "order_ingest":
            read_back(client, headers, admin_client, answer["customer"])

    attempt()


@given(
    pairs=st.lists(
        st.tuples(st.one_of(texts, st.sampled_from([*CUSTOMER_NAMES, "page", "limit"])), texts),
        max_size=6,
    )
)
@FUZZ_SETTINGS
def test_hostile_query_strings_never_make_a_5xx(app, channel, tokens, admin_client, pairs):
    client = app.test_client()
    query = urlencode(pairs, encoding="utf-8", errors="surrogatepass")
    headers = {"Authorization": f"Token {tokens['admin']}"}
    for url in ("/api/v1/customers/", "/api/v1/orders/", "/api/v1/channels/"):
        response = send(client, "GET", f"{url}?{query}", headers=headers, buffered=True)
        assert response.status_code < 500, (url, query, response.data[:300])
    for url in ("/customers/", "/customers/export.csv"):
        response = send(admin_client, "GET", f"{url}?{query}", buffered=True)
        assert response.status_code < 500, (url, query, response.data[:300])
