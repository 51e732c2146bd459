"""The customer filter set: the one query language of the list page and the API."""

from typing import Any

from sqlalchemy import literal, select
from sqlalchemy.sql.elements import ColumnElement

from backoffice.channels.models import Channel, IntegrationMapping
from backoffice.customers.models import (
    GENDERS,
    JSON_BOOLEANS,
    NAMELESS,
    USER_TYPES,
    Customer,
    customer_json_values,
    customer_modified,
)
from backoffice.customers.search import CUSTOMER_SEARCH
from backoffice.filtering import (
    BooleanFilter,
    CharFilter,
    CharFilterWithNull,
    ChoiceFilter,
    DateFilter,
    FilterSet,
    IsoDateTimeFilter,
    JsonMethodFilter,
    ModelMultipleChoiceFilter,
    NumberFilter,
    RelatedFilter,
    SortKey,
    declare,
)

RANGE = ("exact", "gt", "gte", "lt", "lte")


def _mapped_customers(clauses):
    # An uncorrelated IN, not a correlated EXISTS: SQLite would probe it once per customer.
    return Customer.id.in_(
        select(IntegrationMapping.object_id).where(
            IntegrationMapping.object_type == "customer", *clauses
        )
    )


def _json_valued(column: Any, key: str, values: list[Any]) -> ColumnElement:
    """SQLite: the customers whose ``column`` has ``key`` at the top level holding one of
    ``values``, found through the index of customer_json_values (an uncorrelated IN too)."""
    table = customer_json_values
    # Each value bound with its own type (TEXT, INTEGER, REAL or BLOB), none converted.
    stored = [literal(JSON_BOOLEANS[v] if isinstance(v, bool) else v) for v in values]
    return Customer.id.in_(
        select(table.c.customer_id).where(
            table.c.field == column.key, table.c.key == key, table.c.value.in_(stored)
        )
    )


def _modified(clause: ColumnElement) -> ColumnElement:
    """PostgreSQL: the customers whose modified_date (its indexed copy) meets ``clause``."""
    return Customer.id.in_(select(customer_modified.c.customer_id).where(clause))


class CustomerFilterSet(FilterSet):
    # Declared in the order of Omnitron's metadata, which OPTIONS reproduces.
    filters = declare(
        {
            "created_date": DateFilter(
                Customer.created_date, lookups=(*RANGE, "date"), on_datetime=True
            ),
            "modified_date": DateFilter(
                Customer.modified_date,
                lookups=(*RANGE, "date"),
                on_datetime=True,
                postgresql_copy=(customer_modified.c.modified_date, _modified),
            ),
            "attributes": JsonMethodFilter(Customer.attributes, sqlite_lookup=_json_valued),
            "channel": ModelMultipleChoiceFilter(Customer.channel_id, model_pk=Channel.id),
            "email": CharFilter(Customer.email, lookups=("exact", "startswith")),
            "first_name": CharFilterWithNull(Customer.first_name),
            "last_name": CharFilterWithNull(Customer.last_name),
            "phone_number": CharFilterWithNull(Customer.phone_number),
            "is_active": BooleanFilter(Customer.is_active),
            "channel_code": CharFilterWithNull(Customer.channel_code),
            "erp_code": CharFilterWithNull(Customer.erp_code),
            "extra_field": JsonMethodFilter(Customer.extra_field, sqlite_lookup=_json_valued),
            "email_allowed": BooleanFilter(Customer.email_allowed),
            "sms_allowed": BooleanFilter(Customer.sms_allowed),
            "call_allowed": BooleanFilter(Customer.call_allowed),
            "date_joined": IsoDateTimeFilter(Customer.date_joined),
            "gender": ChoiceFilter(Customer.gender, choices=GENDERS),
            "user_type": ChoiceFilter(Customer.user_type, choices=USER_TYPES),
            "date_of_birth": DateFilter(Customer.date_of_birth),
            "id": NumberFilter(Customer.id, lookups=RANGE, hidden_lookups=("in",)),
            "pk": NumberFilter(Customer.id, lookups=RANGE, hidden_lookups=("in",)),
            "mapping": RelatedFilter(
                subquery=_mapped_customers,
                fields={
                    "code": CharFilter(IntegrationMapping.code),
                    "channel": NumberFilter(IntegrationMapping.channel_id),
                },
                description="See available filters for Integration Mappings",
            ),
        }
    )
    ordering_fields = {
        "id": Customer.id,
        "pk": Customer.id,
        "email": Customer.email,
        "first_name": Customer.first_name,
        "last_name": Customer.last_name,
        "phone_number": Customer.phone_number,
        "channel": Customer.channel_id,
        "channel_code": Customer.channel_code,
        "erp_code": Customer.erp_code,
        "is_active": Customer.is_active,
        "created_date": Customer.created_date,
        "modified_date": Customer.modified_date,
        "date_joined": Customer.date_joined,
        "date_of_birth": Customer.date_of_birth,
        "user_type": Customer.user_type,
        "gender": Customer.gender,
    }
    tiebreaker = "id"
    search = CUSTOMER_SEARCH


BY_CHANNEL_NAME = "channel__name"
CHANNEL_NAME = select(Channel.name).where(Channel.id == Customer.channel_id).scalar_subquery()


class CustomerPageFilterSet(CustomerFilterSet):
    """The list page's filter set: the API's, and two orderings for people, ``name`` (customers
    without a name last, either way) and ``channel__name``. The API keeps DRF's orderings
    (``ordering=channel`` sorts by the channel's id there; ``name`` is not one of them)."""

    ordering_fields = {
        **CustomerFilterSet.ordering_fields,
        # Descending, no name ("", "") sorts last anyway: the index's backward walk serves it.
        "name": SortKey(
            (Customer.last_name, Customer.first_name), first=NAMELESS, first_ascending_only=True
        ),
        # Sorted by the channels' ids in their names' order where it matters (listread.py).
        BY_CHANNEL_NAME: SortKey((CHANNEL_NAME,)),
    }
