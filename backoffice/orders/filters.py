"""The order filter set: ``?customer=7&channel=1&status=completed&created_date__gte=2024-01-01``."""

from backoffice.channels.models import Channel
from backoffice.customers.models import Customer
from backoffice.filtering import (
    CharFilter,
    ChoiceFilter,
    DateFilter,
    FilterSet,
    ModelMultipleChoiceFilter,
    NumberFilter,
    declare,
)
from backoffice.orders.models import Order
from backoffice.orders.schema import ORDER_STATUSES

RANGE = ("exact", "gt", "gte", "lt", "lte")


class OrderFilterSet(FilterSet):
    filters = declare(
        {
            "customer": ModelMultipleChoiceFilter(Order.customer_id, model_pk=Customer.id),
            "channel": ModelMultipleChoiceFilter(Order.channel_id, model_pk=Channel.id),
            "number": CharFilter(Order.number, lookups=("exact", "startswith")),
            "status": ChoiceFilter(Order.status, choices=ORDER_STATUSES),
            "created_date": DateFilter(
                Order.created_date, lookups=(*RANGE, "date"), on_datetime=True
            ),
            "modified_date": DateFilter(
                Order.modified_date, lookups=(*RANGE, "date"), on_datetime=True
            ),
            "id": NumberFilter(Order.id, lookups=RANGE, hidden_lookups=("in",)),
            "pk": NumberFilter(Order.id, lookups=RANGE, hidden_lookups=("in",)),
        }
    )
    ordering_fields = {
        "id": Order.id,
        "pk": Order.id,
        "number": Order.number,
        "status": Order.status,
        "amount": Order.amount,
        "channel": Order.channel_id,
        "customer": Order.customer_id,
        "created_date": Order.created_date,
        "modified_date": Order.modified_date,
    }
    tiebreaker = "id"
