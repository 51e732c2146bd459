"""The customer's declaration covers the table, labels every field and drives anonymization."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import inspect, select

from backoffice.audit.context import AuditContext
from backoffice.audit.models import AuditEvent
from backoffice.customers.declaration import (
    DECLARATION,
    INTERNAL_COLUMNS,
    KEEP,
    PERSONAL_FIELDS,
    Erasure,
    _field,
)
from backoffice.customers.models import Customer
from backoffice.customers.service import CustomerService
from backoffice.extensions import db
from tests.builders import make_customer


def secret(field) -> object:
    """A value of ``field`` that identifies someone, whatever its kind."""
    spec = field.spec
    return {
        "char": f"secret-{field.name}"[: spec.max_length],
        "email": f"secret.{field.name}@example.com",
        "choice": spec.choices[0] if spec.choices else None,
        "dict": {"secret": f"secret-{field.name}"},
        "date": date(1970, 1, 2),
        "datetime": datetime(1970, 1, 2, tzinfo=UTC),
        "boolean": True,
    }[spec.kind]


def needle(value: object) -> str:
    """How ``value`` would show in an audit event's JSON."""
    return value["secret"] if isinstance(value, dict) else str(value)


def test_every_column_of_the_table_is_declared_or_internal(app):
    """Read from the migrated database itself: a column a migration adds must be declared."""
    columns = {column["name"] for column in inspect(db.engine).get_columns("customers")}
    declared = {field.column for field in DECLARATION}
    assert columns - declared == INTERNAL_COLUMNS
    assert declared <= columns
    assert {column.name for column in Customer.__table__.columns} == columns


def test_every_field_has_one_label_of_its_own():
    labels = [field.label for field in DECLARATION]
    assert all(field.label and field.label != field.name for field in DECLARATION)
    assert len(set(labels)) == len(labels)


def test_declared_defaults_are_the_models():
    for field in DECLARATION:
        if not field.writable or field.column == "channel_code":
            continue
        default = Customer.__table__.c[field.column].default
        model_default = None if default is None else default.arg
        if default is not None and default.is_callable:
            model_default = model_default(None)
        assert field.default == model_default, field.name


def test_a_personal_field_must_say_what_anonymization_writes():
    with pytest.raises(ValueError, match="personal"):
        _field("nickname", "char", "Nickname", personal=True)
    assert all(field.erase_to is not KEEP for field in DECLARATION if field.personal)


def test_anonymization_erases_every_personal_field_in_the_row_and_its_history(app, channel):
    personal = [field for field in DECLARATION if field.personal]
    values = {field.name: secret(field) for field in personal}
    customer = make_customer(channel, **values)
    CustomerService().update_customer(customer, first_name="secret-again")
    actor = AuditContext.system()
    CustomerService().anonymize_customer(customer, actor)
    db.session.expire_all()
    row = db.session.get(Customer, customer.id)
    erasure = Erasure(customer.id, actor.actor_id, row.anonymized_at)
    for field in DECLARATION:
        if field.erase_to is KEEP:
            continue
        assert getattr(row, field.column) == field.erased(erasure), field.name
    history = db.session.scalars(
        select(AuditEvent.changes).where(AuditEvent.object_id == customer.id)
    ).all()
    for field in personal:
        assert getattr(row, field.column) != values[field.name], field.name
        assert needle(values[field.name]) not in repr(history), field.name
    assert "secret-again" not in repr(history)
    assert {field.name for field in personal} == PERSONAL_FIELDS
