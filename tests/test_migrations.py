"""The migrations build exactly the schema the models describe."""

import json
import warnings
from datetime import UTC, datetime

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, Table, insert, text

from backoffice import create_app
from backoffice.extensions import db, schema_metadata
from tests.builders import make_channel
from tests.conftest import base_config

# Indexes on expressions, which autogenerate cannot compare: checked by name instead.
EXPRESSION_INDEXES = {"ix_customers_name_order"}


INDEX_NAMES = {
    "sqlite": text("SELECT name FROM sqlite_master WHERE type = 'index'"),
    "postgresql": text("SELECT indexname FROM pg_indexes WHERE tablename = 'customers'"),
}


def _comparable(dialect: str):
    """Which objects autogenerate compares: not expression indexes, nor an index the models
    declare for another database only (``Index.ddl_if``, which autogenerate ignores)."""

    def comparable(obj, name, type_, reflected, compare_to) -> bool:
        if type_ != "index":
            return True
        only = getattr(obj, "_ddl_if", None)
        return name not in EXPRESSION_INDEXES and (only is None or only.dialect == dialect)

    return comparable


# SQLite's reflection skips an index on an expression (types.code_key's), and so does alembic's
# comparison there; PostgreSQL reflects and compares them.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "render_as_batch": True,
                "include_object": _comparable(connection.dialect.name),
            },
        )
        with warnings.catch_warnings():  # on SQLite, reflection and autogenerate say they skip them
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
            warnings.filterwarnings("ignore", ".*skipping metadata-specified expression-based")
            # The models, and on SQLite the tables only SQLite has (extensions.sqlite_only).
            differences = compare_metadata(context, schema_metadata(connection.dialect.name))
        built = set(connection.scalars(INDEX_NAMES[connection.dialect.name]))
    assert differences == []
    assert built >= EXPRESSION_INDEXES


# The columns every revision since 0001 has: a row written before later revisions add theirs.
OLD_CUSTOMER = text(
    "INSERT INTO customers (channel_id, channel_code, email, first_name, last_name, "
    "phone_number, is_active, extra_field, attributes, attributes_kwargs, localized_attributes, "
    "localized_attributes_kwargs, email_allowed, sms_allowed, call_allowed, created_date, "
    "modified_date, version) VALUES (:channel_id, :code, :email, :first, :last, :phone, true, "
    "'{}', '{}', '{}', '{}', '{}', false, false, false, :now, :now, 1)"
)


def _insert_old_customer(channel_id, code, email, first, last, phone=None):
    now = datetime(2024, 1, 1, tzinfo=UTC).replace(tzinfo=None)
    db.session.execute(
        OLD_CUSTOMER,
        {
            "channel_id": channel_id,
            "code": code,
            "email": email,
            "first": first,
            "last": last,
            "phone": phone,
            "now": now,
        },
    )


def test_the_search_keys_migration_fills_the_keys_of_existing_customers(tmp_path):
    url = f"sqlite:///{tmp_path / 'keys.sqlite3'}"
    app = create_app(base_config(url))
    with app.app_context():
        flask_migrate.upgrade(revision="0006b")
        channel = make_channel()
        _insert_old_customer(
            channel.id, "a", "Murat.Y@Example.com", "Murat", "Yılmaz", "0534 414 91 06"
        )
        _insert_old_customer(channel.id, "b", "x@example.com", "", "", None)
        db.session.commit()
        flask_migrate.upgrade()
        rows = db.session.execute(
            text("SELECT email_key, phone_key, phone_tail FROM customers ORDER BY channel_code")
        ).all()
        words = (
            db.session.execute(
                text(
                    "SELECT w.word FROM customer_search_words w JOIN customers c "
                    "ON c.id = w.customer_id WHERE c.channel_code = 'a' ORDER BY w.word"
                )
            )
            .scalars()
            .all()
        )
        db.engine.dispose()
    assert rows == [
        ("murat.y@example.com", "+905344149106", "601941443509"),
        ("x@example.com", None, None),
    ]
    assert words == ["murat", "y", "yilmaz"]


def _words_of(code: str) -> list[str]:
    words = list(
        db.session.scalars(
            text(
                "SELECT w.word FROM customer_search_words w JOIN customers c "
                "ON c.id = w.customer_id WHERE c.channel_code = :code ORDER BY w.word"
            ),
            {"code": code},
        )
    )
    db.session.commit()  # no transaction left open beside the migration's
    return words


def test_the_word_parts_migration_drops_the_joined_words_and_its_downgrade_restores_them(
    tmp_path,
):
    url = f"sqlite:///{tmp_path / 'parts.sqlite3'}"
    app = create_app(base_config(url))
    with app.app_context():
        flask_migrate.upgrade(revision="0021e")
        channel = make_channel()
        _insert_old_customer(channel.id, "a", "Murat.Y5@Example.com", "Murat", "Yılmaz-Kaya")
        _insert_old_customer(channel.id, "b", "x@example.com", "Ece", "")
        # As 0007 wrote them before the words were split (the update trigger fills the table).
        joined = '["murat","yilmaz-kaya","yilmaz","kaya","murat.y5","y5"]'
        db.session.execute(
            text("UPDATE customers SET search_words = :w WHERE channel_code = 'a'"), {"w": joined}
        )
        db.session.commit()
        assert _words_of("a") == sorted(json.loads(joined))
        flask_migrate.upgrade(revision="0022n")
        split = _words_of("a"), _words_of("b")
        flask_migrate.downgrade(revision="0021e")
        restored = db.session.scalar(text("SELECT search_words FROM customers WHERE id = 1"))
        db.session.commit()
        rejoined = _words_of("a")
        flask_migrate.upgrade()
        db.engine.dispose()
    assert split == (["kaya", "murat", "y5", "yilmaz"], ["ece", "x"])
    assert json.loads(restored) == json.loads(joined) and rejoined == sorted(json.loads(joined))


def test_an_analyzed_sqlite_database_gets_statistics_for_the_new_list_index(tmp_path):
    """SQLite misjudges an index that statistics leave out (a 1 s scan for a quick search)."""
    url = f"sqlite:///{tmp_path / 'analyzed.sqlite3'}"
    app = create_app(base_config(url))
    with app.app_context():
        flask_migrate.upgrade(revision="0003")
        _insert_customers_at_0003(20)
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        flask_migrate.upgrade()
        stats = db.session.execute(
            text("SELECT stat FROM sqlite_stat1 WHERE idx = 'ix_customers_channel_active_created'")
        ).scalar_one_or_none()
        db.engine.dispose()
    assert stats is not None and stats.startswith("20 ")


def _insert_customers_at_0003(count: int) -> None:
    """``count`` customers written into the tables as revision 0003 left them (reflected, not
    the models: a column added later does not exist yet)."""
    now = datetime.now(UTC)
    tables = MetaData()
    channels = Table("channels", tables, autoload_with=db.engine)
    customers = Table("customers", tables, autoload_with=db.engine)
    channel = {"name": "Market", "channel_type": "marketplace", "is_active": True}
    channel_id = db.session.execute(
        insert(channels).values(**channel, created_date=now, modified_date=now)
    ).inserted_primary_key[0]
    flags = dict.fromkeys(("is_active", "email_allowed", "sms_allowed", "call_allowed"), True)
    json_columns = ("extra_field", "attributes", "attributes_kwargs", "localized_attributes")
    documents = {name: {} for name in (*json_columns, "localized_attributes_kwargs")}
    rows = [
        {
            "channel_id": channel_id,
            "channel_code": f"c{n}",
            "email": f"c{n}@example.com",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "created_date": now,
            "modified_date": now,
            "version": 1,
            **flags,
            **documents,
        }
        for n in range(count)
    ]
    db.session.execute(insert(customers), rows)
    db.session.commit()
