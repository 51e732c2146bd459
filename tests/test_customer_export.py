"""CSV export of the filtered customer list, from the list page and from the API."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from backoffice.audit.models import AuditEvent
from backoffice.customers import export, streaming
from backoffice.extensions import db
from tests.builders import make_channel, make_customer

API = "/api/v1/customers/export.csv"
PAGE = "/customers/export.csv"


def rows(response) -> list[dict[str, str]]:
    """The CSV of a response read with ``buffered=True`` (inside the request's own context)."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def exports() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")))


@pytest.fixture
def crowd(channel):
    other = make_channel(name="Other Market")
    return {
        "ann": make_customer(channel, email="ann@example.com", first_name="Ann"),
        "anna": make_customer(channel, email="anna@example.com", is_active=False),
        "bob": make_customer(other, email="bob@example.com", first_name="Bob"),
    }


def test_the_api_export_keeps_the_filters(supervisor_api, crowd, channel):
    got = rows(
        supervisor_api.get(f"{API}?email__startswith=ann&channel={channel.id}", buffered=True)
    )
    assert [row["email"] for row in got] == ["ann@example.com", "anna@example.com"]
    assert list(got[0]) == list(export.HEADER)
    assert got[0]["pk"] == str(crowd["ann"].id) and got[0]["channel"] == str(channel.id)
    assert got[1]["is_active"] == "false"
    only_active = rows(supervisor_api.get(f"{API}?is_active=true&ordering=-email", buffered=True))
    assert [row["email"] for row in only_active] == ["bob@example.com", "ann@example.com"]


def test_the_page_export_keeps_the_filters_and_the_list_links_to_it(
    supervisor_client, agent_client, crowd, channel
):
    got = rows(supervisor_client.get(f"{PAGE}?channel={channel.id}&ordering=email", buffered=True))
    assert [row["email"] for row in got] == ["ann@example.com", "anna@example.com"]
    listing = supervisor_client.get(f"/customers/?channel={channel.id}&ordering=email")
    assert f'href="/customers/export.csv?channel={channel.id}&amp;ordering=email"' in (
        listing.get_data(as_text=True)
    )
    assert "export.csv" not in agent_client.get("/customers/").get_data(as_text=True)


def test_agents_may_not_export(api, agent_client, anonymous_api, crowd):
    assert api.get(API).status_code == 403
    assert anonymous_api.get(API).status_code == 401
    assert agent_client.get(PAGE).status_code == 403
    assert exports() == []


def test_admins_may_export(admin_api, admin_client, crowd):
    assert len(rows(admin_api.get(API, buffered=True))) == 3
    assert len(rows(admin_client.get(PAGE, buffered=True))) == 3


def test_formula_cells_are_neutralised(supervisor_api, channel):
    make_customer(
        channel,
        first_name='=HYPERLINK("http://evil.example")',
        last_name="+1+2",
        phone_number="-3",
        erp_code="@SUM(A1)",
        channel_code="\tcode",
        attributes={"note": "=1"},
    )
    make_customer(channel, first_name="\r=2", last_name="Plain")
    first, second = rows(supervisor_api.get(f"{API}?ordering=id", buffered=True))
    assert first["first_name"] == '\'=HYPERLINK("http://evil.example")'
    assert first["last_name"] == "'+1+2"
    assert first["phone_number"] == "'-3"
    assert first["erp_code"] == "'@SUM(A1)"
    assert first["channel_code"] == "'\tcode"
    assert first["attributes"] == '{"note": "=1"}'  # a JSON object starts with {
    assert second["first_name"] == "'\r=2" and second["last_name"] == "Plain"


def test_an_export_is_audited_without_personal_values(supervisor_api, users, crowd, channel):
    rows(
        supervisor_api.get(
            f"{API}?email__startswith=ann%40&channel={channel.id}&is_active=true", buffered=True
        )
    )
    (event,) = exports()
    assert event.actor_id == users["supervisor"].id and event.source == "api"
    assert event.object_type == "customer" and event.object_id is None
    assert event.changes == {
        "filter": [
            None,
            {
                "email__startswith": ["[hidden]"],
                "channel": [str(channel.id)],
                "is_active": ["true"],
            },
        ],
        "format": [None, "csv"],
    }
    assert "ann@" not in str(event.changes)


def test_a_page_export_is_audited_as_web(supervisor_client, users, crowd):
    rows(supervisor_client.get(f"{PAGE}?first_name=Ann", buffered=True))
    (event,) = exports()
    assert event.source == "web" and event.actor_id == users["supervisor"].id
    assert event.changes["filter"][1]["first_name"] == ["[hidden]"]


def test_a_bad_filter_is_refused_and_not_audited(supervisor_api, supervisor_client, crowd):
    response = supervisor_api.get(f"{API}?created_date__gte=yesterday")
    assert response.status_code == 400 and "created_date__gte" in response.get_json()
    page = supervisor_client.get(f"{PAGE}?created_date__gte=yesterday")
    assert page.status_code == 302 and page.location.startswith("/customers/?")
    assert exports() == []


def test_a_head_request_exports_nothing_and_is_not_audited(
    supervisor_api, supervisor_client, crowd
):
    for response in (supervisor_api.open("HEAD", API), supervisor_client.head(PAGE)):
        assert response.status_code == 200
        assert response.mimetype == "text/csv" and response.get_data() == b""
    assert supervisor_api.open("HEAD", f"{API}?created_date__gte=yesterday").status_code == 400
    assert exports() == []


def test_the_export_is_streamed_block_by_block(supervisor_api, channel, monkeypatch):
    monkeypatch.setattr(streaming, "ROWS_PER_BLOCK", 2)
    for _ in range(5):
        make_customer(channel)
    db.session.commit()
    # The plain test client, so the blocks are read here, in the request's own context.
    client = supervisor_api.client
    response = FlaskClient.open(
        client, API, headers={"Authorization": f"Token {supervisor_api.key}"}
    )
    assert response.is_streamed
    blocks = list(response.response)
    response.close()
    assert len(blocks) == 3  # rows 1-2 (with the header), 3-4, 5
    assert sum(block.count(b"\r\n") for block in blocks) == 6


def test_cells_read_as_the_api_renders_them(supervisor_api, channel):
    customer = make_customer(
        channel,
        date_of_birth=date(1990, 2, 3),
        date_joined=datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC),
        email_allowed=True,
        gender="female",
        phone_number=None,
    )
    (row,) = rows(supervisor_api.get(API, buffered=True))
    body = supervisor_api.get(f"/api/v1/customers/{customer.id}/").get_json()
    for name in ("pk", "channel", "created_date", "modified_date", "date_joined",
                 "date_of_birth", "email", "gender", "channel_code"):  # fmt: skip
        assert row[name] == str(body[name]), name
    assert row["date_joined"] == "2024-05-06T07:08:09.123456Z"
    assert (row["email_allowed"], row["sms_allowed"]) == ("true", "false")
    assert row["phone_number"] == "" and row["erp_code"] == ""
