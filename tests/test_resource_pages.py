"""A plain resource's pages come from its labels alone (backoffice/resourcepages.py): the
generic list sorts, pages and refuses bad filters; the detail shows every labelled value."""

import pytest
from flask import Blueprint, request

from backoffice.auth.access import role_required
from backoffice.channels.models import Channel
from backoffice.extensions import db
from backoffice.filtering import BooleanFilter, FilterSet, NumberFilter, declare
from backoffice.pagination import filtered_page
from backoffice.resourcepages import ResourcePages
from tests.builders import make_channel
from tests.conftest import sign_in


class ChannelFilterSet(FilterSet):
    filters = declare(
        {"is_active": BooleanFilter(Channel.is_active), "id": NumberFilter(Channel.id)}
    )
    ordering_fields = {"id": Channel.id, "name": Channel.name}
    tiebreaker = "id"


PAGES = ResourcePages(
    title="Channels",
    noun="channels",
    labels={"name": "Name", "channel_type": "Type", "is_active": "Active"},
    columns=("name", "is_active"),
    blueprint="channel_pages",
)


@pytest.fixture
def client(app, users):
    bp = Blueprint("channel_pages", __name__, url_prefix="/channel-pages")

    @bp.get("/", endpoint="list")
    @role_required("agent")
    def channel_list():
        filters = ChannelFilterSet(request.args, db.session)
        page = filtered_page(db.session, Channel, filters, 1, 2) if filters.is_valid else None
        return PAGES.list_page(filters, page)

    @bp.get("/<int:pk>/", endpoint="detail")
    @role_required("agent")
    def channel_detail(pk: int):
        channel = db.get_or_404(Channel, pk)
        return PAGES.detail_page(channel, channel.name)

    app.register_blueprint(bp)
    return sign_in(app.test_client(), users["agent"])


def test_the_list_shows_the_declared_columns_sorted_and_paged(client):
    for name in ("Beta", "Alpha", "Gamma"):
        make_channel(name=name, is_active=name != "Gamma")
    page = client.get("/channel-pages/?ordering=name").get_data(as_text=True)
    assert page.index("Alpha") < page.index("Beta") and "Gamma" not in page  # 2 a page
    assert 'aria-sort="ascending"' in page and "<strong>3</strong> channels" in page
    assert "Type" not in page  # a detail row, not a column
    filtered = client.get("/channel-pages/?is_active=false").get_data(as_text=True)
    assert "Gamma" in filtered and "Alpha" not in filtered


def test_a_bad_filter_is_a_message_not_a_list(client):
    response = client.get("/channel-pages/?id=abc")
    assert response.status_code == 400
    assert "<code>id</code>: Enter a number." in response.get_data(as_text=True)


def test_the_detail_shows_every_labelled_value(client):
    channel = make_channel(name="Alpha <Market>", channel_type="web")
    page = client.get(f"/channel-pages/{channel.id}/").get_data(as_text=True)
    assert "Alpha &lt;Market&gt;" in page
    assert "<dt>Type</dt><dd>web</dd>" in page and "<dt>Active</dt><dd>yes</dd>" in page
