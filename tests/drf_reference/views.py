"""The seed's CustomerViewSet, with the 406 CustomerService gives for a channel change."""

from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action

from tests.drf_reference.filters import CustomerFilterSet
from tests.drf_reference.models import Customer
from tests.drf_reference.serializers import CustomerDetailedSerializer, CustomerSerializer


class ChannelNotUpdatable(exceptions.APIException):
    """CustomerService's refusal of a channel change (the seed's HTTP 406 body)."""

    status_code = 406

    def __init__(self):
        super().__init__()
        self.detail = {
            "non_field_errors": "channel:channel_name These field cannot be updated",
            "error_code": "customer_100_3",
        }


class CustomerViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """The seed's "Allowed HTTPs Requests": GET, POST, PATCH, PUT (no DELETE)."""

    queryset = Customer.objects.order_by("id")
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilterSet

    def perform_update(self, serializer):
        channel = serializer.validated_data.get("channel")
        if channel is not None and channel.pk != serializer.instance.channel_id:
            raise ChannelNotUpdatable()
        serializer.save()

    @action(detail=False, url_path="detailed", serializer_class=CustomerDetailedSerializer)
    def detailed_list(self, request):
        return self.list(request)

    @action(detail=True, url_path="detailed", serializer_class=CustomerDetailedSerializer)
    def detailed(self, request, pk=None):
        return self.retrieve(request, pk=pk)
