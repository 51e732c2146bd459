"""The seed's filter set, in django-filter's own filter classes (its DRF flavour)."""

from django_filters import rest_framework as df

from tests.drf_reference.models import GENDERS, USER_TYPES, Channel, Customer

RANGE = ("exact", "gt", "gte", "lt", "lte")


class CharFilterWithNull(df.CharFilter):
    """Omnitron's CharFilter whose value ``null`` means "is null"."""

    def filter(self, qs, value):
        if value == "null":
            return qs.filter(**{f"{self.field_name}__isnull": True})
        return super().filter(qs, value)


def _lookups(filter_class, field, lookups, **kwargs):
    return {
        (field if lookup == "exact" else f"{field}__{lookup}"): filter_class(
            field_name=field, lookup_expr=lookup, **kwargs
        )
        for lookup in lookups
    }


ORDERING = [
    "id", "email", "first_name", "last_name", "phone_number", "channel", "channel_code",
    "erp_code", "is_active", "created_date", "modified_date", "date_joined", "date_of_birth",
    "user_type", "gender",
]  # fmt: skip


class CustomerFilterSet(df.FilterSet):
    # A filter per lookup (created_date__gte, …), each a declared attribute of the class.
    locals().update(_lookups(df.DateFilter, "created_date", (*RANGE, "date")))
    locals().update(_lookups(df.DateFilter, "modified_date", (*RANGE, "date")))
    channel = df.ModelMultipleChoiceFilter(queryset=Channel.objects.all())
    locals().update(_lookups(df.CharFilter, "email", ("exact", "startswith")))
    first_name = CharFilterWithNull()
    last_name = CharFilterWithNull()
    phone_number = CharFilterWithNull()
    is_active = df.BooleanFilter()
    channel_code = CharFilterWithNull()
    erp_code = CharFilterWithNull()
    email_allowed = df.BooleanFilter()
    sms_allowed = df.BooleanFilter()
    call_allowed = df.BooleanFilter()
    date_joined = df.IsoDateTimeFilter()
    gender = df.ChoiceFilter(choices=GENDERS)
    user_type = df.ChoiceFilter(choices=USER_TYPES)
    date_of_birth = df.DateFilter()
    locals().update(_lookups(df.NumberFilter, "id", RANGE))
    locals().update(_lookups(df.NumberFilter, "pk", RANGE))
    ordering = df.OrderingFilter(fields=[*ORDERING, "pk"])

    class Meta:
        model = Customer
        fields = []
