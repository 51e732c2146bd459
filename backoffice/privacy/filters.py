"""The privacy request filter set: ``?status=open&kind=erasure&due_date__lte=2026-12-31``."""

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from backoffice.extensions import db
from backoffice.filtering import ChoiceFilter, DateFilter, FilterSet, declare
from backoffice.pagination import Page, paginate
from backoffice.privacy.models import KINDS, STATUSES, PrivacyRequest

RANGE = ("exact", "gt", "gte", "lt", "lte")


class PrivacyRequestFilterSet(FilterSet):
    filters = declare(
        {
            "status": ChoiceFilter(PrivacyRequest.status, choices=STATUSES),
            "kind": ChoiceFilter(PrivacyRequest.kind, choices=KINDS),
            "due_date": DateFilter(PrivacyRequest.due_date, lookups=RANGE),
        }
    )
    ordering_fields = {
        "id": PrivacyRequest.id,
        "due_date": PrivacyRequest.due_date,
        "received_at": PrivacyRequest.received_at,
    }
    tiebreaker = "id"


def request_page(args: MultiDict, number: int, limit: int) -> Page:
    """One page of the requests ``args`` filter, by due date unless ``ordering`` says;
    raises FilterError and InvalidPage."""
    filters = PrivacyRequestFilterSet(args, db.session, db.session.get_bind().dialect.name)
    where = filters.where()
    order = filters.order_by() if filters.ordering else [PrivacyRequest.due_date, PrivacyRequest.id]
    statement = select(PrivacyRequest).where(*where).order_by(*order)
    count = select(func.count()).select_from(PrivacyRequest).where(*where)
    return paginate(db.session, statement, count, number, limit)
