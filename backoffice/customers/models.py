"""The Customer model: the table of the fields declaration.py declares, plus a version."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    case,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.channels.models import Channel
from backoffice.extensions import db, postgresql_only, sqlite_only
from backoffice.types import JSONObject, UTCDateTime, code_key, search_key, utcnow

GENDERS = ("male", "female")
# Columns no PostgreSQL index of customers holds, so that changing them (a consent change)
# is a HOT update there; modified_date is indexed in customer_modified instead.
HOT_COLUMNS = ("email_allowed", "sms_allowed", "call_allowed")
USER_TYPES = ("registered", "guest")


class CustomerDisplay:
    """What pages ask of a customer, for the model and for the rows lists read without it."""

    anonymized_at: datetime | None
    first_name: str
    last_name: str

    @property
    def is_anonymized(self) -> bool:
        return self.anonymized_at is not None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Customer(CustomerDisplay, db.Model):
    # On PostgreSQL with fillfactor 85 (migration 0020c): room on each page for HOT updates.
    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("channel_id", "channel_code"),
        Index("ix_customers_email", "email", postgresql_ops={"email": "varchar_pattern_ops"}),
        Index("ix_customers_channel_code", "channel_code", "id"),
        Index("ix_customers_erp_code", "erp_code", "id"),
        Index("ix_customers_phone_number", "phone_number", "id"),
        Index("ix_customers_created_date", "created_date", "id"),
        # SQLite only (see HOT below): PostgreSQL indexes the date in customer_modified.
        Index("ix_customers_modified_date", "modified_date", "id").ddl_if(dialect="sqlite"),
        Index("ix_customers_last_first_name", "last_name", "first_name", "id"),
        # A filter, an ordering, or both: each ends in id, the tiebreaker of every ordering,
        # so "WHERE x ORDER BY x, id LIMIT n" and deep pages are index-only walks.
        Index("ix_customers_email_id", "email", "id"),  # ordering (pattern_ops cannot sort)
        Index("ix_customers_first_name", "first_name", "id"),
        Index("ix_customers_channel_id", "channel_id", "id"),
        Index("ix_customers_channel_created", "channel_id", "created_date", "id"),
        # The HTML list's default (newest first) with its usual filters, as an index-only walk:
        # PostgreSQL would otherwise walk all dates past other channels' newest rows.
        Index(
            "ix_customers_channel_active_created", "channel_id", "is_active", "created_date", "id"
        ),
        Index("ix_customers_is_active", "is_active", "id"),
        # Search keys (people/keys.py): exact and prefix lookups, and the related records.
        Index("ix_customers_email_key", "email_key", "id"),
        Index("ix_customers_phone_key", "phone_key", "id"),
        Index("ix_customers_phone_tail", "phone_tail", "id"),
        Index("ix_customers_date_joined", "date_joined", "id"),
        Index("ix_customers_date_of_birth", "date_of_birth", "id"),
        Index("ix_customers_user_type", "user_type", "id"),
        Index("ix_customers_gender", "gender", "id"),
        # SQLite only. On PostgreSQL an UPDATE that changes no indexed column, with room on
        # its page (fillfactor 85, migration 0020c), is HOT: it writes no entry in any of the
        # other indexes. Consent changes and their modified_date are such updates there.
        *(Index(f"ix_customers_{name}", name).ddl_if(dialect="sqlite") for name in HOT_COLUMNS),
        # JSON containment (attributes__<key>) on PostgreSQL. SQLite cannot index a free key:
        # there the index is empty (WHERE 0), and customer_json_values (below) does the work.
        *(
            Index(
                f"ix_customers_{name}",
                name,
                postgresql_using="gin",
                postgresql_ops={name: "jsonb_path_ops"},
                sqlite_where=text("0"),
            )
            for name in ("attributes", "extra_field")
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    email: Mapped[str] = mapped_column(String(254))
    first_name: Mapped[str] = mapped_column(String(255), default="")
    last_name: Mapped[str] = mapped_column(String(255), default="")
    phone_number: Mapped[str | None] = mapped_column(String(128))
    is_active: Mapped[bool] = mapped_column(default=True)
    channel_code: Mapped[str] = mapped_column(String(64))
    erp_code: Mapped[str | None] = mapped_column(String(64))
    extra_field: Mapped[dict[str, Any]] = mapped_column(JSONObject, default=dict)
    modified_date: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_date: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    date_joined: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_allowed: Mapped[bool] = mapped_column(default=False)
    sms_allowed: Mapped[bool] = mapped_column(default=False)
    call_allowed: Mapped[bool] = mapped_column(default=False)
    gender: Mapped[str | None] = mapped_column(
        Enum(*GENDERS, name="customer_gender", native_enum=False, create_constraint=True)
    )
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONObject, default=dict)
    user_type: Mapped[str | None] = mapped_column(
        Enum(*USER_TYPES, name="customer_user_type", native_enum=False, create_constraint=True)
    )
    date_of_birth: Mapped[date | None]
    attributes_kwargs: Mapped[dict[str, Any]] = mapped_column(JSONObject, default=dict)
    localized_attributes: Mapped[dict[str, Any]] = mapped_column(JSONObject, default=dict)
    localized_attributes_kwargs: Mapped[dict[str, Any]] = mapped_column(JSONObject, default=dict)
    anonymized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Search keys, internal: functions of the values (people.keys.customer_keys), kept by
    # every write path, None once anonymized.
    email_key: Mapped[str | None] = mapped_column(search_key(254))
    phone_key: Mapped[str | None] = mapped_column(search_key(32))
    phone_tail: Mapped[str | None] = mapped_column(search_key(32))
    search_words: Mapped[str | None] = mapped_column(Text)
    # Optimistic locking: every UPDATE checks and bumps it, so no edit is lost silently.
    version: Mapped[int] = mapped_column(default=1)

    channel: Mapped[Channel] = relationship(lazy="joined", innerjoin=True)

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Customer {self.id} {self.channel_id}/{self.channel_code}>"


# The customer search: a code in any case, exact or its start (migration 0014s).
Index("ix_customers_channel_code_key", code_key(Customer.channel_code), Customer.id)
Index("ix_customers_erp_code_key", code_key(Customer.erp_code), Customer.id)

# The list page's "by name" ordering puts customers without a name (anonymized) last: this
# key first, then last and first name. Literal SQL (no bound parameters), so that both
# databases match it to the index below, which lets a page walk the names in order.
NAMELESS = case(
    (
        and_(
            Customer.first_name == literal_column("''"), Customer.last_name == literal_column("''")
        ),
        literal_column("1"),
    ),
    else_=literal_column("0"),
)
Index("ix_customers_name_order", NAMELESS, Customer.last_name, Customer.first_name, Customer.id)


class CustomerCount(db.Model):
    """Exact customer counts by (channel, is_active), kept by database triggers on customers in
    the inserting transaction, whatever the insert path (migration 0003). A count is the sum
    over ``shard``: on PostgreSQL each connection adds to its own shard row, so concurrent
    imports of one channel do not queue on one row lock."""

    __tablename__ = "customer_counts"

    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"), primary_key=True)
    is_active: Mapped[bool] = mapped_column(primary_key=True)
    shard: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    total: Mapped[int] = mapped_column(BigInteger)


# SQLite only (migration 0005): the index of the JSON filters (attributes__<key>=<value>,
# extra_field__<key>=<value>) that SQLite cannot build on a JSON column. One row per top-level
# key of a customer's attributes / extra_field, kept by triggers on customers in the writing
# transaction. ``value`` is what a filter value is compared with: a JSON string as TEXT, a
# number as INTEGER or REAL (as json_extract reads them), true / false as the BLOBs in
# JSON_BOOLEANS, null / array / object as NULL. Declared BLOB for its lack of type affinity:
# no value is converted on its way in, nor a filter value on its way to the comparison.
customer_json_values = Table(
    "customer_json_values",
    sqlite_only,
    Column("customer_id", Integer, primary_key=True),
    Column("field", Text, primary_key=True),
    Column("key", Text, primary_key=True),
    Column("value", LargeBinary),
    Index("ix_customer_json_values_lookup", "field", "key", "value"),
    sqlite_with_rowid=False,
)
JSON_BOOLEANS = {True: b"true", False: b"false"}


# The words a name search finds a customer by (people.keys.name_words), one row each, copied
# from customers.search_words by triggers (migration 0007) in the writing transaction, whatever
# the write path. The primary key answers "a word starts with ..." as a range of one index.
customer_search_words = Table(
    "customer_search_words",
    db.metadata,
    Column("word", search_key(64), primary_key=True),
    Column("customer_id", Integer, primary_key=True),
    Index("ix_customer_search_words_customer_id", "customer_id"),
    sqlite_with_rowid=False,
)


# PostgreSQL only (migration 0020c): each customer's modified_date, copied by statement
# triggers on customers in the writing transaction, whatever the write path. Its index serves
# the list's modified_date filter and ordering, which customers cannot index there without
# making every consent change a non-HOT update (an entry in each of its 25 indexes).
customer_modified = Table(
    "customer_modified",
    postgresql_only,
    Column("customer_id", Integer, primary_key=True, autoincrement=False),
    Column("modified_date", UTCDateTime, nullable=False),
    Index("ix_customer_modified_modified_date", "modified_date", "customer_id"),
)
