"""The migrations build exactly the schema the models describe."""

from datetime import UTC, datetime

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, Table, insert, text

from backoffice import create_app
from backoffice.extensions import db, schema_metadata
from tests.conftest import base_config


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        # The models, and on SQLite the tables only SQLite has (extensions.sqlite_only).
        differences = compare_metadata(context, schema_metadata(connection.dialect.name))
    assert differences == []


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
