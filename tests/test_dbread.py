"""Reads on the DBAPI cursor (backoffice/dbread.py): SQLAlchemy's SQL and values, without its
execution machinery."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import NamedTuple

import pytest
from sqlalchemy import bindparam, event, exc, func, literal, select
from sqlalchemy.engine import default
from werkzeug.datastructures import MultiDict

from backoffice import dbread
from backoffice.auth.models import hash_token
from backoffice.auth.service import SESSION_USER, TOKEN_USER, USERS, staff_for_session
from backoffice.customers.listread import (
    CUSTOMERS,
    ONE_CUSTOMER,
    ONE_CUSTOMER_OF_CHANNEL,
    customer_filters,
    page_params,
    page_statement,
)
from backoffice.customers.reads import CUSTOMER_HISTORY
from backoffice.customers.related import RELATED
from backoffice.database import reset_write_intent, set_write_intent
from backoffice.extensions import db
from backoffice.orders.models import Order
from backoffice.orders.queries import CUSTOMER_ORDERS_WITH_TOTALS
from backoffice.savedviews.service import CHANNELS_AND_VIEWS
from backoffice.types import Money, UTCDateTime
from tests.builders import make_customer


class Record(NamedTuple):
    id: int
    channel_id: int


@pytest.fixture
def customer(channel):
    found = make_customer(
        channel,
        attributes={"tier": "gold", "ad": "Çağla 😀", "n": [1, 2.5, None, True]},
        extra_field={"nested": {"deep": "ü"}},
        date_of_birth=date(1990, 2, 3),
        date_joined=datetime(2019, 3, 1, 10, 0, 0, 500, tzinfo=UTC),
    )
    db.session.flush()
    db.session.add(
        Order(channel_id=channel.id, number="D-1", customer_id=found.id, amount=Decimal("9.9"))
    )
    db.session.commit()
    return Record(found.id, found.channel_id)


@pytest.fixture
def reading():
    """A read-only request's session (PostgreSQL: autocommit)."""
    token = set_write_intent(False)
    db.session.close()
    yield
    db.session.close()
    reset_write_intent(token)


def _statements(call) -> list[tuple[str, object]]:
    seen = []

    def record(_conn, _cursor, statement, parameters, _context, _executemany):
        if statement != "BEGIN":  # SQLite's, at a transaction's start
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return seen


def _typed(row) -> list[tuple[object, type]]:
    return [(value, type(value)) for value in row]


def _cases(customer, tokens) -> list[tuple[object, dict]]:
    filters = customer_filters(MultiDict({"email__startswith": "customer", "is_active": "true"}))
    return [
        (ONE_CUSTOMER, {"pk": customer.id}),
        (ONE_CUSTOMER_OF_CHANNEL, {"pk": customer.id, "channel_id": customer.channel_id}),
        (ONE_CUSTOMER, {"pk": 0}),
        (TOKEN_USER, {"token_hash": hash_token(tokens["agent"])}),
        (SESSION_USER, {"user_id": db.session.scalar(select(func.min(USERS.c.id)))}),
        (page_statement(customer_filters(MultiDict())), page_params(1, 25)),
        (RELATED, {"pk": customer.id, "limit": 10, "offset": 0}),
        (CUSTOMER_ORDERS_WITH_TOTALS, {"customer_id": customer.id, "limit": 10, "offset": 0}),
        (CUSTOMER_HISTORY, {"customer_id": customer.id}),
        (CHANNELS_AND_VIEWS, {"user_id": db.session.scalar(select(func.min(USERS.c.id)))}),
        (page_statement(filters), page_params(1, 10)),
        (page_statement(filters), page_params(3, 10)),  # past the end: one row of NULLs
        (
            select(
                bindparam("amount", type_=Money).label("amount"),
                bindparam("at", type_=UTCDateTime).label("at"),
                literal("x").label("x"),
            ),
            {"amount": Decimal("12.5"), "at": datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)},
        ),
    ]


def test_a_read_returns_what_session_execute_returns(app, customer, tokens, reading):
    for statement, params in _cases(customer, tokens):
        expected = db.session.execute(statement, params)
        keys, rows = list(expected.keys()), [_typed(row) for row in expected]
        assert [_typed(row) for row in dbread.read(statement, params)] == rows
        mappings = dbread.read_mappings(statement, params)
        assert [list(m) for m in mappings] == [keys] * len(rows)
        assert [_typed(m.values()) for m in mappings] == rows


def test_the_values_are_the_columns_types(app, customer, reading):
    row = dbread.read_mapping_or_none(ONE_CUSTOMER, {"pk": customer.id})
    assert row["attributes"] == {"tier": "gold", "ad": "Çağla 😀", "n": [1, 2.5, None, True]}
    assert row["date_of_birth"] == date(1990, 2, 3)
    assert row["date_joined"] == datetime(2019, 3, 1, 10, 0, 0, 500, tzinfo=UTC)
    assert row["created_date"].tzinfo is not None and row["is_active"] is True
    assert row["channel__id"] == customer.channel_id
    assert dbread.read_mapping_or_none(ONE_CUSTOMER, {"pk": 0}) is None
    amount = select(bindparam("amount", type_=Money).label("amount"))
    assert dbread.read(amount, {"amount": Decimal("0.105")}) == [(Decimal("0.10"),)]


def test_the_sql_sent_is_sqlalchemys(app, customer, tokens, reading):
    for statement, params in _cases(customer, tokens):
        sent = _statements(lambda s=statement, p=params: db.session.execute(s, p).all())
        assert _statements(lambda s=statement, p=params: dbread.read(s, p)) == sent


def test_what_the_fast_path_does_not_handle_runs_through_the_session(app, customer, reading):
    listed = select(CUSTOMERS.c.id).where(CUSTOMERS.c.id.in_(bindparam("ids", expanding=True)))
    assert dbread.read(listed, {"ids": [customer.id, 0]}) == [(customer.id,)]
    assert dbread.read(listed, {"ids": []}) == []


def test_errors_are_sqlalchemys(app, customer, reading):
    with pytest.raises(exc.DBAPIError):
        dbread.read(select(func.no_such_function(bindparam("x"))), {"x": 1})
    db.session.rollback()
    with pytest.raises(exc.MultipleResultsFound):
        dbread.read_one_or_none(select(CUSTOMERS.c.id).union_all(select(literal(1))), {})


def _execution_contexts(call) -> int:
    """How many SQLAlchemy execution contexts (one per statement Session.execute runs)."""
    made = []
    original = default.DefaultExecutionContext._init_compiled.__func__

    def counting(cls, *args, **kwargs):
        made.append(1)
        return original(cls, *args, **kwargs)

    default.DefaultExecutionContext._init_compiled = classmethod(counting)
    try:
        call()
    finally:
        default.DefaultExecutionContext._init_compiled = classmethod(original)
    return len(made)


def test_api_reads_run_without_sqlalchemys_execution_machinery(app, api, customer):
    """API detail and list page 1: the token's user and the customer (the page) are read on
    the DBAPI cursor; each of their statements is still seen by the engine's listeners."""
    detail = f"/api/v1/customers/{customer.id}/"
    assert api.get(detail).status_code == 200  # the token's first use is recorded (a write)
    for path, statements in ((detail, 2), ("/api/v1/customers/", 2)):
        sent: list = []
        contexts = _execution_contexts(
            lambda p=path, s=sent: s.extend(_statements(lambda: api.get(p).status_code))
        )
        assert (contexts, len(sent)) == (0, statements), (path, sent)


def test_a_pages_signed_in_user_is_read_without_sqlalchemys_execution_machinery(app, users):
    """Every page loads its user from the session (Flask-Login's user loader): one statement
    on the DBAPI cursor; an ended session (another nonce) finds no one."""
    user = users["agent"]
    user_id, nonce, email = user.id, user.session_nonce, user.email
    found: list = []
    contexts = _execution_contexts(lambda: found.append(staff_for_session(user_id, nonce)))
    assert (contexts, found[0].email, found[0].role) == (0, email, "agent")
    assert staff_for_session(user_id, "an-ended-session") is None
