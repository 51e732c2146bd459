"""The dashboard on the home page: its figures, each bar's link to the filtered list, the
channel picker, the table view, the CSP, and a statement count that no data size changes."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import event

from backoffice.audit.context import AuditContext
from backoffice.customers.service import CustomerService
from backoffice.extensions import db
from backoffice.orders.service import OrderService
from backoffice.privacy import service as privacy
from backoffice.types import utcnow
from tests.builders import make_channel, make_customer
from tests.test_order_service import payload


def page(client, query: str = "") -> str:
    response = client.get(f"/{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def this_monday():
    today = utcnow().date()
    return today - timedelta(days=today.weekday())


@pytest.fixture
def shop(channel):
    other = make_channel(name="Other Market")
    make_customer(channel, email_allowed=True, sms_allowed=True)
    make_customer(channel, is_active=False)
    anonymized = make_customer(other, call_allowed=True)
    CustomerService().anonymize_customer(anonymized)
    now = utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
    OrderService().ingest_order(payload(channel, "O-1", amount="250.00", created_date=now))
    return {"channel": channel, "other": other}


def test_the_home_page_shows_the_whole_base(agent_client, shop):
    html = page(agent_client)
    figures = dict(re.findall(r'figure-label">([^<]+)</span>\s*<[^>]+>([\d,]+)<', html))
    # anonymizing deactivates: 2 of the 4 are active
    assert figures == {"Customers": "4", "Active": "2", "Anonymized": "1"}
    monday = this_monday()
    week = f"created_date__gte={monday}&created_date__lt={monday + timedelta(days=7)}"
    assert f'href="/customers/?{week}"' in unescape(html)  # this week's bar opens its list
    assert "250.00" in html  # this week's order amount, in the table view
    channel = shop["channel"]
    assert f'href="/customers/?email_allowed=true&channel={channel.id}"' in unescape(html)
    # of the channel's 3 customers (the buyer too), 2 allow email and 1 SMS
    assert "66.7%" in html and "33.3%" in html
    assert html.count("<svg") >= 4 and html.count("<details") == 4


def test_the_channel_picker_narrows_every_figure(agent_client, shop):
    other = shop["other"]
    html = page(agent_client, f"?channel={other.id}")
    figures = dict(re.findall(r'figure-label">([^<]+)</span>\s*<[^>]+>([\d,]+)<', html))
    assert figures == {"Customers": "1", "Active": "0", "Anonymized": "1"}
    assert f'<option selected value="{other.id}">Other Market</option>' in html
    assert f"channel={other.id}" in unescape(html)
    assert "Test Market" not in html.split('id="chart-consents-title"')[1].split("</figure>")[0]


@pytest.mark.parametrize("value", ["999", "abc", "1.5"])
def test_a_bad_channel_is_an_error_beside_the_picker(agent_client, shop, value):
    html = page(agent_client, f"?channel={value}")
    assert "Not a valid choice" in html and 'aria-invalid="true"' in html
    figures = dict(re.findall(r'figure-label">([^<]+)</span>\s*<[^>]+>([\d,]+)<', html))
    assert figures["Customers"] == "4"  # the whole base meanwhile


def test_the_charts_need_nothing_the_csp_forbids(agent_client, shop):
    html = page(agent_client)
    assert " style=" not in html and "<style" not in html
    assert "<script" not in html.split("</head>")[1]


def test_an_empty_base_renders(agent_client):
    html = page(agent_client)
    assert "New customers per week" in html and "No import has run yet" in html


class StatementCounter:
    def __init__(self):
        self.statements = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)


def reads_of(client, query: str = "") -> int:
    counter = StatementCounter()
    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        page(client, query)
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return len([s for s in counter.statements if s.lstrip().upper().startswith(("SELECT", "WITH"))])


def test_the_dashboard_reads_a_fixed_number_of_statements(agent_client, channel):
    page(agent_client)
    few = reads_of(agent_client), reads_of(agent_client, f"?channel={channel.id}")
    start = datetime.now(UTC) - timedelta(weeks=30)
    for n in range(40):
        moment = (start + timedelta(days=5 * n)).strftime("%Y-%m-%dT%H:%M:%SZ")
        OrderService().ingest_order(
            payload(channel, f"S-{n}", created_date=moment, customer={"channel_code": f"c{n}"})
        )
    make_channel(name="Third")
    many = reads_of(agent_client), reads_of(agent_client, f"?channel={channel.id}")
    # the user, the channel figures, the weekly customers, the weekly orders, the last import
    # runs, the recently changed customers
    assert few == many == (6, 6)


def test_supervisors_read_one_statement_more_for_the_privacy_requests(supervisor_client):
    few = reads_of(supervisor_client)
    context = AuditContext.system("test")
    for n in range(8):
        privacy.create_request(
            context,
            kind="erasure",
            email=f"p{n}@example.com",
            received_at=utcnow() - timedelta(days=5 * n),
        )
    OrderService().ingest_order(payload(make_channel(name="Runs"), "R-1"))
    many = reads_of(supervisor_client)
    # the agent's six, and the open requests by due date with their counts
    assert few == many == 7


def test_each_link_opens_the_list_of_the_customers_it_counts(agent_client, shop):
    html = unescape(page(agent_client))
    figures = dict(re.findall(r'figure-label">([^<]+)</span>\s*<a[^>]+href="([^"]+)"', html))
    monday = this_monday()
    week = f"/customers/?created_date__gte={monday}&created_date__lt={monday + timedelta(7)}"
    channel = shop["channel"]
    expected = {  # the link and how many customers the dashboard says it holds
        figures["Customers"]: 4,
        figures["Active"]: 2,
        week: 4,  # this week's new customers
        f"/customers/?email_allowed=true&channel={channel.id}": 2,
        f"/customers/?sms_allowed=true&channel={channel.id}": 1,
    }
    for url, count in expected.items():
        assert f'href="{url}"' in html
        listed = agent_client.get(url)
        assert listed.status_code == 200, url
        assert listed.get_data(as_text=True).count('data-label="Name"') == count, url
