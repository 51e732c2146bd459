"""The fields of Omnitron's CustomerSerializer: what the API and order ingestion accept."""

from backoffice.customers.models import GENDERS, USER_TYPES
from backoffice.fields import Field


def _dict(name: str, description: str = "") -> Field:
    return Field(name, "dict", description=description)


# In the order of Omnitron's CustomerSerializer, which the responses keep.
CUSTOMER_FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field("pk", "integer", read_only=True),
        Field("channel", "pk", required=True, description="The channel's pk."),
        Field("email", "email", required=True, allow_blank=False, max_length=254),
        Field("first_name", "char", max_length=255),
        Field("last_name", "char", max_length=255),
        Field("phone_number", "char", max_length=128, allow_null=True),
        Field("is_active", "boolean", description="False for an anonymized customer."),
        Field("channel_code", "char", required=True, allow_blank=False, max_length=64),
        Field("erp_code", "char", max_length=64, allow_null=True),
        _dict("extra_field"),
        Field("modified_date", "datetime", read_only=True),
        Field("created_date", "datetime", read_only=True),
        Field("date_joined", "datetime", allow_null=True),
        Field("email_allowed", "boolean"),
        Field("sms_allowed", "boolean"),
        Field("call_allowed", "boolean"),
        Field("gender", "choice", choices=GENDERS, allow_null=True),
        _dict("attributes", "logged_ip, register_client_type, has_loyalty, sso_id, …"),
        Field("user_type", "choice", choices=USER_TYPES, allow_null=True),
        Field("date_of_birth", "date", allow_null=True),
        _dict("attributes_kwargs"),
        _dict("localized_attributes"),
        _dict("localized_attributes_kwargs"),
    )
}
