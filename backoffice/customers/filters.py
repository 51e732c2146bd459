"""The customer filter set: the one query language of the list page and the API."""

from sqlalchemy import select

from backoffice.channels.models import Channel, IntegrationMapping
from backoffice.customers.models import GENDERS, USER_TYPES, Customer
from backoffice.querying import (
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


class CustomerFilterSet(FilterSet):
    # Declared in the order of Omnitron's metadata, which OPTIONS reproduces.
    filters = declare(
        {
            "created_date": DateFilter(
                Customer.created_date, lookups=(*RANGE, "date"), on_datetime=True
            ),
            "modified_date": DateFilter(
                Customer.modified_date, lookups=(*RANGE, "date"), on_datetime=True
            ),
            "attributes": JsonMethodFilter(Customer.attributes),
            "channel": ModelMultipleChoiceFilter(Customer.channel_id, model_pk=Channel.id),
            "email": CharFilter(Customer.email, lookups=("exact", "startswith")),
            "first_name": CharFilterWithNull(Customer.first_name),
            "last_name": CharFilterWithNull(Customer.last_name),
            "phone_number": CharFilterWithNull(Customer.phone_number),
            "is_active": BooleanFilter(Customer.is_active),
            "channel_code": CharFilterWithNull(Customer.channel_code),
            "erp_code": CharFilterWithNull(Customer.erp_code),
            "extra_field": JsonMethodFilter(Customer.extra_field),
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
