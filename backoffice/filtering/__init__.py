"""The filter engine: declarative filter sets that turn query parameters into SQL.

One query language for the HTML list and the JSON API, in django-filter's dialect:
``?email__startswith=ann&channel=1&channel=2&created_date__gte=2024-01-01&ordering=-id``.
Parameters the set does not know are ignored; bad values become errors keyed by parameter.
"""

from backoffice.filtering.filterset import FilterSet, Ordering, SortKey, declare
from backoffice.filtering.kinds import (
    BooleanFilter,
    CharFilter,
    CharFilterWithNull,
    ChoiceFilter,
    DateFilter,
    Filter,
    IsoDateTimeFilter,
    JsonMethodFilter,
    ModelMultipleChoiceFilter,
    NumberFilter,
    RelatedFilter,
)
from backoffice.filtering.search import SearchFilter
from backoffice.filtering.values import (
    FilterError,
    FilterValueError,
    QueryContext,
    parse_number,
    starts_with,
)

__all__ = [
    "BooleanFilter",
    "CharFilter",
    "CharFilterWithNull",
    "ChoiceFilter",
    "DateFilter",
    "Filter",
    "FilterError",
    "FilterSet",
    "FilterValueError",
    "IsoDateTimeFilter",
    "JsonMethodFilter",
    "ModelMultipleChoiceFilter",
    "NumberFilter",
    "Ordering",
    "QueryContext",
    "RelatedFilter",
    "SearchFilter",
    "SortKey",
    "declare",
    "parse_number",
    "starts_with",
]
