"""The migrations build exactly the schema the models describe."""

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from backoffice import create_app
from backoffice.extensions import db, schema_metadata
from tests.builders import make_channel, make_customer
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
        channel = make_channel()
        for n in range(20):
            make_customer(channel, channel_code=f"c{n}")
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        flask_migrate.upgrade()
        stats = db.session.execute(
            text("SELECT stat FROM sqlite_stat1 WHERE idx = 'ix_customers_channel_active_created'")
        ).scalar_one_or_none()
        db.engine.dispose()
    assert stats is not None and stats.startswith("20 ")
