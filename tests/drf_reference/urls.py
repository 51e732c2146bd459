"""/api/v1/customers/ routed as the seed's omnitron_api names it."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from tests.drf_reference.views import CustomerViewSet

router = SimpleRouter()
router.register("customers", CustomerViewSet, basename="customer")

urlpatterns = [path("api/v1/", include(router.urls))]
