"""Property-based run of the order import over hostile lines: raw bytes, and orders with any
JSON value (lone surrogates, NUL, huge or non-finite numbers, deep nesting) in any field.

No line may stop the import; each is imported or rejected; nothing stored breaks a later read.
FUZZ_EXAMPLES sets the examples (a quick run by default; CI's fuzz step: 200).
"""

import io
import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from backoffice.customers.models import Customer
from backoffice.extensions import db
from backoffice.orders.importer import ErrorReport, import_orders
from backoffice.orders.models import Order
from tests.test_order_service import payload

SPOT = "<the hostile value>"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12")) * 2
FIELDS = ["channel", "number", "status", "amount", "refund_amount", "created_date", "customer"]
CUSTOMER_FIELDS = [
    "channel_code", "email", "first_name", "phone_number", "email_allowed", "gender",
    "date_of_birth", "date_joined", "attributes", "extra_field", "unknown",
]  # fmt: skip

odd_text = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["\ud800", "\udfff", "a\ud83d", "\x00", "²", "١٢", "𝟘", "-0", "1e999", ""]),
    st.text(alphabet=st.sampled_from(["\ud800", "\x00", "²", "a", "\u202e"]), max_size=4),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([2**63, 10**30, -(2**31) - 1, 10**4000]),
    st.floats(),  # NaN and the infinities among them
    odd_text,
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(odd_text, inner, max_size=3),
    max_leaves=8,
)


@st.composite
def hostile_orders(draw, channel_id: int) -> bytes:
    order = payload(type("C", (), {"id": channel_id}), f"F-{draw(st.integers(0, 50))}")
    if draw(st.booleans()):
        order["customer"] = {**order["customer"], draw(st.sampled_from(CUSTOMER_FIELDS)): SPOT}
    else:
        order[draw(st.sampled_from(FIELDS))] = SPOT
    ascii_only = draw(st.booleans())
    value = json.dumps(draw(values), allow_nan=True, ensure_ascii=ascii_only)
    depth = draw(st.sampled_from([0, 0, 1, 62, 70, 2000]))  # within the limit, or past it
    value = "[" * depth + value + "]" * depth
    text = json.dumps(order, ensure_ascii=ascii_only).replace(json.dumps(SPOT), value)
    return text.encode("utf-8", "surrogatepass")


def file_lines(channel_id: int):
    line = st.one_of(hostile_orders(channel_id), st.binary(max_size=64))
    return st.lists(line.map(lambda raw: raw.replace(b"\n", b" ")), min_size=1, max_size=6)


def test_no_line_stops_the_import_nor_breaks_a_later_read(channel, tmp_path):
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(lines=file_lines(channel.id))
    def run(lines):
        report = ErrorReport(tmp_path / "fuzz.errors.jsonl")
        stream = io.BytesIO(b"".join(line + b"\n" for line in lines))
        summary = import_orders(stream, report, workers=0, batch_size=3, max_line_bytes=40_000)
        report.close()
        counted = [line for line in lines if line.strip()]
        assert summary.orders + summary.rejected == len(counted)
        if report.count:
            for entry in report.path.read_text("utf-8").splitlines():
                assert json.loads(entry)["reason"]
        for customer in db.session.scalars(select(Customer)):
            text = [customer.email, customer.first_name, customer.phone_number]
            json.dumps([text, customer.attributes, customer.extra_field], allow_nan=False).encode()
        for number in db.session.scalars(select(Order.number)):
            number.encode()
        db.session.rollback()

    run()
