"""The audit trail can only grow: no update or delete, but for erasure of personal values."""

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from backoffice.audit.models import AuditEvent
from backoffice.customers.service import CustomerService
from backoffice.extensions import db
from tests.builders import make_customer
from tests.conftest import DATABASES


@pytest.fixture
def event(channel):
    make_customer(channel)
    return db.session.scalars(select(AuditEvent)).one()


# The trigger lives on PostgreSQL (where production runs); on SQLite the app simply offers no
# update or delete. These tests run on PostgreSQL only (in CI always: REQUIRE_POSTGRES).
on_postgresql = pytest.mark.parametrize(
    "database_url", [d for d in DATABASES if d == "postgresql"], indirect=True
)


@on_postgresql
@pytest.mark.parametrize(
    "statement",
    [
        update(AuditEvent).values(actor_label="someone else"),
        update(AuditEvent).values(changes={}),
        delete(AuditEvent),
    ],
)
def test_postgresql_refuses_rewriting_history(event, statement):
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(statement)
    db.session.rollback()
    assert db.session.scalars(select(AuditEvent)).one().actor_label == event.actor_label


@on_postgresql
def test_erasure_may_rewrite_values_but_nothing_else(event):
    db.session.execute(text("SET LOCAL backoffice.audit_erasure = 'on'"))
    db.session.execute(update(AuditEvent).values(changes={"email": ["[erased]", "[erased]"]}))
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(update(AuditEvent).values(source="web"))
    db.session.rollback()


def test_anonymization_passes_the_trigger(channel):
    customer = make_customer(channel, first_name="Hidden")
    CustomerService().anonymize_customer(customer)
    db.session.expire_all()
    first = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).first()
    assert first.changes["first_name"] == [None, "[erased]"]  # the creation: no old value
