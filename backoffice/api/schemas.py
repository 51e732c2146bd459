"""The API's resources: field specs (CustomerSerializer, channels), their rendering, and the
schemas the OpenAPI document describes them with."""

from typing import Any

from backoffice.api.operations import Schema, Strings
from backoffice.channels.models import CHANNEL_TYPES, Channel
from backoffice.customers.declaration import CUSTOMER_FIELDS
from backoffice.customers.models import Customer
from backoffice.fields import Field, render_datetime, render_decimal
from backoffice.orders.queries import OrdersInfo

CHANNEL_FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field("pk", "integer", read_only=True),
        Field("name", "char", required=True, allow_blank=False, max_length=255),
        Field("channel_type", "choice", choices=CHANNEL_TYPES),
        Field("is_active", "boolean"),
        Field("created_date", "datetime", read_only=True),
        Field("modified_date", "datetime", read_only=True),
    )
}

ORDERS_INFO_FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field("total_order_amount", "decimal"),
        Field("total_refund_amount", "decimal"),
        Field("total_discount_amount", "decimal"),
        Field("total_order_count", "integer"),
    )
}

CHANNEL = Schema("Channel", CHANNEL_FIELDS)
CHANNEL_INPUT = Schema("ChannelInput", CHANNEL_FIELDS, mode="input")
CUSTOMER = Schema("Customer", CUSTOMER_FIELDS)
CUSTOMER_INPUT = Schema("CustomerInput", CUSTOMER_FIELDS, mode="input")
CUSTOMER_PATCH = Schema("CustomerPatch", CUSTOMER_FIELDS, mode="patch")
# A record of the same person elsewhere, and the keys it shares (``related/``).
RELATED_CUSTOMER = Schema(
    "RelatedCustomer", {**CUSTOMER_FIELDS, "matched_on": Strings(("email", "phone"))}
)
# CustomerDetailedSerializer: the channel nested, plus orders_info.
CUSTOMER_DETAILED = Schema(
    "CustomerDetailed",
    {**CUSTOMER_FIELDS, "channel": CHANNEL, "orders_info": Schema("", ORDERS_INFO_FIELDS)},
)


def render(fields: dict[str, Field], obj: Any) -> dict[str, Any]:
    out = {}
    for name, field in fields.items():
        value = (
            obj.id if name == "pk" else getattr(obj, "channel_id" if name == "channel" else name)
        )
        if field.kind == "datetime":
            value = render_datetime(value)
        elif field.kind == "date" and value is not None:
            value = value.isoformat()
        out[name] = value
    return out


def customer_json(customer: Customer) -> dict[str, Any]:
    return render(CUSTOMER_FIELDS, customer)


def channel_json(channel: Channel) -> dict[str, Any]:
    return render(CHANNEL_FIELDS, channel)


def orders_info_json(info: OrdersInfo) -> dict[str, Any]:
    return {
        "total_order_amount": render_decimal(info.total_order_amount),
        "total_refund_amount": render_decimal(info.total_refund_amount),
        "total_discount_amount": render_decimal(info.total_discount_amount),
        "total_order_count": info.total_order_count,
    }


def customer_detailed_json(customer: Customer, info: OrdersInfo) -> dict[str, Any]:
    """CustomerDetailedSerializer: the channel nested, plus orders_info."""
    out = customer_json(customer)
    out["channel"] = channel_json(customer.channel)
    out["orders_info"] = orders_info_json(info)
    return out
