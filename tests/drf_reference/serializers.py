"""CustomerSerializer and CustomerDetailedSerializer as the seed lists their fields."""

from rest_framework import serializers

from tests.drf_reference.models import Channel, Customer

FIELDS = [
    "pk", "channel", "email", "first_name", "last_name", "phone_number", "is_active",
    "channel_code", "erp_code", "extra_field", "modified_date", "created_date", "date_joined",
    "email_allowed", "sms_allowed", "call_allowed", "gender", "attributes", "user_type",
    "date_of_birth", "attributes_kwargs", "localized_attributes", "localized_attributes_kwargs",
]  # fmt: skip


class CustomerSerializer(serializers.ModelSerializer):
    # The seed's JSON fields hold objects (the app answers "Expected a dictionary of items").
    extra_field = serializers.DictField(required=False)
    attributes = serializers.DictField(required=False)
    attributes_kwargs = serializers.DictField(required=False)
    localized_attributes = serializers.DictField(required=False)
    localized_attributes_kwargs = serializers.DictField(required=False)

    class Meta:
        model = Customer
        fields = FIELDS


class ChannelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Channel
        fields = ["pk", "name", "channel_type", "is_active", "created_date", "modified_date"]


class CustomerDetailedSerializer(CustomerSerializer):
    channel = ChannelSerializer(read_only=True)
    orders_info = serializers.SerializerMethodField()

    class Meta(CustomerSerializer.Meta):
        fields = [*FIELDS, "orders_info"]

    def get_orders_info(self, customer):
        # The reference holds no orders (neither do the test's customers).
        return {
            "total_order_amount": "0.00",
            "total_refund_amount": "0.00",
            "total_discount_amount": "0.00",
            "total_order_count": 0,
        }
