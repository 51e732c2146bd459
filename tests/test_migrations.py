"""The migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from backoffice.extensions import db, schema_metadata


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        # The models, and on SQLite the tables only SQLite has (extensions.sqlite_only).
        differences = compare_metadata(context, schema_metadata(connection.dialect.name))
    assert differences == []
