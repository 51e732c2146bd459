"""Unbound Flask extensions, imported from here by the rest of the package."""

from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from backoffice.database import Session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
migrate = Migrate()
# In-process, for rendered fragments whose key names everything they show (see templates).
cache = Cache()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

# Tables only SQLite has: there triggers keep them as an index PostgreSQL has built in (GIN on
# JSON). The migrations build them on SQLite alone, so they stay out of the models' metadata,
# which is the schema of both databases.
sqlite_only = MetaData(naming_convention=NAMING_CONVENTION)
# Tables only PostgreSQL has: there a column that changes often is indexed in a narrow table
# of its own, so the customers' own updates stay HOT (migration 0020c).
postgresql_only = MetaData(naming_convention=NAMING_CONVENTION)


def schema_metadata(dialect_name: str) -> list[MetaData]:
    """The tables the migrations build on that database."""
    only = sqlite_only if dialect_name == "sqlite" else postgresql_only
    return [db.metadata, only]
