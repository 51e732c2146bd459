"""The seed's Channel and Customer, in tables of their own (``drf_ref_*``) beside the app's."""

from django.db import models
from django.utils import timezone

GENDERS = [("male", "male"), ("female", "female")]
USER_TYPES = [("registered", "registered"), ("guest", "guest")]


class Channel(models.Model):
    name = models.CharField(max_length=255)
    channel_type = models.CharField(max_length=32, default="marketplace")
    is_active = models.BooleanField(default=True)
    created_date = models.DateTimeField(default=timezone.now, editable=False)
    modified_date = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        app_label = "drf_reference"
        db_table = "drf_ref_channel"


class Customer(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT)
    email = models.EmailField(max_length=254)
    first_name = models.CharField(max_length=255, blank=True, default="")
    last_name = models.CharField(max_length=255, blank=True, default="")
    phone_number = models.CharField(max_length=128, null=True, blank=True)
    is_active = models.BooleanField(default=True)
    channel_code = models.CharField(max_length=64)
    erp_code = models.CharField(max_length=64, null=True, blank=True)
    extra_field = models.JSONField(default=dict, blank=True)
    # StarterModel's timestamps; given explicitly by the test so both apps hold the same rows.
    modified_date = models.DateTimeField(default=timezone.now, editable=False)
    created_date = models.DateTimeField(default=timezone.now, editable=False)
    date_joined = models.DateTimeField(null=True, blank=True)
    email_allowed = models.BooleanField(default=False)
    sms_allowed = models.BooleanField(default=False)
    call_allowed = models.BooleanField(default=False)
    gender = models.CharField(max_length=32, choices=GENDERS, null=True)
    attributes = models.JSONField(default=dict, blank=True)
    user_type = models.CharField(max_length=32, choices=USER_TYPES, null=True)
    date_of_birth = models.DateField(null=True, blank=True)
    attributes_kwargs = models.JSONField(default=dict, blank=True)
    localized_attributes = models.JSONField(default=dict, blank=True)
    localized_attributes_kwargs = models.JSONField(default=dict, blank=True)

    class Meta:
        app_label = "drf_reference"
        db_table = "drf_ref_customer"
        unique_together = [("channel", "channel_code")]
