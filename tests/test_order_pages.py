"""The order page: amounts, status, buyer and the order's history, linked from the customer."""

import re
from html import unescape

from backoffice.orders.service import OrderService
from tests.test_order_service import payload


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_a_stranger_signs_in_first_and_an_unknown_order_is_a_404(client, agent_client):
    assert client.get("/orders/1/").headers["Location"].startswith("/login?next=")
    response = agent_client.get("/orders/999999/")
    assert response.status_code == 404 and "Skip to content" in text(response)


def test_the_customer_page_links_each_order_number_to_its_page(agent_client, channel):
    order = OrderService().ingest_order(payload(channel)).order
    html = text(agent_client.get(f"/customers/{order.customer_id}/"))
    assert f'<a href="/orders/{order.id}/"><code>TY-1001</code></a>' in html


def test_the_order_page_shows_amounts_status_buyer_and_buyer_changes(agent_client, channel):
    first = OrderService().ingest_order(payload(channel)).order
    first_buyer = first.customer_id
    changed = payload(channel, status="refunded", refund_amount="149.90",
                      customer={"channel_code": "ty-88", "email": "mehmet@example.com",
                                "first_name": "Mehmet", "last_name": "Öz"})  # fmt: skip
    order = OrderService().ingest_order(changed).order
    html = text(agent_client.get(f"/orders/{order.id}/"))
    assert "<h1>Order <code>TY-1001</code></h1>" in html and "Test Market" in html
    assert "<dt>Amount</dt><dd>TRY\u00a0149.90</dd>" in html  # with its currency
    assert "<dt>Refund</dt><dd>TRY\u00a0149.90</dd>" in html
    assert "<dt>Status</dt><dd>refunded</dd>" in html
    assert f'<a href="/customers/{order.customer_id}/">Mehmet Öz</a>' in html
    history = html.split('id="order-history-title"')[1]
    status = r'<th scope="row">Status</th>\s*<td><span class="old">completed</span>'
    assert re.search(status, history)
    assert f'<span class="old"><a href="/customers/{first_buyer}/">Ayşe Yılmaz</a>' in history
    assert '<span class="source">via ingestion</span>' in history


def test_order_values_are_escaped(agent_client, channel):
    order = OrderService().ingest_order(payload(channel, number="<b>x</b>")).order
    raw = agent_client.get(f"/orders/{order.id}/").get_data(as_text=True)
    assert "<b>x</b>" not in raw and "&lt;b&gt;x&lt;/b&gt;" in raw
    # the customer page's orders table, whose rows print with autoescaping off
    raw = agent_client.get(f"/customers/{order.customer_id}/").get_data(as_text=True)
    assert "<b>x</b>" not in raw and "<code>&lt;b&gt;x&lt;/b&gt;</code>" in raw
